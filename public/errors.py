"""The public pages' error pages: a short page in Chinese, in the pages' own layout."""

from __future__ import annotations

from flask import Response, render_template
from werkzeug.exceptions import HTTPException

from jifen.words import names, word
from public.blueprint import bp

_TITLES = names("public_errors_titles")
_EXPLANATIONS = names("public_errors_explanations")


@bp.errorhandler(HTTPException)
def page(exc: HTTPException) -> Response:
    """Any HTTP error raised by a public page."""
    status = exc.code or 500
    title = _TITLES.get(str(status), word("public_errors_titles.other"))
    explanation = _EXPLANATIONS.get(str(status), word("public_errors_explanations.other"))
    body = render_template("public/error.html", title=title, crumbs=[], status=status, explanation=explanation)
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response
