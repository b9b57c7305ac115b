"""The restore drill (docs/operator/backups.md), on SQLite and, in CI's ``-m database`` pass, PostgreSQL.

The service is filled through its API (stored scores and re-review chains, applications in every state, versions
drafted, published and retired, users, the audit log), backed up while a thread goes on storing scores, restored
into an empty database (PostgreSQL: a second database, JIFEN_TEST_RESTORE_DATABASE_URL or the test database's name
with ``_restore``), and proven: every table carried row for row, every stored score verifying, every chain and event
sequence intact, everything committed before the backup began present, the service serving from the copy.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import tarfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, make_url, text
from sqlalchemy.exc import DBAPIError, OperationalError

from jifen.access import api_clients
from jifen.backup import BackupError, backup, read_manifest, restore
from jifen.scoring import records
from jifen.store.db import get_db, make_engine
from jifen.store.migrate import PRIVILEGES
from jifen.store.models import Base
from tests.api.test_applications import APPLICANT, CONFIRMED, DEPARTMENTS, Clock
from tests.conftest import (
    ON_POSTGRES,
    SERVICE_ROLE,
    TEST_APP_DATABASE_URL,
    TEST_DATABASE_URL,
    TEST_SCHEMA,
    in_schema,
)

FACTS = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


def _restore_url(url: str, schema: str = TEST_SCHEMA) -> str:
    import os

    from jifen.config import database_url

    named = database_url(os.environ.get("JIFEN_TEST_RESTORE_DATABASE_URL", ""))
    parsed = make_url(url)
    if named:  # the same database for both roles: only the user differs
        parsed = parsed.set(database=make_url(named).database, host=make_url(named).host, port=make_url(named).port)
    else:
        parsed = parsed.set(database=f"{parsed.database}_restore")
    out = parsed.set(query={}).render_as_string(hide_password=False)
    return in_schema(out, schema) if schema != "public" else out


def _empty_schema(owner_url: str, schema: str) -> None:
    engine = make_engine(owner_url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    except OperationalError as exc:
        pytest.skip(f"no database to restore into ({owner_url.split('@')[-1]}): {exc.orig}")
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Target:
    """An empty database to restore into: the owner's URL (restores, migrates) and the service's."""

    owner_url: str
    app_url: str


@pytest.fixture
def target(database_url: str, tmp_path: Path) -> Iterator[Target]:
    if not ON_POSTGRES:
        url = f"sqlite:///{tmp_path / 'restored.db'}"
        yield Target(url, url)
        return
    owner_url = _restore_url(TEST_DATABASE_URL)
    _empty_schema(owner_url, TEST_SCHEMA)
    yield Target(owner_url, _restore_url(TEST_APP_DATABASE_URL))


def _key(db: Any, name: str, scopes: list[str], department: str | None = None) -> dict[str, str]:
    with db.transaction() as s:
        return {"Authorization": f"Bearer {api_clients.create_client(s, name, scopes, 'test', department)[1]}"}


class Filler:
    """Calls the API as each kind of client: scores, re-reviews, and the life of applications."""

    def __init__(self, app: Any) -> None:
        db = get_db(app)
        self.client = app.test_client()
        self.keys = {"scorer": _key(db, "scorer", ["score", "read"]), "intake": _key(db, "intake", ["apply"]),
                     "bureau": _key(db, "bureau", ["publish"])}  # fmt: skip
        for n, department in enumerate(DEPARTMENTS):
            self.keys[department] = _key(db, f"dept-{n}", ["verify"], department)

    def post(self, who: str, path: str, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
        response = self.client.post(f"/api/v1{path}", json=body, headers=self.keys[who])
        assert response.status_code == status, (path, response.json)
        return dict(response.json)

    def chain(self, ref: str, length: int) -> None:
        head = None
        for n in range(length):
            body = {"application_ref": ref, "year": 2026, "facts": {**FACTS, "insurance_months": 12 * n},
                    **({"supersedes": head} if head else {})}  # fmt: skip
            head = self.post("scorer", "/scores", body, 201)["id"]

    def application(self, ref: str, until: str) -> None:
        """An application of 2025 taken as far as ``until`` in its life."""
        apps = "/applications"
        self.post("intake", apps, {"application_ref": ref, "year": 2025, "received_on": "2025-01-24",
                                   "channel": "online", "facts": APPLICANT}, 201)  # fmt: skip
        steps = ["verifying", "scored", "published", "re_reviewing", "republished"]
        if until != "voided" and steps.index(until) < 1:
            return
        for department in DEPARTMENTS if until != "voided" else DEPARTMENTS[:2]:
            body = {"department": department, "facts": CONFIRMED[department], "note": "checked"}
            self.post(department, f"{apps}/{ref}/2025/verifications", body)
        if until == "voided":
            self.post("intake", f"{apps}/{ref}/2025/void", {"reason": "permit_cancelled", "date": "2025-10-18"})
            return
        if steps.index(until) >= 2:
            self.post("bureau", f"{apps}/{ref}/2025/publish", {"published_on": "2025-09-29"})
        if steps.index(until) >= 3:
            self.post("intake", f"{apps}/{ref}/2025/objections",
                      {"filed_on": "2025-10-09", "facts": {"insurance_months": 48}})  # fmt: skip
        if steps.index(until) >= 4:
            body = {"department": "人力社保局", "facts": {"insurance_months": 48}, "note": "re-reviewed"}
            self.post("人力社保局", f"{apps}/{ref}/2025/verifications", body)


def _fill(app: Any, runner: Any, monkeypatch: pytest.MonkeyPatch) -> Filler:
    app.config["TODAY"] = Clock(dt.date(2025, 10, 20))
    filler = Filler(app)
    for n in range(6):
        filler.chain(f"CHAIN-{n}", 1 + n % 3)
    filler.post("scorer", "/scores", {"application_ref": "DRY", "year": 2026, "facts": FACTS, "dry_run": True})
    for state in ("verifying", "scored", "published", "re_reviewing", "republished", "voided"):
        filler.application(f"TX-{state}", state)
    monkeypatch.setenv("NEW_USER_PASSWORD", "Drill-pass-2026")
    for args in (
        ["users", "create", "clerk", "--role", "editor"],
        ["users", "create", "police-2", "--role", "department", "--department", "公安局"],
        ["rulesets", "clone", "tongxiang/2026/1", "--year", "2027", "--user", "editor"],
        ["rulesets", "publish", "tongxiang/2027/1", "--note", "drill", "--user", "publisher"],
        ["rulesets", "retire", "tongxiang/2027/1", "--reason", "drill", "--user", "publisher"],
        ["rulesets", "clone", "tongxiang/2026/1", "--user", "editor"],  # a draft, kept
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 0, (args, result.output)
    return filler


class Traffic(threading.Thread):
    """Stores a new score after another until stopped; ``acknowledged``: (id, when its 201 arrived)."""

    def __init__(self, filler: Filler) -> None:
        super().__init__(daemon=True)
        self.filler, self.stop, self.acknowledged = filler, threading.Event(), list[tuple[str, float]]()

    def run(self) -> None:
        client = self.filler.client.application.test_client()
        n = 0
        while not self.stop.is_set():
            n += 1
            body = {"application_ref": f"LIVE-{n}", "year": 2026, "facts": FACTS}
            response = client.post("/api/v1/scores", json=body, headers=self.filler.keys["scorer"])
            assert response.status_code == 201, response.json
            self.acknowledged.append((response.json["id"], time.monotonic()))


def _rows(url: str) -> dict[str, set[tuple[str, ...]]]:
    """Every table of the database's catalogue and its rows, comparable across databases."""
    engine = make_engine(url)
    try:
        names = inspect(engine).get_table_names()
        with engine.connect() as conn:
            return {
                name: {
                    tuple(json.dumps(v, sort_keys=True, default=str) for v in row)
                    for row in conn.execute(text(f'SELECT * FROM "{name}"'))
                }
                for name in names
            }
    finally:
        engine.dispose()


def _owner_url(database_url: str) -> str:
    return TEST_DATABASE_URL if ON_POSTGRES else database_url


def test_the_restore_drill(
    seeded: Any, runner: Any, database_url: str, target: Target, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    filler = _fill(seeded, runner, monkeypatch)
    before = _rows(_owner_url(database_url))
    traffic = Traffic(filler)
    traffic.start()
    while len(traffic.acknowledged) < 3:
        time.sleep(0.01)
    began = time.monotonic()
    result = runner.invoke(args=["backup", "--out", str(tmp_path / "drill.backup")])
    ended = time.monotonic()
    while traffic.is_alive() and not [t for _, t in traffic.acknowledged if t > ended]:
        time.sleep(0.01)
    traffic.stop.set()
    traffic.join()
    assert result.exit_code == 0, result.output
    after = _rows(_owner_url(database_url))
    manifest = read_manifest(tmp_path / "drill.backup")
    assert {t.name for t in Base.metadata.sorted_tables} <= set(manifest.tables) == set(after)

    monkeypatch.setenv("DATABASE_URL", target.app_url)
    monkeypatch.setenv("JIFEN_MIGRATION_DATABASE_URL", target.owner_url)
    from application import create_app
    from jifen.config import TestConfig

    restored_app = create_app(TestConfig())
    done = restored_app.test_cli_runner().invoke(args=["restore", str(tmp_path / "drill.backup")])
    assert done.exit_code == 0, done.output
    assert f"{len(manifest.tables)} tables, {manifest.rows} rows" in done.output
    try:
        _prove(restored_app, target, before, after, manifest.tables, traffic, began)
    finally:
        get_db(restored_app).session.remove()
        get_db(restored_app).engine.dispose()


def _prove(
    app: Any,
    target: Target,
    before: dict[str, set[tuple[str, ...]]],
    after: dict[str, set[tuple[str, ...]]],
    counted: dict[str, int],
    traffic: Traffic,
    began: float,
) -> None:
    restored = _rows(target.owner_url)
    assert set(restored) == set(after)
    for table, rows in restored.items():
        assert len(rows) == counted[table], table  # every table carried, as the snapshot counted it
        assert before[table] <= rows, f"{table}: rows committed before the backup began are missing"
        assert rows <= after[table], f"{table}: rows that the source never held"
    db = get_db(app)
    with db.factory() as session:
        ids = session.scalars(text("SELECT id FROM scores")).all()
        assert {i for i, at in traffic.acknowledged if at < began} <= set(ids)
        assert all(records.verify(session, i)["reproduced"] for i in ids)
        _chains_intact(session)
        states = set(session.scalars(text("SELECT state FROM applications")))
        assert states == {"verifying", "scored", "published", "re_reviewing", "voided"}
        assert set(session.scalars(text("SELECT status FROM ruleset_versions"))) == {"draft", "published", "retired"}
    _serves(app, sorted(ids)[0])
    _still_guarded(app, target)


def _chains_intact(session: Any) -> None:
    """Every score chain is linear, every application's events follow on from each other to its state, and the
    score an application names is the head of its chain."""
    broken = session.scalar(text(
        "SELECT count(*) FROM scores s LEFT JOIN scores p ON p.id = s.supersedes_id "
        "WHERE (s.seq = 1 AND s.supersedes_id IS NOT NULL) OR (s.seq > 1 AND (p.id IS NULL "
        "OR p.seq <> s.seq - 1 OR p.application_ref <> s.application_ref OR p.year <> s.year))"
    ))  # fmt: skip
    assert broken == 0
    for app_id, state, score_id in session.execute(text("SELECT id, state, score_id FROM applications")).all():
        events = session.execute(
            text("SELECT state_before, state_after FROM application_events WHERE application_id = :a ORDER BY id"),
            {"a": app_id},
        ).all()
        assert events[0][0] is None and events[-1][1] == state
        assert all(b[0] == a[1] for a, b in itertools.pairwise(events)), app_id
        if score_id is not None:
            assert session.scalar(text("SELECT count(*) FROM scores WHERE supersedes_id = :s"), {"s": score_id}) == 0


def _serves(app: Any, score_id: str) -> None:
    """The service reads and writes on the restored copy (its sequences follow the restored rows)."""
    api_clients._cache.clear()
    db = get_db(app)
    headers = _key(db, "after-restore", ["score", "read"])
    client = app.test_client()
    read = client.get(f"/api/v1/scores/{score_id}", headers=headers)
    assert read.status_code == 200 and read.json["id"] == score_id
    stored = client.post("/api/v1/scores", json={"application_ref": "AFTER", "year": 2026, "facts": FACTS},
                         headers=headers)  # fmt: skip
    assert stored.status_code == 201, stored.json
    assert client.get("/healthz").status_code == 200


def _still_guarded(app: Any, target: Target) -> None:
    """The immutability triggers came back; on PostgreSQL the service role holds exactly its privileges."""
    with pytest.raises(DBAPIError), get_db(app).engine.begin() as conn:
        conn.execute(text("UPDATE scores SET total = 0"))
    if SERVICE_ROLE is None:
        return
    engine = make_engine(target.owner_url)
    try:
        with engine.connect() as conn:
            tables = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).all()
            held = {
                table: tuple(
                    p
                    for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
                    if conn.scalar(
                        text("SELECT has_table_privilege(:r, :t, :p)"), {"r": SERVICE_ROLE, "t": table, "p": p}
                    )
                )
                for table in tables
            }
    finally:
        engine.dispose()
    assert held == {table: PRIVILEGES.get(table, ()) for table in tables}


def _rewrite(path: Path, out: Path, manifest: dict[str, Any] | None = None, payload: bytes | None = None) -> Path:
    """A copy of the backup ``path`` with its manifest's fields or its payload replaced."""
    with tarfile.open(path) as tar:
        members = [(m, tar.extractfile(m).read()) for m in tar.getmembers()]  # type: ignore[union-attr]
    with tarfile.open(out, "w") as tar:
        for member, data in members:
            if member.name == "manifest.json" and manifest:
                data = json.dumps({**json.loads(data), **manifest}).encode()
            elif member.name != "manifest.json" and payload is not None:
                data = payload
            member.size = len(data)
            tar.addfile(member, io.BytesIO(data))
    return out


def test_refusals(seeded: Any, runner: Any, target: Target, tmp_path: Path) -> None:
    made = runner.invoke(args=["backup", "--out", str(tmp_path / "b")])
    assert made.exit_code == 0, made.output
    backup_file = tmp_path / "b"
    role = SERVICE_ROLE

    def refused(path: Path, url: str = target.owner_url) -> str:
        with pytest.raises(BackupError) as caught:
            restore(path, url, role)
        return str(caught.value.message)

    (tmp_path / "notes.txt").write_text("not a backup", encoding="utf-8")
    assert "is not a backup of this service" in refused(tmp_path / "notes.txt")
    newer = _rewrite(backup_file, tmp_path / "newer", {"migration_head": "9999_future"})
    assert "made by a newer version of the service (migration 9999_future" in refused(newer)
    damaged = _rewrite(backup_file, tmp_path / "damaged", payload=b"x" * 100)
    assert "is damaged: the SHA-256" in refused(damaged)
    source = TEST_DATABASE_URL if ON_POSTGRES else get_db(seeded).url
    assert "the database is not empty" in refused(backup_file, source)
    if SERVICE_ROLE:  # the service role can neither read everything nor create: both need the owner
        with pytest.raises(BackupError, match=r"does not own .*JIFEN_MIGRATION_DATABASE_URL"):
            backup(TEST_APP_DATABASE_URL, tmp_path / "as-service")
        assert "may not create tables in" in refused(backup_file, target.app_url)
    # the refusals left the target empty: the backup restores there
    assert restore(backup_file, target.owner_url, role).migrated_to is None


def test_an_older_backup_is_migrated(database_at: Any, target: Target, tmp_path: Path) -> None:
    with database_at("0009", tmp_path) as url:
        manifest, _ = backup(url, tmp_path / "old")
    assert manifest.migration_head == "0009" and manifest.tables["alembic_version"] == 1
    into = target.owner_url
    if ON_POSTGRES:  # a backup restores into the schema it was taken from (here the old database's own)
        assert manifest.schema
        into = _restore_url(TEST_DATABASE_URL, manifest.schema)
        _empty_schema(into, manifest.schema)
    done = restore(tmp_path / "old", into, SERVICE_ROLE)
    assert done.migrated_to is not None and done.migrated_to != "0009"
    engine = make_engine(into)
    try:
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == done.migrated_to
            assert "kept_forms" in inspect(conn).get_table_names()  # made by migration 0010
        if ON_POSTGRES:
            with engine.begin() as conn:
                conn.execute(text(f"DROP SCHEMA {manifest.schema} CASCADE"))
    finally:
        engine.dispose()
