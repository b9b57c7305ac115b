"""An application's states, who acts on it, and reading and recording it under its row lock.

Every transition (``intake``, ``verification``, ``publication``) locks its application's row first (see
``locked``), checks the state, changes it and records an ``ApplicationEvent`` saying who did what (``record``);
errors are ``CodedError``s with a stable code.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.model import RulesetVersion
from jifen.access.api_clients import Caller
from jifen.applications import feed
from jifen.applications.workdays import Calendar
from jifen.errors import CodedError, NotFound
from jifen.scoring import compiled, scores
from jifen.statements.signing import Signer
from jifen.store.models import Application, ApplicationEvent, VerificationTask

STATES = ("verifying", "scored", "published", "re_reviewing", "voided")
CHANNELS = ("online", "window")
VOID_REASONS = ("permit_suspended", "permit_cancelled")
REVIEW_DAYS = 15  # working days for the departments' verification, §四(二)
EXTENSION_DAYS = 3  # working days, once per task, "情况特殊的", §四(二)
OBJECTION_DAYS = 3  # days from publication ("3日内"), §四(三)
RE_REVIEW_DAYS = 7  # working days for the re-review, §四(三)
VERIFICATION, RE_REVIEW = 1, 2  # a task's round
# China has one time zone and no daylight saving: "today" for deadlines is the date in Beijing, wherever the
# server's clock is set.
CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


def china_today() -> dt.date:
    return dt.datetime.now(CHINA).date()


@dataclass(frozen=True, slots=True)
class Actor:
    """Who makes a transition: an API client or a console user, and the department they act for."""

    kind: str  # client | user
    name: str
    id: int | None = None
    department: str | None = None

    @classmethod
    def of_client(cls, caller: Caller) -> Actor:
        return cls("client", caller.name, caller.id, caller.department)

    def as_caller(self) -> Caller:
        """The "client" a score stored for this actor names (a console user has no client id)."""
        if self.kind == "client":
            return Caller(self.id, self.name, frozenset(), self.department)  # type: ignore[arg-type]
        return Caller(None, f"user:{self.name}"[:64], frozenset(), self.department)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Context:
    """What a transition needs: a session in a write transaction, who acts, today's date and the calendar; to
    publish, the signer of the result's statement (none: publication is refused)."""

    session: Session
    actor: Actor
    today: dt.date
    calendar: Calendar
    signer: Signer | None = None


def refused(status: int, code: str, message: str, errors: dict[str, list[str]] | None = None) -> CodedError:
    return CodedError(status, code, message, errors)


def field_error(path: str, message: str) -> CodedError:
    return refused(422, "invalid_fields", f"{path}: {message}", {path: [message]})


# --- reading the application under a lock --------------------------------------------------------------------


def find(session: Session, application_ref: str, year: int) -> Application:
    app = session.scalar(
        select(Application).where(Application.application_ref == application_ref, Application.year == year)
    )
    if app is None:
        raise NotFound(f"no application {application_ref} for {year}")
    return app


def locked(ctx: Context, application_ref: str, year: int) -> Application:
    """The application, its row locked until the transaction ends (SELECT … FOR UPDATE).

    Why: a transition reads the state and the tasks, then writes. Two departments verifying at once would each
    see the other's task still open — neither would score the application (or, on a retry, both would) — and two
    supplements would each see the supplement unused. Holding the row lock makes them take turns; the second
    reads what the first committed (PostgreSQL's READ COMMITTED takes a fresh snapshot per statement, and
    populate_existing refreshes what the session had loaded). On SQLite the write transaction (BEGIN IMMEDIATE)
    already excludes every other writer and FOR UPDATE is not needed (SQLAlchemy leaves it out).
    """
    query = (
        select(Application)
        .where(Application.application_ref == application_ref, Application.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    app = ctx.session.scalar(query)
    if app is None:
        raise NotFound(f"no application {application_ref} for {year}")
    if app.state == "voided":
        raise refused(
            409,
            "application_voided",
            f"application {application_ref} for {year} was voided on "
            f"{app.voided_on} ({app.void_reason}); a restored permit needs a new application",
        )
    return app


def tasks_of(ctx: Context, app: Application, round_: int) -> list[VerificationTask]:
    query = select(VerificationTask).where(VerificationTask.application_id == app.id, VerificationTask.round == round_)
    return list(ctx.session.scalars(query.order_by(VerificationTask.id).execution_options(populate_existing=True)))


def version_of(session: Session, app: Application) -> RulesetVersion:
    """The version in force for the application's year on the day it was received (its catalogue and rules)."""
    ref = compiled.select_version(session, app.year, app.received_on)
    return compiled.compiled_for(session, ref).version


def record(
    ctx: Context,
    app: Application,
    action: str,
    before: str | None,
    changes: dict[str, Any],
    score_id: str | None = None,
) -> None:
    app.updated_at = dt.datetime.now(dt.UTC)
    feed.append(
        ctx.session,
        ApplicationEvent(
            application_id=app.id,
            at=app.updated_at,
            action=action,
            actor_kind=ctx.actor.kind,
            actor=ctx.actor.name[:64],
            department=ctx.actor.department,
            state_before=before,
            state_after=app.state,
            score_id=score_id,
            changes=changes,
        ),
    )


def not_after_today(ctx: Context, path: str, day: dt.date) -> None:
    if day > ctx.today:
        raise field_error(path, f"{day.isoformat()} is in the future (today is {ctx.today.isoformat()})")


def not_before(path: str, day: dt.date, earliest: dt.date, what: str) -> None:
    if day < earliest:
        raise field_error(path, f"{day.isoformat()} is before {what} ({earliest.isoformat()})")


def check_claims(session: Session, app_ref: str, year: int, facts: Any, on: dt.date) -> RulesetVersion:
    """Claimed facts must fit the catalogue of the version in force (FieldErrors, 422, like a score request)."""
    scores.evaluate(session, scores.ScoreRequest(app_ref, year, facts, as_of=on, dry_run=True))
    ref = compiled.select_version(session, year, on)
    return compiled.compiled_for(session, ref).version


def open_task(
    ctx: Context, app: Application, unit: str, fact_claims: dict[str, Any], opened_on: dt.date, round_: int, days: int
) -> VerificationTask:
    task = VerificationTask(
        application_id=app.id,
        round=round_,
        department=unit,
        claims=fact_claims,
        opened_on=opened_on,
        due=ctx.calendar.add_workdays(opened_on, days),
        status="open",
    )
    ctx.session.add(task)
    return task
