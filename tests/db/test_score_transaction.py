"""A stored score's write connection is one transaction, on SQLite and PostgreSQL alike.

On PostgreSQL its BEGIN travels with the score's INSERT and the driver is in autocommit mode meanwhile
(jifen.store.db.BEGUN_BY_INSERT): a failure after the INSERT must still leave nothing stored, and the connection must
go back to the pool as it came (a later write in autocommit would be committed statement by statement).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text

from jifen.access import api_clients
from jifen.scoring import score_sql
from jifen.store.models import ScoreRow
from tests.db.test_races import BASE


@pytest.fixture
def row(db: Any, seeded: Any) -> dict[str, Any]:
    """The row of a score stored through the API, as a dict to insert again under another id and application."""
    with db.transaction() as s:
        key = api_clients.create_client(s, "intake", ["score"], "test")[1]
    answer = seeded.test_client().post(
        "/api/v1/scores",
        json={"application_ref": "TX-0", "year": 2026, "facts": BASE},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert answer.status_code == 201, answer.json
    with db.factory() as s:
        stored = s.execute(select(*score_sql.SCORES.c).where(ScoreRow.id == answer.json["id"])).one()
    found = {k: v for k, v in stored._mapping.items() if k != "facts_erased_on"}
    return {**found, "result": found["result"].encode("utf-8")}


def _count(db: Any, ref: str) -> int:
    with db.factory() as s:
        return int(s.scalar(select(func.count()).select_from(ScoreRow).where(ScoreRow.application_ref == ref)) or 0)


def _insert(db: Any, row: dict[str, Any], ref: str, fail: bool) -> None:
    with db.factory() as session, db.write_connection(session) as connection:
        assert score_sql.insert_score(connection, True, {**row, "id": f"id-{ref}", "application_ref": ref}) == 1
        # read in the same transaction: the row is there before COMMIT
        assert connection.execute(text("SELECT count(*) FROM scores WHERE application_ref = :r"), {"r": ref}).scalar()
        if fail:
            raise RuntimeError("after the INSERT")


@pytest.mark.parametrize("pipelines", [True, False], ids=["libpq-14-and-later", "older-libpq"])
def test_a_failure_after_the_insert_stores_nothing(
    db: Any, row: dict[str, Any], pipelines: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(score_sql, "PIPELINES", pipelines and score_sql.PIPELINES)
    with pytest.raises(RuntimeError, match="after the INSERT"):
        _insert(db, row, "TX-1", fail=True)
    assert _count(db, "TX-1") == 0
    _insert(db, row, "TX-2", fail=False)
    assert _count(db, "TX-2") == 1


def test_the_connection_goes_back_to_the_pool_in_transactions(db: Any, row: dict[str, Any]) -> None:
    for n in range(4):  # the pool has the connection the write used: a session's write on it is still atomic
        _insert(db, row, f"TX-OK-{n}", fail=False)
        with pytest.raises(RuntimeError), db.factory() as session:
            session.execute(text("UPDATE api_clients SET name = :n WHERE name = 'intake'"), {"n": f"renamed-{n}"})
            raise RuntimeError("before COMMIT")
        with db.factory() as session:
            assert session.scalar(text("SELECT count(*) FROM api_clients WHERE name = 'intake'")) == 1
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            assert connection.connection.driver_connection.autocommit is False
