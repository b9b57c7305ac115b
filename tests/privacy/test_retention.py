"""Retention: the facts of scores and applications past it are erased while results, content hashes, states and
the audit remain; the erasure is audited, a verification says the facts were erased on a day, and the database
allows this one change — and no other — to stored scores and events, on SQLite and on PostgreSQL (as the service
role, which may update those columns only)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from jifen.store.access_log import FactsAccess
from jifen.store.db import get_db
from jifen.store.models import Application, ApplicationEvent, AuditEntry, ScoreRow
from tests.privacy.conftest import DONE, OPEN, Life

ERASED_ON = dt.date(2031, 1, 2)  # 5 years and a day after the 2025 points stopped being valid


def _retention(life: Life, runner: Any, day: dt.date, *more: str) -> Any:
    life.app.config["TODAY"] = lambda: day
    result = runner.invoke(args=["retention", "run", "--user", "dpo", *more])
    assert result.exit_code == 0, result.output
    return result


def _rows(life: Life) -> tuple[list[ScoreRow], list[Application], list[ApplicationEvent]]:
    with get_db(life.app).transaction() as s:
        scores = list(s.scalars(select(ScoreRow)))
        apps = list(s.scalars(select(Application).order_by(Application.application_ref)))
        for app in apps:
            _ = [t.claims for t in app.tasks]
        events = list(s.scalars(select(ApplicationEvent).order_by(ApplicationEvent.id)))
        return scores, apps, events


def test_nothing_is_erased_before_the_period_ends_and_a_dry_run_erases_nothing(life: Life, runner: Any) -> None:
    before = _rows(life)
    assert (
        "erased the facts of 0 application(s) and 0 score(s)" in _retention(life, runner, dt.date(2030, 12, 31)).output
    )
    dry = _retention(life, runner, ERASED_ON, "--dry-run").output
    assert f"would erase {DONE}/2025: application and 1 score(s)" in dry and f"would erase {OPEN}/2025" in dry
    after = _rows(life)
    assert [s.facts for s in after[0]] == [s.facts for s in before[0]]
    assert [a.claimed_facts for a in after[1]] == [a.claimed_facts for a in before[1]]


def test_retention_erases_the_facts_and_keeps_the_results_hashes_states_and_audit(life: Life, runner: Any) -> None:
    life.get("read_facts", f"/scores/{life.score_id}")  # a reading, logged: the log is kept too
    (score,), apps, events = _rows(life)
    output = _retention(life, runner, ERASED_ON).output
    assert "erased the facts of 2 application(s) and 1 score(s)" in output
    (erased,), apps_after, events_after = _rows(life)
    assert erased.facts == "{}" and erased.derived == "{}" and erased.facts_erased_on == ERASED_ON
    assert (erased.result, erased.total, erased.content_hash, erased.seq) == (
        score.result, score.total, score.content_hash, score.seq
    )  # fmt: skip
    for app, was in zip(apps_after, apps):
        assert app.facts_erased_on == ERASED_ON and app.state == was.state
        assert app.claimed_facts == dict.fromkeys(was.claimed_facts)  # the names stay, the values go
        for task in app.tasks:
            assert set(task.claims.values()) == {None}
            assert all(r["claimed"] is None and r["verified"] is None for r in (task.results or {}).values())
    assert "1988-02-03" not in json.dumps([e.changes for e in events_after])
    assert "1988-02-03" in json.dumps([e.changes for e in events])
    assert {e.facts_erased_on for e in events_after} == {ERASED_ON}
    assert [(e.action, e.state_after) for e in events_after] == [(e.action, e.state_after) for e in events]
    with get_db(life.app).transaction() as s:
        audits = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "erase_facts")))
        assert sorted(a.object_ref for a in audits) == [f"{DONE}/2025", f"{OPEN}/2025"]
        assert {a.actor for a in audits} == {"cli:dpo"} and audits[0].after["erased_on"] == "2031-01-02"
        assert "read-facts" in set(s.scalars(select(FactsAccess.actor)))  # the access log stays whole
    again = _retention(life, runner, ERASED_ON).output
    assert "erased the facts of 0 application(s) and 0 score(s)" in again


def test_a_verification_of_an_erased_score_says_when_its_facts_were_erased(life: Life, runner: Any) -> None:
    _retention(life, runner, ERASED_ON)
    verdict = life.app.test_client().post(f"/api/v1/scores/{life.score_id}/verify", headers=life.keys["read"])
    assert verdict.status_code == 200, verdict.json
    assert verdict.json["reproduced"] is None and verdict.json["facts_erased_on"] == "2031-01-02"
    assert verdict.json["differences"] == [] and verdict.json["recomputed_total"] is None
    stored = life.get("read_facts", f"/scores/{life.score_id}").json
    assert stored["facts"] == {} and stored["facts_erased_on"] == "2031-01-02" and stored["total"] is not None
    console = life.console("auditor")
    page = console.get(f"/admin/scores/details/?id={life.score_id}").get_data(as_text=True)
    assert 'id="facts-erased"' in page and "2031-01-02" in page
    flashed = console.post(f"/admin/scores/verify/{life.score_id}", follow_redirects=True).get_data(as_text=True)
    assert "2031-01-02" in flashed


REFUSED = [
    "UPDATE scores SET total = 1 WHERE id = :id",
    'UPDATE scores SET facts = \'{"birth_date": "1900-01-01"}\' WHERE id = :id',
    "UPDATE scores SET facts = '{}', derived = '{}', facts_erased_on = '2031-01-03', total = 1 WHERE id = :id",
    "UPDATE scores SET facts = '{}', derived = '{}', facts_erased_on = '2031-01-03', result = '{}' WHERE id = :id",
    "DELETE FROM scores WHERE id = :id",
    "UPDATE application_events SET action = 'x'",
    "UPDATE application_events SET changes = '{}', facts_erased_on = '2031-01-03', actor = 'x'",
    "DELETE FROM application_events",
    "UPDATE facts_access_log SET actor = 'x'",
    "DELETE FROM facts_access_log",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_the_database_allows_the_erasure_and_nothing_else(life: Life, sql: str) -> None:
    life.get("read_facts", f"/scores/{life.score_id}")
    engine = get_db(life.app).engine  # on PostgreSQL the service role
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text(sql), {"id": life.score_id})


def test_the_database_allows_the_erasure_once(life: Life) -> None:
    engine = get_db(life.app).engine
    erase = "UPDATE scores SET facts = '{}', derived = '{}', facts_erased_on = :day WHERE id = :id"
    with engine.begin() as conn:
        conn.execute(text(erase), {"id": life.score_id, "day": dt.date(2031, 1, 2)})
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text(erase), {"id": life.score_id, "day": dt.date(2031, 1, 3)})


@pytest.mark.parametrize("raw", ["0", "101", "five", "-1", "2.5"])
def test_the_retention_period_is_checked(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from jifen.config import Config

    monkeypatch.setenv("JIFEN_RETENTION_YEARS", raw)
    with pytest.raises(ValueError, match="JIFEN_RETENTION_YEARS"):
        Config()
    monkeypatch.setenv("JIFEN_RETENTION_YEARS", "10")
    assert Config().RETENTION_YEARS == 10
    monkeypatch.delenv("JIFEN_RETENTION_YEARS")
    assert Config().RETENTION_YEARS == 5
