"""``flask --app wsgi backup --out FILE`` and ``flask --app wsgi restore FILE`` (see jifen/backup and
docs/operator/backups.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from jifen.backup import backup, restore
from jifen.cli.db import migration_url, service_role


def _where(url: str) -> str:
    return url.split("@")[-1].split("?")[0]


@click.command("backup")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The backup file to write (replaced if it exists; readable by its owner only).")  # fmt: skip
@with_appcontext
def backup_command(out: Path) -> None:
    """Back up the whole database into one file, while the service goes on (PostgreSQL: as the owner of the
    migration URL)."""
    url = migration_url()
    manifest, seconds = backup(url, out)
    click.echo(
        f"backed up {_where(url)} at migration {manifest.migration_head}, snapshot {manifest.taken_at}: "
        f"{len(manifest.tables)} tables, {manifest.rows} rows in {seconds:.1f} s"
    )
    click.echo(f"{out}: {manifest.payload_bytes} bytes of {manifest.payload}, sha256 {manifest.payload_sha256}")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@with_appcontext
def restore_command(file: Path) -> None:
    """Restore FILE (made by `backup`) into the configured database, which must be empty."""
    url, role = migration_url(), service_role()
    done = restore(file, url, role)
    manifest = done.manifest
    click.echo(
        f"restored {file} (snapshot {manifest.taken_at}, migration {manifest.migration_head}) into {_where(url)}: "
        f"{len(manifest.tables)} tables, {manifest.rows} rows, every table's rows as the backup counted them, "
        f"in {done.seconds:.1f} s"
    )
    if done.migrated_to:
        click.echo(f"the backup was made at migration {manifest.migration_head}: migrated to {done.migrated_to}")
    if role:
        click.echo(f"privileges of {role} granted")
