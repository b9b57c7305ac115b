"""JSON API for other systems, under /api/v1: thin views over the service layer."""

from __future__ import annotations

from flask import Blueprint, Flask


def init_app(app: Flask) -> None:
    from api import meta, scores, versions
    from api.errors import register_error_handlers

    api = Blueprint("api", __name__, url_prefix="/api/v1")
    for child in (scores.bp, versions.bp, meta.bp):
        api.register_blueprint(child)
    app.register_blueprint(api)
    app.add_url_rule("/healthz", "healthz", meta.healthz)
    register_error_handlers(app)
