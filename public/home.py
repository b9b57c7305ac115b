"""The front page: what the points are, and the way to each public page."""

from __future__ import annotations

from public.blueprint import bp
from public.pages import render


@bp.get("/")
def index() -> str:
    """The front page."""
    return render("public/home.html", crumbs=())
