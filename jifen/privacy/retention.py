"""Retention: the facts of scores and applications are erased a set number of years after the points stopped being
valid (31 December of their year, or the day they were voided), while each score's result, its content hash, the
applications' states and the audit entries remain; every erasure is audited.

Stored scores and application events are otherwise unchangeable: the database allows this one change, once
(migration 0014): ``facts_erased_on`` set together with the facts emptied, every other column as it was.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from jifen.access import audit
from jifen.privacy.need import ERASED, Lens
from jifen.store.models import Application, ApplicationEvent, ScoreRow

DEFAULT_YEARS = 5  # the policy's default; the bureau must set its own (JIFEN_RETENTION_YEARS)
_ERASE = Lens(ERASED)


def years_before(day: dt.date, years: int) -> dt.date:
    """``day`` ``years`` years earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def validity_end(year: int, voided_on: dt.date | None) -> dt.date:
    """The last day the points of an application of ``year`` count: 31 December, or the day they were voided."""
    end = dt.date(year, 12, 31)
    return min(end, voided_on) if voided_on is not None else end


@dataclass
class Erasure:
    """What a run erases (or, dry, would erase): per (application reference, year), its scores and events."""

    limit: dt.date  # validity must have ended before this day
    scores: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    applications: dict[tuple[str, int], int] = field(default_factory=dict)  # → application id
    events: int = 0

    @property
    def keys(self) -> list[tuple[str, int]]:
        return sorted(set(self.scores) | set(self.applications))


def plan(session: Session, today: dt.date, years: int) -> Erasure:
    """The applications and scores whose facts are past retention on ``today`` and not erased yet."""
    limit = years_before(today, years)
    erasure = Erasure(limit)
    apps = session.execute(
        select(Application.id, Application.application_ref, Application.year, Application.voided_on).where(
            Application.facts_erased_on.is_(None),
            or_(Application.year < limit.year, Application.voided_on < limit),
        )
    )
    for app_id, ref, year, voided_on in apps:
        if validity_end(year, voided_on) < limit:
            erasure.applications[(ref, year)] = app_id
    voided_refs = {ref for ref, year in erasure.applications if year >= limit.year}
    scores = session.execute(
        select(ScoreRow.id, ScoreRow.application_ref, ScoreRow.year)
        .where(
            ScoreRow.facts_erased_on.is_(None),
            or_(ScoreRow.year < limit.year, ScoreRow.application_ref.in_(voided_refs)),
        )
        .order_by(ScoreRow.application_ref, ScoreRow.year, ScoreRow.seq)
    )
    for score_id, ref, year in scores:
        if year < limit.year or (ref, year) in erasure.applications:
            erasure.scores[(ref, year)].append(score_id)
    return erasure


def run(session: Session, today: dt.date, years: int, actor: str, dry_run: bool = False) -> Erasure:
    """Erase (unless ``dry_run``) the facts past retention, one audit entry per application and year."""
    erasure = plan(session, today, years)
    if dry_run:
        return erasure
    for ref, year in erasure.keys:
        app_id = erasure.applications.get((ref, year))
        events = _erase_application(session, app_id, today) if app_id is not None else 0
        erasure.events += events
        ids = erasure.scores.get((ref, year), [])
        if ids:
            session.execute(
                update(ScoreRow)
                .where(ScoreRow.id.in_(ids))
                .values(facts="{}", derived="{}", facts_erased_on=today)
                .execution_options(synchronize_session=False)
            )
        audit.record(session, actor, "erase_facts", "application", object_id=app_id, object_ref=f"{ref}/{year}",
                     after={"erased_on": today, "scores": ids, "events": events},
                     note=f"retention: {years} years after the points stopped being valid")  # fmt: skip
    return erasure


def _erase_application(session: Session, app_id: int, today: dt.date) -> int:
    """Erase an application's claims, its tasks' claimed and verified values and its events' values; the names of
    the facts, the outcomes and every state stay. Returns the number of events erased."""
    app = session.get(Application, app_id)
    assert app is not None
    app.claimed_facts = _ERASE.facts(app.claimed_facts or {})
    for task in app.tasks:
        task.claims = _ERASE.facts(task.claims or {})
        task.results = _ERASE.results(task.results) if task.results else task.results
    app.facts_erased_on = today
    events = session.execute(
        select(ApplicationEvent.id, ApplicationEvent.changes).where(
            ApplicationEvent.application_id == app_id, ApplicationEvent.facts_erased_on.is_(None)
        )
    ).all()
    for event_id, changes in events:
        session.execute(
            update(ApplicationEvent)
            .where(ApplicationEvent.id == event_id)
            .values(changes=_ERASE.redact(changes), facts_erased_on=today)
            .execution_options(synchronize_session=False)
        )
    session.flush()
    return len(events)
