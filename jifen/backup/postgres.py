"""PostgreSQL: ``pg_dump -Fc`` of the service's schema in one exported snapshot, and ``pg_restore`` back.

Both run as the schema's owner (the migration URL). The dump is taken in a snapshot that a repeatable-read
transaction exports and holds while the rows of every table are counted in it, so the manifest's counts and the
copy agree while the service goes on writing. The restore leaves out owners and privileges (the restoring owner owns
everything; the service role is granted afterwards as ``flask db grant`` does) and the schema itself (it exists).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, make_url, text

from jifen.backup.archive import BackupError, now
from jifen.store.db import make_engine


def tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``: on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parent.parent.name))
    if not candidates:
        raise BackupError(f"{name} is missing: install PostgreSQL's client programs (Debian: postgresql-client)")
    return str(candidates[-1])


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for ``url`` without its password, and the environment that carries the password."""
    parsed = make_url(url)
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def run(command: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{what} failed (exit status {done.returncode}): {done.stderr.strip()[-2000:]}")
    return done.stdout


def tables(connection: Connection) -> dict[str, int]:
    """Every table of the current schema (from the catalogue, not from the models) and its rows."""
    names = connection.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    return {name: int(connection.scalar(text(f"SELECT count(*) FROM {quote(name)}")) or 0) for name in names}


def head(connection: Connection) -> str:
    if "alembic_version" not in tables_only(connection):
        raise BackupError("the database has no migration head (alembic_version): it was never migrated")
    found = connection.scalar(text("SELECT version_num FROM alembic_version"))
    if found is None:
        raise BackupError("the database has no migration head (alembic_version is empty)")
    return str(found)


def tables_only(connection: Connection) -> list[str]:
    return list(connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))


@contextmanager
def _owner(url: str) -> Iterator[Connection]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def copy_out(url: str, into: Path) -> tuple[Path, str, dict[str, int], str, str]:
    """Dump the schema of ``url``: (the dump, its snapshot's time, the rows of its tables, head, schema)."""
    target = into / "database.pgdump"
    uri, env = libpq(url)
    with _owner(url) as connection:
        connection.exec_driver_sql("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = str(connection.scalar(text("SELECT pg_export_snapshot()")))
        taken_at = now()
        schema = str(connection.scalar(text("SELECT current_schema()")))
        _check_owner(connection)
        counts, found_head = tables(connection), head(connection)
        run([tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", f"--schema={schema}",
             f"--file={target}", f"--dbname={uri}"], env, "pg_dump")  # fmt: skip
        connection.rollback()
    return target, taken_at, counts, found_head, schema


AS_OWNER = "run it as the schema's owner: set JIFEN_MIGRATION_DATABASE_URL (docs/operator/backups.md)"


def _check_owner(connection: Connection) -> None:
    """BackupError unless the connection's role owns every table of the schema (the service role reads too little)."""
    foreign = connection.scalars(
        text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND NOT pg_has_role(current_user, tableowner, 'USAGE') ORDER BY tablename"
        )
    ).all()
    if foreign:
        who = connection.scalar(text("SELECT current_user"))
        raise BackupError(f"{who} does not own {', '.join(foreign[:5])}{' …' if len(foreign) > 5 else ''}: {AS_OWNER}")


def contents(url: str) -> tuple[str, list[str]]:
    """The current schema of ``url`` and what it holds (tables, sequences, views, functions): none when empty."""
    with _owner(url) as connection:
        schema = connection.scalar(text("SELECT current_schema()"))
        if schema is None or not connection.scalar(text("SELECT has_schema_privilege(current_schema(), 'CREATE')")):
            who = connection.scalar(text("SELECT current_user"))
            where = f"the schema {schema}" if schema else "any schema of its search path"
            raise BackupError(f"{who} may not create tables in {where}: {AS_OWNER}")
        schema = str(schema)
        found = connection.scalars(
            text(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = :schema AND c.relkind IN ('r', 'p', 'S', 'v', 'm') "
                "UNION ALL SELECT p.proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = :schema ORDER BY 1"
            ),
            {"schema": schema},
        ).all()
    return schema, list(found)


def copy_in(payload: Path, url: str, into: Path) -> dict[str, int]:
    """``pg_restore`` the dump ``payload`` into the (empty) schema of ``url``, in one transaction; the rows of its
    tables as restored."""
    uri, env = libpq(url)
    listing = run([tool("pg_restore"), "--list", str(payload)], env, "pg_restore --list")
    # the schema exists already (made with the database, or by its owner): restore what is in it, not the schema
    kept = [line for line in listing.splitlines() if not _is_schema_entry(line)]
    entries = into / "restore.list"
    entries.write_text("\n".join(kept) + "\n", encoding="utf-8")
    run([tool("pg_restore"), "--no-owner", "--no-acl", "--single-transaction", "--exit-on-error",
         f"--use-list={entries}", f"--dbname={uri}", str(payload)], env, "pg_restore")  # fmt: skip
    with _owner(url) as connection:
        return tables(connection)


def _is_schema_entry(line: str) -> bool:
    # "2200; 2615 2200 SCHEMA - public pg_database_owner", "3456; 0 0 COMMENT - SCHEMA public …"
    if line.startswith(";"):
        return False
    words = line.split()
    return len(words) > 4 and (words[3] == "SCHEMA" or (words[3] == "COMMENT" and words[5:6] == ["SCHEMA"]))
