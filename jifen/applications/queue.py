"""The departments' task queue: one query for the console's 待核查任务, the CLI's ``applications overdue`` and the
API's ``GET /api/v1/tasks``.

A task belongs to a *unit*: the department a fact catalogue names for its facts — one department, or several that
share the facts ("交通运输局、综合行政执法局"). A department's queue holds the tasks of every unit it is a member of,
so a shared task is in the queue of each of its departments, and whichever completes it first completes it for all.

The order is stable, so that pages never overlap or leave a task out while nothing changes: overdue tasks first,
then by due date, then by the task's id (a unique key).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, false, func, not_, select
from sqlalchemy.orm import Session

from jifen.access import departments
from jifen.applications.views import task_view
from jifen.scoring import claims
from jifen.store.models import Application, VerificationTask

PAGE_SIZE = 50  # tasks per page of the API's queue
TASK_STATUSES = ("open", "done", "cancelled")  # cancelled: by a void
LISTED = ("open", "done", "all")  # what a queue may be asked for


@dataclass(frozen=True, slots=True)
class TaskFilter:
    """Which tasks: a department's (None: every department's), open, done or all, overdue or not, due before a day."""

    department: str | None = None
    status: str = "open"
    overdue: bool | None = None
    due_before: dt.date | None = None


def units_of(session: Session, department: str) -> list[str]:
    """The units whose tasks ``department`` works on: itself, and every shared unit it is a member of."""
    names = session.scalars(select(distinct(VerificationTask.department)))
    return sorted(unit for unit in names if claims.serves(unit, department))


def _conditions(session: Session, wanted: TaskFilter, today: dt.date) -> list[ColumnElement[bool]]:
    late = and_(VerificationTask.status == "open", VerificationTask.due < today)
    conditions: list[ColumnElement[bool]] = []
    if wanted.department is not None:
        units = units_of(session, wanted.department)
        conditions.append(VerificationTask.department.in_(units) if units else false())
    if wanted.status != "all":
        conditions.append(VerificationTask.status == wanted.status)
    if wanted.overdue is not None:
        conditions.append(late if wanted.overdue else not_(late))
    if wanted.due_before is not None:
        conditions.append(VerificationTask.due < wanted.due_before)
    return conditions


def _item(task: VerificationTask, app: Application, today: dt.date) -> dict[str, Any]:
    view = task_view(task, today)
    return {
        "application_ref": app.application_ref,
        "year": app.year,
        "state": app.state,
        **view,
        "departments": list(departments.members(task.department)),
        # the catalogue's unit verifies every fact of its task (claims.plan groups the facts by it)
        "facts_to_verify": [
            {"name": name, "department": task.department, "claimed": claimed} for name, claimed in task.claims.items()
        ],
    }


def tasks(
    session: Session, wanted: TaskFilter, today: dt.date, number: int = 1, per_page: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """One page (from 1; ``per_page`` None: all) of the tasks ``wanted``, overdue first, then by due date and id, and
    how many there are in all."""
    conditions = _conditions(session, wanted, today)
    total = session.scalar(select(func.count()).select_from(VerificationTask).where(*conditions)) or 0
    late_first = case((and_(VerificationTask.status == "open", VerificationTask.due < today), 0), else_=1)
    query = (
        select(VerificationTask, Application)
        .join(Application, Application.id == VerificationTask.application_id)
        .where(*conditions)
        .order_by(late_first, VerificationTask.due, VerificationTask.id)
    )
    if per_page is not None:
        query = query.limit(per_page).offset((max(number, 1) - 1) * per_page)
    return [_item(task, app, today) for task, app in session.execute(query).tuples()], total


def department_queue(session: Session, department: str, today: dt.date) -> list[dict[str, Any]]:
    """The open tasks a department works on (its own, and those of units it shares), overdue first, then by due
    date."""
    return tasks(session, TaskFilter(department=department), today)[0]


def overdue(session: Session, today: dt.date) -> list[dict[str, Any]]:
    """Every open task past its due date, by department, the longest overdue first."""
    late = tasks(session, TaskFilter(overdue=True), today)[0]
    return sorted(late, key=lambda t: (t["department"], t["due"], t["application_ref"]))
