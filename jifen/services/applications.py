"""Applications from receipt to their final score (policy §四): every state transition, in one place.

    verifying ──(every task done: score stored)──▶ scored ──publish──▶ published ──objection──▶ re_reviewing
        ▲            (supplement, once) ◀──────────────┘                    ▲                     │
        └───────────────────────────────────────────────────────────────────│──(re-review done)───┘
    any state ──void──▶ voided (for good)

The API, the CLI and the console call these functions with a session in a write transaction (``Context``); the
caller commits. Each transition locks its application's row first (see ``_locked``), checks the state, changes
it and records an ``ApplicationEvent`` saying who did what; errors are ``CodedError``s with a stable code.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.model import RulesetVersion
from jifen.errors import CodedError, NotFound
from jifen.models import Application, ApplicationEvent, ScoreRow, VerificationTask
from jifen.services import claims, scores, scoring
from jifen.services.api_clients import Caller
from jifen.services.workdays import Calendar

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
    """What a transition needs: a session in a write transaction, who acts, today's date and the calendar."""

    session: Session
    actor: Actor
    today: dt.date
    calendar: Calendar


def refused(status: int, code: str, message: str, errors: dict[str, list[str]] | None = None) -> CodedError:
    return CodedError(status, code, message, errors)


def _field_error(path: str, message: str) -> CodedError:
    return refused(422, "invalid_fields", f"{path}: {message}", {path: [message]})


# --- reading the application under a lock --------------------------------------------------------------------


def find(session: Session, application_ref: str, year: int) -> Application:
    app = session.scalar(
        select(Application).where(Application.application_ref == application_ref, Application.year == year)
    )
    if app is None:
        raise NotFound(f"no application {application_ref} for {year}")
    return app


def _locked(ctx: Context, application_ref: str, year: int) -> Application:
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


def _tasks(ctx: Context, app: Application, round_: int) -> list[VerificationTask]:
    query = select(VerificationTask).where(VerificationTask.application_id == app.id, VerificationTask.round == round_)
    return list(ctx.session.scalars(query.order_by(VerificationTask.id).execution_options(populate_existing=True)))


def _version(session: Session, app: Application) -> RulesetVersion:
    """The version in force for the application's year on the day it was received (its catalogue and rules)."""
    ref = scoring.select_version(session, app.year, app.received_on)
    return scoring.compiled_for(session, ref).version


def _record(
    ctx: Context,
    app: Application,
    action: str,
    before: str | None,
    changes: dict[str, Any],
    score_id: str | None = None,
) -> None:
    app.updated_at = dt.datetime.now(dt.UTC)
    ctx.session.add(
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
        )
    )


def _not_after_today(ctx: Context, path: str, day: dt.date) -> None:
    if day > ctx.today:
        raise _field_error(path, f"{day.isoformat()} is in the future (today is {ctx.today.isoformat()})")


def _not_before(path: str, day: dt.date, earliest: dt.date, what: str) -> None:
    if day < earliest:
        raise _field_error(path, f"{day.isoformat()} is before {what} ({earliest.isoformat()})")


def _check_claims(session: Session, app_ref: str, year: int, facts: Any, on: dt.date) -> RulesetVersion:
    """Claimed facts must fit the catalogue of the version in force (FieldErrors, 422, like a score request)."""
    scores.evaluate(session, scores.ScoreRequest(app_ref, year, facts, as_of=on, dry_run=True))
    ref = scoring.select_version(session, year, on)
    return scoring.compiled_for(session, ref).version


def _open_task(
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


# --- transitions -----------------------------------------------------------------------------------------------


def receive(
    ctx: Context, application_ref: str, year: int, received_on: dt.date, channel: str, facts: Mapping[str, Any]
) -> Application:
    """A new application: state ``verifying``, one task per department concerned, each due in 15 working days."""
    if channel not in CHANNELS:
        raise _field_error("channel", f"must be one of: {', '.join(CHANNELS)}; got {channel!r}")
    _not_after_today(ctx, "received_on", received_on)
    if received_on.year != year:
        raise _field_error(
            "received_on",
            f"{received_on.isoformat()} is not in {year}: an application is for the "
            "year it is received in (积分有效期为申请当年)",
        )
    session = ctx.session
    if (
        session.scalar(
            select(Application.id).where(Application.application_ref == application_ref, Application.year == year)
        )
        is not None
    ):
        raise _exists(application_ref, year)
    head = session.scalar(select(ScoreRow.id).where(ScoreRow.application_ref == application_ref, ScoreRow.year == year))
    if head is not None:
        raise refused(
            409,
            "already_scored",
            f"{application_ref} already has a score for {year} ({head}) stored "
            "outside an application; use a new application_ref",
        )
    version = _check_claims(session, application_ref, year, dict(facts), received_on)
    app = Application(
        application_ref=application_ref,
        year=year,
        channel=channel,
        state="verifying",
        received_on=received_on,
        claimed_facts=dict(facts),
        round=VERIFICATION,
        created_by=ctx.actor.name[:64],
    )
    try:
        with session.begin_nested():  # a concurrent receipt of the same application commits first: 409, not 500
            session.add(app)
            session.flush()
    except IntegrityError:
        raise _exists(application_ref, year) from None
    tasks = [
        _open_task(ctx, app, unit, fact_claims, received_on, VERIFICATION, REVIEW_DAYS)
        for unit, fact_claims in claims.plan(version, facts).items()
    ]
    _record(
        ctx,
        app,
        "received",
        None,
        {
            "channel": channel,
            "received_on": received_on,
            "claimed_facts": dict(facts),
            "version": version.ref,
            "tasks": {t.department: {"facts": list(t.claims), "due": t.due} for t in tasks},
        },
    )
    return app


def _exists(application_ref: str, year: int) -> CodedError:
    return refused(409, "application_exists", f"application {application_ref} for {year} has been received already")


def supplement(
    ctx: Context, application_ref: str, year: int, facts: Mapping[str, Any], received_on: dt.date | None = None
) -> Application:
    """The applicant's one supplement before publication: its facts replace the claims (null withdraws one), and
    the tasks of their departments are opened again, due 15 working days after the supplement."""
    app = _locked(ctx, application_ref, year)
    if app.state not in ("verifying", "scored"):
        raise refused(
            409,
            "supplement_closed",
            f"the result of {application_ref} was published on "
            f"{app.published_on}: materials can be supplemented only before publication; "
            "dispute the result with an objection instead",
        )
    if app.supplemented_on is not None:
        raise refused(
            409,
            "supplement_used",
            f"{application_ref} was supplemented on {app.supplemented_on}: "
            "an applicant may supplement materials once (§四(一))",
        )
    day = received_on or ctx.today
    _not_after_today(ctx, "received_on", day)
    _not_before("received_on", day, app.received_on, "the application's receipt")
    if not facts:
        raise _field_error("facts", "give at least one fact to supplement")
    version = _version(ctx.session, app)
    unverified = [
        n
        for n in facts
        if n in version.catalogue
        and not claims.verifiable(version.catalogue[n])
        and version.catalogue[n].derived is None
    ]
    if unverified:
        raise refused(
            422,
            "invalid_fields",
            "no department verifies these facts: they cannot be supplemented",
            {f"facts.{n}": ["no department verifies this fact: it cannot be supplemented"] for n in unverified},
        )
    before = dict(app.claimed_facts)
    merged = {**before, **facts}
    merged = {name: value for name, value in merged.items() if value is not None}
    version = _check_claims(ctx.session, application_ref, year, merged, app.received_on)
    touched = {version.catalogue[n].department for n in facts if n in version.catalogue}
    planned = claims.plan(version, merged)
    existing = {t.department: t for t in _tasks(ctx, app, VERIFICATION)}
    due = ctx.calendar.add_workdays(day, REVIEW_DAYS)
    reopened = []
    for unit in sorted(touched | (planned.keys() - existing.keys()), key=str):
        task = existing.get(unit)
        if unit not in planned:  # every claim of the department withdrawn: nothing left for it to verify
            if task is not None and task.status == "open":
                task.claims, task.results, task.status = {}, {}, "done"
                task.done_on, task.done_by, task.note = day, ctx.actor.name[:64], "已无需要核查的内容"
            continue
        if task is None:
            task = _open_task(ctx, app, unit, planned[unit], day, VERIFICATION, REVIEW_DAYS)
        else:
            task.claims = planned[unit]
            task.due = max(task.due, due)
            task.results = task.done_on = task.done_by = task.note = None
            task.status = "open"
        reopened.append(task)
    app.claimed_facts, app.supplemented_on = merged, day
    state, app.state = app.state, "verifying"
    _record(
        ctx,
        app,
        "supplemented",
        state,
        {
            "received_on": day,
            "facts": dict(facts),
            "claims_before": before,
            "reopened": {t.department: {"facts": list(t.claims), "due": t.due} for t in reopened},
        },
    )
    _conclude_if_done(ctx, app, version)  # a supplement that only withdrew claims may leave nothing to verify
    return app


def _acting_department(ctx: Context, department: str) -> str:
    own = ctx.actor.department
    if own is None:
        raise refused(
            403,
            "no_department",
            f"{ctx.actor.name} is not bound to a department: only a department's "
            "key (api-clients create … --scope verify --department …) or user may do this",
        )
    if department != own:
        raise refused(
            403,
            "department_mismatch",
            f"{ctx.actor.name} acts for {own}, not for {department}",
            {"department": [f"must be {own}, the department this key is bound to"]},
        )
    return own


def _department_tasks(ctx: Context, app: Application, department: str) -> list[VerificationTask]:
    """The department's open tasks of the application's current round; 409 when it has none."""
    if app.state not in ("verifying", "re_reviewing"):
        raise refused(409, "no_open_task", f"{app.application_ref} is {app.state}: no task is open")
    tasks = [t for t in _tasks(ctx, app, app.round) if claims.serves(t.department, department)]
    open_ = [t for t in tasks if t.status == "open"]
    if open_:
        return open_
    if tasks:
        done = tasks[0]
        raise refused(
            409,
            "task_done",
            f"{department} completed its task for {app.application_ref} on {done.done_on} ({done.done_by})",
        )
    raise refused(409, "no_task", f"{app.application_ref} has no task for {department}")


def verify(
    ctx: Context, application_ref: str, year: int, department: str, facts: Mapping[str, Any], note: str = ""
) -> Application:
    """A department's verification of its facts: each with its verified value (null: not proven). When it was the
    last open task, the application is scored from the verified facts and the score stored."""
    department = _acting_department(ctx, department)
    app = _locked(ctx, application_ref, year)
    tasks = _department_tasks(ctx, app, department)
    version = _version(ctx.session, app)
    by_unit = {t.department: t for t in tasks}
    foreign: dict[str, list[str]] = {}
    invalid: dict[str, list[str]] = {}
    for name, value in facts.items():
        field = version.catalogue.get(name)
        path = f"facts.{name}"
        if field is None:
            invalid[path] = ["unknown field"]
        elif field.derived is not None:
            invalid[path] = [f"is computed from {field.derived.source} and must not be sent"]
        elif not field.department:
            invalid[path] = ["no department verifies this fact"]
        elif not claims.serves(field.department, department):
            foreign[path] = [f"verified by {field.department}, not by {department}"]
        elif field.department not in by_unit:
            invalid[path] = [f"{department} has no open task for the facts of {field.department}"]
        elif value is None and field.required:
            invalid[path] = ["a required fact cannot be 'not proven' (null): give the verified value"]
        elif (problem := claims.check_value(field, value)) is not None:
            invalid[path] = [problem]
    if foreign:
        raise refused(403, "not_department_facts", f"{department} may verify only its own facts", foreign)
    for task in tasks:
        for name, claimed in task.claims.items():
            if name not in facts:
                invalid[f"facts.{name}"] = [
                    f"missing: give the verified value, or null when it is not proven "
                    f"(claimed: {json.dumps(claimed, ensure_ascii=False)})"
                ]
    if invalid:
        raise refused(422, "invalid_fields", "the verification has invalid fields", invalid)
    results: dict[str, Any] = {}
    for task in tasks:
        task_claims = dict(task.claims)
        for name in facts:
            if version.catalogue[name].department == task.department:
                task_claims.setdefault(name, None)  # a value found that was not claimed (a record, say)
        task.claims = task_claims
        task.results = {
            name: {
                "claimed": claimed,
                "verified": facts[name],
                "outcome": claims.outcome(version.catalogue[name], claimed, facts[name]),
            }
            for name, claimed in task_claims.items()
        }
        task.status, task.done_on, task.done_by, task.note = "done", ctx.today, ctx.actor.name[:64], note
        results[task.department] = {"results": task.results, "due": task.due, "late": ctx.today > task.due}
    action = "verified" if app.round == VERIFICATION else "re_reviewed"
    _record(ctx, app, action, app.state, {"department": department, "tasks": results, "note": note})
    _conclude_if_done(ctx, app, version)
    return app


def _conclude_if_done(ctx: Context, app: Application, version: RulesetVersion) -> None:
    """Once every task of the round is done: score the verified facts and store the score (in this transaction)."""
    tasks = _tasks(ctx, app, app.round)
    if any(t.status == "open" for t in tasks):
        return
    verified: dict[str, Any]
    if app.round == VERIFICATION:
        # facts no department verifies (the application date) count as claimed
        verified = {
            n: v
            for n, v in app.claimed_facts.items()
            if v is not None and not claims.verifiable(version.catalogue.get(n))
        }
    else:
        current = ctx.session.get(ScoreRow, app.score_id)
        assert current is not None
        verified = json.loads(current.facts)
    for task in tasks:
        for name, result in (task.results or {}).items():
            verified.pop(name, None)
            if result["verified"] is not None:
                verified[name] = result["verified"]
    request = scores.ScoreRequest(
        app.application_ref,
        app.year,
        verified,
        as_of=app.received_on,
        supersedes=app.score_id,
        idempotency_key=f"application/{app.id}/after/{app.score_id or 'receipt'}",
    )
    stored = scores.store_within(ctx.session, scores.prepare(ctx.session, request, ctx.actor.as_caller()))
    superseded, app.score_id = app.score_id, stored.stored_id
    state = app.state
    app.state = "scored" if app.round == VERIFICATION else "published"
    result = json.loads(stored.body)
    _record(
        ctx,
        app,
        "scored",
        state,
        {
            "facts": verified,
            "total": result["total"],
            "eligible": result["eligible"],
            "version": result["version"],
            "supersedes": superseded,
            "as_of": app.received_on,
        },
        score_id=app.score_id,
    )
    if app.round == RE_REVIEW:
        # The re-review answers the objection (复核结果告知申请人): its score is published at once, and it is final.
        app.republished_on = ctx.today
        _record(
            ctx,
            app,
            "republished",
            app.state,
            {"published_on": ctx.today, "score_id": app.score_id},
            score_id=app.score_id,
        )


def extend(ctx: Context, application_ref: str, year: int, department: str, reason: str) -> Application:
    """Extend the department's open verification task once by 3 working days (情况特殊的, §四(二))."""
    department = _acting_department(ctx, department)
    if not reason.strip():
        raise _field_error("reason", "say why the verification needs longer")
    app = _locked(ctx, application_ref, year)
    tasks = _department_tasks(ctx, app, department)
    if app.round == RE_REVIEW:
        raise refused(
            409,
            "extension_not_allowed",
            "a re-review's 7 working days (§四(三)) cannot be extended; only a verification's 15 (§四(二))",
        )
    used = [t for t in tasks if t.extended_on is not None]
    if used:
        raise refused(
            409,
            "extension_used",
            f"the task of {used[0].department} was extended on "
            f"{used[0].extended_on} (to {used[0].due}); a task is extended once",
        )
    changes = {}
    for task in tasks:
        before = task.due
        task.due = ctx.calendar.add_workdays(task.due, EXTENSION_DAYS)
        task.extended_on, task.extension_reason = ctx.today, reason
        changes[task.department] = {"due_before": before, "due": task.due, "late": ctx.today > before}
    _record(ctx, app, "extended", app.state, {"department": department, "reason": reason, "tasks": changes})
    return app


def publish(ctx: Context, application_ref: str, year: int, published_on: dt.date) -> Application:
    """Publish a scored application's result; objections are accepted for 3 days (to the next working day)."""
    app = _locked(ctx, application_ref, year)
    if app.state == "verifying":
        pending = sorted(t.department for t in _tasks(ctx, app, app.round) if t.status == "open")
        raise refused(
            409,
            "verification_pending",
            f"{application_ref} cannot be published before every department "
            f"has verified its facts; still open: {'、'.join(pending)}",
        )
    if app.state != "scored":
        raise refused(409, "already_published", f"{application_ref} was published on {app.published_on}")
    _not_after_today(ctx, "published_on", published_on)
    _not_before("published_on", published_on, app.received_on, "the application's receipt")
    app.published_on = published_on
    app.objection_deadline = ctx.calendar.deadline_in_days(published_on, OBJECTION_DAYS)
    app.state = "published"
    _record(
        ctx,
        app,
        "published",
        "scored",
        {"published_on": published_on, "objection_deadline": app.objection_deadline},
        score_id=app.score_id,
    )
    return app


def object_to(
    ctx: Context, application_ref: str, year: int, filed_on: dt.date, facts: Mapping[str, Any]
) -> Application:
    """The applicant's objection within the window: the departments of the disputed facts re-review them within
    7 working days. One objection per application: the re-review's result is final."""
    app = _locked(ctx, application_ref, year)
    if app.objection_filed_on is not None:
        raise refused(
            409,
            "objection_already_filed",
            f"an objection to {application_ref} was filed on "
            f"{app.objection_filed_on}; its re-review answers it and is final",
        )
    if app.state != "published":
        raise refused(
            409, "not_published", f"{application_ref} is {app.state}: only a published result can be disputed"
        )
    assert app.published_on is not None and app.objection_deadline is not None
    _not_after_today(ctx, "filed_on", filed_on)
    _not_before("filed_on", filed_on, app.published_on, "the publication")
    if filed_on > app.objection_deadline:
        message = (
            f"filed on {filed_on.isoformat()}, after the objection deadline "
            f"{app.objection_deadline.isoformat()} (3 days from publication on {app.published_on.isoformat()}"
            ", moved to the next working day when it falls on a rest day): 逾期提出的，不予受理"
        )
        raise refused(422, "objection_window_closed", message, {"filed_on": [message]})
    version = _version(ctx.session, app)
    invalid: dict[str, list[str]] = {}
    if not facts:
        invalid["facts"] = ["name at least one disputed fact, with the value the applicant claims"]
    for name, value in facts.items():
        field = version.catalogue.get(name)
        path = f"facts.{name}"
        if field is None:
            invalid[path] = ["unknown field"]
        elif not claims.verifiable(field):
            invalid[path] = ["no department verifies this fact: it cannot be disputed"]
        elif (problem := claims.check_value(field, value)) is not None:
            invalid[path] = [problem]
    if invalid:
        raise refused(422, "invalid_fields", "the objection has invalid fields", invalid)
    units: dict[str, dict[str, Any]] = {}
    for name, value in facts.items():
        units.setdefault(version.catalogue[name].department or "", {})[name] = value
    tasks = [
        _open_task(ctx, app, unit, disputed, filed_on, RE_REVIEW, RE_REVIEW_DAYS) for unit, disputed in units.items()
    ]
    app.objection_filed_on, app.round, app.state = filed_on, RE_REVIEW, "re_reviewing"
    _record(
        ctx,
        app,
        "objected",
        "published",
        {
            "filed_on": filed_on,
            "facts": dict(facts),
            "tasks": {t.department: {"facts": list(t.claims), "due": t.due} for t in tasks},
        },
    )
    return app


def void(ctx: Context, application_ref: str, year: int, reason: str, on: dt.date) -> Application:
    """The permit was suspended or cancelled: the points are void from ``on``, for good (§四(四))."""
    if reason not in VOID_REASONS:
        raise _field_error("reason", f"must be one of: {', '.join(VOID_REASONS)}; got {reason!r}")
    app = _locked(ctx, application_ref, year)
    _not_after_today(ctx, "date", on)
    _not_before("date", on, app.received_on, "the application's receipt")
    cancelled = []
    for task in _tasks(ctx, app, app.round):
        if task.status == "open":
            task.status = "cancelled"
            cancelled.append(task.department)
    state = app.state
    app.state, app.voided_on, app.void_reason = "voided", on, reason
    _record(
        ctx, app, "voided", state, {"reason": reason, "date": on, "cancelled_tasks": cancelled}, score_id=app.score_id
    )
    return app
