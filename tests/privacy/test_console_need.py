"""Need to know in the console: every role on every page that shows facts — the score's own page (full, auditors
only), an application's page (masked), its export (full for auditors), a department's queue and task page (its own
facts) — and the access log's entry for each opening."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jifen.store.access_log import FactsAccess
from jifen.store.db import get_db
from tests.privacy.conftest import DONE, OPEN, Life

BIRTH, YEAR_ONLY = "1988-02-03", "1988"


def _pages(life: Life) -> dict[str, str]:
    return {
        "score": f"/admin/scores/details/?id={life.score_id}",
        "application": f"/admin/applications/2025/{DONE}",
        "export": f"/admin/applications/export/2025/{DONE}",
        "queue": "/admin/queue/",
        "task": f"/admin/queue/2025/{OPEN}",
    }


# role → page → what the page shows of the birth date: "full", "masked", None (not shown), or an HTTP status
MATRIX = {
    "auditor": {"score": "full", "application": "masked", "export": "full", "queue": 403, "task": 403},
    "admin": {"score": "full", "application": "masked", "export": "full", "queue": 403, "task": 403},
    "publisher": {"score": 403, "application": "masked", "export": "masked", "queue": 403, "task": 403},
    "editor": {"score": 403, "application": 403, "export": 403, "queue": 403, "task": 403},
    "police": {"score": 403, "application": 403, "export": 403, "queue": "full", "task": "full"},
    "school": {"score": 403, "application": 403, "export": 403, "queue": None, "task": None},
}
EXTENT = {"full": "full", "masked": "masked"}
CHANNEL = {"score": "console_score", "application": "console_application", "export": "console_export",
           "queue": "console_queue", "task": "console_task"}  # fmt: skip


def _entries(life: Life, actor: str) -> list[tuple[str, str, str]]:
    with get_db(life.app).transaction() as s:
        rows = s.scalars(select(FactsAccess).where(FactsAccess.actor == actor).order_by(FactsAccess.id))
        return [(e.channel, e.application_ref, e.extent) for e in rows]


@pytest.mark.parametrize("role", list(MATRIX))
def test_each_role_sees_what_it_needs_on_every_page_and_each_opening_is_logged(life: Life, role: str) -> None:
    console = life.console(role)
    expected_log = []
    for page, url in _pages(life).items():
        shows = MATRIX[role][page]
        response = console.get(url)
        if isinstance(shows, int):
            assert response.status_code == shows, (page, response.status_code)
            continue
        text = response.get_data(as_text=True)
        assert response.status_code == 200, (page, text[:300])
        assert (BIRTH in text) == (shows == "full"), page
        if shows == "masked":
            assert YEAR_ONLY in text, page
        if shows is not None or page == "queue":
            ref = OPEN if page in ("queue", "task") else DONE
            department = role in ("police", "school")
            expected_log.append((CHANNEL[page], ref, "own" if department else EXTENT[shows or "full"]))
    if role == "school":  # 教育局's task has education only: its pages show no birth date, and are logged as its own
        expected_log = [("console_queue", OPEN, "own"), ("console_task", OPEN, "own")]
    assert _entries(life, role) == expected_log


def test_the_auditor_searches_the_log_by_applicant_and_by_user_and_exports_an_applicants_record(life: Life) -> None:
    life.get("read_facts", f"/applications/{DONE}/2025")
    console = life.console("auditor")
    console.get(f"/admin/scores/details/?id={life.score_id}")
    by_applicant = console.get(f"/admin/access-log/?application={DONE}&year=2025").get_data(as_text=True)
    assert "read-facts" in by_applicant and "auditor" in by_applicant
    by_user = console.get("/admin/access-log/?user=read-facts").get_data(as_text=True)
    assert "read-facts" in by_user and 'id="access-export"' not in by_user
    export = console.get(f"/admin/access-log/export?application={DONE}&year=2025")
    readers = [r["actor"]["name"] for r in export.json["readings"]]
    assert export.status_code == 200 and "read-facts" in readers and "auditor" in readers
    assert life.console("publisher").get("/admin/access-log/").status_code == 403


OTHER_PAGES = ("/admin/applications/", "/admin/applications/list", "/admin/scores/", "/admin/audit/",
               "/admin/access-log/", f"/admin/access-log/export?application={DONE}",
               f"/admin/applications/notice/2025/{DONE}")  # fmt: skip


@pytest.mark.parametrize("role", ["police", "school", "editor"])
def test_no_other_console_page_shows_a_department_or_an_editor_any_application(life: Life, role: str) -> None:
    console = life.console(role)
    assert {url: console.get(url).status_code for url in OTHER_PAGES} == dict.fromkeys(OTHER_PAGES, 403)


def test_an_auditor_opens_the_full_facts_from_an_application_with_a_reason(life: Life) -> None:
    console = life.console("auditor")
    page = console.get(f"/admin/applications/2025/{DONE}").get_data(as_text=True)
    assert 'name="reason"' in page and BIRTH not in page
    full = console.get(f"/admin/scores/details/?id={life.score_id}&reason=核查异议").get_data(as_text=True)
    assert BIRTH in full
    with get_db(life.app).transaction() as s:
        last = s.scalars(select(FactsAccess).order_by(FactsAccess.id.desc())).first()
        assert last is not None and (last.channel, last.reason, last.extent) == ("console_score", "核查异议", "full")
