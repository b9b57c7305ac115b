"""The applicant's lookup code and the one-time materials notice in the receipt's answer; a new code on request."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from sqlalchemy import select

from api.examples import example_facts
from engine import compile_version
from engine.materials import as_json
from engine.materials import notice as materials_notice
from jifen.applications import lookup
from jifen.standard import rulesets
from jifen.store.models import Application, ApplicationEvent, AuditEntry
from jifen.unit_of_work import get_session
from tests.api import test_applications as life
from tests.api.test_applications import Clock

api, clock, keys = life.api, life.clock, life.keys  # the application-life fixtures

GROUPED = re.compile(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}")


def _everything_stored(db: Any) -> str:
    """Every application, event and audit entry as text, to search for a code."""
    with db.transaction() as s:
        rows = [*s.scalars(select(Application)), *s.scalars(select(ApplicationEvent)), *s.scalars(select(AuditEntry))]
        return json.dumps([{c.name: str(getattr(r, c.key)) for c in r.__table__.columns} for r in rows])


def test_the_receipt_answers_a_code_once_and_keeps_only_its_keyed_hash(api: Any, db: Any, seeded: Any) -> None:
    response = api.receive("TX-C1")
    assert response.status_code == 201, response.json
    code = response.json["lookup_code"]
    assert GROUPED.fullmatch(code) and len(lookup.normalized(code)) == 12
    assert response.headers["Cache-Control"] == "no-store"
    with db.transaction() as s:
        stored = s.scalar(select(Application.lookup_code_hash).where(Application.application_ref == "TX-C1"))
    assert stored == lookup.code_hash(seeded.config["SECRET_KEY"], code) and len(stored) == 64
    assert stored != __import__("hashlib").sha256(lookup.normalized(code).encode()).hexdigest()  # keyed, not bare
    for text in (api.get("/TX-C1/2025").get_data(as_text=True), api.get("/TX-C1/2025/history").get_data(as_text=True),
                 _everything_stored(db)):  # fmt: skip
        assert lookup.normalized(code) not in text.replace("-", "") and code not in text
    assert "lookup_code" not in api.get("/TX-C1/2025").json


def test_a_receipt_sent_again_is_refused_and_shows_no_code(api: Any) -> None:
    first = api.receive("TX-C2")
    again = api.receive("TX-C2")
    assert again.status_code == 409 and again.json["code"] == "application_exists"
    assert "lookup_code" not in again.json and first.json["lookup_code"] not in again.get_data(as_text=True)


def test_two_receipts_get_different_codes(api: Any) -> None:
    codes = {api.receive(f"TX-C3-{n}").json["lookup_code"] for n in range(5)}
    assert len(codes) == 5


def test_a_new_code_ends_the_old_one_and_is_audited_without_it(api: Any, db: Any, seeded: Any) -> None:
    old = api.receive("TX-C4").json["lookup_code"]
    response = api.post("intake", "/TX-C4/2025/lookup-code", {})
    assert response.status_code == 200, response.json
    new = response.json["lookup_code"]
    assert response.json == {"application_ref": "TX-C4", "year": 2025, "lookup_code": new}
    assert GROUPED.fullmatch(new) and new != old
    assert response.headers["Cache-Control"] == "no-store"
    secret = seeded.config["SECRET_KEY"]
    with db.transaction() as s:
        assert lookup.find(s, "TX-C4", 2025, old, secret) is None
        assert lookup.find(s, "TX-C4", 2025, new.lower().replace("-", " "), secret) is not None
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "issue_lookup_code"))
        assert entry is not None and entry.object_ref == "TX-C4/2025" and entry.actor == "intake"
    stored = _everything_stored(db)
    assert lookup.normalized(new) not in stored.replace("-", "") and lookup.normalized(old) not in stored


def test_a_new_code_needs_the_apply_scope_and_an_application(api: Any) -> None:
    api.receive("TX-C5")
    assert api.post("bureau", "/TX-C5/2025/lookup-code", {}).status_code == 403
    missing = api.post("intake", "/TX-NONE/2025/lookup-code", {})
    assert missing.status_code == 404


def _receive_2026(api: Any, clock: Clock, ref: str, facts: dict[str, Any]) -> Any:
    """A receipt under the 2026 sample standard, whose items list their proof materials."""
    clock.today = dt.date(2026, 6, 1)
    body = {"application_ref": ref, "year": 2026, "received_on": "2026-03-16", "channel": "window", "facts": facts}
    response = api.post("intake", "", body)
    assert response.status_code == 201, response.json
    return response.json


def test_the_receipt_carries_the_materials_notice_of_its_claims(api: Any, clock: Clock, seeded: Any) -> None:
    body = _receive_2026(api, clock, "TX-C6", example_facts(2026))
    notice = body["materials_notice"]
    assert notice and all(set(g) == {"department", "materials"} for g in notice)
    names = [m["name"] for g in notice for m in g["materials"]]
    assert len(names) == len(set(names))  # each material once
    assert len({g["department"] for g in notice}) == len(notice)  # each department once
    fired = [i["code"] for ind in body["provisional"]["indicators"] for i in ind["items"] if i["fired"]]
    with seeded.app_context():
        version = compile_version(rulesets.load_model(rulesets.get_version(get_session(), "tongxiang/2026/1"))).version
    assert notice == as_json(materials_notice(version, fired))
    with_materials = {i.code for ind in version.indicators for i in ind.items if i.materials}
    assert {code for g in notice for m in g["materials"] for code in m["items"]} == set(fired) & with_materials
    # fewer claims, fewer materials
    few = {k: v for k, v in example_facts(2026).items() if k in ("permit_valid", "permit_endorsed", "birth_date")}
    small = _receive_2026(api, clock, "TX-C7", few)["materials_notice"]
    assert len([m for g in small for m in g["materials"]]) < len(names)


def test_the_documented_examples_fit(seeded: Any) -> None:
    spec = seeded.test_client().get("/api/v1/openapi.json").json
    create = spec["paths"]["/api/v1/applications"]["post"]
    schema = create["responses"]["201"]["content"]["application/json"]
    assert "lookup_code" in schema["example"] and schema["example"]["materials_notice"]
    receipt = spec["components"]["schemas"]["Receipt"]
    assert {"lookup_code", "materials_notice"} <= set(receipt["required"])
    issue = spec["paths"]["/api/v1/applications/{application_ref}/{year}/lookup-code"]["post"]
    assert issue["operationId"] == "issueLookupCode" and "example" in issue["responses"]["200"]["content"][
        "application/json"]  # fmt: skip
    assert set(spec["components"]["schemas"]["LookupCode"]["required"]) == {"application_ref", "year", "lookup_code"}


def test_the_receipt_example_is_what_the_service_answers(api: Any, clock: Clock, seeded: Any) -> None:
    spec = seeded.test_client().get("/api/v1/openapi.json").json
    create = spec["paths"]["/api/v1/applications"]["post"]
    request = create["requestBody"]["content"]["application/json"]["example"]
    example = create["responses"]["201"]["content"]["application/json"]["example"]
    clock.today = dt.date.fromisoformat(example["today"])
    answer = api.post("intake", "", request)
    assert answer.status_code == 201, answer.json
    assert GROUPED.fullmatch(answer.json["lookup_code"]) and GROUPED.fullmatch(example["lookup_code"])
    assert {k: v for k, v in answer.json.items() if k != "lookup_code"} == {
        k: v for k, v in example.items() if k != "lookup_code"
    }
