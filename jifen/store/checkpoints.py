"""SQLite's WAL checkpoints, made after a write has let go of the writer lock rather than inside it.

In WAL mode every commit appends the pages it changed to the ``-wal`` file, and SQLite copies them back into the
database file (a checkpoint, with an fsync) when the commit that takes the WAL past 1,000 pages ends: inside that
write, so under this service's writer lock (``WriterLock``), while every other writer of the service waits. A stored
score changes about eleven pages (its ~10 KB result, the table's and the six indexes' leaves), so one write in ninety
held the lock 5–8 ms instead of 0.3 ms. ``Checkpoints.after_write`` runs a PASSIVE checkpoint after every 32nd write
of a process, once the lock is free: SQLite lets a checkpoint run beside readers and the next writer, so nobody
waits for it, and the WAL does not grow to the point where a commit must checkpoint (SQLite's own checkpoint stays,
for when this one falls behind). Measured with ``bench/writer_lock.py``: the lock's p99 hold fell from 5.6–5.9 ms to
0.6–0.8 ms with one connection, from 5.9–7.2 ms to 3.8–5.0 ms with eight; stored scores per second did not change
beyond the benchmark's noise.
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

# Writes of one process between two of its checkpoints: ~350 pages, under SQLite's own 1,000 with one worker alone.
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
