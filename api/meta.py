"""/api/v1/openapi.json, /api/v1/docs and the health check."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, render_template

from api.http import conditional, json_response
from api.openapi import build_spec, doc
from api.schemas import HealthSchema
from engine import RulesetError
from jifen.db import get_db, get_session
from jifen.services import rulesets

bp = Blueprint("meta", __name__, template_folder="templates")


def _catalogues() -> list[Any]:
    """The published versions' fact catalogues, documented as FactsRulesetYEAR schemas."""
    models = []
    for row in rulesets.list_versions(get_session(), status="published"):
        try:
            models.append(rulesets.load_model(row))
        except RulesetError:  # a published version is valid; never let the documentation fail on one
            continue
    return models


@bp.get("/openapi.json")
def openapi() -> Response:
    return conditional(json_response(build_spec(current_app, _catalogues())))


@bp.get("/docs")
def docs() -> str:
    spec = build_spec(current_app, _catalogues())
    return render_template("api/docs.html", spec=spec)


@bp.get("/healthz")
@doc("Is the service up and can its database take a write now?", tag="meta",
     description="Needs no key. Also served at /healthz for load balancers.",
     responses={200: ("Healthy", HealthSchema)})  # fmt: skip
def healthz() -> Response:
    """200 if a write would succeed now; otherwise DatabaseUnavailable, answered 503 (within the health timeout)."""
    get_db().check_writable()
    return json_response({"status": "ok", "database": "ok"})
