"""A database that is down, frozen, read-only or locked: bounded waits, and one answer for it (503).

Every error that means "the database cannot serve this now" becomes ``DatabaseUnavailable``, raised in place of
SQLAlchemy's error by the engine's ``handle_error`` event; the application answers it with 503
``database_unavailable`` and a ``Retry-After``. Errors that are bugs (an integrity violation, a syntax error, a
missing table) keep their own type and stay 500s, so that they are noticed instead of being retried.

A frozen PostgreSQL server (SIGSTOP, a hung host) never answers, so its own statement_timeout never fires and
TCP on loopback keeps being acknowledged: ``DeadlineConnection`` gives up waiting on the client side and closes
the connection, which SQLAlchemy then sees as a disconnect and drops from its pool.
"""

from __future__ import annotations

import contextvars
import inspect
import logging
import math
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import sqlalchemy.exc
from flask import Response
from sqlalchemy import Engine, event
from sqlalchemy.engine import ExceptionContext

log = logging.getLogger(__name__)

RETRY_AFTER = 5  # seconds: long enough for a restart or a lock to pass, short enough for a client's retry loop
# A frozen server is given the statement timeout plus this, so that a live server's own timeout error wins.
GRACE = 1.0


class DatabaseUnavailable(Exception):
    """The database cannot serve the request now: unreachable, frozen, read-only or locked."""


# --- classifying errors -------------------------------------------------------------------------------------

UNREACHABLE = "the database cannot be reached"
LOCKED = "the database is locked by another writer"
READ_ONLY = "the database is read-only"
TOO_SLOW = "the database did not answer in time"
# SQLite's primary result codes that mean "not now" rather than "wrong": busy and locked, read-only, I/O error,
# disk full, cannot open, lock protocol. SQLITE_ERROR (a syntax error, a missing table) is a bug.
_SQLITE_OUTAGES = {
    5: LOCKED,
    6: LOCKED,
    8: READ_ONLY,
    10: "the database cannot read or write its files",
    13: "the database's disk is full",
    14: "the database file cannot be opened",
    15: LOCKED,
}
# SQLite errors after which a pooled connection is useless: one opened read-only stays read-only.
_SQLITE_REOPEN = {8, 10, 14}
# PostgreSQL: connection exceptions (08), insufficient resources (53), operator intervention (57: shutdown,
# statement_timeout's query_canceled), system errors (58); lock_timeout (55P03), read-only (25006) and
# idle_in_transaction_session_timeout (25P03). Serialization failures and deadlocks (40…) are not outages: the
# services retry them.
_PG_CLASSES = {"08": UNREACHABLE, "53": "the database is out of resources", "57": UNREACHABLE,
               "58": "the database server is failing"}  # fmt: skip
_PG_STATES = {"55P03": LOCKED, "25006": READ_ONLY, "25P03": UNREACHABLE, "57014": TOO_SLOW}


class NoAnswer(psycopg.OperationalError):
    """The server did not answer within the client's deadline; the connection has been closed."""


def outage(error: BaseException) -> str | None:
    """What is wrong with the database if ``error`` (a DBAPI error) means it is unavailable; None otherwise."""
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        return None if code is None else _SQLITE_OUTAGES.get(code & 0xFF)
    if isinstance(error, NoAnswer | psycopg.errors.ConnectionTimeout):  # a frozen server, or one far too slow
        return TOO_SLOW
    if isinstance(error, psycopg.Error):
        state = error.sqlstate
        if state is None:  # raised by the client: refused, timed out, closed, lost
            return UNREACHABLE if isinstance(error, psycopg.OperationalError | psycopg.InterfaceError) else None
        return _PG_STATES.get(state) or _PG_CLASSES.get(state[:2])
    return None


def handle_error(context: ExceptionContext) -> BaseException | None:
    """SQLAlchemy's ``handle_error`` event: an outage is raised as DatabaseUnavailable instead."""
    error = context.original_exception
    if isinstance(error, sqlite3.Error) and (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF in _SQLITE_REOPEN:
        context.is_disconnect = True  # drop the pool's connections: new ones see the file as it is now
    reason = outage(error) or (UNREACHABLE if context.is_disconnect else None)
    if reason is None or context.is_pre_ping:  # a failed ping is SQLAlchemy's to handle: it reconnects
        return None
    log.warning("%s: %s", reason, " ".join(str(error).split())[:300])
    return DatabaseUnavailable(f"{reason}; try again later")


# --- deadlines ----------------------------------------------------------------------------------------------

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("jifen_db_deadline", default=None)


@contextmanager
def bounded(seconds: float) -> Iterator[None]:
    """Within the block, every wait for PostgreSQL (connect, ping, statement) ends ``seconds`` from now."""
    deadline = time.monotonic() + seconds
    outer = _deadline.get()
    token = _deadline.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _deadline.reset(token)


def _remaining() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class DeadlineConnection(psycopg.Connection[Any]):
    """A psycopg connection that stops waiting for a silent server, closes itself and says so.

    psycopg sends every blocking step (execute, fetch, commit, rollback) through ``Connection.wait``; giving it a
    timeout bounds each step. When it expires the connection's state is unknown, so it is closed: SQLAlchemy's
    psycopg dialect then reports a disconnect and invalidates the pool.
    """

    patience: float | None = None  # seconds one step may wait; set on each new connection

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:  # psycopg's defaults
        limit = self.patience
        remaining = _remaining()
        if remaining is not None:
            limit = max(0.0, remaining if limit is None else min(limit, remaining))
        if limit is None or (timeout is not None and timeout <= limit):
            return super().wait(gen, interval, timeout)
        try:
            return super().wait(gen, interval, limit)
        except psycopg.errors._WaitTimeout:  # psycopg's own signal that the timeout given to wait() expired
            self.pgconn.finish()
            raise NoAnswer(
                f"the database server did not answer within {limit:.1f} s; the connection was closed"
            ) from None


def pg_connector(connect: float, statement: float, lock: float) -> Callable[..., Any]:
    """SQLAlchemy's ``do_connect`` event for PostgreSQL: connect with a timeout, set the server's timeouts.

    ``options`` given in the database URL come after these and win; ``connect_timeout`` is always this one.
    """
    if "interval" not in inspect.signature(psycopg.Connection.wait).parameters:
        # before 3.3, wait()'s timeout was the polling interval, and nothing bounded a step
        raise RuntimeError(f"psycopg {psycopg.__version__} is too old: the service needs psycopg 3.3 or later")
    options = f"-c statement_timeout={round(statement * 1000)} -c lock_timeout={round(lock * 1000)}"

    def do_connect(_dialect: Any, _record: Any, cargs: Any, cparams: dict[str, Any]) -> DeadlineConnection:
        wait = connect
        remaining = _remaining()
        if remaining is not None:
            if remaining <= 0:
                raise psycopg.OperationalError("no time was left to connect to the database")
            wait = min(wait, remaining)
        params = dict(cparams)
        params["connect_timeout"] = max(2, math.ceil(wait))  # libpq's unit is whole seconds, at least 2
        params["options"] = f"{options} {params['options']}" if params.get("options") else options
        connection = DeadlineConnection.connect(*cargs, **params)
        connection.patience = statement + GRACE
        return connection

    return do_connect


def ping_within(ping: Callable[[Any], bool], seconds: float) -> Callable[[Any], bool]:
    """A dialect's ``do_ping`` that gives up after ``seconds``: a live server answers a ping at once."""

    def do_ping(dbapi_connection: Any) -> bool:
        with bounded(seconds):
            return ping(dbapi_connection)

    return do_ping


# A pooled connection used within this many seconds is not pinged again: its server answered it a moment ago.
PING_AFTER = 1.0
_RETURNED = "jifen.returned_at"


def ping_when_idle(engine: Engine, seconds: float = PING_AFTER) -> None:
    """Ping a pooled connection before use only when it has lain in the pool for over ``seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: a round trip (and, on a busy machine, a wait for the
    server process to be scheduled) in front of every transaction, as long as a stored score's own INSERT. A server
    that restarted, a connection dropped while idle, are found as before; a connection that dies within a second of
    its last use fails its next statement instead, which is answered 503 and drops the pool's connections.
    """

    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        at = record.info.get(_RETURNED)
        if at is None or time.monotonic() - at < seconds:  # a new connection, or one used a moment ago
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:  # the pool replaces it with a new connection
            raise sqlalchemy.exc.DisconnectionError(f"the pooled connection failed its ping: {exc}") from exc

    event.listen(engine, "checkin", returned)
    event.listen(engine, "checkout", checkout)


# --- the answer ---------------------------------------------------------------------------------------------

_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>数据库暂时不可用</title></head>
<body><h1>数据库暂时不可用</h1><p>系统暂时无法访问数据库，请稍后再试。</p></body></html>
"""


def answer(exc: Exception) -> Response:
    """503 for an unavailable database: a short Chinese page (the API answers a problem detail of its own).

    Registered on the application, not on a blueprint: the database is the whole application's, and the error can
    come before any view runs (the console's user loader). The API's blueprint registers its own handler, which
    Flask asks first for everything under /api and for /healthz.
    """
    response = Response(_PAGE, status=503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response
