"""The calendar's end: from 1 October, a next year whose working days are not entered is warned about — on the
console's home and calendar pages, in /healthz (still 200) — and ``flask calendar check`` fails for monitoring."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jifen.applications import workdays
from tests.admin.conftest import Console

LAST = workdays.PACKAGE_YEARS[1]  # the last year the holiday package covers
NEXT = LAST + 1


@pytest.mark.parametrize(
    ("today", "due"),
    [(dt.date(LAST, 9, 30), [LAST]), (dt.date(LAST, 10, 1), [LAST, NEXT]), (dt.date(LAST, 12, 31), [LAST, NEXT])],
)
def test_the_years_due_and_those_missing(today: dt.date, due: list[int]) -> None:
    assert workdays.years_due(today) == due
    assert workdays.missing_years(workdays.Calendar(), today) == [y for y in due if y == NEXT]
    entered = workdays.Calendar({dt.date(NEXT, 1, 1): "holiday"})  # the bureau entered the year's notice
    assert workdays.missing_years(entered, today) == []


def test_calendar_check_exits_non_zero_for_a_year_not_covered(seeded: Any, runner: Any) -> None:
    assert runner.invoke(args=["calendar", "check", "--year", str(LAST)]).exit_code == 0
    missing = runner.invoke(args=["calendar", "check", "--year", str(NEXT)])
    assert missing.exit_code == 1 and f"{NEXT}: NOT covered" in missing.output
    seeded.config["TODAY"] = lambda: dt.date(LAST, 9, 30)
    assert runner.invoke(args=["calendar", "check"]).exit_code == 0
    seeded.config["TODAY"] = lambda: dt.date(LAST, 10, 1)
    assert runner.invoke(args=["calendar", "check"]).exit_code == 1
    entered = runner.invoke(args=["calendar", "add", f"{NEXT}-01-01", "--kind", "holiday", "--note", "元旦",
                                  "--user", "publisher"])  # fmt: skip
    assert entered.exit_code == 0, entered.output
    assert runner.invoke(args=["calendar", "check"]).exit_code == 0


def test_healthz_warns_and_stays_200(seeded: Any) -> None:
    client = seeded.test_client()
    seeded.config["TODAY"] = lambda: dt.date(LAST, 9, 30)
    quiet = client.get("/healthz")
    assert quiet.status_code == 200 and quiet.json == {"status": "ok", "database": "ok", "warnings": []}
    seeded.config["TODAY"] = lambda: dt.date(LAST, 10, 1)
    warned = client.get("/api/v1/healthz")
    assert warned.status_code == 200 and warned.json["status"] == "ok"
    assert [w["code"] for w in warned.json["warnings"]] == ["calendar_not_entered"]
    assert str(NEXT) in warned.json["warnings"][0]["message"]


def test_the_console_warns_on_its_home_and_calendar_pages(seeded: Any) -> None:
    seeded.config["WTF_CSRF_ENABLED"] = False
    console = Console(seeded)
    console.login("publisher")
    assert console.get("/admin/").status_code == 200
    warning = f"{NEXT} 年的工作日（节假日和调休上班日）尚未录入"
    seeded.config["TODAY"] = lambda: dt.date(LAST, 9, 30)
    assert warning not in console.get("/admin/").get_data(as_text=True)
    seeded.config["TODAY"] = lambda: dt.date(LAST, 10, 1)
    for url in ("/admin/", "/admin/calendar/"):
        page = console.get(url).get_data(as_text=True)
        assert warning in page and "国务院办公厅" in page, url
