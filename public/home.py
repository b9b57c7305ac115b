"""The front page: what the points are, and the way to each public page."""

from __future__ import annotations

from flask import Response, send_from_directory

from public.blueprint import bp
from public.pages import render


@bp.get("/")
def index() -> str:
    """The front page."""
    return render("public/home.html", crumbs=())


@bp.get("/favicon.ico")
def favicon() -> Response:
    """The service's icon, for the console's and the public pages' tabs (browsers ask for it at this address)."""
    assert bp.static_folder is not None
    return send_from_directory(bp.static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=86400)
