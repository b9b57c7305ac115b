"""Examples of the receipt and of a new lookup code for the reference, made like the others (``api.examples``):
the example application's claims scored and planned under the latest published sample version, as the service
would answer them on the example day (the code aside, which is new each time)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from engine import RulesetVersion
from engine.materials import as_json, fired_items, notice
from engine.result import dumps_bytes
from jifen.applications import REVIEW_DAYS, workdays
from jifen.errors import NoCalendarData
from jifen.scoring import claims
from jifen.scoring.scores import ScoreRequest, evaluate
from jifen.unit_of_work import Session

EXAMPLE_CODE = "7KQM-WD4X-P9HT"


def _task(department: str, facts: dict[str, Any], opened_on: dt.date, due: dt.date) -> dict[str, Any]:
    return {
        "department": department, "kind": "verification", "status": "open", "facts": list(facts), "claims": facts,
        "opened_on": opened_on, "due": due, "overdue": False, "extended_on": None, "extension_reason": None,
        "done_on": None, "done_by": None, "late": False, "results": None, "note": None,
    }  # fmt: skip


def build(session: Session, versions: list[RulesetVersion], facts: Callable[[int], dict[str, Any]]) -> dict[str, Any]:
    """operationId → {"request", "responses"} for ``createApplication`` and ``issueLookupCode``, under the latest of
    ``versions`` whose year the working-day calendar covers (a receipt's tasks need their due dates)."""
    for version in sorted(versions, key=lambda v: (v.year, v.revision), reverse=True):
        try:
            return _build(session, version, facts(version.year))
        except NoCalendarData:
            continue
    return {}


def _build(session: Session, version: RulesetVersion, facts: dict[str, Any]) -> dict[str, Any]:
    year = version.year
    received_on = max(version.effective_from, dt.date(year, 3, 15))
    ref = f"TX-{year}-000123"
    request = {"application_ref": ref, "year": year, "received_on": received_on.isoformat(), "channel": "window",
               "facts": facts}  # fmt: skip
    _ref, result = evaluate(session, ScoreRequest(ref, year, facts, as_of=received_on, dry_run=True))
    calendar = workdays.load(session)
    due = calendar.add_workdays(received_on, REVIEW_DAYS)
    tasks = [_task(unit, planned, received_on, due) for unit, planned in claims.plan(version, facts).items()]
    valid_until = dt.date(year, 12, 31)
    receipt = {
        "application_ref": ref, "year": year, "channel": "window", "state": "verifying", "received_on": received_on,
        "claimed_facts": facts, "supplemented_on": None, "tasks": tasks, "overdue_departments": [],
        "deadlines": {"verification": due if tasks else None, "objection": None, "re_review": None,
                      "valid_until": valid_until},
        "published_on": None, "objection_filed_on": None, "republished_on": None, "statement": None,
        "provisional": {"dry_run": True, **result}, "score": None, "valid": False, "invalid_reason": "not_scored",
        "valid_until": valid_until, "voided_on": None, "void_reason": None, "today": received_on, "recognition": None,
        "lookup_code": EXAMPLE_CODE, "materials_notice": as_json(notice(version, fired_items(result))),
    }  # fmt: skip
    return {
        "createApplication": {"request": request, "responses": {201: json.loads(dumps_bytes(receipt))}},
        "issueLookupCode": {"responses": {200: {"application_ref": ref, "year": year, "lookup_code": EXAMPLE_CODE}}},
    }
