"""Application periods (申请与受理时间): when new applications of a year are taken, as the 市流动人口管理服务中心
fixes and publishes them (policy §四(一)).

A year holds any number of periods, each from one day to another (both included), inside the year and
overlapping no other period of the year. Once a year has a period, a new application of that year is received
only on a day inside one of them (``check_receipt``); a year without any takes receipts on every day. A
supplement or an objection is not a new application and is never refused for it.

Every change is in the audit log. Two people adding overlapping periods at once cannot both succeed: adding
takes a lock on the year first (an advisory lock on PostgreSQL; SQLite's write transaction excludes every other
writer already), then reads the year's periods.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from jifen.access import audit
from jifen.errors import CodedError
from jifen.store.models import ApplicationPeriod

NOTE_LENGTH = 200  # application_periods.note
FIRST_YEAR, LAST_YEAR = 2000, 2100
_LOCK_KEY = 0x6A69666E  # "jifn": this module's advisory locks are (key, year)


@dataclass(frozen=True, slots=True)
class Period:
    """One published period of a year, both days included."""

    id: int
    year: int
    starts_on: dt.date
    ends_on: dt.date
    note: str
    created_by: str
    created_at: dt.datetime

    def span(self) -> str:
        """``2026-03-01 – 2026-03-31``."""
        return f"{self.starts_on.isoformat()} – {self.ends_on.isoformat()}"

    def holds(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on

    def as_dict(self) -> dict[str, Any]:
        """As the API and the audit log give it."""
        return {"id": self.id, "year": self.year, "starts_on": self.starts_on, "ends_on": self.ends_on,
                "note": self.note, "created_by": self.created_by, "created_at": self.created_at}  # fmt: skip


class PeriodRefused(CodedError):
    """A refusal about periods: a stable ``code``, the English ``message``, field ``errors``, and the ``params``
    a face fills its own sentence with (the console's Chinese)."""

    def __init__(
        self, status: int, code: str, message: str, errors: dict[str, list[str]] | None = None, **params: Any
    ) -> None:
        super().__init__(status, code, message, errors)
        self.params: dict[str, Any] = params


def _period(row: ApplicationPeriod) -> Period:
    return Period(row.id, row.year, row.starts_on, row.ends_on, row.note or "", row.created_by, row.created_at)


def listed(session: Session, year: int | None = None) -> list[Period]:
    """The periods (of one year, if given), by year and first day."""
    query = select(ApplicationPeriod).order_by(ApplicationPeriod.year, ApplicationPeriod.starts_on)
    if year is not None:
        query = query.where(ApplicationPeriod.year == year)
    return [_period(row) for row in session.scalars(query)]


def by_year(periods: Iterable[Period]) -> dict[int, list[Period]]:
    """Periods grouped by their year (in the order given)."""
    years: dict[int, list[Period]] = {}
    for period in periods:
        years.setdefault(period.year, []).append(period)
    return years


def _spans(periods: Iterable[Period]) -> str:
    return ", ".join(p.span() for p in periods)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        message = f"year {year} is out of range: a year from {FIRST_YEAR} to {LAST_YEAR}"
        raise PeriodRefused(422, "period_year_out_of_range", message, {"year": [message]}, year=year,
                            first=FIRST_YEAR, last=LAST_YEAR)  # fmt: skip


def _check_days(year: int, starts_on: dt.date, ends_on: dt.date) -> None:
    for path, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day.year != year:
            message = f"{day.isoformat()} is not in {year}: a period of {year} lies within {year}"
            raise PeriodRefused(422, "period_not_in_year", message, {path: [message]}, year=year, day=day)
    if ends_on < starts_on:
        message = f"the period ends on {ends_on.isoformat()}, before it starts ({starts_on.isoformat()})"
        raise PeriodRefused(422, "period_ends_before_start", message, {"ends_on": [message]}, starts_on=starts_on,
                            ends_on=ends_on)  # fmt: skip


def _check_note(note: str) -> None:
    if len(note) > NOTE_LENGTH:
        message = f"the note has {len(note)} characters; at most {NOTE_LENGTH}"
        raise PeriodRefused(422, "period_note_too_long", message, {"note": [message]}, length=len(note),
                            limit=NOTE_LENGTH)  # fmt: skip
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in note):
        message = "the note holds a control character, which cannot be stored"
        raise PeriodRefused(422, "period_note_unprintable", message, {"note": [message]})


def _check_actor(actor: str) -> None:
    if not actor:
        raise PeriodRefused(422, "period_who_changes", "say who makes the change (--user or JIFEN_USER)")


def _lock_year(session: Session, year: int) -> None:
    """Make the changes of one year's periods take turns until the transaction ends."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key, :year)"), {"key": _LOCK_KEY, "year": year})


def add(session: Session, year: int, starts_on: dt.date, ends_on: dt.date, note: str, actor: str) -> Period:
    """Publish a period of ``year``; refused when it is not inside the year, ends before it starts, or overlaps
    another period of the year."""
    _check_actor(actor)
    _check_year(year)
    _check_days(year, starts_on, ends_on)
    note = note.strip()
    _check_note(note)
    _lock_year(session, year)
    overlapping = [p for p in listed(session, year) if p.starts_on <= ends_on and starts_on <= p.ends_on]
    if overlapping:
        other = overlapping[0]
        message = f"{starts_on.isoformat()} – {ends_on.isoformat()} overlaps the period {other.span()} of {year}"
        raise PeriodRefused(409, "period_overlaps", message, {"starts_on": [message]}, year=year,
                            starts_on=other.starts_on, ends_on=other.ends_on, id=other.id)  # fmt: skip
    row = ApplicationPeriod(year=year, starts_on=starts_on, ends_on=ends_on, note=note, created_by=actor[:64],
                            created_at=dt.datetime.now(dt.UTC))  # fmt: skip
    session.add(row)
    session.flush()
    period = _period(row)
    audit.record(session, actor, "period_add", "application_period", object_id=period.id, object_ref=str(year),
                 after=_audited(period))  # fmt: skip
    return period


def remove(session: Session, period_id: int, actor: str) -> Period:
    """Withdraw a period; ``no_period`` (404) when there is none with that id (or someone removed it meanwhile)."""
    _check_actor(actor)
    row = None
    if 0 < period_id < 2**31:  # an id its column cannot hold is no period (and never reaches the database)
        # one statement: a period someone else removed meanwhile is simply not there any more
        query = delete(ApplicationPeriod).where(ApplicationPeriod.id == period_id).returning(ApplicationPeriod)
        row = session.scalars(query).one_or_none()
    if row is None:
        raise PeriodRefused(404, "no_period", f"no application period {period_id}", id=period_id)
    period = _period(row)
    audit.record(session, actor, "period_remove", "application_period", object_id=period.id,
                 object_ref=str(period.year), before=_audited(period))  # fmt: skip
    return period


def _audited(period: Period) -> dict[str, Any]:
    return {"year": period.year, "starts_on": period.starts_on, "ends_on": period.ends_on, "note": period.note}


def years_with_periods(session: Session) -> set[int]:
    """The years that have at least one period."""
    return set(session.scalars(select(ApplicationPeriod.year).group_by(ApplicationPeriod.year)))


def count(session: Session, year: int) -> int:
    """How many periods ``year`` has."""
    query = select(func.count()).select_from(ApplicationPeriod).where(ApplicationPeriod.year == year)
    return int(session.scalar(query) or 0)


def check_receipt(session: Session, year: int, received_on: dt.date) -> None:
    """A new application of ``year`` received on ``received_on`` is refused (422 ``outside_application_period``,
    naming the periods) when the year has periods and the day is in none of them.

    One statement reads the year's periods: a receipt racing a change of them sees the set before or after it.
    """
    periods = listed(session, year)
    if not periods or any(p.holds(received_on) for p in periods):
        return
    message = (
        f"{received_on.isoformat()} is outside the application periods of {year} ({_spans(periods)}): "
        "new applications are taken only within them"
    )
    raise PeriodRefused(422, "outside_application_period", message, {"received_on": [message]}, year=year,
                        received_on=received_on, periods=tuple(periods))  # fmt: skip


def params_of(exc: BaseException) -> Mapping[str, Any]:
    """The parameters a refusal carries for a face's own sentence (none for other errors)."""
    return getattr(exc, "params", {})
