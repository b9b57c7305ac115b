"""Examples for the reference, made when the document is made: real scoring of the published sample standards.

Each example answer is what the service answers for the example request under the published versions of this
database: a dry run scored by the engine, a stored score shown with the storage fields it would get (an id, a
time, the client), the versions and their differences as read. So they cannot go stale;
``tests/api/test_docs.py`` also sends each example request and compares the answer with the example.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from api import application_examples, periods, scenes
from api.errors import PROBLEMS, problem_body
from engine import FactsError, RulesetVersion, compile_version
from engine.result import dumps_bytes
from jifen.scoring.scores import ScoreRequest, dry_run
from jifen.standard import rulesets
from jifen.unit_of_work import Session

EXAMPLE_ID = "3f1c2b1e-5a4d-4c3b-9e8f-1a2b3c4d5e6f"
# Real calls of an application's life, recorded by tests/api/test_examples.py (which fails when they go stale)
RECORDED = Path(__file__).with_name("recorded_examples.json")
EXAMPLE_CLIENT = "intake"


def example_facts(year: int) -> dict[str, Any]:
    """The facts of the example application (a bachelor born in 1990, renting, three years insured)."""
    return {
        "permit_valid": True,
        "permit_endorsed": True,
        "birth_date": "1990-05-01",
        "application_date": f"{year}-03-15",
        "education": "bachelor",
        "insurance_months": 36,
        "local_insurance_months": 24,
        "residence_months": 48,
        "dwelling": "registered_rental",
        "volunteer_hours": 120.5,
        "skill_level": None,
    }


def invalid_facts(year: int) -> dict[str, Any]:
    """The example facts with two mistakes: months with a fraction, and the derived age sent."""
    return {**example_facts(year), "insurance_months": 12.5, "age": 35}


def _plain(value: Any) -> Any:
    return json.loads(dumps_bytes(value))


def score_request(year: int) -> dict[str, Any]:
    return {
        "application_ref": f"TX-{year}-000123",
        "year": year,
        "as_of": f"{year}-06-01",
        "facts": example_facts(year),
    }


def _stored(dry: dict[str, Any], created_at: str) -> dict[str, Any]:
    """A dry run's answer as the stored score's answer: its storage fields in front, as the service writes them."""
    result = {k: v for k, v in dry.items() if k not in ("application_ref", "dry_run")}
    head = {"id": EXAMPLE_ID, "created_at": created_at, "application_ref": dry["application_ref"],
            "client": EXAMPLE_CLIENT, "supersedes": None}  # fmt: skip
    return {**head, **result}


def build(session: Session, published: list[RulesetVersion], health: dict[str, Any]) -> dict[str, Any]:
    """operationId → {"request"?, "parameters"?, "responses": {status: body}}: those scored here under the
    published versions, then the recorded calls for what they do not show."""
    examples = _computed(session, published)
    examples["getHealth"] = {"responses": {200: health}}
    for operation, example in recorded().items():
        mine = examples.setdefault(operation, {"responses": {}})
        mine.setdefault("parameters", example.get("parameters", {}))
        if "request" in example:
            mine.setdefault("request", example["request"])
        for status, body in example["responses"].items():
            mine["responses"].setdefault(int(status), body)
    return examples


def recorded() -> dict[str, Any]:
    if not RECORDED.exists():
        return {}
    return json.loads(RECORDED.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _computed(session: Session, published: list[RulesetVersion]) -> dict[str, Any]:
    """operationId → {"request"?, "responses": {status: body}} for the operations of scores, versions and meta."""
    tongxiang = sorted((v for v in published if v.ruleset == rulesets.DEFAULT_RULESET), key=lambda v: v.year)
    examples: dict[str, Any] = {}
    examples["listApplicationPeriods"] = {"responses": {200: periods.EXAMPLE}}
    examples.update(scenes.EXAMPLES)  # scenes
    if not tongxiang:
        return examples
    latest = tongxiang[-1]
    year = latest.year
    body = score_request(year)
    created_at = f"{year}-06-01T08:30:00+00:00"
    request = ScoreRequest(body["application_ref"], year, body["facts"], dt.date.fromisoformat(body["as_of"]))
    dry = _plain(json.loads(dry_run(session, request).body))
    stored = _stored(dry, created_at)
    invalid = problem_body(
        422, "invalid_fields", "the request has invalid fields", _facts_errors(latest, invalid_facts(year))
    )
    conflict = problem_body(
        409, "already_scored",
        f"application {body['application_ref']} already has a score for {year} ({EXAMPLE_ID}); "
        "a re-review must name the score it replaces in 'supersedes'",
        extra={"current_id": EXAMPLE_ID},
    )  # fmt: skip
    examples["createScore"] = {
        "request": body,
        "responses": {201: stored, 200: {**dry}, 409: conflict, 422: invalid},
        "dry_run_request": {**body, "dry_run": True},
    }
    # a second application that fits the schema but not the rules: born after it applied
    late = {**body["facts"], "birth_date": f"{year}-04-01"}
    bad_item = {"application_ref": f"TX-{year}-000124", "year": year, "as_of": body["as_of"], "facts": late}
    refused = problem_body(422, "invalid_fields", "the request has invalid fields", _facts_errors(latest, late))
    examples["createBatch"] = {
        "request": {"applications": [body, bad_item]},
        "responses": {
            200: {
                "results": [
                    {"index": 0, "application_ref": body["application_ref"], "status": 201, "result": stored},
                    {"index": 1, "application_ref": bad_item["application_ref"], **refused},
                ],
                "stored": 1,
                "failed": 1,
            }
        },
    }
    by_id = {"score_id": EXAMPLE_ID}
    answer = {**stored, "superseded_by": None, "facts": body["facts"], "facts_erased_on": None}
    examples["getScore"] = {"parameters": by_id, "responses": {200: answer}}
    summary = {
        "id": EXAMPLE_ID, "created_at": created_at, "application_ref": body["application_ref"], "year": year,
        "as_of": body["as_of"], "total": stored["total"], "eligible": stored["eligible"], "version": stored["version"],
        "client": EXAMPLE_CLIENT, "supersedes": None, "superseded_by": None,
    }  # fmt: skip
    examples["listScores"] = {
        "parameters": {"application_ref": body["application_ref"]},
        "responses": {200: {"items": [summary], "page": 1, "per_page": 20, "total": 1}},
    }
    verdict = {"id": EXAMPLE_ID, "reproduced": True, "version": stored["version"], "stored_total": stored["total"],
               "recomputed_total": stored["total"], "differences": [], "facts_erased_on": None}  # fmt: skip
    examples["verifyScore"] = {"parameters": by_id, "responses": {200: verdict}}
    _versions(session, examples, tongxiang)
    examples.update(application_examples.build(session, tongxiang, example_facts))
    return examples


def _facts_errors(version: RulesetVersion, facts: dict[str, Any]) -> dict[str, list[str]]:
    try:
        compile_version(version).validate(facts, dt.date(version.year, 6, 1))
    except FactsError as exc:
        return {f"facts.{k}": v for k, v in exc.errors.items()}
    raise AssertionError("the example's invalid facts were accepted")


def _versions(session: Session, examples: dict[str, Any], tongxiang: list[RulesetVersion]) -> None:
    rows = [rulesets.get_version(session, v.ref) for v in reversed(tongxiang)]
    described = [rulesets.describe(r) for r in rows]
    ruleset = {"code": rulesets.DEFAULT_RULESET, "versions": len(rows), "published": [r.ref for r in rows]}
    examples["listRulesets"] = {"responses": {200: {"items": [ruleset]}}}
    examples["listVersions"] = {
        "parameters": {"code": rulesets.DEFAULT_RULESET},
        "responses": {200: {"items": described}},
    }
    latest = tongxiang[-1]
    on = max(latest.effective_from, dt.date(latest.year, 6, 1))
    examples["getVersionInForce"] = {
        "responses": {200: rulesets.describe(rulesets.in_force(session, latest.year, on, latest.ruleset))}
    }
    from api.versions import version_detail

    code, year, revision = rows[0].ref.split("/")
    examples["getVersion"] = {
        "parameters": {"code": code, "year": int(year), "revision": int(revision)},
        "responses": {200: _plain(version_detail(rows[0]))},
    }
    if len(rows) > 1:
        a, b = rows[1].ref.split("/"), rows[0].ref.split("/")
        examples["diffVersions"] = {
            "parameters": {"a_code": a[0], "a_year": int(a[1]), "a_revision": int(a[2]),
                           "b_code": b[0], "b_year": int(b[1]), "b_revision": int(b[2])},
            "responses": {200: _plain(rulesets.diff(session, rows[1].ref, rows[0].ref))},
        }  # fmt: skip


def problem_examples() -> dict[str, dict[str, Any]]:
    """Every error code with an example body (its detail as the service words it, or its description)."""
    return {code: problem_body(p.status, code, DETAILS.get(code, p.description), **_members(code))
            for code, p in PROBLEMS.items()}  # fmt: skip


def _members(code: str) -> dict[str, Any]:
    if code in ("already_scored", "stale_supersedes"):
        return {"extra": {"current_id": EXAMPLE_ID}}
    if code == "invalid_fields":
        return {"errors": {"facts.insurance_months": ["expected a whole number, got 12.5"]}}
    if code == "outside_application_period":
        return {"errors": {"received_on": [DETAILS[code]]}}
    if code == "duplicate_key":
        return {"errors": {"facts.education": ["appears more than once in its object"]}}
    return {}


# How the service words the detail of some codes (an example each)
DETAILS = {
    "malformed_json": "the body is not valid JSON: unexpected end of data at line 1 column 15",
    "not_an_object": "the body must be a JSON object, not list",
    "duplicate_key": 'duplicate key "education" in facts',
    "json_too_deep": "the JSON is nested more than 64 levels deep",
    "number_out_of_range": "the number at line 1 column 42 is out of range: 1e309",
    "invalid_character": "application_ref has a NUL character (U+0000)",
    "unauthorized": "the API key is not valid (unknown or revoked)",
    "forbidden": "the client reporting lacks the scope 'score'",
    "not_found": "no stored score 3f1c2b1e-0000-4000-8000-000000000000",
    "method_not_allowed": "DELETE is not allowed on /api/v1/scores; it takes GET, HEAD, POST",
    "no_version_in_force": "no version in force for 2031 on 2031-06-01",
    "already_scored": "application TX-2026-000123 already has a score for 2026 (3f1c2b1e-5a4d-4c3b-9e8f-1a2b3c4d5e6f); "
    "a re-review must name the score it replaces in 'supersedes'",
    "stale_supersedes": "score 0b7e… has been superseded; the current score of TX-2026-000123 in 2026 is "
    "3f1c2b1e-5a4d-4c3b-9e8f-1a2b3c4d5e6f",
    "payload_too_large": "the body is larger than 8388608 bytes",
    "batch_too_large": "1001 applications in one batch; at most 1000",
    "unsupported_media_type": "send the body as application/json, not text/plain",
    "invalid_fields": "the request has invalid fields",
    "outside_application_period": "2026-05-04 is outside the application periods of 2026 (2026-03-01 – 2026-03-31, "
    "2026-09-01 – 2026-09-30): new applications are taken only within them",
    "idempotency_key_reused": "the idempotency key 'intake-TX-2026-000123-1' already stored score "
    "3f1c2b1e-5a4d-4c3b-9e8f-1a2b3c4d5e6f for a different request; use a new key for a new request",
    "internal_error": "an unexpected error occurred; it has been logged",
    "engine_failure": "the rule engine failed; the request was not stored",
    "database_unavailable": "the database cannot be reached",
}
