"""Database engine and sessions, bound to the application by ``init_app``."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy.exc
from flask import Flask
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from engine import dumps
from jifen.store import dbfaults, guards
from jifen.store.checkpoints import Checkpoints
from jifen.store.dbfaults import DatabaseUnavailable
from jifen.store.grouped import Grouped
from jifen.store.writer_lock import WriterLock

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Timeouts:
    """How long the service waits for its database, in seconds (see Config's DB_* settings).

    ``connect``: a new connection, a ping of a pooled one, a free place in the pool. ``statement``: PostgreSQL's
    statement_timeout; a silent server is given this plus a second. ``lock``: PostgreSQL's lock_timeout, SQLite's
    busy timeout, the wait for the SQLite writer lock. ``health``: the whole /healthz check.
    """

    connect: float = 3
    statement: float = 10
    lock: float = 5
    health: float = 2

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Timeouts:
        return cls(
            config["DB_CONNECT_TIMEOUT"],
            config["DB_STATEMENT_TIMEOUT"],
            config["DB_LOCK_TIMEOUT"],
            config["DB_HEALTH_TIMEOUT"],
        )


def _sqlite_pragmas(busy_ms: int, path: Path | None) -> Any:
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        # SQLAlchemy issues BEGIN itself (below), instead of the sqlite3 module's implicit, late BEGIN that breaks
        # SAVEPOINTs and lets a read-then-write transaction fail on a stale snapshot.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        # WAL + NORMAL: no fsync per commit, still safe from corruption; a power cut may lose the last commits.
        # The embedded default trades that for throughput; production runs on PostgreSQL.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()
        if path is not None and not os.access(path, os.W_OK):
            record.info[_READ_ONLY] = True  # SQLite opened it read-only, and it stays so
        else:
            record.info.pop(_READ_ONLY, None)

    return on_connect


_READ_ONLY = "jifen.opened_read_only"


def _reopen_when_writable(path: Path) -> Any:
    def on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.get(_READ_ONLY) and os.access(path, os.W_OK):
            raise sqlalchemy.exc.DisconnectionError("the database file is writable again")  # the pool reconnects

    return on_checkout


def make_engine(url: str, timeouts: Timeouts | None = None) -> Engine:
    """An engine for ``url``: SQLite with WAL and foreign keys on; JSON columns keep Decimals exact.

    With ``timeouts`` (the application's engine) no database operation waits longer than they allow, and errors
    meaning the database is unavailable are raised as DatabaseUnavailable. Without (migrations, scripts) a
    statement may run as long as it needs.
    """
    # A pooled PostgreSQL connection is pinged before use unless just used (dbfaults.ping_when_idle); without the
    # application's timeouts, at every use. A SQLite connection is an open file: a ping (SELECT 1) reads nothing.
    pre_ping = timeouts is None and not url.startswith("sqlite")
    kwargs: dict[str, Any] = {"json_serializer": dumps, "pool_pre_ping": pre_ping}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    if timeouts is not None:
        kwargs["pool_timeout"] = timeouts.connect
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        busy = 5.0 if timeouts is None else timeouts.lock
        path = _sqlite_path(engine)
        event.listen(engine, "connect", _sqlite_pragmas(round(busy * 1000), path))
        event.listen(engine, "begin", _sqlite_begin)
        if path is not None:
            event.listen(engine, "checkout", _reopen_when_writable(path))
    if timeouts is not None:
        event.listen(engine, "handle_error", dbfaults.handle_error, retval=True)
        if engine.dialect.name == "postgresql":
            connect = dbfaults.pg_connector(timeouts.connect, timeouts.statement, timeouts.lock)
            event.listen(engine, "do_connect", connect)
            # a pooled connection to a frozen server fails its ping after the connect timeout, not the statement one
            engine.dialect.do_ping = dbfaults.ping_within(engine.dialect.do_ping, timeouts.connect)  # type: ignore[method-assign,assignment]
            dbfaults.ping_when_idle(engine)
    return engine


WRITE = {"sqlite_begin": "IMMEDIATE"}
# On SQLite a write that is ONE statement needs no BEGIN and COMMIT around it: the statement is its own transaction,
# committed (as durably as any other) when it completes. Not on PostgreSQL, where a client that gives up on a silent
# server before sending COMMIT leaves nothing stored (in autocommit it would be stored, after the client had a 503);
# there BEGIN goes with a stored score's INSERT instead, in one round trip (score_sql.insert_score), the driver in
# autocommit (undone at the pool's checkin): that INSERT must come first; COMMIT still waits for its answer.
ONE_STATEMENT, BEGUN_BY_INSERT = {"sqlite_begin": ""}, {"isolation_level": "AUTOCOMMIT"}


def _sqlite_begin(connection: Any) -> None:
    # A transaction that reads and then writes must start IMMEDIATE (taking the write lock up front) or it
    # fails when another writer commits in between; readers start DEFERRED and never block anyone in WAL mode.
    mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
    if mode:
        connection.exec_driver_sql(f"BEGIN {mode}")


def _sqlite_path(engine: Engine) -> Path | None:
    """The SQLite database's file, or None for an in-memory database."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    return Path(database.removeprefix("file:").split("?", 1)[0]).resolve()


class Database:
    """The engine and a scoped session of one application."""

    def __init__(self, url: str, timeouts: Timeouts | None = None) -> None:
        """``timeouts``: the application's (Config's DB_* settings); without, the defaults."""

        self.url = url
        self.timeouts = timeouts or Timeouts()
        self.engine = make_engine(url, self.timeouts)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        guards.install(self.factory)
        self.session = scoped_session(self.factory)
        path = _sqlite_path(self.engine) if self.engine.dialect.name == "sqlite" else None
        self._writer = WriterLock(path, self.timeouts.lock) if path is not None else None
        self.checkpoints = Checkpoints(self.engine) if path is not None else None
        # PostgreSQL: the stored scores of concurrent requests of this process written in one transaction (group
        # commit, jifen.store.grouped); a fifth less CPU per stored score, a third less of the server's. Not on
        # SQLite, where a single score is one statement without BEGIN nor COMMIT and a group cost more than it saved.
        self.scores_grouped: Grouped[Any, Any] | None = Grouped() if self.engine.dialect.name == "postgresql" else None

    @contextmanager
    def writing(self, timeout: float | None = None, checkpoint: bool = True) -> Iterator[None]:
        """Hold while a write transaction runs (BEGIN … COMMIT); on PostgreSQL it does nothing.

        Raises DatabaseUnavailable if the SQLite writer lock is not free within ``timeout`` (default: the lock
        timeout) or the database cannot be written. On SQLite the write then counts towards the next checkpoint of
        the WAL, made once the lock is let go (``Checkpoints``); not with ``checkpoint=False``, for a write that is
        rolled back and must answer within its own time (the health check).
        """
        if self._writer is None:
            yield
        else:
            with self._writer.held(timeout):
                yield
            if checkpoint and self.checkpoints is not None:
                self.checkpoints.after_write()

    def init_app(self, app: Flask) -> None:
        app.extensions["jifen.db"] = self
        app.teardown_appcontext(self._end_request)
        for error in (DatabaseUnavailable, sqlalchemy.exc.TimeoutError):
            app.register_error_handler(error, dbfaults.answer)

    def _end_request(self, _exc: BaseException | None) -> None:
        # Closing rolls back an open read transaction: a server that froze since should not hold the answer back,
        # and a rollback that fails must not turn an answer already made into a 500 (the connection is dropped).
        try:
            with dbfaults.bounded(self.timeouts.connect):
                self.session.remove()
        except (DatabaseUnavailable, sqlalchemy.exc.SQLAlchemyError) as exc:
            log.warning("closing the request's session failed: %s", exc)
            self.session.registry.clear()

    @contextmanager
    def write_transaction(self, session: Session) -> Iterator[Session]:
        """``session`` in a write transaction of its own: committed at the end, rolled back on error.

        What the session read before is ended first, so that the write transaction is as short as it can be
        and reads what is committed when it begins; on SQLite it holds the writer lock and begins IMMEDIATE.
        """
        session.commit()
        with self.writing():
            begin_write(session)
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def write_connection(self, session: Session, one_statement: bool = False) -> Iterator[Connection]:
        """``write_transaction`` on a connection, for stored scores: the first statement must be ``score_sql.insert_score``
        (BEGUN_BY_INSERT). ``one_statement``: one statement writes (reads may follow), on SQLite its own transaction."""
        if session.in_transaction():  # its reads ended (a session with none would begin one only to commit it)
            session.commit()
        sqlite = self.engine.dialect.name == "sqlite"
        # the connection is taken from the pool (and given back) outside the SQLite writer lock: the lock is held
        # for the transaction alone, a fifth less time per stored score, and nobody waits for the pool holding it
        with self.engine.connect() as connection:
            connection.execution_options(**(ONE_STATEMENT if one_statement else WRITE) if sqlite else BEGUN_BY_INSERT)
            with self.writing(), connection.begin():
                yield connection

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A new session in a write transaction (for scripts and tests; the service uses its unit of work)."""
        with self.factory() as session, self.write_transaction(session):
            yield session

    def check_writable(self) -> None:
        """Raise DatabaseUnavailable unless the database takes a write now, within the health timeout.

        The write is an UPDATE of alembic_version to itself, rolled back: it needs the same locks and rights as
        any other write and leaves no trace. On PostgreSQL, where a lock can shut one table and leave the others
        open, every table the service's role may write is then locked as a write locks it (ROW EXCLUSIVE, which
        writers share and only a table lock or a schema change holds off), and the answer names the tables that
        cannot be. On SQLite it runs on a new connection (a pooled one may have been opened before the file
        became read-only) after BEGIN IMMEDIATE, which takes SQLite's write lock for every table at once.
        """
        seconds = self.timeouts.health
        deadline = time.monotonic() + seconds
        try:
            if self._writer is None:
                with dbfaults.bounded(seconds), self.engine.connect() as connection:
                    if self.engine.dialect.name == "postgresql":
                        ms = round(seconds * 1000)
                        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
                        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
                    connection.execute(_TOUCH)
                    _lock_written_tables(connection, deadline)
                    connection.rollback()
            else:
                with self.writing(seconds, checkpoint=False):
                    self._check_sqlite_write(max(0.05, deadline - time.monotonic()))
        except DatabaseUnavailable:
            raise
        except (sqlalchemy.exc.SQLAlchemyError, OSError) as exc:  # e.g. not migrated: no write is possible either
            raise DatabaseUnavailable(f"the database refused a write ({type(exc).__name__})") from exc

    def _check_sqlite_write(self, seconds: float) -> None:
        if self._writer is not None and not self._writer.database.exists():  # connecting would create it
            raise DatabaseUnavailable(f"{dbfaults.UNREACHABLE} (no file {self._writer.database})")
        dialect = self.engine.dialect
        cargs, cparams = dialect.create_connect_args(self.engine.url)
        connection = dialect.connect(*cargs, **{**cparams, "timeout": seconds, "isolation_level": None})
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(str(_TOUCH))
            connection.execute("ROLLBACK")
        except dialect.loaded_dbapi.Error as exc:
            reason = dbfaults.outage(exc)
            if reason is None:
                raise DatabaseUnavailable(f"the database refused a write ({exc})") from exc
            raise DatabaseUnavailable(f"{reason}; try again later") from exc
        finally:
            connection.close()


_TOUCH = text("UPDATE alembic_version SET version_num = version_num")


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction (on SQLite: BEGIN IMMEDIATE).

    Call it before the first query of a transaction that will write; later it changes nothing.
    """
    session.connection(execution_options=WRITE)


def get_db(app: Flask) -> Database:
    """The database of ``app``."""
    return app.extensions["jifen.db"]  # type: ignore[no-any-return]


# the tables this role may write (the others it never writes, so their locks cannot stop a request)
_WRITTEN = text(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    " WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
    " AND has_table_privilege(c.oid, 'INSERT, UPDATE, DELETE') ORDER BY c.relname"
)


def _quoted(connection: Any, names: list[str]) -> str:
    quote = connection.dialect.identifier_preparer.quote
    return ", ".join(quote(name) for name in names)


def _lock_written_tables(connection: Any, deadline: float) -> None:
    """Take every written table's write lock within half the time left; on failure, say which tables are shut
    (the other half is for finding them, before the client's own deadline closes the connection)."""
    names = list(connection.execute(_WRITTEN).scalars())
    if not names:
        return
    ms = max(10, round((deadline - time.monotonic()) * 500))
    connection.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
    connection.exec_driver_sql("SAVEPOINT health_tables")
    try:
        connection.exec_driver_sql(f"LOCK TABLE {_quoted(connection, names)} IN ROW EXCLUSIVE MODE")
    except DatabaseUnavailable as exc:  # the lock or the statement timeout (outages are raised as this)
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT health_tables")
        shut = [name for name in names if not _lockable_now(connection, name)]
        if not shut:  # the locks went away meanwhile: the timeout said what there was to say
            raise
        raise DatabaseUnavailable(f"{dbfaults.LOCKED}: the tables {', '.join(shut)} cannot be written now") from exc


def _lockable_now(connection: Any, name: str) -> bool:
    connection.exec_driver_sql("SAVEPOINT health_table")
    try:
        connection.exec_driver_sql(f"LOCK TABLE {_quoted(connection, [name])} IN ROW EXCLUSIVE MODE NOWAIT")
    except DatabaseUnavailable:
        connection.exec_driver_sql("ROLLBACK TO SAVEPOINT health_table")
        return False
    connection.exec_driver_sql("RELEASE SAVEPOINT health_table")
    return True
