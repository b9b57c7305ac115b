"""The faces' and the CLI's way to their application's unit of work; services are handed theirs as an argument.

``current()`` is the unit of work of the application handling the request (or running the command);
``get_session()`` its session, where a view's reads run. ``Session`` is the type of what it hands out, and
``UNAVAILABLE`` the errors that mean the database cannot answer now (503, retry after ``RETRY_AFTER`` seconds).
"""

from __future__ import annotations

import sqlalchemy.exc
from flask import Flask
from sqlalchemy.orm import Session, scoped_session

from jifen.proxied import app_object
from jifen.store.db import Database
from jifen.store.dbfaults import RETRY_AFTER, DatabaseUnavailable
from jifen.store.unit_of_work import KEY, UnitOfWork

__all__ = [
    "RETRY_AFTER",
    "UNAVAILABLE",
    "DatabaseUnavailable",
    "Session",
    "UnitOfWork",
    "current",
    "get_session",
    "init_app",
    "model_view_session",
]

UNAVAILABLE: tuple[type[Exception], ...] = (DatabaseUnavailable, sqlalchemy.exc.TimeoutError)


def init_app(app: Flask, database: Database) -> None:
    """Give ``app`` its unit of work over ``database``."""
    app.extensions[KEY] = UnitOfWork(database)


def current() -> UnitOfWork:
    """The unit of work of the current application."""
    return app_object().extensions[KEY]  # type: ignore[no-any-return]


def get_session() -> Session:
    """The current request's (or command's) session."""
    return current().session


def model_view_session(app: Flask) -> scoped_session[Session]:
    """The request-scoped session of ``app``, as Flask-Admin's model views of stored records take it."""
    unit: UnitOfWork = app.extensions[KEY]
    return unit.database.session
