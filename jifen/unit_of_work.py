"""The faces' and the CLI's way to their application's unit of work; services are handed theirs as an argument.

``current()`` is the unit of work of the application handling the request (or running the command);
``get_session()`` its session, where a view's reads run.
"""

from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy.orm import Session

from jifen.store.db import Database
from jifen.store.unit_of_work import KEY, UnitOfWork

__all__ = ["UnitOfWork", "current", "get_session", "init_app"]


def init_app(app: Flask, database: Database) -> None:
    """Give ``app`` its unit of work over ``database``."""
    app.extensions[KEY] = UnitOfWork(database)


def current() -> UnitOfWork:
    """The unit of work of the current application."""
    return current_app.extensions[KEY]  # type: ignore[no-any-return]


def get_session() -> Session:
    """The current request's (or command's) session."""
    return current().session
