"""The query and the answer of /api/v1/tasks, the departments' task queue (marshmallow)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from api import fields as f
from api.enums import OpenEnum
from api.schemas import MAX_INT32
from jifen.applications import STATES
from jifen.applications.queue import LISTED, PAGE_SIZE, TASK_STATUSES
from jifen.scoring.claims import CONFIRMED, CORRECTED, NONE, NOT_PROVEN

KINDS = ("verification", "re_review")
OUTCOMES = (CONFIRMED, CORRECTED, NOT_PROVEN, NONE)


class QueryBoolean(fields.Boolean):
    """``true`` or ``false`` in a query string, nothing else."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if value in ("true", "false"):
            return bool(value == "true")
        raise ValidationError(f"expected true or false, got {value!r}")


class TaskQuerySchema(f.ApiSchema):
    department = f.String(
        validate=f.Length(1, 100),
        metadata={
            "description": "Only the tasks this department works on: its own and those of the units it shares "
            "(e.g. 交通运输局 also sees 交通运输局、综合行政执法局). A `verify` key sees its own department's only: "
            "leave it out, or name that department (another is 403 `department_mismatch`)"
        },
    )
    status = f.String(
        load_default="open",
        validate=validate.OneOf(LISTED, error="must be one of: {choices}"),
        metadata={"description": "open (default), done, or all (cancelled ones too)"},
    )
    overdue = QueryBoolean(
        metadata={"description": "true: only open tasks past their due date; false: only the others"}
    )
    due_before = f.Date(
        validate=f.Range(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
        metadata={"description": "Only tasks due before this day (YYYY-MM-DD, 2000-01-01 to 2100-12-31)"},
    )
    page = f.QueryInteger(
        load_default=1, validate=f.Range(1, MAX_INT32), metadata={"description": "Page number, from 1 (default 1)"}
    )


class FactToVerifySchema(Schema):
    name = fields.String(required=True, metadata={"description": "The fact, as the version's catalogue names it"})
    department = fields.String(
        required=True, metadata={"description": "Who verifies it: the catalogue's department (or shared unit)"}
    )
    claimed = fields.Raw(
        required=True, allow_none=True, metadata={"description": "What the applicant claims (null: nothing)"}
    )
    verified = fields.Raw(
        required=True, allow_none=True, metadata={"description": "The verified value (null: not yet, or not proven)"}
    )
    outcome = OpenEnum(
        "VerificationOutcome",
        OUTCOMES,
        required=True,
        allow_none=True,
        metadata={"description": "Once verified: confirmed, corrected, not_proven or none; null while open"},
    )


class QueueTaskSchema(Schema):
    """One department's task of an application: the facts to verify with the claimed values, and its deadline."""

    application_ref = fields.String(required=True)
    year = fields.Integer(required=True)
    state = OpenEnum("ApplicationState", STATES, required=True, metadata={"description": "The application's state"})
    department = fields.String(
        required=True,
        metadata={
            "description": "The unit the task belongs to, as the catalogue names it; a verification may name it "
            "or the key's own department when that is one of `departments`"
        },
    )
    departments = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "The departments that may complete it (several for a shared unit)"},
    )
    kind = OpenEnum(
        "TaskKind",
        KINDS,
        required=True,
        metadata={"description": "verification (15 working days) or re_review (7)"},
    )
    status = OpenEnum("TaskStatus", TASK_STATUSES, required=True)
    facts_to_verify = fields.List(fields.Nested(FactToVerifySchema), required=True)
    opened_on = fields.Date(required=True)
    due = fields.Date(required=True)
    overdue = fields.Boolean(required=True, metadata={"description": "Open after its due date (today in China)"})
    extended_on = fields.Date(required=True, allow_none=True)
    done_on = fields.Date(required=True, allow_none=True)
    done_by = fields.String(required=True, allow_none=True)
    late = fields.Boolean(required=True, metadata={"description": "Done after its due date"})


class TaskPageSchema(Schema):
    items = fields.List(
        fields.Nested(QueueTaskSchema),
        required=True,
        metadata={"description": "Overdue tasks first, then by due date, then in the order they were opened"},
    )
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True, metadata={"description": f"Always {PAGE_SIZE}"})
    total = fields.Integer(required=True, metadata={"description": "How many tasks match, on every page"})
    today = fields.Date(required=True, metadata={"description": "The service's date (China): what is overdue"})


def task_item(task: dict[str, Any]) -> dict[str, Any]:
    """A queue entry of ``jifen.applications.queue`` as the API shows it."""
    results = task["results"] or {}
    facts = [
        {**fact, "verified": results.get(fact["name"], {}).get("verified"),
         "outcome": results.get(fact["name"], {}).get("outcome")}
        for fact in task["facts_to_verify"]
    ]  # fmt: skip
    keys = ("application_ref", "year", "state", "department", "departments", "kind", "status", "opened_on", "due",
            "overdue", "extended_on", "done_on", "done_by", "late")  # fmt: skip
    return {**{k: task[k] for k in keys}, "facts_to_verify": facts}
