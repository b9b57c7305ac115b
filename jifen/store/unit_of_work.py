"""The unit of work: one way to read and to write the database, for the API, the console and the CLI alike.

Its ``session`` is the request's (or command's) session: reads run in it, and the application's teardown closes
it when the request ends. ``write()`` opens a write transaction on it, committed when the block ends and rolled
back when it raises; on SQLite it holds the service's writer lock and begins IMMEDIATE, so that a transaction
that reads and then writes never fails on a stale snapshot. Services are handed the session, or the unit of work
when they decide themselves when a write begins and ends (``scores.store`` retries a deadlock); none looks it up.
``write_connection()`` is the same write without the ORM, on a connection of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from jifen.store.db import Database

KEY = "jifen.unit_of_work"


class UnitOfWork:
    """The session of one application's requests or commands, and its write transactions."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @property
    def session(self) -> Session:
        """The request's session (one per request and thread); what it reads stays read until the request ends."""
        return self.database.session()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """The request's session in a read transaction, ended when the block ends (what was read stays loaded).

        Reads lock nothing and wait for no writer; a view's reads need no block (the request's end ends them),
        a long command's do, so as not to hold a snapshot while it works.
        """
        session = self.session
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        session.commit()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """The request's session in a write transaction of its own, committed at the end, rolled back on error.

        The reads of the request so far are ended first: the write transaction is as short as it can be and reads
        what is committed when it begins.
        """
        with self.database.write_transaction(self.session) as session:
            yield session

    @contextmanager
    def write_connection(self, one_statement: bool = False) -> Iterator[Connection]:
        """As ``write``, a connection instead of the session, for stored scores: its first statement must be
        ``score_sql.insert_score`` (see ``Database.write_connection``).

        ``one_statement``: the block writes with a single statement, which on SQLite is its own transaction (no
        BEGIN nor COMMIT sent; reads after it see what is committed).
        """
        with self.database.write_connection(self.session, one_statement) as connection:
            yield connection
