from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

from engine import RulesetVersion, load_file
from jifen.config import database_url
from tests.app_caches import install_app_caches

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
GOLDEN_DIR = ROOT.parent / "shared" / "cases"


def golden_cases() -> list[Any]:
    """Every golden case as a pytest param, or one skipped param saying why there are none."""
    files = sorted(GOLDEN_DIR.glob("golden-*.json"))
    if not files:
        return [
            pytest.param(
                None, marks=pytest.mark.skip(reason=f"golden cases not found in {GOLDEN_DIR}"), id="no-golden-cases"
            )
        ]
    params = []
    for path in files:
        for case in json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal):
            params.append(pytest.param(case, id=case["name"]))
    return params


@pytest.fixture(scope="session")
def versions() -> dict[int, RulesetVersion]:
    return {v.year: v for v in (load_file(p) for p in sorted(RULESETS.glob("*.yaml")))}


# PostgreSQL runs with two roles, as in production: the schema's owner migrates (and empties the database between
# tests); the app under test connects as the service role, which gets only jifen.store.migrate.PRIVILEGES.
# Without JIFEN_TEST_APP_DATABASE_URL the owner plays both parts.
TEST_DATABASE_URL = database_url(os.environ.get("JIFEN_TEST_DATABASE_URL", ""))
TEST_APP_DATABASE_URL = database_url(os.environ.get("JIFEN_TEST_APP_DATABASE_URL", "")) or TEST_DATABASE_URL
ON_POSTGRES = TEST_DATABASE_URL.startswith("postgresql")


def in_schema(url: str, schema: str) -> str:
    """``url`` with ``schema`` as the search path of its connections (the tables are made and found there), and as
    their application name (so that a test looking at pg_stat_activity sees only its own connections)."""
    parsed = make_url(url)
    query = {**parsed.query, "options": f"-csearch_path={schema}", "application_name": schema}
    return parsed.update_query_dict(query).render_as_string(hide_password=False)


# Under pytest-xdist each worker has a schema of its own in the PostgreSQL test database (SQLite files are per test
# anyway); without workers the tests use the public schema.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
TEST_SCHEMA = f"worker_{WORKER}" if ON_POSTGRES and WORKER else "public"
if TEST_SCHEMA != "public":
    TEST_DATABASE_URL = in_schema(TEST_DATABASE_URL, TEST_SCHEMA)
    TEST_APP_DATABASE_URL = in_schema(TEST_APP_DATABASE_URL, TEST_SCHEMA)


OWNER_ROLE, APP_ROLE = (make_url(u).username if u else None for u in (TEST_DATABASE_URL, TEST_APP_DATABASE_URL))
# the role granted jifen.store.migrate.PRIVILEGES after migrating; None when one role does both
SERVICE_ROLE = APP_ROLE if ON_POSTGRES and APP_ROLE != OWNER_ROLE else None


# The fixtures that reach the test database: a test that requests one of them (directly or through another fixture)
# is marked ``database`` at collection, so the PostgreSQL pass of .ci/run runs only those (``-m database``); the
# others (the engine, pure modules, the CLI without a database, throwaway servers of their own) cannot differ
# between the two databases and run once, in the SQLite pass.
DATABASE_FIXTURES = frozenset({"_migrated", "database_url", "database_at"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.database)
    # The browser tests first (in their order; the others after, in theirs): they are the longest, one of them over
    # three minutes, and a long test begun late keeps one worker busy after the others have finished
    # (pyproject.toml's --dist worksteal lets an idle worker take the tests waiting behind it, not the one it runs).
    items.sort(key=lambda item: item.get_closest_marker("browser") is None)


install_app_caches()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After the last of consecutive browser tests (their fixtures torn down), close the Chromium they shared."""
    try:
        return (yield)
    finally:
        shared = sys.modules.get("tests.e2e.browser")
        if shared is not None and (nextitem is None or "browser" not in getattr(nextitem, "fixturenames", ())):
            shared.CHROMIUM_OF_PROCESS.close()


def pytest_report_header() -> str:
    if not TEST_DATABASE_URL:
        return "database: SQLite (a fresh file per test)"
    roles = f" (migrated by {OWNER_ROLE}, app as {SERVICE_ROLE})" if SERVICE_ROLE else ""
    return f"database: {TEST_DATABASE_URL.split('@')[-1]}{roles}"


@pytest.fixture(scope="session")
def _migrated(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated, empty database: a template SQLite file, or the PostgreSQL test database made empty (its URL
    for the app, as the service role)."""
    from sqlalchemy import text

    from jifen.store.db import make_engine
    from jifen.store.migrate import upgrade

    if ON_POSTGRES:
        engine = make_engine(TEST_DATABASE_URL)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {TEST_SCHEMA} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {TEST_SCHEMA}"))
        engine.dispose()
        upgrade(TEST_DATABASE_URL, service_role=SERVICE_ROLE)
        return TEST_APP_DATABASE_URL
    template = tmp_path_factory.mktemp("db") / "template.db"
    upgrade(f"sqlite:///{template}")
    return str(template)


_owner_engines: dict[str, Any] = {}


def owner_engine_of_process() -> Any:
    """This process's engine connected as the test database's owner, made once (a connection per test costs a
    new server process and a password exchange); its connections are pinged before use, as every engine without
    the application's timeouts is."""
    from jifen.store.db import make_engine

    if TEST_DATABASE_URL not in _owner_engines:
        _owner_engines[TEST_DATABASE_URL] = make_engine(TEST_DATABASE_URL)
    return _owner_engines[TEST_DATABASE_URL]


# Sequences restarted in the test schema, on the server: the list is read where it is used
_RESTART_SEQUENCES = """DO $$
DECLARE s record;
BEGIN
    FOR s IN SELECT sequencename FROM pg_sequences WHERE schemaname = current_schema() LOOP
        EXECUTE 'ALTER SEQUENCE ' || quote_ident(s.sequencename) || ' RESTART';
    END LOOP;
END $$"""


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def empty_postgres(snapshot: Snapshot | None = None) -> None:
    """Empty every table of the PostgreSQL test database (as its owner); then fill them from ``snapshot``, if given.

    Sent as one script in one transaction: a round trip per statement (about ninety) cost more than the work itself,
    and far more on a loaded machine, where each one waits for the server's process to be scheduled.
    """
    from jifen.store.models import Base

    names = [t.name for t in Base.metadata.sorted_tables]
    # the schema refuses to delete stored scores and published content; its owner may lift that
    script = [f"ALTER TABLE {name} DISABLE TRIGGER USER" for name in names]
    # DELETE, children first, and the sequences restarted: as TRUNCATE … RESTART IDENTITY, five times faster on
    # tables this small
    script += [f"DELETE FROM {name}" for name in reversed(names)]
    script.append(_RESTART_SEQUENCES)
    if snapshot is not None:
        # parents before children
        script += [
            f"INSERT INTO {name} OVERRIDING SYSTEM VALUE SELECT * FROM {snapshot.schema}.{name}" for name in names
        ]
        script += [f"SELECT setval({_quoted(sequence)}, {int(value)})" for sequence, value in snapshot.sequences]
    script += [f"ALTER TABLE {name} ENABLE TRIGGER USER" for name in names]
    with owner_engine_of_process().begin() as conn, conn.connection.driver_connection.cursor() as cursor:
        # without parameters (which SQLAlchemy would pass) psycopg sends the statements as one query
        cursor.execute(";\n".join(script))


@dataclass(frozen=True)
class Snapshot:
    """PostgreSQL: a copy of every table of the test schema (in a schema of its own) and its sequences' values."""

    schema: str
    sequences: tuple[tuple[str, int], ...]


def snapshot_postgres(schema: str) -> Snapshot:
    """Copy every table of the PostgreSQL test schema, as it is now, into ``schema`` (made anew), as its owner."""
    from sqlalchemy import text

    from jifen.store.db import make_engine
    from jifen.store.models import Base

    engine = make_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
        for table in Base.metadata.sorted_tables:
            conn.execute(text(f"CREATE TABLE {schema}.{table.name} AS TABLE {table.name}"))
        sequences = conn.execute(
            text(
                "SELECT sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        ).all()
    engine.dispose()
    return Snapshot(schema, tuple((str(name), int(value)) for name, value in sequences))


@pytest.fixture
def database_url(_migrated: str, tmp_path: Path) -> Iterator[str]:
    """A migrated database holding nothing, for one test (the URL the app connects with)."""
    if ON_POSTGRES:
        empty_postgres()
        yield _migrated
        return
    path = tmp_path / "jifen.db"
    shutil.copyfile(_migrated, path)
    yield f"sqlite:///{path}"


@pytest.fixture
def owner_engine(database_url: str) -> Iterator[Any]:
    """An engine connected as the schema's owner, for what the service role may not do (on SQLite: the test's
    database file)."""
    from jifen.store.db import make_engine

    engine = make_engine(TEST_DATABASE_URL if ON_POSTGRES else database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def signing_keys(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A signing key directory with one active key, made once per session: every app of the tests signs with it
    (publication is refused without a key). A test that creates, rotates or retires keys sets its own directory."""
    from jifen.statements.keys import KeyStore

    directory = tmp_path_factory.mktemp("signing-keys")
    KeyStore(directory).create()
    return str(directory)


@pytest.fixture
def app(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, signing_keys: str) -> Iterator[Any]:
    from application import create_app
    from jifen.config import TestConfig

    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("JIFEN_SIGNING_KEY_DIR", signing_keys)
    monkeypatch.delenv("JIFEN_ISSUER", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    # `flask db …` migrates as the owner and grants the service role, as configured in production
    monkeypatch.setenv("JIFEN_MIGRATION_DATABASE_URL", TEST_DATABASE_URL if ON_POSTGRES else database_url)
    monkeypatch.delenv("JIFEN_DB_SERVICE_ROLE", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("JIFEN_USER", raising=False)
    app = create_app(TestConfig())
    from jifen.scoring.compiled import published_cache

    published_cache.clear()
    yield app
    from jifen.store.db import get_db

    get_db(app).session.remove()
    get_db(app).engine.dispose()


@pytest.fixture
def db(app: Any) -> Any:
    from jifen.store.db import get_db

    return get_db(app)


@pytest.fixture
def session(db: Any) -> Iterator[Any]:
    with db.factory() as session:
        yield session


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


PASSWORD = "Tong-xiang-2026"


def seed(db: Any, password_hash: str) -> None:
    """Import the sample rulesets and add one user per role (named after the role)."""
    from jifen.standard import rulesets
    from jifen.store.models import ROLES, User

    with db.transaction() as s:
        for path in sorted(RULESETS.glob("*.yaml")):
            rulesets.import_text(s, path.read_text(encoding="utf-8"), path.name, "test")
        s.add_all(User(username=role, role=role, password_hash=password_hash) for role in ROLES)


@pytest.fixture(scope="session")
def _password_hash() -> str:
    from werkzeug.security import generate_password_hash

    # scrypt at a low cost: the seeded users log in many times a test, and a check at the product's cost takes
    # ~0.1 s (users created through the service or the CLI still get the product's cost)
    return generate_password_hash(PASSWORD, method="scrypt:1024:8:1")


@pytest.fixture(scope="session")
def _seeded_template(_migrated: str, _password_hash: str, tmp_path_factory: pytest.TempPathFactory) -> str | Snapshot:
    """A migrated and seeded database to copy for each test that needs one: a SQLite file, or on PostgreSQL a
    snapshot of the seeded tables (restored in one transaction, much faster than importing the rulesets again)."""
    from jifen.store.db import Database

    if ON_POSTGRES:
        empty_postgres()
        database = Database(_migrated)  # seeded by the service role, as a test would
        seed(database, _password_hash)
        database.engine.dispose()
        return snapshot_postgres(f"{TEST_SCHEMA}_seeded")
    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    shutil.copyfile(_migrated, path)
    database = Database(f"sqlite:///{path}")
    seed(database, _password_hash)
    database.engine.dispose()
    return str(path)


@pytest.fixture
def seeded(app: Any, db: Any, database_url: str, _seeded_template: str | Snapshot) -> Any:
    """The app with the sample rulesets imported and one user per role (password ``PASSWORD``)."""
    db.engine.dispose()
    if isinstance(_seeded_template, Snapshot):
        empty_postgres(_seeded_template)
    else:
        shutil.copyfile(_seeded_template, database_url.removeprefix("sqlite:///"))
    return app


@pytest.fixture
def database_at() -> Any:
    """``database_at(revision, tmp_path)``: a context manager giving a database migrated only to ``revision`` (to
    test a later migration); a fixture, so that the tests using it are marked ``database``."""
    return _database_at


@contextmanager
def _database_at(revision: str, tmp_path: Path) -> Iterator[str]:
    """A database migrated only to ``revision`` (to test a later migration): a file, or on PostgreSQL a schema of
    its own in the test database, dropped afterwards."""
    import uuid

    from sqlalchemy import text

    from jifen.store.db import make_engine
    from jifen.store.migrate import upgrade

    if not ON_POSTGRES:
        url = f"sqlite:///{tmp_path / f'at-{revision}.db'}"
        upgrade(url, revision)
        yield url
        return
    schema = f"at_{revision}_{uuid.uuid4().hex[:8]}"
    engine = make_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    url = in_schema(TEST_DATABASE_URL, schema)
    try:
        upgrade(url, revision)
        yield url
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        engine.dispose()


def race(app: Any, n: int, send: Any) -> list[Any]:
    """Run ``send(client, i)`` in n threads released together, each with its own test client (and so its own
    database session and connection); the responses in order of i."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    barrier = threading.Barrier(n)

    def one(i: int) -> Any:
        client = app.test_client()
        barrier.wait()
        return send(client, i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def expected_matches(expected: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Differences between a golden expectation and a result, compared as decimals."""
    from engine.cases import compare
    from engine.model import Expected

    exp = Expected(
        expected.get("eligible"),
        Decimal(str(expected["total"])) if "total" in expected else None,
        {k: Decimal(str(v)) for k, v in expected.get("categories", {}).items()},
        {k: Decimal(str(v)) for k, v in expected.get("indicators", {}).items()},
    )
    return compare(exp, result)
