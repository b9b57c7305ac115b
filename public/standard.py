"""积分标准: the published standard of a year, for applicants (``/standard``, ``/standard/<year>``).

A page is rendered once per process for what it shows (the versions chosen, see
``jifen.standard.public_view.Choice.key``) and kept under its ETag, which also carries a fingerprint of the
templates, words and code that write it, so that a deploy changes it too. A request costs one small query (the
published versions) and answers 304 when the client has the page already.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from pathlib import Path

from flask import Response

from engine import describe, diff
from jifen import words
from jifen.standard import public_view
from jifen.standard.public_view import Choice
from jifen.unit_of_work import get_session
from public.blueprint import bp
from public.pages import cacheable, render, today

MAX_AGE = 300  # seconds a browser or proxy may keep the page before asking again (with its ETag)
_YEAR = re.compile(r"[1-9][0-9]{3}")
_SHOWN_LIMIT = 20  # characters of a bad year shown back on the answer


def _fingerprint() -> str:
    """The templates, words and code that write the page: a deploy that changes any of them changes every ETag."""
    here = Path(__file__).parent
    files = [
        *sorted((here / "templates" / "public").glob("*.html")), *sorted(Path(words.__file__).parent.glob("*.toml")),
        Path(__file__), Path(public_view.__file__), Path(describe.__file__), Path(diff.__file__),
    ]  # fmt: skip
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


FINGERPRINT = _fingerprint()
CHANGE_NAMES = words.names("public_standard_changes")


class RenderedPages:
    """The pages this process has rendered, by ETag; the least recently used is forgotten beyond ``size``."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._pages: OrderedDict[str, str] = OrderedDict()

    def get(self, etag: str) -> str | None:
        with self._lock:
            page = self._pages.get(etag)
            if page is not None:
                self._pages.move_to_end(etag)
            return page

    def put(self, etag: str, page: str) -> None:
        with self._lock:
            self._pages[etag] = page
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()


rendered = RenderedPages()


@bp.get("/standard")
def current() -> Response:
    """This year's standard (the newest published year's, saying so, when this year has none yet)."""
    on = today()
    versions = public_view.published(get_session())
    choice = public_view.choose(versions, on.year, on)
    if choice.shown is None and choice.years:
        return _page(public_view.choose(versions, choice.years[0], on), root=True, instead_of=on.year)
    return _page(choice, root=True)


@bp.get("/standard/<year>")
def of_year(year: str) -> Response:
    """The standard of ``year``: the version in force today, else the year's latest published."""
    on = today()
    versions = public_view.published(get_session())
    if _YEAR.fullmatch(year) is None:
        shown = year if len(year) <= _SHOWN_LIMIT else year[:_SHOWN_LIMIT] + "…"
        return _missing(words.word("public_standard.not_a_year", year=shown), public_view.years_of(versions))
    return _page(public_view.choose(versions, int(year), on), root=False)


def _page(choice: Choice, root: bool, instead_of: int | None = None) -> Response:
    """The page of ``choice`` (at /standard when ``root``; there instead of ``instead_of``'s, which has none)."""
    if choice.shown is None:
        return _missing(words.word("public_standard.no_year", year=choice.year), choice.years)
    etag = hashlib.sha256(f"{choice.key}|{root}|{instead_of}|{FINGERPRINT}".encode()).hexdigest()[:32]
    page = rendered.get(etag)
    if page is None:
        standard = public_view.content(get_session(), choice)
        crumbs = [] if root else [(words.word("public_base.nav_standard"), "/standard")]
        page = render("public/standard.html", title=standard.version.title, crumbs=crumbs, choice=choice,
                      standard=standard, instead_of=instead_of, change_names=CHANGE_NAMES)  # fmt: skip
        rendered.put(etag, page)
    return cacheable(page, etag, MAX_AGE)


def _missing(explanation: str, years: tuple[int, ...]) -> Response:
    """404: no standard for the year asked, and the years that have one."""
    title = words.word("public_standard.missing_title")
    crumbs = [(words.word("public_base.nav_standard"), "/standard")]
    body = render("public/standard_missing.html", title=title, crumbs=crumbs, explanation=explanation, years=years)
    response = Response(body, status=404, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response
