"""What every public page shares: its title and breadcrumbs, and answers that a cache may or may not keep."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Response, current_app, render_template, request

from jifen.applications import china_today
from jifen.words import word


def today() -> dt.date:
    """Today in China; the application's ``TODAY`` setting (a callable, e.g. JIFEN_TODAY) replaces the clock, as
    for the API."""
    clock = current_app.config.get("TODAY")
    return clock() if clock is not None else china_today()


Crumb = tuple[str, str | None]  # (text, address; None for the page itself)


def render(template: str, *, title_code: str | None = None, title: str | None = None,
           crumbs: Iterable[Crumb] = (), **context: Any) -> str:  # fmt: skip
    """A public page: ``title`` (or the catalogue's ``title_code``) heads it, the breadcrumbs start at the front
    page and end at the page itself."""
    heading = title if title is not None else word(title_code) if title_code else ""
    trail = [(word("public_base.home"), "/"), *crumbs] if crumbs != () else []
    if trail:
        trail.append((heading, None))
    return render_template(template, title=heading, crumbs=trail, **context)


def private(body: str, status: int = 200) -> Response:
    """An answer about one person (their facts, their application): never kept by any cache, sent to nobody else."""
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


def cacheable(body: str, etag: str, max_age: int = 60) -> Response:
    """A page everyone sees alike, with its ETag: 304 when the client has it already."""
    response = Response(body, mimetype="text/html")
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={max_age}"
    response.make_conditional(request)
    return response
