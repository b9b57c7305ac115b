"""Stored scores of concurrent requests written in one transaction (PostgreSQL: Database.scores_grouped).

The first request's write is held while the others arrive, so that they wait for it and are written together,
as under load: each still gets the answer it would get alone, in the order they are written.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select

from jifen.access import api_clients
from jifen.scoring import scores
from jifen.store.models import ScoreRow

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}
WAIT = 20


@pytest.fixture
def headers(db: Any, seeded: Any) -> dict[str, str]:
    if db.scores_grouped is None:
        pytest.skip("PostgreSQL only: on SQLite each score is written alone")
    with db.transaction() as s:
        key = api_clients.create_client(s, "intake", ["score", "read"], "test")[1]
    return {"Authorization": f"Bearer {key}"}


class HeldStore:
    """``scores.store`` that records each group's references and holds the first group until released."""

    def __init__(self, bad: str | None = None) -> None:
        self.groups: list[list[str]] = []
        self.held, self.release = threading.Event(), threading.Event()
        self._real, self._bad = scores.store, bad

    def __call__(self, uow: Any, pendings: list[Any]) -> Any:
        self.groups.append([p.request.application_ref for p in pendings])
        if len(self.groups) == 1:
            self.held.set()
            assert self.release.wait(WAIT)
        for p in pendings:  # a value the database refuses: an INTEGER out of range
            if p.request.application_ref == self._bad:
                p.row["recognition_id"] = 2**40
        return self._real(uow, pendings)


Body = tuple[dict[str, Any], dict[str, str]]  # the request's JSON, its extra headers


def _send_while_held(app: Any, db: Any, held: HeldStore, bodies: list[Body], headers: Any) -> list[Any]:
    def send(body: dict[str, Any], extra: dict[str, str]) -> Callable[[], Any]:
        return lambda: app.test_client().post("/api/v1/scores", json=body, headers={**headers, **extra})

    pool = ThreadPoolExecutor(len(bodies))
    futures: list[Future[Any]] = []
    for n, (body, extra) in enumerate(bodies):
        futures.append(pool.submit(send(body, extra)))
        if n == 0:
            assert held.held.wait(WAIT)
    for _ in range(WAIT * 100):  # every other request scored and waiting for the first one's write
        if len(db.scores_grouped._queue) == len(bodies) - 1:
            break
        time.sleep(0.01)
    queued = len(db.scores_grouped._queue)
    held.release.set()
    pool.shutdown(wait=True)
    assert queued == len(bodies) - 1, f"{queued} of {len(bodies) - 1} requests queued behind the first one's write"
    return [f.result() for f in futures]


def _count(db: Any, ref: str) -> int:
    with db.factory() as s:
        return int(s.scalar(select(func.count()).where(ScoreRow.application_ref == ref)) or 0)


def test_those_waiting_are_stored_together_each_with_its_own_answer(
    seeded: Any, db: Any, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldStore()
    monkeypatch.setattr(scores, "store", held)
    same_key = {"Idempotency-Key": "group-key-1"}
    bodies: list[Body] = [
        ({"application_ref": "G-0", "year": 2026, "facts": BASE}, {}),
        ({"application_ref": "G-1", "year": 2026, "facts": BASE}, {}),
        ({"application_ref": "G-2", "year": 2026, "facts": {**BASE, "insurance_months": 30}}, {}),
        ({"application_ref": "G-1", "year": 2026, "facts": BASE}, {}),  # a second first score of G-1
        ({"application_ref": "G-3", "year": 2026, "facts": BASE}, same_key),
        ({"application_ref": "G-3", "year": 2026, "facts": BASE}, same_key),  # the same request again
    ]
    answers = _send_while_held(seeded, db, held, bodies, headers)
    assert held.groups[0] == ["G-0"]
    assert sorted(held.groups[1]) == ["G-1", "G-1", "G-2", "G-3", "G-3"]  # one transaction for all that waited
    assert len(held.groups) == 2
    g1 = sorted((a.status_code, a.json.get("code")) for a in (answers[1], answers[3]))
    assert g1 == [(201, None), (409, "already_scored")]
    assert [answers[n].status_code for n in (0, 2)] == [201, 201]
    assert answers[2].json["total"] != answers[0].json["total"]  # each its own result
    g3 = (answers[4], answers[5])
    assert {a.status_code for a in g3} <= {200, 201} and g3[0].json["id"] == g3[1].json["id"]
    assert [_count(db, ref) for ref in ("G-0", "G-1", "G-2", "G-3")] == [1, 1, 1, 1]


def test_a_score_the_database_refuses_fails_only_its_own_request(
    seeded: Any, db: Any, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    held = HeldStore(bad="G-BAD")
    monkeypatch.setattr(scores, "store", held)
    refs = ["G-A", "G-B", "G-BAD", "G-C"]
    bodies: list[Body] = [({"application_ref": ref, "year": 2026, "facts": BASE}, {}) for ref in refs]
    answers = _send_while_held(seeded, db, held, bodies, headers)
    assert sorted(held.groups[1]) == ["G-B", "G-BAD", "G-C"]  # failed together, then each alone
    assert sorted(g[0] for g in held.groups[2:]) == ["G-B", "G-BAD", "G-C"]
    assert [a.status_code for a in answers] == [201, 201, 500, 201]
    assert [_count(db, ref) for ref in refs] == [1, 1, 0, 1]
