"""A database that is locked, read-only, unreachable, stopped or frozen: 503 within the timeouts, then recovery.

SQLite faults run in-process, and through a real gunicorn that obeys file permissions even as root (it may
not override them). PostgreSQL faults run on a throwaway server of their own, never on the shared one: stopping and
freezing it is the point.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from tests.conftest import seed
from tests.servers import Reply, ThrowawayPostgres, call, gunicorn, postgres_missing

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}
# small timeouts, so that every wait below is short; the assertions allow for a loaded machine
TIMEOUTS = {"DB_CONNECT_TIMEOUT": 2, "DB_STATEMENT_TIMEOUT": 2, "DB_LOCK_TIMEOUT": 1, "DB_HEALTH_TIMEOUT": 1}
TIMEOUT_ENV = {f"JIFEN_{k}": str(v) for k, v in TIMEOUTS.items()}
SLACK = 3.0  # seconds a busy two-core machine may add to a timeout


def _score(ref: str) -> dict[str, Any]:
    return {"application_ref": ref, "year": 2026, "facts": BASE}


def _prepare(url: str, password_hash: str) -> str:
    """Migrate and seed the database at ``url``; the key of an API client with both scopes."""
    from jifen.access import api_clients
    from jifen.store.db import Database
    from jifen.store.migrate import upgrade

    upgrade(url)
    database = Database(url)
    seed(database, password_hash)
    with database.transaction() as session:
        key = api_clients.create_client(session, "faults", ["score", "read"], "test")[1]
    database.engine.dispose()
    return key


def _unavailable(reply: Any, within: float | None = None) -> None:
    """A 503 database_unavailable problem detail with Retry-After (a Reply, or a Flask test response)."""
    status = getattr(reply, "status_code", None) or reply.status
    body = reply.json() if isinstance(reply, Reply) else reply.json
    assert status == 503, (status, body)
    assert body["code"] == "database_unavailable" and body["message"] == body["detail"], body
    assert body["type"] == "/api/v1/docs#problem-database_unavailable" and body["status"] == 503, body
    assert int(reply.headers["Retry-After"]) > 0
    if within is not None:
        assert reply.seconds < within, f"answered after {reply.seconds:.1f} s"


# --- SQLite, in-process -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, _password_hash: str) -> tuple[Path, str]:
    path = tmp_path_factory.mktemp("faults") / "seeded.db"
    return path, _prepare(f"sqlite:///{path}", _password_hash)


def _app(url: str, instance: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from application import create_app
    from jifen.access import api_clients
    from jifen.scoring.compiled import published_cache

    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(instance))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    published_cache.clear()
    api_clients._cache.clear()
    return create_app({"TESTING": True, "DATABASE_URL": url, **TIMEOUTS})


@pytest.fixture
def sqlite_app(sqlite_template: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    path = tmp_path / "jifen.db"
    shutil.copyfile(sqlite_template[0], path)
    app = _app(f"sqlite:///{path}", tmp_path / "instance", monkeypatch)
    app.config["test.db_path"] = path
    app.config["test.headers"] = {"Authorization": f"Bearer {sqlite_template[1]}"}
    yield app
    from jifen.store.db import get_db

    get_db(app).engine.dispose()


class _HeldInAnotherProcess:
    """A lock held by a child process until ``release()``: SQLite's write lock, or the service's writer flock."""

    SCRIPTS: ClassVar[dict[str, str]] = {
        "sqlite": "import sqlite3,sys; c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute('BEGIN IMMEDIATE')",
        "flock": "import fcntl,sys; f=open(sys.argv[1]+'.writer-lock','a+'); fcntl.flock(f, fcntl.LOCK_EX)",
    }

    def __init__(self, kind: str, path: Path) -> None:
        script = self.SCRIPTS[kind] + "; print('held', flush=True); sys.stdin.read()"
        self.process = subprocess.Popen(
            [sys.executable, "-c", script, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        assert self.process.stdout is not None and self.process.stdout.readline() == b"held\n"

    def release(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)


def _timed(client: Any, method: str, path: str, **kwargs: Any) -> Any:
    started = time.monotonic()
    response = client.open(path, method=method, **kwargs)
    response.seconds = time.monotonic() - started
    return response


@pytest.mark.parametrize("holder", ["connection", "process", "writer flock"])
def test_sqlite_write_lock_held_elsewhere_answers_503_then_recovers(sqlite_app: Any, holder: str) -> None:
    client, path, headers = (
        sqlite_app.test_client(),
        sqlite_app.config["test.db_path"],
        sqlite_app.config["test.headers"],
    )
    assert client.post("/api/v1/scores", json=_score("LOCK-0"), headers=headers).status_code == 201
    if holder == "connection":
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        release = other.close
    else:
        release = _HeldInAnotherProcess("sqlite" if holder == "process" else "flock", path).release
    try:
        stored = _timed(client, "POST", "/api/v1/scores", json=_score("LOCK-1"), headers=headers)
        _unavailable(stored, within=TIMEOUTS["DB_LOCK_TIMEOUT"] + SLACK)
        for url in ("/healthz", "/api/v1/healthz"):
            _unavailable(_timed(client, "GET", url), within=2 * TIMEOUTS["DB_HEALTH_TIMEOUT"] + SLACK)
        assert client.get("/api/v1/scores?application_ref=LOCK-0", headers=headers).status_code == 200  # reads go on
    finally:
        release()
    assert client.post("/api/v1/scores", json=_score("LOCK-1"), headers=headers).status_code == 201
    assert client.get("/healthz").json | {"warnings": []} == {
        "status": "ok",
        "database": "ok",
        "warnings": [],
    }  # warnings: see test_calendar_end


_SAMPLES = {"int": "1", "int32": "1", "uuid": "00000000-0000-4000-8000-000000000000"}


def _sample(rule: Any) -> str:
    """A path that the rule matches: a plausible value for each of its variables."""
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", lambda m: _SAMPLES.get(m[1] or "", "x"), rule.rule)


def test_unreachable_sqlite_answers_503_on_every_api_route_and_a_chinese_page_in_the_console(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(f"sqlite:///{tmp_path / 'missing' / 'jifen.db'}", tmp_path / "instance", monkeypatch)
    client = app.test_client()
    headers = {"Authorization": "Bearer " + "k" * 40}
    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/") or r.rule == "/healthz"]
    assert len(routes) > 8
    for rule in routes:
        needs_key = getattr(app.view_functions[rule.endpoint], "api_security", None) is not None
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(_sample(rule), method=method, json={}, headers=headers)
            where = (method, rule.rule, response.status_code, response.data[:200])
            assert response.mimetype in ("application/json", "application/problem+json", "application/schema+json"), (
                where
            )
            if needs_key or response.status_code >= 500:  # a key is looked up in the database first
                assert response.status_code == 503, where
                _unavailable(response)
    _console_answers_503(app)


def _console_answers_503(app: Any) -> None:
    """The console's pages that need the database answer a short Chinese page (a login, a signed-in user's page)."""
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False
    login = client.post("/admin/login", data={"username": "admin", "password": "wrong password"})
    with client.session_transaction() as cookie:  # a signed-in user: the console loads them from the database
        cookie["_user_id"], cookie["_fresh"] = "1:0", True
    for response in (login, client.get("/admin/"), client.get("/admin/scores/")):
        assert response.status_code == 503 and response.mimetype == "text/html", response.request.path
        assert "数据库暂时不可用" in response.get_data(as_text=True) and response.headers["Retry-After"]


def test_bugs_are_not_outages(sqlite_app: Any) -> None:
    """Errors that a retry cannot fix stay what they are, and a 500."""
    from jifen.store.db import get_db
    from jifen.store.models import User

    database = get_db(sqlite_app)
    with pytest.raises(OperationalError, match="no such table"), database.engine.connect() as connection:
        connection.execute(text("SELECT * FROM no_such_table"))
    with pytest.raises(IntegrityError), database.transaction() as session:
        session.add(User(username="admin", role="admin", password_hash="x"))

    def _bug() -> str:
        database.session().execute(text("SELECT * FROM no_such_table"))
        return "unreachable"

    # an API view that meets the bug: the API's error handlers belong to its blueprint
    sqlite_app.view_functions["api.meta.healthz"] = _bug
    response = sqlite_app.test_client().get("/api/v1/healthz")
    assert response.status_code == 500 and response.json["code"] == "internal_error"


# --- SQLite through gunicorn, obeying file permissions ------------------------------------------------------


def file_permissions_missing() -> str | None:
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "running as root without setpriv (util-linux): root would write a read-only file"
    return None


@pytest.fixture
def sqlite_service(sqlite_template: tuple[Path, str]) -> Iterator[tuple[Path, str]]:
    """A directory of its own holding a copy of the seeded database."""
    if reason := file_permissions_missing():
        pytest.skip(reason)
    directory = Path(tempfile.mkdtemp(prefix="jifen-faults-"))
    shutil.copyfile(sqlite_template[0], directory / "jifen.db")
    (directory / "instance").mkdir()
    try:
        yield directory, sqlite_template[1]
    finally:
        directory.chmod(0o755)
        shutil.rmtree(directory, ignore_errors=True)


def _service_env(url: str, instance: Path) -> dict[str, str]:
    return {"DATABASE_URL": url, "JIFEN_INSTANCE_DIR": str(instance), "SECRET_KEY": "faults", **TIMEOUT_ENV}


@pytest.mark.parametrize("read_only", ["file", "directory"])
def test_sqlite_read_only_answers_503_through_gunicorn_then_recovers(
    sqlite_service: tuple[Path, str], read_only: str
) -> None:
    directory, key = sqlite_service
    database = directory / "jifen.db"
    target, writable, frozen = (database, 0o644, 0o444) if read_only == "file" else (directory, 0o755, 0o555)
    headers = {"Authorization": f"Bearer {key}"}
    env = _service_env(f"sqlite:///{database}", directory / "instance")
    with gunicorn(env, file_permissions=True) as base:
        assert call(base, "POST", "/api/v1/scores", _score("RO-0"), headers).status == 201
        target.chmod(frozen)
        try:
            _unavailable(call(base, "POST", "/api/v1/scores", _score("RO-1"), headers), within=SLACK)
            batch = {"applications": [_score("RO-2"), _score("RO-3")]}
            _unavailable(call(base, "POST", "/api/v1/scores/batch", batch, headers), within=SLACK)
            for url in ("/healthz", "/api/v1/healthz"):
                _unavailable(call(base, "GET", url), within=SLACK)
            read = call(base, "GET", "/api/v1/scores?application_ref=RO-0", headers=headers)
            assert read.status == 200  # reads go on
        finally:
            target.chmod(writable)
        assert call(base, "POST", "/api/v1/scores", _score("RO-1"), headers).status == 201
        assert call(base, "GET", "/healthz").json() | {"warnings": []} == {
            "status": "ok",
            "database": "ok",
            "warnings": [],
        }  # warnings: see test_calendar_end


def test_sqlite_read_only_from_the_start_recovers_without_a_restart(sqlite_service: tuple[Path, str]) -> None:
    """Connections opened on a read-only file stay read-only: the pool drops them once the file is writable.

    SQLite gives the -wal and -shm files it creates the database file's permissions: they are made writable too.
    """
    directory, key = sqlite_service
    database = directory / "jifen.db"
    headers = {"Authorization": f"Bearer {key}"}
    database.chmod(0o444)
    try:
        with gunicorn(_service_env(f"sqlite:///{database}", directory / "instance"), file_permissions=True) as base:
            assert call(base, "GET", "/api/v1/scores?application_ref=X", headers=headers).status == 200
            _unavailable(call(base, "POST", "/api/v1/scores", _score("RO-START"), headers), within=SLACK)
            _unavailable(call(base, "GET", "/healthz"), within=SLACK)
            for path in directory.glob("jifen.db*"):
                path.chmod(0o644)
            assert call(base, "POST", "/api/v1/scores", _score("RO-START"), headers).status == 201
            assert call(base, "GET", "/healthz").status == 200
    finally:
        database.chmod(0o644)


# --- PostgreSQL: a throwaway server of our own --------------------------------------------------------------

needs_postgres_binaries = pytest.mark.skipif(postgres_missing() is not None, reason=postgres_missing() or "")


@pytest.fixture(scope="module")
def pg(_password_hash: str) -> Iterator[tuple[ThrowawayPostgres, str]]:
    server = ThrowawayPostgres()
    try:
        server.start()
        server.sql("CREATE DATABASE jifen")
        key = _prepare(server.url("jifen").replace("postgresql://", "postgresql+psycopg://"), _password_hash)
        yield server, key
    finally:
        server.close()


@pytest.fixture
def pg_app(pg: tuple[ThrowawayPostgres, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    server, key = pg
    app = _app(server.url("jifen").replace("postgresql://", "postgresql+psycopg://"), tmp_path / "i", monkeypatch)
    app.config["test.headers"] = {"Authorization": f"Bearer {key}"}
    yield app
    from jifen.store.db import get_db

    get_db(app).engine.dispose()


@pytest.mark.postgres
@needs_postgres_binaries
def test_postgres_stopped_answers_503_then_recovers_after_a_restart(
    pg: tuple[ThrowawayPostgres, str], pg_app: Any
) -> None:
    server, client, headers = pg[0], pg_app.test_client(), pg_app.config["test.headers"]
    assert client.post("/api/v1/scores", json=_score("STOP-0"), headers=headers).status_code == 201
    server.stop()
    try:
        for method, url, body in [
            ("POST", "/api/v1/scores", _score("STOP-1")),
            ("GET", "/api/v1/scores?application_ref=STOP-0", None),
            ("GET", "/api/v1/healthz", None),
            ("GET", "/healthz", None),
        ]:
            _unavailable(_timed(client, method, url, json=body, headers=headers), within=SLACK)
        _console_answers_503(pg_app)
    finally:
        server.start()
    assert client.get("/healthz").json | {"warnings": []} == {
        "status": "ok",
        "database": "ok",
        "warnings": [],
    }  # warnings: see test_calendar_end
    assert client.post("/api/v1/scores", json=_score("STOP-1"), headers=headers).status_code == 201


@pytest.mark.postgres
@needs_postgres_binaries
def test_postgres_read_only_answers_503_to_writes_then_recovers(pg: tuple[ThrowawayPostgres, str], pg_app: Any) -> None:
    server, client, headers = pg[0], pg_app.test_client(), pg_app.config["test.headers"]
    assert client.post("/api/v1/scores", json=_score("RO-PG-0"), headers=headers).status_code == 201
    server.sql("ALTER SYSTEM SET default_transaction_read_only = on")
    server.sql("SELECT pg_reload_conf()")
    try:
        time.sleep(0.5)  # backends apply the new configuration at their next command
        _unavailable(_timed(client, "POST", "/api/v1/scores", json=_score("RO-PG-1"), headers=headers))
        _unavailable(_timed(client, "GET", "/healthz"), within=SLACK)
        assert client.get("/api/v1/scores?application_ref=RO-PG-0", headers=headers).status_code == 200
    finally:
        server.sql("ALTER SYSTEM RESET default_transaction_read_only")
        server.sql("SELECT pg_reload_conf()")
    time.sleep(0.5)
    assert client.get("/healthz").status_code == 200
    assert client.post("/api/v1/scores", json=_score("RO-PG-1"), headers=headers).status_code == 201


@pytest.mark.postgres
@needs_postgres_binaries
def test_postgres_locked_table_answers_503_after_the_lock_timeout(
    pg: tuple[ThrowawayPostgres, str], pg_app: Any
) -> None:
    import psycopg

    server, client, headers = pg[0], pg_app.test_client(), pg_app.config["test.headers"]
    with psycopg.connect(server.url("jifen")) as holder:
        holder.execute("LOCK TABLE scores, alembic_version IN ACCESS EXCLUSIVE MODE")
        stored = _timed(client, "POST", "/api/v1/scores", json=_score("LOCKED-PG"), headers=headers)
        _unavailable(stored, within=TIMEOUTS["DB_LOCK_TIMEOUT"] + SLACK)
        _unavailable(_timed(client, "GET", "/healthz"), within=TIMEOUTS["DB_HEALTH_TIMEOUT"] + SLACK)
    assert client.post("/api/v1/scores", json=_score("LOCKED-PG"), headers=headers).status_code == 201


@pytest.mark.postgres
@needs_postgres_binaries
def test_postgres_health_names_a_table_shut_by_a_lock(pg: tuple[ThrowawayPostgres, str], pg_app: Any) -> None:
    """A lock on the scores table alone (its probe writes another table) makes /healthz answer 503 naming it."""
    import psycopg

    server, client = pg[0], pg_app.test_client()
    with psycopg.connect(server.url("jifen")) as holder:
        holder.execute("LOCK TABLE scores IN SHARE MODE")  # readers pass, writers wait
        health = _timed(client, "GET", "/healthz")
        _unavailable(health, within=TIMEOUTS["DB_HEALTH_TIMEOUT"] + SLACK)
        assert "scores" in health.json["detail"] and "applications" not in health.json["detail"]
    assert client.get("/healthz").status_code == 200


@pytest.mark.postgres
@needs_postgres_binaries
def test_postgres_frozen_during_a_transaction_gives_up_after_the_statement_timeout(
    pg: tuple[ThrowawayPostgres, str], pg_app: Any
) -> None:
    """A frozen server never sends statement_timeout's error: the client's own deadline closes the connection."""
    from jifen.store.db import get_db
    from jifen.store.dbfaults import DatabaseUnavailable

    server, engine = pg[0], get_db(pg_app).engine
    with engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM scores"))
        pids = server.freeze()
        started = time.monotonic()
        try:
            with pytest.raises(DatabaseUnavailable, match="did not answer in time"):
                connection.execute(text("SELECT count(*) FROM scores"))
        finally:
            server.thaw(pids)
        waited = time.monotonic() - started
    assert TIMEOUTS["DB_STATEMENT_TIMEOUT"] <= waited < TIMEOUTS["DB_STATEMENT_TIMEOUT"] + 1 + SLACK
    with engine.connect() as connection:  # the pool was invalidated: a new connection, which works
        assert connection.execute(text("SELECT 1")).scalar() == 1


@pytest.mark.postgres
@needs_postgres_binaries
def test_postgres_frozen_before_the_request_ends_does_not_hold_its_answer(
    pg: tuple[ThrowawayPostgres, str], pg_app: Any
) -> None:
    """The request's session is closed (its read transaction rolled back) within the connect timeout, quietly."""
    from jifen.unit_of_work import get_session

    server = pg[0]
    context = pg_app.app_context()
    context.push()
    get_session().execute(text("SELECT count(*) FROM scores"))
    pids = server.freeze()
    started = time.monotonic()
    try:
        context.pop()
    finally:
        server.thaw(pids)
    assert time.monotonic() - started < TIMEOUTS["DB_CONNECT_TIMEOUT"] + SLACK
    with pg_app.app_context():
        assert get_session().execute(text("SELECT 1")).scalar() == 1


@pytest.mark.postgres
@needs_postgres_binaries
def test_postgres_frozen_answers_503_within_the_timeouts_through_gunicorn_then_recovers(
    pg: tuple[ThrowawayPostgres, str], tmp_path: Path
) -> None:
    """SIGSTOP on the server: nothing answers, yet every request gets its 503 within the configured timeouts."""
    server, key = pg
    headers = {"Authorization": f"Bearer {key}"}
    env = _service_env(server.url("jifen"), tmp_path)
    with gunicorn(env, threads=4) as base:
        for n in range(4):  # fill the pool with connections that will meet the frozen server
            assert call(base, "POST", "/api/v1/scores", _score(f"FROZEN-{n}"), headers).status == 201
        pids = server.freeze()
        try:
            requests = [("POST", "/api/v1/scores", _score("FROZEN-X")), ("GET", "/healthz", None),
                        ("GET", "/api/v1/scores?application_ref=FROZEN-0", None), ("GET", "/api/v1/healthz", None),
                        ("POST", "/api/v1/scores", _score("FROZEN-Y")), ("GET", "/api/v1/rulesets", None)]  # fmt: skip
            with ThreadPoolExecutor(len(requests)) as pool:
                replies = list(pool.map(lambda r: call(base, r[0], r[1], r[2], headers, timeout=60), requests))
            # a pooled connection: its ping gives up after the connect timeout, then a new one does too
            bound = 2 * TIMEOUTS["DB_CONNECT_TIMEOUT"] + TIMEOUTS["DB_STATEMENT_TIMEOUT"] + 1 + SLACK
            for reply in replies:
                _unavailable(reply, within=bound)
            _unavailable(call(base, "GET", "/healthz"), within=TIMEOUTS["DB_CONNECT_TIMEOUT"] + SLACK)
        finally:
            server.thaw(pids)
        deadline = time.monotonic() + 10
        while (health := call(base, "GET", "/healthz")).status != 200 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert health.json() | {"warnings": []} == {
            "status": "ok",
            "database": "ok",
            "warnings": [],
        }  # warnings: see test_calendar_end
        assert call(base, "POST", "/api/v1/scores", _score("FROZEN-X"), headers).status == 201
