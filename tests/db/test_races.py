"""Concurrent writers on one application: exactly one wins, chains never fork, retries never duplicate.

Each thread has its own request context and so its own database session and connection. On SQLite the
writers queue on the write lock; on PostgreSQL (CI's second run) they really race, and only the unique index
on (application_ref, year, seq) and the one on (client, idempotency key) decide who wins.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

from jifen.access import api_clients
from jifen.store.models import ScoreRow
from tests.conftest import race

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


@pytest.fixture
def headers(db: Any, seeded: Any) -> dict[str, str]:
    with db.transaction() as s:
        key = api_clients.create_client(s, "intake", ["score", "read"], "test")[1]
    return {"Authorization": f"Bearer {key}"}


def _assert_linear(db: Any, ref: str, year: int = 2026) -> list[ScoreRow]:
    with db.factory() as s:
        rows = list(
            s.scalars(
                select(ScoreRow).where(ScoreRow.application_ref == ref, ScoreRow.year == year).order_by(ScoreRow.seq)
            )
        )
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
    assert [r.supersedes_id for r in rows] == [None] + [r.id for r in rows[:-1]]
    return rows


def test_concurrent_re_reviews_of_one_head(seeded: Any, db: Any, headers: dict[str, str]) -> None:
    first = seeded.test_client().post(
        "/api/v1/scores", json={"application_ref": "RACE", "year": 2026, "facts": BASE}, headers=headers
    )
    head = first.json["id"]

    def send(client: Any, i: int) -> Any:
        body = {"application_ref": "RACE", "year": 2026, "facts": {**BASE, "insurance_months": i}, "supersedes": head}
        return client.post("/api/v1/scores", json=body, headers=headers)

    responses = race(seeded, 50, send)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 49}, statuses
    winner = next(r.json["id"] for r in responses if r.status_code == 201)
    assert {(r.json["code"], r.json["current_id"]) for r in responses if r.status_code == 409} == {
        ("stale_supersedes", winner)
    }
    rows = _assert_linear(db, "RACE")
    assert [r.id for r in rows] == [head, winner]
    # and the chain goes on from the winner
    later = seeded.test_client().post(
        "/api/v1/scores",
        json={"application_ref": "RACE", "year": 2026, "facts": BASE, "supersedes": winner},
        headers=headers,
    )
    assert later.status_code == 201
    assert len(_assert_linear(db, "RACE")) == 3


def test_concurrent_first_scores_make_one_root(seeded: Any, db: Any, headers: dict[str, str]) -> None:
    def send(client: Any, i: int) -> Any:
        body = {"application_ref": "NEW", "year": 2026, "facts": {**BASE, "insurance_months": i}}
        return client.post("/api/v1/scores", json=body, headers=headers)

    responses = race(seeded, 30, send)
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 29}
    root = next(r.json["id"] for r in responses if r.status_code == 201)
    assert {(r.json["code"], r.json["current_id"]) for r in responses if r.status_code == 409} == {
        ("already_scored", root)
    }
    assert [r.id for r in _assert_linear(db, "NEW")] == [root]


def test_concurrent_retries_with_one_key_store_one_score(seeded: Any, db: Any, headers: dict[str, str]) -> None:
    def send(client: Any, _i: int) -> Any:
        body = {"application_ref": "RETRY", "year": 2026, "facts": BASE}
        return client.post("/api/v1/scores", json=body, headers={**headers, "Idempotency-Key": "once"})

    responses = race(seeded, 20, send)
    assert {r.status_code for r in responses} == {201}
    assert len({r.data for r in responses}) == 1  # every one of them got the same answer
    assert sum("Idempotent-Replayed" not in r.headers for r in responses) == 1
    assert len(_assert_linear(db, "RETRY")) == 1


def test_concurrent_batches_over_the_same_references(seeded: Any, db: Any, headers: dict[str, str]) -> None:
    refs = [f"BATCH-{i:03d}" for i in range(60)]

    def send(client: Any, i: int) -> Any:
        # each batch in its own order: the service must still not deadlock
        order = refs[i:] + refs[:i] if i % 2 else list(reversed(refs))
        body = {"applications": [{"application_ref": r, "year": 2026, "facts": BASE} for r in order]}
        return client.post("/api/v1/scores/batch", json=body, headers=headers)

    responses = race(seeded, 8, send)
    assert {r.status_code for r in responses} == {200}
    outcomes = Counter((o["application_ref"], o["status"]) for r in responses for o in r.json["results"])
    assert all(outcomes[(ref, 201)] == 1 and outcomes[(ref, 409)] == 7 for ref in refs), outcomes
    assert sum(r.json["stored"] for r in responses) == len(refs)
    for ref in refs:
        assert len(_assert_linear(db, ref)) == 1
