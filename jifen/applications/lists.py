"""What the bureau looks at across applications: how many are in each state, a page of them, the objections
being re-reviewed. One application's own view and history are in ``application_views``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen.applications.state import RE_REVIEW, STATES
from jifen.applications.views import task_view
from jifen.store.models import Application, VerificationTask


def counts_by_state(session: Session) -> dict[str, int]:
    """{state: number of applications}, every state listed (in the order of the life), zeros included."""
    rows = session.execute(select(Application.state, func.count()).group_by(Application.state))
    found = dict(rows.tuples().all())
    return {state: found.get(state, 0) for state in STATES}


def page(
    session: Session, state: str | None = None, search: str = "", number: int = 1, per_page: int = 50
) -> tuple[list[Application], int]:
    """One page of applications (of a state; whose reference contains ``search``), the latest changed first, and
    how many there are in all."""
    conditions = []
    if state:
        conditions.append(Application.state == state)
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(Application.application_ref.like(f"%{escaped}%", escape="\\"))
    total = session.scalar(select(func.count()).select_from(Application).where(*conditions)) or 0
    query = (
        select(Application)
        .where(*conditions)
        .order_by(Application.updated_at.desc(), Application.id.desc())
        .limit(per_page)
        .offset((max(number, 1) - 1) * per_page)
    )
    return list(session.scalars(query)), total


def open_objections(session: Session, today: dt.date) -> list[dict[str, Any]]:
    """Objections under re-review (state ``re_reviewing``), the earliest filed first, each with its re-review tasks."""
    apps = list(
        session.scalars(
            select(Application)
            .where(Application.state == "re_reviewing")
            .order_by(Application.objection_filed_on, Application.application_ref)
        )
    )
    tasks: dict[int, list[VerificationTask]] = {}
    if apps:
        query = (
            select(VerificationTask)
            .where(VerificationTask.application_id.in_([a.id for a in apps]), VerificationTask.round == RE_REVIEW)
            .order_by(VerificationTask.id)
        )
        for task in session.scalars(query):
            tasks.setdefault(task.application_id, []).append(task)
    return [
        {
            "application_ref": app.application_ref,
            "year": app.year,
            "published_on": app.published_on,
            "filed_on": app.objection_filed_on,
            "tasks": [task_view(t, today) for t in tasks.get(app.id, [])],
        }
        for app in apps
    ]


def in_objection_window(session: Session, today: dt.date) -> int:
    """How many published results may still be disputed today (no objection yet, the deadline not passed)."""
    query = select(func.count()).where(
        Application.state == "published",
        Application.objection_filed_on.is_(None),
        Application.objection_deadline >= today,
    )
    return session.scalar(query) or 0
