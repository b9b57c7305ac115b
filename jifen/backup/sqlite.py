"""SQLite: a consistent copy through SQLite's online backup API while the service goes on writing, and back."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import make_url

from jifen.backup.archive import BackupError, now


def path_of(url: str) -> Path:
    """The database file of a ``sqlite:///…`` URL."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        raise BackupError("an in-memory SQLite database has nothing to back up or restore into")
    return Path(database.removeprefix("file:").split("?", 1)[0]).resolve()


def tables(connection: sqlite3.Connection) -> dict[str, int]:
    """Every table of the database (from its catalogue, not from the models) and its rows."""
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
    )]  # fmt: skip
    return {name: int(connection.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names}


def head(connection: sqlite3.Connection) -> str:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise BackupError("the database has no migration head (alembic_version): it was never migrated")
    return str(row[0])


def copy_out(url: str, into: Path) -> tuple[Path, str, dict[str, int], str]:
    """Copy the database of ``url`` into a file of ``into``: (the file, when its snapshot was taken, the rows of its
    tables, its migration head). One step of the backup API: it reads one snapshot, and writers are not held up
    (WAL)."""
    source_path = path_of(url)
    if not source_path.exists():
        raise BackupError(f"no database file {source_path}")
    target = into / "database.sqlite3"
    with closing(sqlite3.connect(source_path, timeout=30)) as source, closing(sqlite3.connect(target)) as copy:
        taken_at = now()
        source.backup(copy)
        # one file, without the WAL the service runs with (it sets WAL again when it opens the restored file)
        copy.execute("PRAGMA journal_mode=DELETE")
        return target, taken_at, tables(copy), head(copy)


def contents(path: Path) -> list[str]:
    """The tables, views, indexes and triggers the database file ``path`` holds (none: it is empty)."""
    if not path.exists() or path.stat().st_size == 0:
        return []
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        return [f"{kind} {name}" for kind, name in connection.execute(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type <> 'table', type, name"
        )]  # fmt: skip


def copy_in(payload: Path, url: str) -> dict[str, int]:
    """Write the copy ``payload`` into the (empty) database of ``url``; the rows of its tables as restored."""
    target = path_of(url)
    if not target.parent.is_dir():
        raise BackupError(f"no directory {target.parent} for the database file {target.name}")
    source = closing(sqlite3.connect(f"file:{payload}?mode=ro", uri=True))
    with source as copy, closing(sqlite3.connect(target, timeout=30)) as restored:
        copy.backup(restored)
        restored.execute("PRAGMA journal_mode=WAL")
        return tables(restored)
