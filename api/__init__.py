"""JSON API for other systems, under /api/v1: thin views over the service layer."""

from __future__ import annotations

from flask import Blueprint, Flask
from werkzeug.routing import IntegerConverter, PathConverter

import api.fields  # noqa: F401  (first: every schema of the API is built with the service's wording)


class Int32Converter(IntegerConverter):
    """A path's number of at most 10 digits: a longer one matches no operation (and gets the API's 404) instead
    of failing in the router, which tries no other rule once a rule's pattern has matched."""

    regex = r"\d{1,10}"


class AnyPathConverter(PathConverter):
    """The rest of a path, whatever it holds: a decoded newline too (``path``'s ``.`` would stop at one)."""

    regex = r"(?s:.*)"
    part_isolating = False  # werkzeug would take a pattern without a "/" for one that stops at slashes


def init_app(app: Flask) -> None:
    from api import applications, events, meta, periods, scenes, scores, statements, tasks, versions
    from api.errors import PROBED_METHODS, register_error_handlers, unknown_path
    from api.http import refuse_oversized_body

    # One blueprint holds everything the API answers (/api/…, and /healthz for load balancers), so that its
    # error handlers, which answer problem details, apply to all of it and to nothing of the console.
    app.url_map.converters["int32"] = Int32Converter
    app.url_map.converters["anypath"] = AnyPathConverter
    api = Blueprint("api", __name__)
    children = (
        scores.bp,
        versions.bp,
        applications.bp,
        periods.bp,
        scenes.bp,
        tasks.bp,
        events.bp,
        statements.bp,
        meta.bp,
    )
    for child in children:
        api.register_blueprint(child, url_prefix="/api/v1")
    api.add_url_rule("/healthz", "healthz", meta.healthz)
    api.add_url_rule(statements.JWKS_PATH, "jwks", statements.jwks)  # the statements' public keys (issue 21)
    for rule in ("/api", "/api/<anypath:path>"):
        api.add_url_rule(rule, "unknown_path", unknown_path, methods=PROBED_METHODS, provide_automatic_options=False)
    api.before_request(refuse_oversized_body)
    register_error_handlers(api)
    app.register_blueprint(api)
