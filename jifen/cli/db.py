"""``flask --app wsgi db upgrade`` and friends: Alembic driven from the application, and ``db grant ROLE``, the
service role's privileges on PostgreSQL (see ``jifen.store.migrate``)."""

from __future__ import annotations

import os

import click
from alembic import command
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import make_url

from jifen.config import database_url
from jifen.store.db import make_engine
from jifen.store.migrate import alembic_config, grant, upgrade


def migration_url() -> str:
    """The owner's URL (``JIFEN_MIGRATION_DATABASE_URL``), else the service's own ``DATABASE_URL``."""
    return database_url(os.environ.get("JIFEN_MIGRATION_DATABASE_URL", "")) or current_app.config["DATABASE_URL"]


def service_role() -> str | None:
    """The role to grant after migrating: ``JIFEN_DB_SERVICE_ROLE``, else the user of ``DATABASE_URL`` when the
    migrations connect as another user; None when one role does both (or on SQLite)."""
    named = os.environ.get("JIFEN_DB_SERVICE_ROLE", "").strip()
    if named:
        return named
    owner, service = make_url(migration_url()), make_url(current_app.config["DATABASE_URL"])
    if service.get_backend_name() == "postgresql" and service.username and service.username != owner.username:
        return service.username
    return None


def _where(url: str) -> str:
    return url.split("@")[-1]


db_group = AppGroup("db", help="Database schema (Alembic migrations) and the service role's privileges.")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Bring the database to REVISION (default: the newest schema), then grant the service role its privileges."""
    url, role = migration_url(), service_role()
    upgrade(url, revision, role)
    click.echo(f"database at {revision}: {_where(url)}")
    if role:
        click.echo(f"privileges of {role} granted")


@db_group.command("grant")
@click.argument("role")
def grant_command(role: str) -> None:
    """Grant ROLE (the service's database role) exactly the privileges the service needs, and revoke the rest."""
    engine = make_engine(migration_url())
    try:
        with engine.begin() as connection:
            granted = grant(connection, role)
    finally:
        engine.dispose()
    for table, privileges in sorted(granted.items()):
        click.echo(f"{table}: {', '.join(privileges)}")
    click.echo(f"privileges of {role} granted on {len(granted)} tables")


@db_group.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Take the database back to REVISION."""
    command.downgrade(alembic_config(migration_url()), revision)


@db_group.command("current")
def current_command() -> None:
    """Show the database's schema revision."""
    command.current(alembic_config(migration_url()))


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True)
def revision_command(message: str, autogenerate: bool) -> None:
    """Create a migration (compare the models with the database when --autogenerate)."""
    command.revision(alembic_config(migration_url()), message=message, autogenerate=autogenerate)
