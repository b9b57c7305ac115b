"""Re-review (复核) chains and safe retries through the API (SPEC §6.1): one request at a time.

The same rules under concurrent writers are in tests/db/test_races.py.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.conftest import _key

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


def _score(client: Any, headers: dict[str, str], ref: str = "R-1", **more: Any) -> Any:
    extra_headers = more.pop("extra_headers", {})
    body = {"application_ref": ref, "year": 2026, "facts": more.pop("facts", BASE), **more}
    return client.post("/api/v1/scores", json=body, headers={**headers, **extra_headers})


def _chain(client: Any, headers: dict[str, str], ref: str) -> list[dict[str, Any]]:
    return client.get(f"/api/v1/scores?application_ref={ref}&year=2026&per_page=100", headers=headers).json["items"]


def test_first_score_then_a_re_review_naming_it(client: Any, headers: dict[str, str]) -> None:
    first = _score(client, headers)
    assert first.status_code == 201 and first.json["supersedes"] is None
    assert first.headers["Location"] == f"/api/v1/scores/{first.json['id']}"
    second = _score(client, headers, supersedes=first.json["id"], facts={**BASE, "insurance_months": 24})
    assert second.status_code == 201 and second.json["supersedes"] == first.json["id"]
    chain = _chain(client, headers, "R-1")
    assert [(s["id"], s["supersedes"], s["superseded_by"]) for s in chain] == [
        (second.json["id"], first.json["id"], None),
        (first.json["id"], None, second.json["id"]),
    ]


def test_a_second_score_without_supersedes_is_refused(client: Any, headers: dict[str, str]) -> None:
    first = _score(client, headers).json
    again = _score(client, headers, facts={**BASE, "insurance_months": 24})
    assert again.status_code == 409
    assert again.json["code"] == "already_scored" and again.json["current_id"] == first["id"]
    assert "supersedes" in again.json["message"]
    assert len(_chain(client, headers, "R-1")) == 1


def test_naming_a_superseded_score_is_stale(client: Any, headers: dict[str, str]) -> None:
    first = _score(client, headers).json
    second = _score(client, headers, supersedes=first["id"]).json
    stale = _score(client, headers, supersedes=first["id"])
    assert stale.status_code == 409
    assert stale.json["code"] == "stale_supersedes" and stale.json["current_id"] == second["id"]
    assert len(_chain(client, headers, "R-1")) == 2


def test_supersedes_must_be_a_score_of_the_same_application_and_year(client: Any, headers: dict[str, str]) -> None:
    other = _score(client, headers, ref="OTHER").json
    mine = _score(client, headers).json
    for supersedes in (other["id"], str(uuid.uuid4())):
        response = _score(client, headers, supersedes=supersedes)
        assert response.status_code == 422
        assert response.json["errors"] == {"supersedes": [f"no stored score {supersedes} of application R-1 in 2026"]}
    first_of_new = _score(client, headers, ref="NEW", supersedes=mine["id"])
    assert first_of_new.status_code == 422 and "supersedes" in first_of_new.json["errors"]
    other_year = client.post(
        "/api/v1/scores",
        json={"application_ref": "R-1", "year": 2025, "facts": BASE, "supersedes": mine["id"]},
        headers=headers,
    )
    assert other_year.status_code == 422 and "supersedes" in other_year.json["errors"]
    not_an_id = _score(client, headers, supersedes="latest")
    assert not_an_id.status_code == 422 and set(not_an_id.json["errors"]) == {"supersedes"}


def test_another_client_cannot_silently_supersede(client: Any, headers: dict[str, str], db: Any) -> None:
    first = _score(client, headers).json
    other = {"Authorization": f"Bearer {_key(db, 'other-system', ['score', 'read'])}"}
    response = _score(client, other)
    assert response.status_code == 409 and response.json["current_id"] == first["id"]
    named = _score(client, other, supersedes=first["id"])
    assert named.status_code == 201 and named.json["client"] == "other-system"


def test_a_retry_with_the_same_key_answers_the_stored_score(client: Any, headers: dict[str, str]) -> None:
    key = {"Idempotency-Key": "intake-7f3a-0001"}
    first = _score(client, headers, extra_headers=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    retry = _score(client, headers, extra_headers=key)
    assert retry.status_code == 201 and retry.headers["Idempotent-Replayed"] == "true"
    assert retry.data == first.data and retry.headers["Location"] == first.headers["Location"]
    assert len(_chain(client, headers, "R-1")) == 1
    # still the original answer after a re-review superseded it
    _score(client, headers, supersedes=first.json["id"])
    assert _score(client, headers, extra_headers=key).data == first.data


def test_the_same_key_with_another_request_is_refused(client: Any, headers: dict[str, str]) -> None:
    key = {"Idempotency-Key": "k-1"}
    first = _score(client, headers, extra_headers=key).json
    for changed in ({"facts": {**BASE, "insurance_months": 1}}, {"as_of": "2026-06-01"}, {"ref": "R-2"}):
        response = _score(client, headers, extra_headers=key, **changed)
        assert response.status_code == 422 and response.json["code"] == "idempotency_key_reused"
        assert first["id"] in response.json["message"]
    assert len(_chain(client, headers, "R-1")) == 1 and _chain(client, headers, "R-2") == []


def test_keys_belong_to_their_client(client: Any, headers: dict[str, str], db: Any) -> None:
    key = {"Idempotency-Key": "shared-key"}
    first = _score(client, headers, extra_headers=key).json
    other = {"Authorization": f"Bearer {_key(db, 'other-system', ['score', 'read'])}"}
    response = _score(client, other, ref="R-2", extra_headers=key)
    assert response.status_code == 201 and response.json["id"] != first["id"]


@pytest.mark.parametrize("key", ["", " ", "a b", "x" * 256, "ключ", "tab\there"])
def test_malformed_idempotency_keys(client: Any, headers: dict[str, str], key: str) -> None:
    response = client.post(
        "/api/v1/scores",
        json={"application_ref": "R-1", "year": 2026, "facts": BASE},
        headers={**headers, "Idempotency-Key": key},
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"Idempotency-Key": ["expected 1 to 255 visible ASCII characters"]}
    assert _chain(client, headers, "R-1") == []


def test_dry_runs_ignore_chains(client: Any, headers: dict[str, str]) -> None:
    _score(client, headers)
    dry = _score(client, headers, dry_run=True)
    assert dry.status_code == 200 and dry.json["dry_run"] is True


def test_batch_items_follow_the_chain_rules(client: Any, headers: dict[str, str]) -> None:
    first = _score(client, headers, ref="B-1").json
    body = {
        "applications": [
            {"application_ref": "B-1", "year": 2026, "facts": BASE},  # already scored
            {"application_ref": "B-1", "year": 2026, "facts": BASE, "supersedes": first["id"]},
            {"application_ref": "B-2", "year": 2026, "facts": BASE, "idempotency_key": "b2"},
            {"application_ref": "B-2", "year": 2026, "facts": BASE},  # B-2 is scored by the item before
            {"application_ref": "B-1", "year": 2026, "facts": BASE, "supersedes": first["id"]},  # stale by now
        ]
    }
    data = client.post("/api/v1/scores/batch", json=body, headers=headers).json
    outcomes = data["results"]
    assert [o["status"] for o in outcomes] == [409, 201, 201, 409, 409]
    assert outcomes[0]["code"] == "already_scored" and outcomes[0]["current_id"] == first["id"]
    assert outcomes[1]["result"]["supersedes"] == first["id"]
    assert outcomes[3]["code"] == "already_scored" and outcomes[3]["current_id"] == outcomes[2]["result"]["id"]
    assert outcomes[4]["code"] == "stale_supersedes" and outcomes[4]["current_id"] == outcomes[1]["result"]["id"]
    assert (data["stored"], data["failed"]) == (2, 3)
    # the same batch again: the keyed item is replayed, the others are refused
    again = client.post("/api/v1/scores/batch", json=body, headers=headers).json
    assert again["results"][2] == {**outcomes[2], "replayed": True}
    assert (again["stored"], again["failed"]) == (0, 4)
    assert len(_chain(client, headers, "B-1")) == 2 and len(_chain(client, headers, "B-2")) == 1


def test_a_batch_item_reusing_a_key_for_another_request(client: Any, headers: dict[str, str]) -> None:
    body = {"applications": [{"application_ref": "K-1", "year": 2026, "facts": BASE, "idempotency_key": "k"}]}
    client.post("/api/v1/scores/batch", json=body, headers=headers)
    body["applications"][0]["facts"] = {**BASE, "insurance_months": 3}
    outcome = client.post("/api/v1/scores/batch", json=body, headers=headers).json["results"][0]
    assert outcome["status"] == 422 and outcome["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("repeated", [False, True], ids=["sent-together", "one-by-one"])
def test_a_server_failure_during_a_batch_stores_nothing(
    client: Any, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch, repeated: bool
) -> None:
    """The third INSERT fails after two were written: in Python (one by one: an application comes twice), or in the
    database, which refuses its row (sent together: every application once, the INSERTs in one pipeline)."""
    from jifen.scoring import scores

    real_insert, real_row = scores._insert, scores._row
    seen: list[str] = []

    def failing(connection: Any, request: Any, row: Any) -> Any:
        seen.append(request.application_ref)
        if len(seen) == 3:
            raise RuntimeError("the database went away")
        return real_insert(connection, request, row)

    def refused(pending: Any) -> Any:
        row = real_row(pending)
        seen.append(pending.request.application_ref)
        if len(seen) == 3:
            row["version_id"] = -1  # no such version: the database refuses the row (foreign key)
        return row

    if repeated:
        monkeypatch.setattr(scores, "_insert", failing)
    else:
        monkeypatch.setattr(scores, "_row", refused)
    refs = [f"F-{i}" for i in range(5)] + (["F-0"] if repeated else [])
    body = {"applications": [{"application_ref": ref, "year": 2026, "facts": BASE} for ref in refs]}
    response = client.post("/api/v1/scores/batch", json=body, headers=headers)
    assert response.status_code == 500 and response.json["code"] == "internal_error"
    assert len(seen) >= 3
    monkeypatch.setattr(scores, "_insert", real_insert)
    monkeypatch.setattr(scores, "_row", real_row)
    assert all(_chain(client, headers, f"F-{i}") == [] for i in range(5))
