"""The console's error pages: a short page in Chinese for every HTTP error outside the API.

The composition root (application.py) sends here the errors of addresses under /admin that match no route (such
a path belongs to no blueprint); the API's blueprint has its own handlers (problem details), the public pages theirs.
"""

from __future__ import annotations

import logging

from flask import Response, current_app, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException

from admin.words import names, word

log = logging.getLogger(__name__)
_TITLES = names("error_titles")
_EXPLANATIONS = names("error_explanations")


def plain_page(status: int) -> str:
    """A short page in Chinese without the console's layout (for a request the application never saw, or when
    the layout cannot be drawn)."""
    title = _TITLES.get(str(status), word("error_titles.other"))
    return word("error_page.plain", status=status, title=escape(title))


def _console_page(status: int, title: str) -> str | None:
    """The error in the console's own layout, with its navigation; None when that cannot be drawn (e.g. the
    database is down, which the navigation needs for the user's role)."""
    if not request.path.startswith("/admin"):
        return None
    try:
        home = current_app.extensions["admin"][0].index_view
        referrer = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
        return str(home.render("admin/error.html", status=status, title=title, back=referrer,
                               explanation=_EXPLANATIONS.get(str(status), word("error_explanations.other"))))  # fmt: skip
    except Exception:  # the plain page below says the same; why the layout failed is in the log
        log.warning("the console's error page could not be drawn in its layout", exc_info=True)
        return None


def page(exc: HTTPException) -> Response:
    status = exc.code or 500
    title = _TITLES.get(str(status), word("error_titles.other"))
    body = _console_page(status, title) or plain_page(status)
    response = Response(body, status=status, mimetype="text/html")
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response
