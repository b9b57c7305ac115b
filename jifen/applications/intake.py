"""Receiving an application and the applicant's one supplement before publication (policy §四(一), §四(二))."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from jifen.applications import periods
from jifen.applications.state import (
    CHANNELS,
    REVIEW_DAYS,
    VERIFICATION,
    Context,
    check_claims,
    field_error,
    locked,
    not_after_today,
    not_before,
    open_task,
    record,
    refused,
    tasks_of,
    version_of,
)
from jifen.applications.verification import conclude_if_done
from jifen.errors import CodedError
from jifen.scoring import claims
from jifen.statements import recognition
from jifen.store.models import Application, ScoreRow, VerificationTask


def receive(
    ctx: Context,
    application_ref: str,
    year: int,
    received_on: dt.date,
    channel: str,
    facts: Mapping[str, Any],
    recognised_statement: str | None = None,
) -> Application:
    """A new application: state ``verifying``, one task per department concerned, each due in 15 working days.

    With another city's statement (``recognised_statement``) its provincial points are recognised, once verified
    (``jifen.statements.recognition``), and no department verifies the facts only they need."""
    if channel not in CHANNELS:
        raise field_error("channel", f"must be one of: {', '.join(CHANNELS)}; got {channel!r}")
    not_after_today(ctx, "received_on", received_on)
    if received_on.year != year:
        raise field_error(
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
    periods.check_receipt(session, year, received_on)  # once the year's periods are published, only within them
    version = check_claims(session, application_ref, year, dict(facts), received_on)
    checked = None if recognised_statement is None else recognition.check(session, recognised_statement, year,
                                                                           received_on, version)  # fmt: skip
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
    plan = claims.plan(version, facts)
    if checked is not None:
        recognised = recognition.keep(session, app, checked)
        plan = recognition.without_provincial(plan, version)
    tasks = [
        open_task(ctx, app, unit, fact_claims, received_on, VERIFICATION, REVIEW_DAYS)
        for unit, fact_claims in plan.items()
    ]
    changes = {
        "channel": channel,
        "received_on": received_on,
        "claimed_facts": dict(facts),
        "version": version.ref,
        "tasks": {t.department: {"facts": list(t.claims), "due": t.due} for t in tasks},
    }
    if checked is not None:
        changes["recognised"] = {k: v for k, v in recognition.described(recognised).items() if k != "statement"}
    record(ctx, app, "received", None, changes)
    return app


def _exists(application_ref: str, year: int) -> CodedError:
    return refused(409, "application_exists", f"application {application_ref} for {year} has been received already")


def _may_supplement(ctx: Context, app: Application, facts: Mapping[str, Any], day: dt.date) -> None:
    """Refuse a supplement after publication, a second one, one dated wrongly, and one of facts no department
    verifies."""
    if app.state not in ("verifying", "scored"):
        raise refused(
            409,
            "supplement_closed",
            f"the result of {app.application_ref} was published on "
            f"{app.published_on}: materials can be supplemented only before publication; "
            "dispute the result with an objection instead",
        )
    if app.supplemented_on is not None:
        raise refused(
            409,
            "supplement_used",
            f"{app.application_ref} was supplemented on {app.supplemented_on}: "
            "an applicant may supplement materials once (§四(一))",
        )
    not_after_today(ctx, "received_on", day)
    not_before("received_on", day, app.received_on, "the application's receipt")
    if not facts:
        raise field_error("facts", "give at least one fact to supplement")
    version = version_of(ctx.session, app)
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


def _reopen(
    ctx: Context, app: Application, touched: set[str | None], planned: dict[str, dict[str, Any]], day: dt.date
) -> list[VerificationTask]:
    """Open again the verification tasks of the departments a supplement touched (or open new ones), due 15
    working days after it; close those left with nothing to verify. The tasks opened."""
    existing: dict[str | None, VerificationTask] = {t.department: t for t in tasks_of(ctx, app, VERIFICATION)}
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
            task = open_task(ctx, app, unit, planned[unit], day, VERIFICATION, REVIEW_DAYS)
        else:
            task.claims = planned[unit]
            task.due = max(task.due, due)
            task.results = task.done_on = task.done_by = task.note = None
            task.status = "open"
        reopened.append(task)
    return reopened


def supplement(
    ctx: Context, application_ref: str, year: int, facts: Mapping[str, Any], received_on: dt.date | None = None
) -> Application:
    """The applicant's one supplement before publication: its facts replace the claims (null withdraws one), and
    the tasks of their departments are opened again, due 15 working days after the supplement."""
    app = locked(ctx, application_ref, year)
    day = received_on or ctx.today
    _may_supplement(ctx, app, facts, day)
    before = dict(app.claimed_facts)
    merged = {**before, **facts}
    merged = {name: value for name, value in merged.items() if value is not None}
    version = check_claims(ctx.session, application_ref, year, merged, app.received_on)
    touched = {version.catalogue[n].department for n in facts if n in version.catalogue}
    planned = claims.plan(version, merged)
    if recognition.of_application(ctx.session, app) is not None:
        planned = recognition.without_provincial(planned, version)
    reopened = _reopen(ctx, app, touched, planned, day)
    app.claimed_facts, app.supplemented_on = merged, day
    state, app.state = app.state, "verifying"
    record(
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
    conclude_if_done(ctx, app, version)  # a supplement that only withdrew claims may leave nothing to verify
    return app
