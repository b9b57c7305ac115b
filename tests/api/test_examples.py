"""The reference's examples of an application's life are real calls: this journey makes them, through the service,
and the recorded file (api/recorded_examples.json) must equal what it gets, so an example cannot go stale.

A new operation adds its calls to ``journey`` below (``rec.call("operationId", …)``) — a success, and the refusals
worth showing — then records them:

    JIFEN_RECORD_EXAMPLES=1 .venv/bin/python -m pytest tests/api/test_examples.py -q -p no:cacheprovider

What differs from run to run (ids, times, lookup codes) is replaced by fixed values before comparing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from typing import Any

import pytest

from api.application_examples import EXAMPLE_CODE
from api.examples import RECORDED, example_facts
from api.statement_schemas import EXAMPLE_IAT, EXAMPLE_KID, EXAMPLE_STATEMENT
from jifen.access import api_clients

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?")
LOOKUP_CODE = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")
JWS = r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+"  # a signed statement (signed anew each run)
KID = r"[A-Za-z0-9_-]{43}"  # a signing key's id (a key is made per test session)
YEAR = 2026
REF = f"TX-{YEAR}-000123"


class Recorder:
    """Calls operations through the test client and keeps, per operation, its parameters, request and answers."""

    def __init__(self, client: Any, clock: dict[str, dt.date]) -> None:
        self.client, self.clock = client, clock
        self.examples: dict[str, dict[str, Any]] = {}
        self.ids: dict[str, str] = {}
        self.instants: dict[str, str] = {}

    def on(self, day: str) -> None:
        self.clock["today"] = dt.date.fromisoformat(day)

    def call(self, operation: str, method: str, url: str, key: dict[str, str], status: int,
             body: Any = None, parameters: dict[str, Any] | None = None) -> Any:  # fmt: skip
        response = self.client.open(url, method=method, json=body, headers=key)
        assert response.status_code == status, (operation, response.status_code, response.json)
        entry = self.examples.setdefault(operation, {"responses": {}})
        if status < 300:
            entry["parameters"] = parameters or {}
            if body is not None:
                entry["request"] = self.fixed(body)
        entry["responses"][str(status)] = self.fixed(response.json)
        return response.json

    def fixed(self, value: Any) -> Any:
        """``value`` with run-dependent strings replaced by stable ones."""
        if isinstance(value, dict):
            return {k: EXAMPLE_IAT if k == "iat" else self.fixed(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.fixed(v) for v in value]
        if isinstance(value, str):
            if UUID.fullmatch(value):
                return self.ids.setdefault(value, f"3f1c2b1e-5a4d-4c3b-9e8f-{len(self.ids) + 1:012d}")
            if INSTANT.fullmatch(value):  # the day of the journey when it was first seen
                return self.instants.setdefault(value, f"{self.clock['today'].isoformat()}T08:30:00+00:00")
            if LOOKUP_CODE.fullmatch(value):
                return EXAMPLE_CODE
            if re.fullmatch(KID, value):
                return EXAMPLE_KID
            value = re.sub(r"(?<=with key )" + KID, EXAMPLE_KID, re.sub(JWS, EXAMPLE_STATEMENT, value))  # URL, sentence
        return value


def _key(db: Any, name: str, scopes: list[str], department: str | None = None) -> dict[str, str]:
    with db.transaction() as s:
        return {"Authorization": f"Bearer {api_clients.create_client(s, name, scopes, 'test', department)[1]}"}


def journey(rec: Recorder, db: Any) -> None:
    """An application's whole life, as its participants call the API: the intake platform, each department, the
    bureau that publishes, an auditor."""
    intake = _key(db, "intake", ["apply"])
    bureau = _key(db, "bureau", ["publish"])
    auditor = _key(db, "auditor", ["read", "facts"])
    base = f"/api/v1/applications/{REF}/{YEAR}"
    path = {"application_ref": REF, "year": YEAR}
    facts = {k: v for k, v in example_facts(YEAR).items() if v is not None}
    receipt = {"application_ref": REF, "year": YEAR, "received_on": "2026-03-16", "channel": "window", "facts": facts}
    rec.on("2026-03-16")
    received = rec.call("createApplication", "POST", "/api/v1/applications", intake, 201, receipt)
    rec.call("createApplication", "POST", "/api/v1/applications", intake, 409, receipt)
    rec.call("issueLookupCode", "POST", f"{base}/lookup-code", intake, 200, parameters=path)
    departments = [t["department"] for t in received["tasks"]]
    keys = {d: _key(db, f"department-{i + 1}", ["verify"], d) for i, d in enumerate(departments)}
    first, *others = departments
    rec.on("2026-03-20")
    rec.call("supplementApplication", "POST", f"{base}/supplements", intake, 200,
             {"facts": {"volunteer_hours": 150}, "received_on": "2026-03-20"}, path)  # fmt: skip
    rec.call("extendVerificationTask", "POST", f"{base}/extensions", keys[first], 200,
             {"department": first, "reason": "社保记录需向杭州调取"}, path)  # fmt: skip
    rec.call("getApplication", "GET", base, auditor, 200, parameters=path)
    # a department finds its work in its queue (not another department's)
    rec.call("listTasks", "GET", "/api/v1/tasks?status=open", keys[first], 200, parameters={"status": "open"})
    if others:
        rec.call("listTasks", "GET", f"/api/v1/tasks?department={others[0]}", keys[first], 403)
    rec.call("publishApplication", "POST", f"{base}/publish", bureau, 409, {"published_on": "2026-03-20"}, path)
    rec.call("getStatement", "GET", f"{base}/statement", auditor, 404, parameters=path)
    rec.on("2026-03-25")
    wrong = {"department": others[0] if others else "另一个部门", "facts": {}, "note": ""}
    rec.call("verifyApplicationFacts", "POST", f"{base}/verifications", keys[first], 403, wrong, path)
    for department in departments:  # each reads its task (with its own facts only) and verifies it
        application = rec.client.get(base, headers=keys[department]).json
        task = next(t for t in application["tasks"] if t["department"] == department and t["status"] == "open")
        verification = {"department": department, "facts": task["claims"], "note": "与社保、不动产登记记录核对一致"}
        rec.call("verifyApplicationFacts", "POST", f"{base}/verifications", keys[department], 200, verification, path)
    rec.on("2026-04-01")
    rec.call("publishApplication", "POST", f"{base}/publish", bureau, 200, {"published_on": "2026-04-01"}, path)
    stated = rec.call("getStatement", "GET", f"{base}/statement", auditor, 200, parameters=path)
    rec.call("verifyStatement", "POST", "/api/v1/statements/verify", auditor, 200, {"statement": stated["statement"]})
    # the intake platform follows the changes: here the score and its publication
    follow = {"types": "scored,published", "limit": 10}
    rec.call("listEvents", "GET", "/api/v1/events?types=scored,published&limit=10", intake, 200, parameters=follow)
    rec.call("listEvents", "GET", "/api/v1/events?after=not-a-cursor", intake, 422)
    rec.on("2026-04-02")
    disputed = next(n for n in ("insurance_months", "residence_months", "education") if n in facts)
    objection = {"filed_on": "2026-04-02", "facts": {disputed: facts[disputed]}}
    rec.call("objectToApplication", "POST", f"{base}/objections", intake, 200, objection, path)
    rec.call("getApplicationHistory", "GET", f"{base}/history", auditor, 200, parameters=path)
    rec.on("2026-06-01")
    void = {"reason": "permit_cancelled", "date": "2026-06-01"}
    rec.call("voidApplication", "POST", f"{base}/void", intake, 200, void, path)
    rec.call("supplementApplication", "POST", f"{base}/supplements", intake, 409, {"facts": {"volunteer_hours": 1}},
             path)  # fmt: skip


@pytest.fixture
def recorded(seeded: Any, db: Any) -> dict[str, Any]:
    clock = {"today": dt.date(YEAR, 3, 16)}
    seeded.config["TODAY"] = lambda: clock["today"]
    rec = Recorder(seeded.test_client(), clock)
    journey(rec, db)
    return rec.examples


def test_the_recorded_examples_are_what_the_service_answers(recorded: dict[str, Any]) -> None:
    text = json.dumps(recorded, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("JIFEN_RECORD_EXAMPLES"):
        RECORDED.write_text(text, encoding="utf-8")
    stored = RECORDED.read_text(encoding="utf-8") if RECORDED.exists() else "{}"
    assert json.loads(stored) == recorded, (
        "The service answers differently from api/recorded_examples.json: if the change is meant, record again "
        "with JIFEN_RECORD_EXAMPLES=1 (see this module's docstring) and commit the file."
    )
