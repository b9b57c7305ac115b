"""Examples of the task queue and the change feed for the reference, made like the others (``api.examples``): the
example application received under the latest published sample version, as a department and an intake platform
see it on the day of its receipt. tests/api/test_feed.py receives that application and compares what the service
answers with these."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from engine import RulesetVersion
from engine.result import dumps_bytes
from jifen.access import departments
from jifen.applications import REVIEW_DAYS, feed, queue, workdays
from jifen.errors import NoCalendarData
from jifen.scoring import claims
from jifen.unit_of_work import Session

DEPARTMENT = "人力社保局"  # the department whose queue the example shows
INTAKE = "intake"  # the example intake platform's client name
EVENT_ID = 1


def build(session: Session, versions: list[RulesetVersion], facts: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """operationId → {"responses"} for ``listTasks`` and ``listEvents``, under the latest of ``versions`` whose year
    the working-day calendar covers."""
    for version in sorted(versions, key=lambda v: (v.year, v.revision), reverse=True):
        try:
            return _build(session, version, facts(version.year))
        except NoCalendarData:
            continue
    return {}


def received_on(version: RulesetVersion) -> dt.date:
    return max(version.effective_from, dt.date(version.year, 3, 15))


def _build(session: Session, version: RulesetVersion, facts: dict[str, Any]) -> dict[str, Any]:
    year, day = version.year, received_on(version)
    ref = f"TX-{year}-000123"
    due = workdays.load(session).add_workdays(day, REVIEW_DAYS)
    planned = claims.plan(version, facts)
    task = {
        "application_ref": ref, "year": year, "state": "verifying", "department": DEPARTMENT,
        "departments": list(departments.members(DEPARTMENT)), "kind": "verification", "status": "open",
        "opened_on": day, "due": due, "overdue": False, "extended_on": None, "done_on": None, "done_by": None,
        "late": False,
        "facts_to_verify": [{"name": n, "department": DEPARTMENT, "claimed": v, "verified": None, "outcome": None}
                            for n, v in planned.get(DEPARTMENT, {}).items()],
    }  # fmt: skip
    tasks = {"items": [task], "page": 1, "per_page": queue.PAGE_SIZE, "total": 1, "today": day}
    received = {
        "cursor": feed.cursor(EVENT_ID), "id": EVENT_ID, "type": "received", "at": f"{day}T01:30:00+00:00",
        "application_ref": ref, "year": year, "state_before": None, "state_after": "verifying",
        "actor": {"kind": "client", "name": INTAKE, "department": None}, "score_id": None,
        "changes": {"channel": "window", "received_on": day, "claimed_facts": facts, "version": version.ref,
                    "tasks": {unit: {"facts": list(claimed), "due": due} for unit, claimed in planned.items()}},
    }  # fmt: skip
    events = {"events": [received], "next": feed.cursor(EVENT_ID), "more": False}
    return {"listTasks": {"responses": {200: _plain(tasks)}}, "listEvents": {"responses": {200: _plain(events)}}}


def _plain(value: Any) -> Any:
    return json.loads(dumps_bytes(value))
