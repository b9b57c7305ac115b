"""/api/v1/tasks: the departments' task queue — what each department has to verify, overdue first."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from api import readings
from api.applications import today
from api.auth import current_caller, require
from api.errors import ApiError
from api.http import json_response
from api.openapi import doc
from api.task_schemas import TaskPageSchema, TaskQuerySchema, task_item
from jifen.access.api_clients import Caller
from jifen.applications import queue
from jifen.privacy import need
from jifen.scoring import claims
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


def _seen(items: list[dict[str, Any]], who: need.Reader) -> dict[tuple[str, int], str]:
    """Withhold the claims and results the key may not see (a department sees its own tasks'); what was shown."""
    sight, shown = who.sight(), {}
    for item in items:
        names = frozenset(f["name"] for f in item["facts_to_verify"])
        own = sight == need.OWN and claims.serves(item["department"], who.department or "")
        lens = need.Lens(sight, names if own else frozenset())
        item["facts_to_verify"] = [
            {**f, "claimed": lens.value(f["name"], f["claimed"]), "verified": lens.value(f["name"], f["verified"])}
            for f in item["facts_to_verify"]
        ]
        if any(lens.sees(n) for n in names):
            shown[(item["application_ref"], item["year"])] = sight
    return shown


@bp.get("/tasks")
@doc(
    "The departments' task queue: each task with its application, the facts to verify with the claimed values, "
    "its due date and overdue flag; overdue first, then by due date",
    tag="tasks",
    query=TaskQuerySchema,
    responses={200: ("A page of tasks", TaskPageSchema)},
    response_headers={200: need.HEADER_DOC},
    errors=("invalid_fields", "no_department", "department_mismatch"),
    description=f"Pages of {queue.PAGE_SIZE} tasks in a stable order (overdue first, then by due date, then in the "
    "order the tasks were opened), with the total. A `verify` key sees the tasks of its own department, shared "
    "units included (403 `department_mismatch` for another); `read` and `publish` keys see every department's. "
    "Complete a task with `verifyApplicationFacts`, naming `department` as the task does or the key's own. The "
    "claimed and verified values are shown as in an application: a department's own tasks' to a `verify` key, all "
    "with the `facts` scope, none otherwise (`Jifen-Facts` says so); each page that shows facts is logged.",
)
@require("verify", "read", "publish")
def list_tasks() -> Response:
    query = _query.load(request.args.to_dict())
    department = _department(current_caller(), query.get("department"))
    wanted = queue.TaskFilter(department, query["status"], query.get("overdue"), query.get("due_before"))
    day = today()
    found, total = queue.tasks(get_session(), wanted, day, query["page"], queue.PAGE_SIZE)
    items, who = [task_item(t) for t in found], readings.reader()
    readings.logged(who, "api_tasks", _seen(items, who))
    body = {"items": items, "page": query["page"], "per_page": queue.PAGE_SIZE, "total": total, "today": day}
    return readings.headed(json_response(body), who.sight())
