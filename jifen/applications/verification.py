"""The departments' verification of the claimed facts, its one extension, and the score once every task is done
(policy §四(二), and the re-review of §四(三))."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from engine.model import FactField, RulesetVersion
from jifen.applications.state import (
    EXTENSION_DAYS,
    RE_REVIEW,
    VERIFICATION,
    Context,
    field_error,
    locked,
    record,
    refused,
    tasks_of,
    version_of,
)
from jifen.scoring import claims, scores
from jifen.statements import recognition, signing
from jifen.store.models import Application, ScoreRow, VerificationTask


def _acting_department(ctx: Context, department: str) -> str:
    own = ctx.actor.department
    if own is None:
        raise refused(
            403,
            "no_department",
            f"{ctx.actor.name} is not bound to a department: only a department's "
            "key (api-clients create … --scope verify --department …) or user may do this",
        )
    # a shared task's unit ("交通运输局、综合行政执法局", as the queue names the task) is each member's to name
    if department != own and not claims.serves(department, own):
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
    tasks = [t for t in tasks_of(ctx, app, app.round) if claims.serves(t.department, department)]
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


def _value_problem(field: FactField | None, value: Any, department: str, units: Collection[str]) -> str | None:
    """What is wrong with a verified value (None: nothing), except a fact of another department."""
    if field is None:
        return "unknown field"
    if field.derived is not None:
        return f"is computed from {field.derived.source} and must not be sent"
    if not field.department:
        return "no department verifies this fact"
    if field.department not in units:
        return f"{department} has no open task for the facts of {field.department}"
    if value is None and field.required:
        return "a required fact cannot be 'not proven' (null): give the verified value"
    return claims.check_value(field, value)


def _other_department(field: FactField | None, department: str) -> str | None:
    """The department that verifies a sent fact when it is not this one (None: this one's, or no one's)."""
    if field is None or field.derived is not None or not field.department:
        return None
    return None if claims.serves(field.department, department) else field.department


def _check_verification(version: RulesetVersion, tasks: list[Any], department: str, facts: Mapping[str, Any]) -> None:
    """Refuse facts of another department (403), and unknown, computed, unexpected, invalid or missing ones (422)."""
    units = {t.department for t in tasks}
    foreign: dict[str, list[str]] = {}
    invalid: dict[str, list[str]] = {}
    for name, value in facts.items():
        field = version.catalogue.get(name)
        path = f"facts.{name}"
        if (other := _other_department(field, department)) is not None:
            foreign[path] = [f"verified by {other}, not by {department}"]
            continue
        if (problem := _value_problem(field, value, department, units)) is not None:
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


def verify(
    ctx: Context, application_ref: str, year: int, department: str, facts: Mapping[str, Any], note: str = ""
) -> Application:
    """A department's verification of its facts: each with its verified value (null: not proven). When it was the
    last open task, the application is scored from the verified facts and the score stored."""
    department = _acting_department(ctx, department)
    app = locked(ctx, application_ref, year)
    tasks = _department_tasks(ctx, app, department)
    version = version_of(ctx.session, app)
    _check_verification(version, tasks, department, facts)
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
    record(ctx, app, action, app.state, {"department": department, "tasks": results, "note": note})
    conclude_if_done(ctx, app, version)
    return app


# The key under which the service stores an application's score in the scoring chain. It holds a space, which
# no client's Idempotency-Key can (the API takes 1 to 255 visible ASCII characters, api.schemas.IDEMPOTENCY_KEY):
# the service's keys and the clients' can never meet, whatever a client sends.
SERVICE_KEY_PREFIX = "service: "


def service_idempotency_key(app: Application) -> str:
    """The idempotency key of the score stored after this round of verification or re-review."""
    return f"{SERVICE_KEY_PREFIX}application/{app.id}/after/{app.score_id or 'receipt'}"


def conclude_if_done(ctx: Context, app: Application, version: RulesetVersion) -> None:
    """Once every task of the round is done: score the verified facts and store the score (in this transaction)."""
    tasks = tasks_of(ctx, app, app.round)
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
    recognised, recognition_id = recognition.applied(ctx.session, app)  # another city's provincial points, if any
    request = scores.ScoreRequest(
        app.application_ref,
        app.year,
        verified,
        as_of=app.received_on,
        supersedes=app.score_id,
        idempotency_key=service_idempotency_key(app),
        recognised=recognised,
        recognition_id=recognition_id,
    )
    stored = scores.store_within(ctx.session, scores.prepare(ctx.session, request, ctx.actor.as_caller()))
    superseded, app.score_id = app.score_id, stored.stored_id
    state = app.state
    app.state = "scored" if app.round == VERIFICATION else "published"
    result = json.loads(stored.body)
    record(
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
        signing.sign_publication(ctx.session, app, ctx.signer, ctx.today)
        record(
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
        raise field_error("reason", "say why the verification needs longer")
    app = locked(ctx, application_ref, year)
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
    record(ctx, app, "extended", app.state, {"department": department, "reason": reason, "tasks": changes})
    return app
