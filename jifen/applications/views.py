"""What an application looks like to its readers: its state, tasks and deadlines, provisional and current score,
validity — and, for an auditor, its whole history with the verified facts behind each score."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.applications.state import RE_REVIEW, VERIFICATION, find
from jifen.errors import NoVersionInForce
from jifen.scoring import records, scores
from jifen.statements import recognition
from jifen.statements import status as statements
from jifen.store.models import Application, ApplicationEvent, ScoreRow, VerificationTask

ROUND_NAMES = {VERIFICATION: "verification", RE_REVIEW: "re_review"}


def task_view(task: VerificationTask, today: dt.date) -> dict[str, Any]:
    """A task with its deadline: ``overdue`` while open after its due date, ``late`` when done after it."""
    return {
        "department": task.department,
        "kind": ROUND_NAMES[task.round],
        "status": task.status,
        "facts": list(task.claims),
        "claims": task.claims,
        "opened_on": task.opened_on,
        "due": task.due,
        "overdue": task.status == "open" and today > task.due,
        "extended_on": task.extended_on,
        "extension_reason": task.extension_reason,
        "done_on": task.done_on,
        "done_by": task.done_by,
        "late": task.done_on is not None and task.done_on > task.due,
        "results": task.results,
        "note": task.note,
    }


def validity(app: Application, today: dt.date) -> tuple[bool, str | None]:
    """Whether the application's points count today, and if not why: voided (the permit was suspended or
    cancelled), expired (after 31 December of its year), not_scored, not_published."""
    if app.voided_on is not None and app.voided_on <= today:
        return False, "voided"
    if today > dt.date(app.year, 12, 31):
        return False, "expired"
    if app.score_id is None:
        return False, "not_scored"
    if app.state == "scored":
        return False, "not_published"
    return True, None


def _provisional(session: Session, app: Application) -> dict[str, Any]:
    """The claimed facts scored as a dry run (nothing stored): what the applicant may expect if all is confirmed."""
    recognised, _row = recognition.applied(session, app)
    request = scores.ScoreRequest(
        app.application_ref, app.year, app.claimed_facts, as_of=app.received_on, dry_run=True, recognised=recognised
    )
    try:
        _version, result = scores.evaluate(session, request)
    except (scores.FieldErrors, NoVersionInForce) as exc:  # a version published since may not take the claims
        return {"errors": getattr(exc, "errors", {"version": [str(exc)]})}
    return {"dry_run": True, **result}


def view(session: Session, app: Application, today: dt.date) -> dict[str, Any]:
    """The application as the API shows it."""
    tasks = list(
        session.scalars(
            select(VerificationTask)
            .where(VerificationTask.application_id == app.id)
            .order_by(VerificationTask.round, VerificationTask.id)
        )
    )
    valid, why = validity(app, today)
    recognised = recognition.of_application(session, app)
    current = session.get(ScoreRow, app.score_id) if app.score_id else None
    dues = {r: [t.due for t in tasks if t.round == r] for r in (VERIFICATION, RE_REVIEW)}
    return {
        "application_ref": app.application_ref,
        "year": app.year,
        "channel": app.channel,
        "state": app.state,
        "received_on": app.received_on,
        "claimed_facts": app.claimed_facts,
        "supplemented_on": app.supplemented_on,
        "tasks": [task_view(t, today) for t in tasks],
        "overdue_departments": sorted({t.department for t in tasks if t.status == "open" and today > t.due}),
        "deadlines": {
            "verification": max(dues[VERIFICATION], default=None),
            "objection": app.objection_deadline,
            "re_review": max(dues[RE_REVIEW], default=None),
            "valid_until": dt.date(app.year, 12, 31),
        },
        "published_on": app.published_on,
        "objection_filed_on": app.objection_filed_on,
        "republished_on": app.republished_on,
        "statement": statement.jws if (statement := statements.of_score(session, app.score_id)) else None,
        "provisional": _provisional(session, app),
        "recognition": None if recognised is None else recognition.described(recognised),
        "score": None if current is None else {**records.view(current), **records.chain(session, current)},
        "valid": valid,
        "invalid_reason": why,
        "valid_until": dt.date(app.year, 12, 31),
        "voided_on": app.voided_on,
        "void_reason": app.void_reason,
        "today": today,
    }


def event_view(event: ApplicationEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "action": event.action,
        "actor": {"kind": event.actor_kind, "name": event.actor, "department": event.department},
        "state_before": event.state_before,
        "state_after": event.state_after,
        "score_id": event.score_id,
        "changes": event.changes,
    }


def history(session: Session, application_ref: str, year: int, today: dt.date) -> dict[str, Any]:
    """Everything an auditor needs to follow one application: every event in order (who, when, what changed) and
    every score of its chain with the verified facts that produced it."""
    app = find(session, application_ref, year)
    events = list(
        session.scalars(
            select(ApplicationEvent).where(ApplicationEvent.application_id == app.id).order_by(ApplicationEvent.id)
        )
    )
    chain = list(
        session.scalars(
            select(ScoreRow)
            .where(ScoreRow.application_ref == application_ref, ScoreRow.year == year)
            .order_by(ScoreRow.seq)
        )
    )
    later = {row.supersedes_id: row.id for row in chain if row.supersedes_id}
    produced_by = {e.score_id: e.id for e in events if e.action == "scored"}
    return {
        "application": view(session, app, today),
        "events": [event_view(e) | {"id": e.id} for e in events],
        "scores": [
            {
                **records.summary(row, later.get(row.id)),
                "facts": json.loads(row.facts),
                "derived": json.loads(row.derived),
                "scored_by_event": produced_by.get(row.id),
            }
            for row in chain
        ],
    }


def applications_named(session: Session, refs: set[str]) -> dict[tuple[str, int], Application]:
    """The applications with these references, by (reference, year)."""
    query = select(Application).where(Application.application_ref.in_(refs))
    return {(a.application_ref, a.year): a for a in session.scalars(query)}


def score_total(session: Session, app: Application) -> Any:
    """The total of the application's current score, or None before it is scored."""
    record = session.get(ScoreRow, app.score_id) if app.score_id else None
    return record.total if record is not None else None
