from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jifen.access import api_clients
from tests.api.test_applications import APPLICANT, DEPARTMENTS, Clock


@pytest.fixture
def client(seeded: Any) -> Any:
    return seeded.test_client()


def _key(db: Any, name: str, scopes: list[str]) -> str:
    with db.transaction() as s:
        return api_clients.create_client(s, name, scopes, "test")[1]


@pytest.fixture
def headers(db: Any, seeded: Any) -> dict[str, str]:
    """A client that scores and reads, the applicants' facts included (the ``facts`` scope)."""
    return {"Authorization": f"Bearer {_key(db, 'school-system', ['score', 'read', 'facts'])}"}


@pytest.fixture
def read_only(db: Any, seeded: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {_key(db, 'reporting', ['read'])}"}


@pytest.fixture
def score_only(db: Any, seeded: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {_key(db, 'front-end', ['score'])}"}


@pytest.fixture(autouse=True)
def _fresh_key_cache() -> None:
    api_clients._cache.clear()


@pytest.fixture(autouse=True)
def _only_declared_codes(caplog: pytest.LogCaptureFixture) -> Any:
    """Every problem code an operation answers in a test is one its @doc(errors=…) declares (api.errors warns)."""
    yield
    undeclared = [r.getMessage() for r in caplog.records if r.getMessage().startswith("UNDECLARED problem code")]
    assert not undeclared, undeclared


# --- the task queue and the change feed (tests/api/test_tasks.py, test_feed.py) ---

QUEUE_WHO = {"intake": ["apply"], "intake2": ["apply"], "bureau": ["publish"], "reader": ["read"], "scorer": ["score"],
             "auditor": ["read", "facts"]}  # fmt: skip


@pytest.fixture
def parties(db: Any, seeded: Any) -> dict[str, dict[str, str]]:
    """The keys of the task queue's and the feed's tests: intake platforms, the bureau, a reader, a scorer, and one
    verify key per department (the two of the shared unit too)."""
    made: dict[str, str] = {}
    with db.transaction() as s:
        for name, scopes in QUEUE_WHO.items():
            made[name] = api_clients.create_client(s, name, scopes, "test")[1]
        for n, department in enumerate((*DEPARTMENTS, "交通运输局", "综合行政执法局")):
            made[department] = api_clients.create_client(s, f"dept-{n}", ["verify"], "test", department)[1]
    return {who: {"Authorization": f"Bearer {key}"} for who, key in made.items()}


@pytest.fixture
def day(seeded: Any) -> Clock:
    clock = Clock(dt.date(2025, 3, 10))
    seeded.config["TODAY"] = clock
    return clock


@pytest.fixture
def life(seeded: Any, day: Clock, parties: dict[str, dict[str, str]]) -> Any:
    """Calls as one of ``parties``: receive, verify, read the task queue."""
    given = parties

    class Api:
        client = seeded.test_client()
        keys = given

        def tasks(self, who: str, **query: Any) -> Any:
            return self.client.get("/api/v1/tasks", query_string=query, headers=given[who])

        def receive(self, ref: str, received_on: str, facts: dict[str, Any] = APPLICANT, who: str = "intake") -> None:
            body = {"application_ref": ref, "year": 2025, "received_on": received_on, "channel": "online",
                    "facts": facts}  # fmt: skip
            response = self.client.post("/api/v1/applications", json=body, headers=given[who])
            assert response.status_code == 201, response.json

        def verify(self, who: str, ref: str, department: str, facts: dict[str, Any]) -> Any:
            body = {"department": department, "facts": facts, "note": "checked"}
            return self.client.post(f"/api/v1/applications/{ref}/2025/verifications", json=body, headers=given[who])

    return Api()
