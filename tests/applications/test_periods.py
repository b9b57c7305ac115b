"""Application periods: inside their year, from before to, never overlapping another period of the year; every
change audited; two people adding overlapping periods at once cannot both succeed."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from sqlalchemy import select

from jifen.applications import periods
from jifen.applications.periods import PeriodRefused
from jifen.store.models import AuditEntry

D = dt.date


def _add(db: Any, year: int, first: dt.date, last: dt.date, note: str = "", actor: str = "publisher") -> Any:
    with db.transaction() as s:
        return periods.add(s, year, first, last, note, actor)


def _refusal(db: Any, *args: Any) -> PeriodRefused:
    with pytest.raises(PeriodRefused) as caught:
        _add(db, *args)
    return caught.value


def test_periods_are_listed_by_year_and_first_day(db: Any) -> None:
    autumn = _add(db, 2026, D(2026, 9, 1), D(2026, 9, 30), "秋季受理")
    spring = _add(db, 2026, D(2026, 3, 1), D(2026, 3, 31))
    other = _add(db, 2025, D(2025, 3, 1), D(2025, 3, 1))
    with db.factory() as s:
        assert [p.id for p in periods.listed(s)] == [other.id, spring.id, autumn.id]
        assert [p.id for p in periods.listed(s, 2026)] == [spring.id, autumn.id]
        assert periods.listed(s, 2027) == [] and periods.count(s, 2026) == 2
        assert periods.years_with_periods(s) == {2025, 2026}
    assert autumn.note == "秋季受理" and autumn.created_by == "publisher" and autumn.span() == "2026-09-01 – 2026-09-30"
    assert spring.holds(D(2026, 3, 1)) and spring.holds(D(2026, 3, 31)) and not spring.holds(D(2026, 4, 1))


@pytest.mark.parametrize(
    ("first", "last", "code", "field"),
    [
        (D(2025, 12, 20), D(2026, 1, 10), "period_not_in_year", "starts_on"),
        (D(2026, 12, 20), D(2027, 1, 10), "period_not_in_year", "ends_on"),
        (D(2027, 1, 1), D(2027, 1, 2), "period_not_in_year", "starts_on"),
        (D(2026, 3, 31), D(2026, 3, 1), "period_ends_before_start", "ends_on"),
    ],
)
def test_a_period_lies_within_its_year_and_ends_after_it_starts(
    db: Any, first: dt.date, last: dt.date, code: str, field: str
) -> None:
    refused = _refusal(db, 2026, first, last)
    assert (refused.status, refused.code, list(refused.errors)) == (422, code, [field])
    with db.factory() as s:
        assert periods.listed(s) == [] and s.scalars(select(AuditEntry)).all() == []


def test_the_whole_year_and_a_single_day_are_periods(db: Any) -> None:
    assert _add(db, 2026, D(2026, 1, 1), D(2026, 12, 31)).span() == "2026-01-01 – 2026-12-31"
    assert _add(db, 2027, D(2027, 5, 4), D(2027, 5, 4)).holds(D(2027, 5, 4))


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (D(2026, 3, 31), D(2026, 4, 10)),  # shares the last day
        (D(2026, 2, 1), D(2026, 3, 1)),  # shares the first day
        (D(2026, 3, 10), D(2026, 3, 12)),  # inside
        (D(2026, 2, 1), D(2026, 4, 30)),  # around
    ],
)
def test_a_period_overlapping_another_of_its_year_is_refused(db: Any, first: dt.date, last: dt.date) -> None:
    existing = _add(db, 2026, D(2026, 3, 1), D(2026, 3, 31))
    refused = _refusal(db, 2026, first, last)
    assert (refused.status, refused.code) == (409, "period_overlaps")
    assert "2026-03-01 – 2026-03-31" in refused.message and refused.params["id"] == existing.id
    with db.factory() as s:
        assert [p.id for p in periods.listed(s)] == [existing.id]


def test_adjacent_periods_and_the_same_days_of_another_year_are_fine(db: Any) -> None:
    _add(db, 2026, D(2026, 3, 1), D(2026, 3, 31))
    _add(db, 2026, D(2026, 4, 1), D(2026, 4, 1))
    _add(db, 2026, D(2026, 2, 28), D(2026, 2, 28))
    _add(db, 2027, D(2027, 3, 1), D(2027, 3, 31))
    with db.factory() as s:
        assert len(periods.listed(s, 2026)) == 3


@pytest.mark.parametrize(
    ("year", "note", "actor", "code"),
    [
        (1999, "", "publisher", "period_year_out_of_range"),
        (2026, "长" * 201, "publisher", "period_note_too_long"),
        (2026, "a\x00b", "publisher", "period_note_unprintable"),
        (2026, "", "", "period_who_changes"),
    ],
)
def test_the_year_the_note_and_who_are_checked(db: Any, year: int, note: str, actor: str, code: str) -> None:
    first = D(min(max(year, 2000), 2100), 3, 1)
    refused = _refusal(db, year, first.replace(year=year), first.replace(year=year, day=2), note, actor)
    assert refused.code == code and refused.status == 422


def test_a_note_of_200_characters_is_kept(db: Any) -> None:
    assert _add(db, 2026, D(2026, 3, 1), D(2026, 3, 2), "长" * 200).note == "长" * 200


def test_every_change_is_audited_with_who_and_before_or_after(db: Any) -> None:
    period = _add(db, 2026, D(2026, 3, 1), D(2026, 3, 31), "春季", "publisher")
    with db.transaction() as s:
        removed = periods.remove(s, period.id, "admin")
    assert removed == period
    with db.factory() as s:
        entries = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert periods.listed(s) == []
    assert [(e.actor, e.action, e.object_type, e.object_id, e.object_ref) for e in entries] == [
        ("publisher", "period_add", "application_period", period.id, "2026"),
        ("admin", "period_remove", "application_period", period.id, "2026"),
    ]
    shown = {"year": 2026, "starts_on": "2026-03-01", "ends_on": "2026-03-31", "note": "春季"}
    assert (entries[0].before, entries[0].after) == (None, shown)
    assert (entries[1].before, entries[1].after) == (shown, None)
    assert entries[0].at is not None


@pytest.mark.parametrize("period_id", [12345, 0, -1, 2**31, 10**30])
def test_removing_a_period_that_is_not_there_is_no_period(db: Any, period_id: int) -> None:
    with pytest.raises(PeriodRefused) as caught, db.transaction() as s:
        periods.remove(s, period_id, "admin")
    assert (caught.value.status, caught.value.code) == (404, "no_period")


def test_a_receipt_is_checked_against_the_periods_of_its_year(db: Any) -> None:
    with db.factory() as s:
        periods.check_receipt(s, 2026, D(2026, 7, 1))  # no period published: every day
    _add(db, 2026, D(2026, 3, 1), D(2026, 3, 31))
    _add(db, 2026, D(2026, 9, 1), D(2026, 9, 30))
    with db.factory() as s:
        for day in (D(2026, 3, 1), D(2026, 3, 31), D(2026, 9, 15)):
            periods.check_receipt(s, 2026, day)
        periods.check_receipt(s, 2027, D(2027, 7, 1))  # another year, without periods
        with pytest.raises(PeriodRefused) as caught:
            periods.check_receipt(s, 2026, D(2026, 4, 1))
    refused = caught.value
    assert (refused.status, refused.code) == (422, "outside_application_period")
    assert "2026-03-01 – 2026-03-31, 2026-09-01 – 2026-09-30" in refused.message
    assert list(refused.errors) == ["received_on"] and [p.span() for p in refused.params["periods"]] == [
        "2026-03-01 – 2026-03-31",
        "2026-09-01 – 2026-09-30",
    ]


def test_two_overlapping_periods_added_at_once_cannot_both_succeed(db: Any) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def add(first: dt.date, last: dt.date) -> None:
        with db.factory() as s:
            try:
                barrier.wait()
                with db.write_transaction(s):
                    periods.add(s, 2026, first, last, "", "publisher")
                outcomes.append("added")
            except PeriodRefused as exc:
                outcomes.append(exc.code)

    threads = [threading.Thread(target=add, args=days) for days in
               ((D(2026, 3, 1), D(2026, 3, 31)), (D(2026, 3, 15), D(2026, 4, 15)))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["added", "period_overlaps"]
    with db.factory() as s:
        assert len(periods.listed(s, 2026)) == 1
