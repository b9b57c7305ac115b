from __future__ import annotations

from typing import Any

import pytest

from jifen.access import api_clients


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
