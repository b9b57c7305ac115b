"""Backups of the service's database that restore: ``flask --app wsgi backup`` and ``restore`` (jifen/cli/backup.py).

Each wraps the database's own tool (SQLite's online backup API; ``pg_dump``/``pg_restore``) and puts a manifest
beside the copy (see ``archive``). Every table of the database is carried and counted, read from the database's
catalogue: a table added by a later migration needs no list to be kept up to date here.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import make_url

from jifen.backup import postgres, sqlite
from jifen.backup.archive import BackupError, Manifest, extract_payload, read_manifest, write
from jifen.store.migrate import alembic_config, upgrade

__all__ = ["BackupError", "Manifest", "Restored", "backup", "read_manifest", "restore"]


def _kind(url: str) -> str:
    backend = make_url(url).get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise BackupError(f"cannot back up a {backend} database: only SQLite and PostgreSQL")
    return backend


def backup(url: str, out: Path) -> tuple[Manifest, float]:
    """Back up the database of ``url`` (PostgreSQL: as its schema's owner) into the file ``out``; the manifest
    written and the seconds it took."""
    started = time.monotonic()
    kind = _kind(url)
    if not out.parent.is_dir():
        raise BackupError(f"no directory {out.parent} to write {out.name} into")
    with tempfile.TemporaryDirectory(prefix=".jifen-backup-", dir=out.parent) as work:
        if kind == "sqlite":
            payload, taken_at, counts, head = sqlite.copy_out(url, Path(work))
            schema = None
        else:
            payload, taken_at, counts, head, schema = postgres.copy_out(url, Path(work))
        manifest = write(out, Manifest(kind, head, taken_at, counts, schema), payload)
    return manifest, time.monotonic() - started


@dataclass(frozen=True)
class Restored:
    """What a restore did: the backup's manifest, the head it was migrated to (None: it was at the newest), the
    seconds it took."""

    manifest: Manifest
    migrated_to: str | None
    seconds: float


def restore(path: Path, url: str, service_role: str | None = None) -> Restored:
    """Restore the backup file ``path`` into the EMPTY database of ``url`` (PostgreSQL: the owner's URL), check that
    every table holds the rows the manifest says, migrate it if the backup is older than this code, and grant
    ``service_role`` its privileges (PostgreSQL)."""
    started = time.monotonic()
    manifest = read_manifest(path)
    kind = _kind(url)
    if manifest.database != kind:
        raise BackupError(f"{path} is a backup of a {manifest.database} database; the configured one is {kind}")
    newest = _check_head(manifest.migration_head)
    _check_empty(kind, url, manifest)
    target_dir = sqlite.path_of(url).parent if kind == "sqlite" else None
    with tempfile.TemporaryDirectory(prefix=".jifen-restore-", dir=target_dir) as work:
        payload = extract_payload(path, manifest, Path(work))
        counts = sqlite.copy_in(payload, url) if kind == "sqlite" else postgres.copy_in(payload, url, Path(work))
    if counts != manifest.tables:
        missing = {t: (n, counts.get(t)) for t, n in manifest.tables.items() if counts.get(t) != n}
        raise BackupError(
            f"the restored tables do not hold what the backup says (table: (backup, restored)): {missing}"
        )
    migrated = manifest.migration_head != newest
    if migrated or service_role:
        upgrade(url, "head", service_role)  # grants the service role too, in the migrations' transaction
    return Restored(manifest, newest if migrated else None, time.monotonic() - started)


def _check_head(head: str) -> str:
    """This code's newest migration; BackupError if ``head`` is not one of its migrations (a newer backup)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    newest = scripts.get_current_head()
    assert newest is not None
    try:
        known = scripts.get_revision(head)
    except CommandError:
        known = None
    if known is None:
        raise BackupError(
            f"the backup was made by a newer version of the service (migration {head}; this one knows up to "
            f"{newest}): restore it with that version or a later one"
        )
    return newest


def _check_empty(kind: str, url: str, manifest: Manifest) -> None:
    if kind == "sqlite":
        where, found = str(sqlite.path_of(url)), sqlite.contents(sqlite.path_of(url))
    else:
        schema, found = postgres.contents(url)
        where = f"schema {schema} of {url.split('@')[-1].split('?')[0]}"
        if schema != manifest.schema:
            raise BackupError(
                f"the backup holds the schema {manifest.schema}, the configured connection uses {schema}: restore "
                f"into a database whose search path is {manifest.schema}"
            )
    if found:
        shown = ", ".join(found[:5]) + (f" and {len(found) - 5} more" if len(found) > 5 else "")
        raise BackupError(
            f"the database is not empty ({where} holds {shown}): a restore goes into an empty database only, "
            "never over data (create a new database, do not migrate it, and restore into it)"
        )
