"""Working days on real holiday periods of 2025 (the State Council's notice, through chinese-calendar), the rules
for counting periods, and the bureau's table that corrects the package and extends it to later years."""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import chinese_calendar
import pytest

from jifen.applications import workdays
from jifen.applications.workdays import Calendar
from jifen.errors import NoCalendarData, NotFound, Refused
from jifen.store.models import AuditEntry

D = dt.date
PACKAGE = Calendar()


def test_the_package_knows_2025_as_the_notice_says() -> None:
    # 春节: 28 January – 4 February off; Sunday 26 January and Saturday 8 February worked
    # 国庆 and 中秋: 1–8 October off; Sunday 28 September and Saturday 11 October worked
    for day in [
        *(D(2025, 1, 28) + dt.timedelta(k) for k in range(8)),
        *(D(2025, 10, 1) + dt.timedelta(k) for k in range(8)),
    ]:
        assert chinese_calendar.is_holiday(day) and not PACKAGE.is_workday(day), day
    for day in (D(2025, 1, 26), D(2025, 2, 8), D(2025, 9, 28), D(2025, 10, 11)):
        assert day.weekday() >= 5 and PACKAGE.is_workday(day), day
    for day in (D(2025, 1, 27), D(2025, 2, 5), D(2025, 9, 30), D(2025, 10, 9)):
        assert PACKAGE.is_workday(day), day
    assert not PACKAGE.is_workday(D(2025, 2, 9))  # an ordinary Sunday


@pytest.mark.parametrize(
    ("start", "n", "expected", "why"),
    [
        (D(2025, 1, 24), 1, D(2025, 1, 26), "the make-up Sunday before 春节 is the first working day after Friday"),
        (D(2025, 1, 24), 2, D(2025, 1, 27), ""),
        (D(2025, 1, 24), 3, D(2025, 2, 5), "28 January – 4 February are off"),
        (D(2025, 1, 24), 6, D(2025, 2, 8), "the make-up Saturday after 春节 counts"),
        (D(2025, 1, 24), 15, D(2025, 2, 20), "an application received the Friday before 春节"),
        (D(2025, 1, 28), 1, D(2025, 2, 5), "received during the holiday: the first working day after it is day 1"),
        (D(2025, 1, 26), 0, D(2025, 1, 26), "0 working days: the day itself"),
        (D(2025, 9, 26), 1, D(2025, 9, 28), "the make-up Sunday before 国庆"),
        (D(2025, 9, 30), 1, D(2025, 10, 9), "1–8 October are off"),
        (D(2025, 9, 30), 2, D(2025, 10, 10), ""),
        (D(2025, 9, 30), 3, D(2025, 10, 11), "the make-up Saturday after 国庆 counts"),
        (D(2025, 9, 30), 15, D(2025, 10, 28), ""),
        (D(2025, 10, 9), 7, D(2025, 10, 17), "a re-review of an objection filed on the last day after 国庆"),
        (D(2025, 10, 10), 3, D(2025, 10, 14), "an extension by 3 working days over the make-up Saturday"),
        (D(2025, 12, 24), 15, D(2026, 1, 15), "into the next year: 1 January 2026 is a holiday"),
    ],
)
def test_add_workdays(start: dt.date, n: int, expected: dt.date, why: str) -> None:
    assert PACKAGE.add_workdays(start, n) == expected, why


@pytest.mark.parametrize(
    ("published", "expected", "why"),
    [
        (D(2025, 3, 3), D(2025, 3, 6), "Monday + 3 days: Thursday"),
        (D(2025, 3, 5), D(2025, 3, 10), "Wednesday + 3 days is a Saturday: Monday"),
        (D(2025, 9, 29), D(2025, 10, 9), "ends on 2 October, a holiday: the first working day after 国庆"),
        (D(2025, 9, 25), D(2025, 9, 28), "ends on the make-up Sunday, a working day"),
        (D(2025, 1, 23), D(2025, 1, 26), "ends on the make-up Sunday before 春节"),
        (D(2025, 1, 25), D(2025, 2, 5), "ends on 28 January, the first day of 春节"),
        (D(2025, 2, 5), D(2025, 2, 8), "ends on the make-up Saturday after 春节"),
    ],
)
def test_deadline_in_days(published: dt.date, expected: dt.date, why: str) -> None:
    assert PACKAGE.deadline_in_days(published, 3) == expected, why


def test_a_year_without_data_is_an_error_not_a_guess() -> None:
    first, last = workdays.PACKAGE_YEARS
    assert first <= 2025 <= 2026 <= last
    with pytest.raises(NoCalendarData, match=f"no holiday data for {last + 1}") as error:
        PACKAGE.is_workday(D(last + 1, 3, 2))
    assert "flask --app wsgi calendar add" in str(error.value) and error.value.code == "no_calendar_data"
    with pytest.raises(NoCalendarData, match=f"no holiday data for {last + 1}"):
        PACKAGE.add_workdays(D(last, 12, 20), 15)  # a period running into the unknown year
    with pytest.raises(NoCalendarData):
        PACKAGE.deadline_in_days(D(last, 12, 30), 3)
    with pytest.raises(Refused):
        PACKAGE.add_workdays(D(2025, 3, 3), -1)


def test_the_bureaus_entries_override_and_extend(session: Any) -> None:
    # A correction inside a year the package covers: an extra day off, and a Saturday worked
    workdays.add_entries(session, D(2025, 3, 4), None, "holiday", "台风停工", "publisher")
    workdays.add_entries(session, D(2025, 3, 8), None, "workday", "调休上班", "publisher")
    # A year the package does not know, entered from its notice: New Year's Day and a make-up Sunday
    later = workdays.PACKAGE_YEARS[1] + 1
    workdays.add_entries(session, D(later, 1, 1), D(later, 1, 2), "holiday", "元旦", "publisher")
    calendar = workdays.load(session)
    assert not calendar.is_workday(D(2025, 3, 4)) and calendar.is_workday(D(2025, 3, 8))
    assert calendar.add_workdays(D(2025, 3, 3), 1) == D(2025, 3, 5)
    assert calendar.deadline_in_days(D(2025, 3, 3), 1) == D(2025, 3, 5)  # 4 March is now a rest day
    assert calendar.source(later) == "the bureau's calendar" and calendar.table_years == {2025, later}
    assert not calendar.is_workday(D(later, 1, 1)) and calendar.is_workday(D(later, 1, 5)) is (
        D(later, 1, 5).weekday() < 5
    )
    # only a holiday makes a year covered: a lone make-up working day does not
    workdays.add_entries(session, D(later + 1, 2, 6), None, "workday", "调休", "publisher")
    with pytest.raises(NoCalendarData):
        workdays.load(session).is_workday(D(later + 1, 3, 1))
    # replacing an entry, removing entries, and the audit log of each change
    workdays.add_entries(session, D(2025, 3, 4), None, "workday", "更正", "publisher")
    assert workdays.load(session).is_workday(D(2025, 3, 4))
    assert workdays.remove_entries(session, D(later, 1, 1), D(later, 1, 2), "publisher") == 2
    with pytest.raises(NotFound):
        workdays.remove_entries(session, D(later, 1, 1), None, "publisher")
    actions = [e.action for e in session.query(AuditEntry).filter_by(object_type="calendar_day")]
    assert actions.count("calendar_set") == 6 and actions.count("calendar_remove") == 2
    with pytest.raises(Refused, match="unknown kind"):
        workdays.add_entries(session, D(2025, 3, 4), None, "half-day", "", "publisher")
    with pytest.raises(Refused, match="before the first"):
        workdays.add_entries(session, D(2025, 3, 4), D(2025, 3, 1), "holiday", "", "publisher")


def test_calendar_cli(runner: Any, seeded: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def run(*args: str) -> Any:
        return runner.invoke(args=["calendar", *args])

    assert run("is-workday", "2025-02-08").output == "yes\n"  # the make-up Saturday after 春节
    assert run("is-workday", "2025-10-08").output == "no\n"
    assert run("add-workdays", "2025-01-24", "15").output == "2025-02-20\n"
    assert run("deadline", "2025-09-29", "3").output == "2025-10-09\n"
    later = workdays.PACKAGE_YEARS[1] + 1
    unknown = run("is-workday", f"{later}-03-02")
    assert unknown.exit_code == 1 and f"no holiday data for {later}" in unknown.output
    assert run("add-workdays", "2025-01-24", "-1").exit_code == 2
    # changes need a publisher or an admin
    refused = run("add", f"{later}-01-01", "--kind", "holiday", "--user", "editor")
    assert refused.exit_code == 1 and "needs the role publisher or admin" in refused.output
    added = run("add", f"{later}-01-01", "--to", f"{later}-01-03", "--kind", "holiday", "--note", "元旦",
                "--user", "publisher")  # fmt: skip
    assert added.exit_code == 0 and added.output.startswith("3 day(s) set to holiday"), added.output
    assert run("is-workday", f"{later}-01-02").output == "no\n"
    monkeypatch.setenv("JIFEN_USER", "admin")
    listed = run("list", "--year", str(later))
    assert f"the bureau's calendar: {later}" in listed.output and "元旦 (publisher)" in listed.output
    assert run("remove", f"{later}-01-01", "--to", f"{later}-01-03").output == "3 entries removed\n"
    assert run("is-workday", f"{later}-01-02").exit_code == 1


def test_the_same_days_entered_and_removed_at_once(db: Any) -> None:
    """Six people enter the same week at once, then four remove it at once: no error but 'nothing left'
    (on PostgreSQL each in its own connection; SQLite serialises them)."""
    first, last = dt.date(2027, 2, 1), dt.date(2027, 2, 7)

    def at_once(n: int, change: Any) -> list[Any]:
        barrier = threading.Barrier(n)

        def one(i: int) -> Any:
            barrier.wait()
            try:
                with db.transaction() as s:
                    return change(s, i)
            except NotFound:
                return "none left"

        with ThreadPoolExecutor(n) as pool:
            return list(pool.map(one, range(n)))

    added = at_once(6, lambda s, i: len(workdays.add_entries(s, first, last, "holiday", f"第{i}次", f"u{i}")))
    assert added == [7] * 6
    with db.transaction() as s:
        assert len(workdays.entries(s, 2027)) == 7
        assert s.query(AuditEntry).filter(AuditEntry.action == "calendar_set").count() == 42
    removed = at_once(4, lambda s, i: workdays.remove_entries(s, first, last, f"u{i}"))
    assert sum(r for r in removed if r != "none left") == 7 and removed.count("none left") >= 1
    with db.transaction() as s:
        assert workdays.entries(s, 2027) == []
        assert s.query(AuditEntry).filter(AuditEntry.action == "calendar_remove").count() == 7
