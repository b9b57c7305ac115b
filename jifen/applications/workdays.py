"""Working days: China's public holidays and their make-up working days (调休), as the deadlines of the policy count them.

The State Council's yearly holiday notice is taken from the ``chinese-calendar`` package; the bureau's table
(``calendar_days``) overrides it day by day and extends it to years the package does not know yet. A year is
covered by the table once it holds at least one holiday of that year: entering a year means entering its
notice, holidays and make-up working days together. A date in a year that neither covers is an error
(NoCalendarData), never a guess from the weekends: a deadline computed without the year's holidays could be
wrong by a week.

How periods count (《民法典》第二百零一条、第二百零三条):

- ``add_workdays(d, n)``: the start day itself is not counted; the first working day after ``d`` is day 1, and the
  period ends on working day n. So an application received on any day (a working day or not) is due 15 working
  days later: ``add_workdays(received_on, 15)``.
- ``deadline_in_days(d, n)`` ("3日内"): calendar days, the start day not counted, ending on ``d + n``; when that
  day is not a working day the period ends on the next working day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import version as package_version

import chinese_calendar
from chinese_calendar import constants as holiday_data
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jifen.access import audit
from jifen.errors import NoCalendarData, NotFound, Refused
from jifen.messages import refusal, say
from jifen.store.models import CalendarDay

KINDS = ("workday", "holiday")
PACKAGE = f"chinese-calendar {package_version('chinese-calendar')}"
PACKAGE_YEARS = (min(d.year for d in holiday_data.holidays), max(d.year for d in holiday_data.holidays))
# No deadline of the policy is longer than 18 working days; a larger count is a typo, not a period.
MAX_COUNT = 1000


@dataclass(frozen=True)
class Calendar:
    """Which days are working days: the package's data, overridden and extended by the bureau's entries."""

    overrides: Mapping[dt.date, str] = field(default_factory=dict)

    @cached_property
    def table_years(self) -> frozenset[int]:
        return frozenset(day.year for day, kind in self.overrides.items() if kind == "holiday")

    def source(self, year: int) -> str | None:
        """Where the holidays of ``year`` come from, or None when nothing covers it."""
        if PACKAGE_YEARS[0] <= year <= PACKAGE_YEARS[1]:
            return PACKAGE
        return "the bureau's calendar" if year in self.table_years else None

    def is_workday(self, day: dt.date) -> bool:
        """Example: ``Calendar().is_workday(dt.date(2025, 1, 26))`` is True (a Sunday made a working day for 春节)."""
        kind = self.overrides.get(day)
        if kind is not None:
            return kind == "workday"
        source = self.source(day.year)
        if source == PACKAGE:
            return bool(chinese_calendar.is_workday(day))
        if source is not None:
            return day.weekday() < 5  # the year's holidays and make-up days are all in the table
        raise NoCalendarData(
            f"no holiday data for {day.year} (asked about {day.isoformat()}): {PACKAGE} covers "
            f"{PACKAGE_YEARS[0]}–{PACKAGE_YEARS[1]} and the bureau's calendar has no holidays of {day.year}; add the "
            f"year's holidays and make-up working days with `flask --app wsgi calendar add`"
        )

    def add_workdays(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day`` (the first working day after it is day 1; n = 0 is ``day``).

        Example: ``Calendar().add_workdays(dt.date(2025, 9, 30), 1)`` is 2025-10-09 (国庆 from 1 to 8 October).
        """
        _check_count(n)
        while n > 0:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def deadline_in_days(self, day: dt.date, n: int) -> dt.date:
        """The last day of a period of n days from ``day`` ("n日内"): ``day + n``, or the next working day after it
        when that is a rest day.

        Example: ``Calendar().deadline_in_days(dt.date(2025, 9, 29), 3)`` is 2025-10-09.
        """
        _check_count(n)
        end = day + dt.timedelta(days=n)
        while not self.is_workday(end):
            end += dt.timedelta(days=1)
        return end


# From 1 October the next year's holiday notice is due (the State Council publishes it in the autumn): from then
# on, a year not covered is warned about on the console, in /healthz and by ``flask calendar check``.
WARN_FROM = (10, 1)


def years_due(today: dt.date) -> list[int]:
    """The years whose working days must be known on ``today``: this one, and from 1 October the next."""
    return [today.year, today.year + 1] if (today.month, today.day) >= WARN_FROM else [today.year]


def missing_years(calendar: Calendar, today: dt.date) -> list[int]:
    """The years due on ``today`` (``years_due``) that neither the package nor the bureau's calendar covers: a
    deadline into one of them is refused (no_calendar_data) until the bureau enters its notice."""
    return [year for year in years_due(today) if calendar.source(year) is None]


def _check_count(n: int) -> None:
    if not 0 <= n <= MAX_COUNT:
        raise refusal(Refused, "days_count", high=MAX_COUNT, n=n)


def load(session: Session) -> Calendar:
    """The calendar with the bureau's entries (a few dozen rows a year: read whole)."""
    rows = session.execute(select(CalendarDay.day, CalendarDay.kind))
    return Calendar({day: kind for day, kind in rows})


def entries(session: Session, year: int | None = None) -> list[CalendarDay]:
    """The bureau's entries, by date (of one year, if given)."""
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= dt.date(year, 1, 1), CalendarDay.day <= dt.date(year, 12, 31))
    return list(session.scalars(query))


def _days(first: dt.date, last: dt.date | None) -> Iterable[dt.date]:
    last = last or first
    if last < first:
        raise refusal(Refused, "last_before_first", last=last.isoformat(), first=first.isoformat())
    if (last - first).days > 366:
        raise refusal(Refused, "at_most_a_year")
    return (first + dt.timedelta(days=k) for k in range((last - first).days + 1))


def add_entries(
    session: Session, first: dt.date, last: dt.date | None, kind: str, note: str, actor: str
) -> list[CalendarDay]:
    """Declare the days from ``first`` to ``last`` working days or holidays (replacing earlier entries of them)."""
    if kind not in KINDS:
        raise refusal(Refused, "unknown_day_kind", kind=kind, reasons=[say("one_of", choices=", ".join(KINDS))])
    if not actor:
        raise refusal(Refused, "who_changes")
    days = list(_days(first, last))
    insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else postgresql_insert
    for day in days:
        row = session.get(CalendarDay, day)
        before = None if row is None else {"kind": row.kind, "note": row.note}
        # one statement, so that two people entering the same day at once both succeed (the later one stands)
        values = {"kind": kind, "note": note, "created_by": actor, "created_at": dt.datetime.now(dt.UTC)}
        upsert = insert(CalendarDay).values(day=day, **values)
        session.execute(upsert.on_conflict_do_update(index_elements=[CalendarDay.day], set_=values))
        audit.record(session, actor, "calendar_set", "calendar_day", object_ref=day.isoformat(), before=before,
                     after={"kind": kind, "note": note})  # fmt: skip
    session.expire_all()
    return list(session.scalars(select(CalendarDay).where(CalendarDay.day.in_(days)).order_by(CalendarDay.day)))


def remove_entries(session: Session, first: dt.date, last: dt.date | None, actor: str) -> int:
    """Remove the bureau's entries from ``first`` to ``last``; NotFound when there is none."""
    if not actor:
        raise refusal(Refused, "who_changes")
    removed = 0
    for day in _days(first, last):
        # one statement: a day someone else removed meanwhile is simply not there any more
        gone = session.execute(
            delete(CalendarDay).where(CalendarDay.day == day).returning(CalendarDay.kind, CalendarDay.note)
        ).first()
        if gone is None:
            continue
        audit.record(session, actor, "calendar_remove", "calendar_day", object_ref=day.isoformat(),
                     before={"kind": gone.kind, "note": gone.note})  # fmt: skip
        removed += 1
    if not removed:
        raise refusal(NotFound, "no_calendar_entry", first=first.isoformat(), last=(last or first).isoformat())
    session.expire_all()
    return removed
