"""Database engine and sessions, bound to the application by ``init_app``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from engine import dumps


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite with WAL and foreign keys on; JSON columns keep Decimals exact."""
    kwargs: dict[str, Any] = {"json_serializer": dumps, "pool_pre_ping": True}
    if url.startswith("sqlite"):
        kwargs["connect_args"] = {"check_same_thread": False}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


class Database:
    """The engine and a scoped session of one application."""

    def __init__(self, url: str) -> None:
        from jifen import guards

        self.url = url
        self.engine = make_engine(url)
        self.factory = sessionmaker(self.engine, expire_on_commit=False)
        guards.install(self.factory)
        self.session = scoped_session(self.factory)

    def init_app(self, app: Flask) -> None:
        app.extensions["jifen.db"] = self
        app.teardown_appcontext(lambda _exc: self.session.remove())

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self.factory() as session, session.begin():
            yield session


def get_db(app: Flask | None = None) -> Database:
    """The database of ``app`` (default: the current application)."""
    return (app or current_app).extensions["jifen.db"]  # type: ignore[no-any-return]


def get_session() -> Session:
    """The request's (or CLI command's) session."""
    return get_db().session()
