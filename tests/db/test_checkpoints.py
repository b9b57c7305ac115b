"""SQLite's WAL checkpoints made after a write lets go of the writer lock (jifen.store.checkpoints): they copy the
writes into the database file, nobody waits for them, and one that fails loses nothing."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from jifen.store.checkpoints import Checkpoints
from jifen.store.db import Database

EVERY = 4


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    with database.engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT)"))
    with database.engine.connect() as connection:  # the table in the database file, the WAL empty
        connection.connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
    database.checkpoints = Checkpoints(database.engine, every=EVERY)
    yield database
    database.engine.dispose()


def _write(db: Database, n: int) -> None:
    with db.writing(), db.engine.begin() as connection:
        connection.execute(text("INSERT INTO notes VALUES (:n, :body)"), {"n": n, "body": "x" * 5000})


def _in_database_file(db: Database, tmp_path: Path) -> list[int]:
    """The rows of the database file alone, as a copy without its WAL shows them: what was checkpointed."""
    copy = tmp_path / "copy.db"
    assert db._writer is not None
    shutil.copyfile(db._writer.database, copy)
    with sqlite3.connect(copy) as connection:
        return [n for (n,) in connection.execute("SELECT n FROM notes ORDER BY n")]


def test_every_few_writes_are_copied_into_the_database_file(db: Database, tmp_path: Path) -> None:
    for n in range(1, EVERY):
        _write(db, n)
    assert _in_database_file(db, tmp_path) == []  # still only in the WAL: SQLite's own checkpoint is far off
    _write(db, EVERY)
    assert _in_database_file(db, tmp_path) == list(range(1, EVERY + 1))


def test_the_checkpoint_runs_with_the_writer_lock_free(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assert db._writer is not None and db.checkpoints is not None
    writer, checkpoint = db._writer, db.checkpoints.checkpoint
    taken: list[bool] = []

    def another_writer_meanwhile() -> tuple[int, int, int]:
        def take() -> None:
            with writer.held(timeout=1):
                taken.append(True)

        thread = threading.Thread(target=take)
        thread.start()
        thread.join()
        return checkpoint()

    monkeypatch.setattr(db.checkpoints, "checkpoint", another_writer_meanwhile)
    for n in range(EVERY):
        _write(db, n)
    assert taken == [True]


def test_a_failed_checkpoint_is_logged_and_the_write_stands(
    db: Database, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    assert db.checkpoints is not None

    def fails() -> tuple[int, int, int]:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(db.checkpoints, "checkpoint", fails)
    with caplog.at_level(logging.WARNING, logger="jifen.store.checkpoints"):
        for n in range(EVERY):
            _write(db, n)
    assert "checkpoint of the SQLite WAL failed" in caplog.text and "disk I/O error" in caplog.text
    with db.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM notes")).scalar() == EVERY
    monkeypatch.undo()
    _write(db, EVERY)  # the next checkpoint is made as usual
    assert db.checkpoints.checkpoint()[0] == 0


def test_the_health_check_s_write_is_not_counted(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    assert db.checkpoints is not None
    made: list[bool] = []

    def checkpoint() -> tuple[int, int, int]:
        made.append(True)
        return (0, 0, 0)

    monkeypatch.setattr(db.checkpoints, "checkpoint", checkpoint)
    for _ in range(EVERY):
        with db.writing(checkpoint=False):
            pass
    assert made == []
    for _ in range(EVERY):
        with db.writing():
            pass
    assert made == [True]
