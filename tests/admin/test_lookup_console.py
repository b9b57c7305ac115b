"""The console's application page: the one-time materials notice (shown, and printable as a sheet of its own) and a
new lookup code for the applicant, shown once, never flashed, audited without the code."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from api.examples import example_facts
from jifen import applications
from jifen.applications import Actor, Context, lookup, workdays
from jifen.store.models import Application, AuditEntry
from tests.admin.conftest import Console

TODAY = dt.date(2026, 6, 1)


def _receive(db: Any, ref: str, facts: dict[str, Any]) -> None:
    with db.transaction() as s:
        context = Context(s, Actor("client", "intake"), TODAY, workdays.load(s))
        applications.receive(context, ref, 2026, dt.date(2026, 3, 16), "window", facts)


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def test_the_application_page_shows_the_notice_and_its_printable_sheet(console: Console, db: Any) -> None:
    console.app.config["TODAY"] = lambda: TODAY
    _receive(db, "TX-N1", example_facts(2026))
    console.login("auditor")
    page = console.get("/admin/applications/2026/TX-N1")
    assert page.status_code == 200
    text = _text(page)
    assert "一次性告知" in text and "毕业证书" in text and "用于：大学本科及以上学历" in text
    assert text.count("浙江省居住证 ") + text.count("浙江省居住证（") <= 2  # each material once
    sheet = console.get("/admin/applications/notice/2026/TX-N1")
    assert sheet.status_code == 200 and "申请人签收" in _text(sheet) and "毕业证书" in _text(sheet)
    assert "notice.css" in sheet.get_data(as_text=True)
    assert 'id="lookup-code-form"' not in page.get_data(as_text=True)  # an auditor changes nothing
    assert console.post("/admin/applications/lookup-code/2026/TX-N1").status_code == 403


def test_a_publisher_issues_a_new_code_shown_once(console: Console, db: Any) -> None:
    console.app.config["TODAY"] = lambda: TODAY
    _receive(db, "TX-N2", {k: example_facts(2026)[k] for k in ("permit_valid", "permit_endorsed", "birth_date")})
    console.login("publisher")
    page = console.get("/admin/applications/2026/TX-N2")
    assert "尚未发放查询码" in _text(page)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token is not None
    issued = console.post("/admin/applications/lookup-code/2026/TX-N2", {"csrf_token": token[1]})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    shown = re.search(r'id="issued-code">([^<]+)<', issued.get_data(as_text=True))
    assert shown is not None
    code = shown[1]
    with db.transaction() as s:
        assert lookup.find(s, "TX-N2", 2026, code, console.app.config["SECRET_KEY"]) is not None
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "issue_lookup_code"))
        assert entry is not None and entry.actor == "publisher" and entry.object_ref == "TX-N2/2026"
        assert code not in str(entry.after) and s.scalar(select(Application.lookup_code_hash)) != code
    again = console.get("/admin/applications/2026/TX-N2")
    assert code not in again.get_data(as_text=True) and "已发放查询码" in _text(again)
    console.login("auditor")
    assert "发放查询码" in _text(console.get("/admin/audit/"))
