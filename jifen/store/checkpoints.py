"""SQLite's WAL checkpoints, made after a write has let go of the writer lock rather than inside it.

In WAL mode every commit appends the pages it changed to the ``-wal`` file, and SQLite copies them back into the
database file (a checkpoint, with an fsync) when the commit that takes the WAL past 1,000 pages ends: inside that
write, so under this service's writer lock (``WriterLock``), while every other writer of the service waits. A stored
score changes about ten pages, so one write in a hundred took 6–8 ms instead of 0.2 ms, and all the others queued
behind it. ``Checkpoints.after_write`` runs a PASSIVE checkpoint every few writes of a process once the lock is free:
SQLite lets a checkpoint run beside readers and the next writer, so nobody waits for it, and the WAL never grows to
the point where a commit must checkpoint (SQLite's own checkpoint stays as it was, for when this one falls behind).
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
import threading

import sqlalchemy.exc
from sqlalchemy import Engine

from jifen.store.dbfaults import DatabaseUnavailable

log = logging.getLogger(__name__)

# Writes of one process between two of its checkpoints: with two workers a checkpoint every ~16 writes of the
# service, ~160 pages, against SQLite's own at 1,000 pages.
EVERY = 32


class Checkpoints:
    """A PASSIVE checkpoint after every ``every``-th write of this process, by the thread that made it, once the
    writer lock is let go; not while another thread of the process is making one."""

    def __init__(self, engine: Engine, every: int = EVERY) -> None:
        self._engine = engine
        self._every = every
        self._writes = itertools.count(1)
        self._running = threading.Lock()

    def after_write(self) -> None:
        """Count a write; checkpoint if it is the ``every``-th. A checkpoint that fails is logged, not raised: the
        write it follows is committed, and SQLite checkpoints in a later commit as it would without this."""
        if next(self._writes) % self._every or not self._running.acquire(blocking=False):
            return
        try:
            self.checkpoint()
        except (sqlalchemy.exc.SQLAlchemyError, sqlite3.Error, DatabaseUnavailable) as exc:
            log.warning("checkpoint of the SQLite WAL failed (a later commit will make it): %s", exc)
        finally:
            self._running.release()

    def checkpoint(self) -> tuple[int, int, int]:
        """``PRAGMA wal_checkpoint(PASSIVE)`` on a pooled connection, outside any transaction (the connections are in
        autocommit, jifen.store.db): SQLite's answer, (1 if it could not start, frames in the WAL, frames copied)."""
        connection = self._engine.raw_connection()
        try:
            driver = connection.driver_connection
            assert driver is not None
            busy, frames, copied = driver.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            return int(busy), int(frames), int(copied)
        finally:
            connection.close()
