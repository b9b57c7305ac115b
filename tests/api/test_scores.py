"""POST /scores and friends: every golden case, batches, dry runs, storage, re-reviews, verification."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine import dumps
from tests.conftest import GOLDEN_DIR, expected_matches, golden_cases

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


def _decimal_json(response: Any) -> Any:
    from decimal import Decimal

    return json.loads(response.data, parse_float=Decimal)


@pytest.mark.golden
@pytest.mark.parametrize("case", golden_cases())
def test_golden_case_through_post_scores(client: Any, headers: dict[str, str], case: dict[str, Any]) -> None:
    body = {
        "application_ref": case["name"],
        "year": case["year"],
        "facts": case["facts"],
        "as_of": f"{case['year']}-06-01",
    }
    response = client.post("/api/v1/scores", data=dumps(body), content_type="application/json", headers=headers)
    assert response.status_code == 201, response.json
    result = _decimal_json(response)
    assert expected_matches(case["expected"], result) == []
    assert result["version"]["year"] == case["year"] and result["id"]


@pytest.mark.golden
def test_all_golden_cases_as_one_batch(client: Any, headers: dict[str, str]) -> None:
    cases = [c.values[0] for c in golden_cases() if c.values[0] is not None]
    if not cases:
        pytest.skip(f"golden cases not found in {GOLDEN_DIR}")
    body = {
        "applications": [
            {"application_ref": c["name"], "year": c["year"], "facts": c["facts"], "as_of": f"{c['year']}-06-01"}
            for c in cases
        ]
    }
    response = client.post("/api/v1/scores/batch", data=dumps(body), content_type="application/json", headers=headers)
    assert response.status_code == 200, response.json
    data = _decimal_json(response)
    assert data["stored"] == len(cases) and data["failed"] == 0
    assert [o["index"] for o in data["results"]] == list(range(len(cases)))
    failures = {
        c["name"]: d for c, o in zip(cases, data["results"]) if (d := expected_matches(c["expected"], o["result"]))
    }
    assert failures == {}


def test_batch_keeps_the_valid_ones(client: Any, headers: dict[str, str]) -> None:
    body = {
        "applications": [
            {"application_ref": "OK-1", "year": 2026, "facts": BASE},
            {"application_ref": "BAD-1", "year": 2026, "facts": {**BASE, "insurance_months": 12.5}},
            {"application_ref": "BAD-2", "year": 2031, "facts": BASE},
            {"application_ref": "BAD-3", "year": "2026", "facts": BASE, "colour": "red"},
            "not an object",
            {"application_ref": "OK-2", "year": 2026, "facts": {**BASE, "education": "college"}},
        ]
    }
    response = client.post("/api/v1/scores/batch", json=body, headers=headers)
    data = response.json
    assert response.status_code == 200 and data["stored"] == 2 and data["failed"] == 4
    statuses = [(o["application_ref"], o["status"]) for o in data["results"]]
    assert statuses == [("OK-1", 201), ("BAD-1", 422), ("BAD-2", 409), ("BAD-3", 422), (None, 422), ("OK-2", 201)]
    assert data["results"][1]["errors"] == {"facts.insurance_months": ["expected a whole number, got 12.5"]}
    assert data["results"][2]["code"] == "no_version_in_force"
    assert set(data["results"][3]["errors"]) == {"year", "colour"}
    assert data["results"][5]["result"]["total"] == 28
    listed = client.get("/api/v1/scores?application_ref=OK-2", headers=headers).json
    assert listed["total"] == 1


def test_batch_limit(client: Any, headers: dict[str, str]) -> None:
    body = {"applications": [{"application_ref": f"X{i}", "year": 2026, "facts": BASE} for i in range(1001)]}
    response = client.post("/api/v1/scores/batch", json=body, headers=headers)
    assert response.status_code == 413
    assert response.json["code"] == "batch_too_large" and "at most 1000" in response.json["message"]
    assert client.get("/api/v1/scores?application_ref=X0", headers=headers).json["total"] == 0


def test_dry_run_stores_nothing(client: Any, headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/scores", json={"application_ref": "DRY", "year": 2026, "facts": BASE, "dry_run": True}, headers=headers
    )
    assert response.status_code == 200
    assert response.json["dry_run"] is True and "id" not in response.json and response.json["total"] == 20
    assert client.get("/api/v1/scores?application_ref=DRY", headers=headers).json["total"] == 0


def test_same_request_twice_gives_the_same_result(client: Any, headers: dict[str, str]) -> None:
    body = {
        "application_ref": "TWICE",
        "year": 2026,
        "facts": {**BASE, "volunteer_hours": 120.5},
        "as_of": "2026-05-01",
    }
    first = client.post("/api/v1/scores", json=body, headers=headers).json
    second = client.post("/api/v1/scores", json={**body, "supersedes": first["id"]}, headers=headers).json
    assert first["id"] != second["id"] and (first["supersedes"], second["supersedes"]) == (None, first["id"])
    strip = lambda r: {k: v for k, v in r.items() if k not in ("id", "created_at", "supersedes")}  # noqa: E731
    assert strip(first) == strip(second)


def test_stored_score_has_its_facts_version_and_client(client: Any, headers: dict[str, str]) -> None:
    facts = {**BASE, "donation_amount": 1999.99}
    created = client.post(
        "/api/v1/scores", json={"application_ref": "TX-1", "year": 2026, "facts": facts}, headers=headers
    ).json
    fetched = client.get(f"/api/v1/scores/{created['id']}", headers=headers).json
    assert fetched["facts"] == facts and fetched["client"] == "school-system"
    assert (fetched["version"]["ruleset"], fetched["version"]["year"]) == ("tongxiang", 2026)
    assert fetched["version"]["content_hash"].startswith("sha256:") and fetched["derived"] == {"age": 35}
    assert {k: v for k, v in fetched.items() if k not in ("facts", "superseded_by", "facts_erased_on")} == created
    assert fetched["facts_erased_on"] is None  # until retention erases the facts (jifen/privacy/retention.py)


def test_re_review_links_to_the_score_it_supersedes(client: Any, headers: dict[str, str]) -> None:
    ids: list[str] = []
    for months in (10, 20, 30):
        body = {"application_ref": "TX-9", "year": 2026, "facts": {**BASE, "insurance_months": months}}
        if ids:
            body["supersedes"] = ids[-1]
        ids.append(client.post("/api/v1/scores", json=body, headers=headers).json["id"])
    client.post("/api/v1/scores", json={"application_ref": "TX-9", "year": 2025, "facts": BASE}, headers=headers)
    chain = client.get("/api/v1/scores?application_ref=TX-9&year=2026", headers=headers).json
    assert [i["id"] for i in chain["items"]] == ids[::-1]
    assert [i["supersedes"] for i in chain["items"]] == [ids[1], ids[0], None]
    assert [i["superseded_by"] for i in chain["items"]] == [None, ids[2], ids[1]]
    assert [i["total"] for i in chain["items"]] == [35, 30, 25]
    assert client.get("/api/v1/scores?application_ref=TX-9", headers=headers).json["total"] == 4
    page = client.get("/api/v1/scores?application_ref=TX-9&year=2026&per_page=2&page=2", headers=headers).json
    assert [i["id"] for i in page["items"]] == [ids[0]] and page["total"] == 3


def test_verify_reproduces_a_stored_score(client: Any, headers: dict[str, str]) -> None:
    body = {"application_ref": "V-1", "year": 2025, "facts": {**BASE, "income_tax_paid": 4999.99, "skill_level": 3}}
    created = client.post("/api/v1/scores", json=body, headers=headers).json
    verdict = client.post(f"/api/v1/scores/{created['id']}/verify", headers=headers).json
    assert verdict["reproduced"] is True and verdict["differences"] == []
    assert verdict["stored_total"] == verdict["recomputed_total"] == created["total"]


def test_verify_detects_a_tampered_score(client: Any, headers: dict[str, str], owner_engine: Any) -> None:
    from sqlalchemy import text

    created = client.post(
        "/api/v1/scores", json={"application_ref": "V-2", "year": 2026, "facts": BASE}, headers=headers
    ).json
    # what a forger would have to do: connect as the schema's owner and bypass the trigger first
    with owner_engine.begin() as conn:
        if owner_engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER scores_frozen_update"))
        else:
            conn.execute(text("ALTER TABLE scores DISABLE TRIGGER scores_frozen"))
        conn.execute(text("UPDATE scores SET total = 99 WHERE id = :id"), {"id": created["id"]})
        tampered = conn.execute(text("SELECT result FROM scores WHERE id = :id"), {"id": created["id"]}).scalar_one()
        result = json.loads(tampered) if isinstance(tampered, str) else tampered
        result["total"] = 99
        conn.execute(
            text("UPDATE scores SET result = :r WHERE id = :id"), {"r": json.dumps(result), "id": created["id"]}
        )
        if owner_engine.dialect.name != "sqlite":
            conn.execute(text("ALTER TABLE scores ENABLE TRIGGER scores_frozen"))
    verdict = client.post(f"/api/v1/scores/{created['id']}/verify", headers=headers).json
    assert verdict["reproduced"] is False
    assert verdict["differences"] == ["total: stored 99, now 20"]


def test_pinned_version(client: Any, headers: dict[str, str]) -> None:
    body = {
        "application_ref": "P-1",
        "year": 2026,
        "facts": {**BASE, "income_tax_paid": 4000},
        "version": "tongxiang/2025/1",
    }
    response = client.post("/api/v1/scores", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json["errors"] == {"version": ["tongxiang/2025/1 is a version for 2025, not 2026"]}
    body["year"] = 2025
    assert client.post("/api/v1/scores", json=body, headers=headers).json["total"] == 22


def test_drafts_score_only_as_dry_runs(client: Any, headers: dict[str, str], db: Any) -> None:
    from jifen.standard import rulesets

    with db.transaction() as s:
        rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
    body = {"application_ref": "D-1", "year": 2027, "facts": BASE, "version": "tongxiang/2027/1"}
    refused = client.post("/api/v1/scores", json=body, headers=headers)
    assert refused.status_code == 422 and "draft" in refused.json["errors"]["version"][0]
    dry = client.post("/api/v1/scores", json={**body, "dry_run": True}, headers=headers)
    assert dry.status_code == 200 and dry.json["version"]["year"] == 2027


def test_stored_scores_are_immutable(client: Any, headers: dict[str, str], db: Any, owner_engine: Any) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    from jifen.errors import ImmutableRecord
    from jifen.store.models import ScoreRow

    created = client.post(
        "/api/v1/scores", json={"application_ref": "I-1", "year": 2026, "facts": BASE}, headers=headers
    ).json
    with db.factory() as s:
        s.get(ScoreRow, created["id"]).total = 1
        with pytest.raises(ImmutableRecord):
            s.flush()
    for sql in ("UPDATE scores SET total = 1 WHERE id = :id", "DELETE FROM scores WHERE id = :id"):
        # the trigger binds even the owner (the service role is refused sooner: tests/db/test_roles.py)
        with pytest.raises(DatabaseError, match="stored scores cannot change"), owner_engine.begin() as conn:
            conn.execute(text(sql), {"id": created["id"]})
