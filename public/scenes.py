"""积分应用 (``/scenes``): the published lists of the scenes points entitle to (积分入学 and others) — who is entitled,
in rank order, with the threshold, the quota and the publication date; each applicant's reference partly masked.

Only published lists are shown (a draft is the bureau's work in progress): they are frozen, so a page is the same
for everyone and cacheable, its ETag the list's hash and the page number. What changed after publication (a void,
a re-review) is for the department's decision and is not shown here.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, request

from jifen.errors import CodedError
from jifen.scenes import faces
from jifen.unit_of_work import get_session
from jifen.words import names, word
from public.blueprint import bp
from public.pages import cacheable, render

MAX_AGE = 300
PER_PAGE = 100
ENTITLED = names("scenes_public_entitled")


def masked(reference: str) -> str:
    """A reference with its middle hidden: what precedes the last hyphen (the reference's pattern) and its last three
    characters stay, ``TX-2026-000123`` → ``TX-2026-***123``; without a hyphen, ``AB12345`` → ``****345``."""
    head, _, tail = reference.rpartition("-")
    head = head + "-" if head else ""
    shown = tail[-3:] if len(tail) > 4 else tail[-1:]
    return head + "*" * max(len(tail) - len(shown), 2) + shown


def _published(code: str, year: int) -> dict[str, Any]:
    try:
        scene = faces.summary(get_session(), code, year)
    except CodedError:
        abort(404)
    if scene["status"] != "published":
        abort(404)
    return scene


@bp.get("/scenes")
def scenes() -> Response:
    """Every published scene, the latest year first."""
    shown = [s for s in faces.summaries(get_session()) if s["status"] == "published"]
    body = render("public/scenes.html", title=word("scenes_public.title"), crumbs=[], scenes=shown)
    tag = "-".join(s["list_hash"][7:19] for s in shown) or "none"
    return cacheable(body, tag, MAX_AGE)


@bp.get("/scenes/<code>/<int:year>")
def scene(code: str, year: int) -> Response:
    """One published list, a page at a time."""
    found = _published(code, year)
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    lines, total = faces.page(get_session(), code, year, page, PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    if page > pages:
        abort(404)
    rows = [{**line, "masked": masked(line["application_ref"])} for line in lines]
    title = word("scenes_public.scene_title", name=found["name"], year=year)
    body = render("public/scene.html", title=title, crumbs=[(word("scenes_public.title"), "/scenes")], scene=found,
                  rows=rows, page=page, pages=pages, total=total, entitled=ENTITLED)  # fmt: skip
    return cacheable(body, f"{found['list_hash'][7:39]}-{page}", MAX_AGE)
