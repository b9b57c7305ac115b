"""/api/v1/tasks: the departments' task queue — what each department has to verify, overdue first."""

from __future__ import annotations

from flask import Blueprint, Response, request

from api.applications import today
from api.auth import current_caller, require
from api.errors import ApiError
from api.http import json_response
from api.openapi import doc
from api.task_schemas import TaskPageSchema, TaskQuerySchema, task_item
from jifen.access.api_clients import Caller
from jifen.applications import queue
from jifen.unit_of_work import get_session

bp = Blueprint("tasks", __name__)
_query = TaskQuerySchema()


def _department(caller: Caller, asked: str | None) -> str | None:
    """The department whose queue is read: a ``verify``-only key reads its own only; ``read``/``publish`` any."""
    if not caller.scopes.isdisjoint({"read", "publish"}):
        return asked
    own = caller.department
    if own is None:
        raise ApiError(403, "no_department", f"{caller.name} is not bound to a department")
    if asked is not None and asked != own:
        raise ApiError(403, "department_mismatch", f"{caller.name} acts for {own}, not for {asked}",
                       {"department": [f"must be {own}, the department this key is bound to"]})  # fmt: skip
    return own


@bp.get("/tasks")
@doc(
    "The departments' task queue: each task with its application, the facts to verify with the claimed values, "
    "its due date and overdue flag; overdue first, then by due date",
    tag="tasks",
    query=TaskQuerySchema,
    responses={200: ("A page of tasks", TaskPageSchema)},
    errors=("invalid_fields", "no_department", "department_mismatch"),
    description=f"Pages of {queue.PAGE_SIZE} tasks in a stable order (overdue first, then by due date, then in the "
    "order the tasks were opened), with the total. A `verify` key sees the tasks of its own department, shared "
    "units included (403 `department_mismatch` for another); `read` and `publish` keys see every department's. "
    "Complete a task with `verifyApplicationFacts`, naming `department` as the task does or the key's own.",
)
@require("verify", "read", "publish")
def list_tasks() -> Response:
    query = _query.load(request.args.to_dict())
    department = _department(current_caller(), query.get("department"))
    wanted = queue.TaskFilter(department, query["status"], query.get("overdue"), query.get("due_before"))
    day = today()
    items, total = queue.tasks(get_session(), wanted, day, query["page"], queue.PAGE_SIZE)
    return json_response(
        {"items": [task_item(t) for t in items], "page": query["page"], "per_page": queue.PAGE_SIZE,
         "total": total, "today": day}
    )  # fmt: skip
