"""Publishing a result, the applicant's objection to it, and voiding an application (policy §四(三), §四(四))."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from jifen.applications.state import (
    OBJECTION_DAYS,
    RE_REVIEW,
    RE_REVIEW_DAYS,
    VOID_REASONS,
    Context,
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
from jifen.scoring import claims
from jifen.statements import recognition, signing
from jifen.store.models import Application


def publish(ctx: Context, application_ref: str, year: int, published_on: dt.date) -> Application:
    """Publish a scored application's result; objections are accepted for 3 days (to the next working day)."""
    app = locked(ctx, application_ref, year)
    if app.state == "verifying":
        pending = sorted(t.department for t in tasks_of(ctx, app, app.round) if t.status == "open")
        raise refused(
            409,
            "verification_pending",
            f"{application_ref} cannot be published before every department "
            f"has verified its facts; still open: {'、'.join(pending)}",
        )
    if app.state != "scored":
        raise refused(409, "already_published", f"{application_ref} was published on {app.published_on}")
    not_after_today(ctx, "published_on", published_on)
    not_before("published_on", published_on, app.received_on, "the application's receipt")
    signing.sign_publication(ctx.session, app, ctx.signer, published_on)
    app.published_on = published_on
    app.objection_deadline = ctx.calendar.deadline_in_days(published_on, OBJECTION_DAYS)
    app.state = "published"
    record(
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
    app = locked(ctx, application_ref, year)
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
    not_after_today(ctx, "filed_on", filed_on)
    not_before("filed_on", filed_on, app.published_on, "the publication")
    if filed_on > app.objection_deadline:
        message = (
            f"filed on {filed_on.isoformat()}, after the objection deadline "
            f"{app.objection_deadline.isoformat()} (3 days from publication on {app.published_on.isoformat()}"
            ", moved to the next working day when it falls on a rest day): 逾期提出的，不予受理"
        )
        raise refused(422, "objection_window_closed", message, {"filed_on": [message]})
    version = version_of(ctx.session, app)
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
    invalid |= recognition.undisputable(ctx.session, app, version, facts)
    if invalid:
        raise refused(422, "invalid_fields", "the objection has invalid fields", invalid)
    units: dict[str, dict[str, Any]] = {}
    for name, value in facts.items():
        units.setdefault(version.catalogue[name].department or "", {})[name] = value
    tasks = [
        open_task(ctx, app, unit, disputed, filed_on, RE_REVIEW, RE_REVIEW_DAYS) for unit, disputed in units.items()
    ]
    app.objection_filed_on, app.round, app.state = filed_on, RE_REVIEW, "re_reviewing"
    record(
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
        raise field_error("reason", f"must be one of: {', '.join(VOID_REASONS)}; got {reason!r}")
    app = locked(ctx, application_ref, year)
    not_after_today(ctx, "date", on)
    not_before("date", on, app.received_on, "the application's receipt")
    cancelled = []
    for task in tasks_of(ctx, app, app.round):
        if task.status == "open":
            task.status = "cancelled"
            cancelled.append(task.department)
    state = app.state
    app.state, app.voided_on, app.void_reason = "voided", on, reason
    record(
        ctx, app, "voided", state, {"reason": reason, "date": on, "cancelled_tasks": cancelled}, score_id=app.score_id
    )
    return app
