"""Database engine and sessions, bound to the application by ``init_app``."""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from engine import dumps


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy issues BEGIN itself (below), instead of the sqlite3 module's implicit, late BEGIN that breaks
    # SAVEPOINTs and lets a read-then-write transaction fail on a stale snapshot.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL + NORMAL: no fsync per commit, still safe from corruption; a power cut may lose the last commits.
    # The embedded default trades that for throughput; production runs on PostgreSQL.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite with WAL and foreign keys on; JSON columns keep Decimals exact."""
    kwargs: dict[str, Any] = {"json_serializer": dumps, "pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


WRITE = {"sqlite_begin": "IMMEDIATE"}


def _sqlite_begin(connection: Any) -> None:
    # A transaction that reads and then writes must start IMMEDIATE (taking the write lock up front) or it
    # fails when another writer commits in between; readers start DEFERRED and never block anyone in WAL mode.
    connection.exec_driver_sql(f"BEGIN {connection.get_execution_options().get('sqlite_begin', 'DEFERRED')}")


class _WriterLock:
    """One SQLite writer at a time across the threads and processes (gunicorn workers) of this service.

    SQLite lets only one transaction write; the others wait in its busy handler, which polls with sleeps of
    up to 100 ms and makes latency jump under load. Queuing on a thread lock and an flock beside the database
    file instead wakes the next writer as soon as the previous one commits.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._thread_lock = threading.Lock()

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._thread_lock, self._path.open("a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class Database:
    """The engine and a scoped session of one application."""

    def __init__(self, url: str) -> None:
        from jifen import guards

        self.url = url
        self.engine = make_engine(url)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        guards.install(self.factory)
        self.session = scoped_session(self.factory)
        database = self.engine.url.database if self.engine.dialect.name == "sqlite" else None
        self._writer = _WriterLock(Path(database + ".writer-lock")) if database and database != ":memory:" else None

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold while a write transaction runs (BEGIN … COMMIT); on PostgreSQL it does nothing."""
        if self._writer is None:
            yield
        else:
            with self._writer.held():
                yield

    def init_app(self, app: Flask) -> None:
        app.extensions["jifen.db"] = self
        app.teardown_appcontext(lambda _exc: self.session.remove())

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a write transaction: committed on success, rolled back on error."""
        with self.writing(), self.factory() as session, session.begin():
            begin_write(session)
            yield session


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (on SQLite: BEGIN IMMEDIATE).

    Call it before the first query of a transaction that will write; later it changes nothing.
    """
    session.connection(execution_options=WRITE)


def get_db(app: Flask | None = None) -> Database:
    """The database of ``app`` (default: the current application)."""
    return (app or current_app).extensions["jifen.db"]  # type: ignore[no-any-return]


def get_session() -> Session:
    """The request's (or CLI command's) session."""
    return get_db().session()
