"""The facts access log: every read of an applicant's facts, append-only (triggers and the service role's
privileges), searchable by applicant and by reader; an applicant's own record exportable."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from jifen.privacy.reader import Reader
from jifen.store.access_log import FactsAccess

# through what the facts were read
CHANNELS = (
    "api_score",  # GET /api/v1/scores/{id}
    "api_application",  # GET /api/v1/applications/{ref}/{year}
    "api_history",  # GET /api/v1/applications/{ref}/{year}/history
    "api_tasks",  # GET /api/v1/tasks (the claims and results of the tasks listed)
    "api_events",  # GET /api/v1/events (the facts in the events' changes)
    "console_score",  # the console's page of one stored score
    "console_application",  # the console's page of one application
    "console_export",  # the console's export of an application's history
    "console_task",  # a department user's verification page
    "console_queue",  # a department user's queue (the claims of its open tasks)
    "cli_history",  # flask applications history
)
PAGE = 200


def record(
    session: Session,
    reader: Reader,
    channel: str,
    extent: str,
    application_ref: str,
    year: int | None,
    score_id: str | None = None,
    reason: str | None = None,
) -> None:
    """Add one reading to the log (the caller's transaction commits it): one INSERT, without the ORM's flush."""
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    session.execute(
        insert(FactsAccess).values(
            at=dt.datetime.now(dt.UTC),
            actor_kind=reader.kind,
            actor=reader.name[:64],
            role=reader.role[:64],
            department=reader.department,
            application_ref=application_ref[:100],
            year=year,
            score_id=score_id,
            channel=channel,
            extent=extent,
            reason=reason or None,
        )
    )


def search(
    session: Session,
    application_ref: str | None = None,
    year: int | None = None,
    actor: str | None = None,
    page: int = 1,
    per_page: int = PAGE,
) -> tuple[list[FactsAccess], int]:
    """Readings of an applicant's facts (by application reference and year) and/or by one reader, newest first."""
    conditions = []
    if application_ref:
        conditions.append(FactsAccess.application_ref == application_ref)
    if year is not None:
        conditions.append(FactsAccess.year == year)
    if actor:
        conditions.append(FactsAccess.actor == actor)
    total = session.scalar(select(func.count()).select_from(FactsAccess).where(*conditions)) or 0
    rows = session.scalars(
        select(FactsAccess)
        .where(*conditions)
        .order_by(FactsAccess.id.desc())
        .offset((max(page, 1) - 1) * per_page)
        .limit(per_page)
    )
    return list(rows), total


def entry_view(entry: FactsAccess) -> dict[str, Any]:
    """One reading as the command line and the exports give it."""
    return {
        "at": entry.at.isoformat(),
        "actor": {"kind": entry.actor_kind, "name": entry.actor, "role": entry.role, "department": entry.department},
        "application_ref": entry.application_ref,
        "year": entry.year,
        "score_id": entry.score_id,
        "channel": entry.channel,
        "extent": entry.extent,
        "reason": entry.reason,
    }


def applicant_record(session: Session, application_ref: str, year: int | None) -> dict[str, Any]:
    """Every reading of one applicant's facts, oldest first: what the applicant is given when they ask."""
    rows, total = search(session, application_ref, year, per_page=1_000_000)
    return {"application_ref": application_ref, "year": year, "readings": [entry_view(e) for e in reversed(rows)],
            "total": total}  # fmt: skip
