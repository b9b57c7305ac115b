"""个人信息查阅记录: the facts access log for auditors — every read of an applicant's facts, searched by applicant
(reference and year) or by reader, and one applicant's whole record as a download (what the applicant is given when
they ask the bureau). ``reading`` is how the console's pages that show facts ask what their user may see."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort, request
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.application_actions import department_of_user
from admin.auth import RoleMixin
from admin.clock import local_time
from admin.words import names
from engine import dumps
from jifen import unit_of_work
from jifen.privacy import log, need
from jifen.unit_of_work import get_session

PER_PAGE = 50


def reading(channel: str, application_ref: str, year: int | None, *, score_id: str | None = None,
            detail: bool = False) -> need.Lens:  # fmt: skip
    """What the logged-in user sees of an application's facts on this page; the reading is logged, with the reason
    the user gave (``?reason=`` from the form that opens a score's full facts), if any."""
    reader = need.Reader("user", current_user.username, current_user.role, department_of_user())
    reason = _text(request.args.get("reason"), 200) or None
    return need.reading(unit_of_work.current(), reader, channel, application_ref, year, score_id=score_id,
                        detail=detail, reason=reason)  # fmt: skip


def _year(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and 2000 <= int(raw) <= 2100 else None


def _text(raw: str | None, limit: int) -> str:
    return "".join(c for c in (raw or "") if c.isprintable()).strip()[:limit]


class AccessLogView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("auditor", "admin")

    @expose("/")
    def index(self) -> Any:
        ref, user = _text(request.args.get("application"), 100), _text(request.args.get("user"), 64)
        year = _year(request.args.get("year"))
        number = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
        rows, total = log.search(get_session(), ref or None, year, user or None, number, PER_PAGE)
        return self.render("admin/access_log.html", rows=rows, total=total, page=number,
                           pages=max(1, -(-total // PER_PAGE)), application=ref, year=year or "", user=user,
                           channels=names("privacy_channels"), extents=names("privacy_extents"),
                           kinds=names("privacy_actor_kinds"), local_time=local_time)  # fmt: skip

    @expose("/export")
    def export(self) -> Any:
        """One applicant's access record (every reading of their facts, oldest first) as JSON."""
        ref, year = _text(request.args.get("application"), 100), _year(request.args.get("year"))
        if not ref:
            abort(404)
        record = log.applicant_record(get_session(), ref, year)
        name = f"access-{ref}-{year or 'all'}".replace("/", "-") + ".json"
        response = Response(dumps(record, indent=2) + "\n", mimetype="application/json")
        response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
        return response
