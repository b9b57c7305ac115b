"""Concurrent transitions of one application, and its events that nobody can change.

Each thread has its own request context, database session and connection. On SQLite the writers queue on the
write lock; on PostgreSQL they really race, and only the lock on the application's row (SELECT … FOR UPDATE in
services/applications.py) makes the last of several departments verifying at once see the others' tasks done:
without it each could see another's task still open and nobody would score the application, or two would.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from jifen.access import api_clients
from jifen.store.models import Application, ApplicationEvent, ScoreRow, VerificationTask
from tests.api.test_applications import APPLICANT, CONFIRMED, DEPARTMENTS
from tests.conftest import ON_POSTGRES, SERVICE_ROLE, race

INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture
def keys(db: Any, seeded: Any) -> dict[str, dict[str, str]]:
    seeded.config["TODAY"] = lambda: dt.date(2025, 10, 20)
    made = {}
    with db.transaction() as s:
        made["intake"] = api_clients.create_client(s, "intake", ["apply"], "test")[1]
        for n, department in enumerate(DEPARTMENTS):
            made[department] = api_clients.create_client(s, f"dept-{n}", ["verify"], "test", department)[1]
    return {who: {"Authorization": f"Bearer {key}"} for who, key in made.items()}


def _receive(seeded: Any, keys: dict[str, dict[str, str]], ref: str) -> None:
    body = {"application_ref": ref, "year": 2025, "received_on": "2025-03-03", "channel": "window", "facts": APPLICANT}
    response = seeded.test_client().post("/api/v1/applications", json=body, headers=keys["intake"])
    assert response.status_code == 201, response.json


def _verification(department: str) -> dict[str, Any]:
    return {"department": department, "facts": CONFIRMED[department], "note": "race"}


@pytest.mark.parametrize("attempt", range(3))
def test_every_department_verifying_at_once_scores_once(seeded: Any, db: Any, keys: Any, attempt: int) -> None:
    ref = f"RACE-{attempt}"
    _receive(seeded, keys, ref)

    def send(client: Any, i: int) -> Any:
        department = DEPARTMENTS[i]
        return client.post(f"/api/v1/applications/{ref}/2025/verifications", json=_verification(department),
                           headers=keys[department])  # fmt: skip

    responses = race(seeded, len(DEPARTMENTS), send)
    assert [r.status_code for r in responses] == [200] * len(DEPARTMENTS), [r.json for r in responses]
    with db.factory() as s:
        application = s.scalar(select(Application).where(Application.application_ref == ref))
        assert application is not None and application.state == "scored"
        tasks = s.scalars(select(VerificationTask).where(VerificationTask.application_id == application.id)).all()
        assert {t.status for t in tasks} == {"done"} and len(tasks) == len(DEPARTMENTS)
        stored = s.scalars(select(ScoreRow).where(ScoreRow.application_ref == ref)).all()
        assert len(stored) == 1 and stored[0].id == application.score_id
        actions = Counter(s.scalars(select(ApplicationEvent.action).where(ApplicationEvent.application_id ==
                                                                          application.id)))  # fmt: skip
        assert actions == {"received": 1, "verified": len(DEPARTMENTS), "scored": 1}


def test_one_department_twice_at_once(seeded: Any, keys: Any) -> None:
    _receive(seeded, keys, "TWICE")

    def send(client: Any, _i: int) -> Any:
        return client.post("/api/v1/applications/TWICE/2025/verifications", json=_verification("教育局"),
                           headers=keys["教育局"])  # fmt: skip

    responses = race(seeded, 4, send)
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 3}
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"task_done"}


def test_supplements_and_receipts_at_once(seeded: Any, db: Any, keys: Any) -> None:
    _receive(seeded, keys, "SUPP")

    def supplement(client: Any, i: int) -> Any:
        return client.post("/api/v1/applications/SUPP/2025/supplements",
                           json={"facts": {"insurance_months": 40 + i}}, headers=keys["intake"])  # fmt: skip

    responses = race(seeded, 4, supplement)
    assert Counter(r.status_code for r in responses) == {200: 1, 409: 3}
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"supplement_used"}

    def receive(client: Any, _i: int) -> Any:
        body = {"application_ref": "TWIN", "year": 2025, "received_on": "2025-03-03", "channel": "online",
                "facts": APPLICANT}  # fmt: skip
        return client.post("/api/v1/applications", json=body, headers=keys["intake"])

    responses = race(seeded, 4, receive)
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 3}
    assert {r.json["code"] for r in responses if r.status_code == 409} == {"application_exists"}
    with db.factory() as s:
        assert s.scalar(select(func.count()).select_from(Application).where(Application.application_ref == "TWIN")) == 1


def test_events_cannot_change(seeded: Any, keys: Any, owner_engine: Any) -> None:
    """Even the schema's owner cannot update or delete an event (triggers, on SQLite and PostgreSQL)."""
    _receive(seeded, keys, "FROZEN")
    for statement in ("UPDATE application_events SET actor = 'someone else'", "DELETE FROM application_events"):
        with pytest.raises(DBAPIError, match="application events cannot change"), owner_engine.begin() as conn:
            conn.execute(text(statement))


@pytest.mark.postgres
@pytest.mark.skipif(SERVICE_ROLE is None or not ON_POSTGRES, reason="needs PostgreSQL with a service role")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE application_events SET actor = 'x'",
        "DELETE FROM application_events",
        "DELETE FROM applications",
        "DELETE FROM verification_tasks",
        "TRUNCATE calendar_days",
    ],
)
def test_the_service_role_is_refused(seeded: Any, keys: Any, db: Any, sql: str) -> None:
    _receive(seeded, keys, "ROLE")
    with pytest.raises(DBAPIError) as refused, db.engine.begin() as conn:
        conn.execute(text(sql))
    assert getattr(refused.value.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, refused.value
