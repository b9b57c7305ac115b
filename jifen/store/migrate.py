"""Alembic's migrations, and the service role's privileges on PostgreSQL (the commands: ``jifen.cli.db``).

On PostgreSQL two roles share the database: the *owner* owns the schema and runs the migrations; the
*service role* is what the running service connects as, with only the privileges below. Owning a table is
what lets a role ``TRUNCATE``, ``ALTER``, ``DROP`` it or disable its triggers, so the service role owns
nothing and the triggers that keep published versions and stored scores unchanged bind it for good.
"""

from __future__ import annotations

import click
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, text

from jifen.config import PROJECT_ROOT
from jifen.store.db import make_engine

MIGRATIONS = PROJECT_ROOT / "migrations"

APPEND = ("SELECT", "INSERT")
EDIT = ("SELECT", "INSERT", "UPDATE", "DELETE")

# What the service (API, console and the CLI commands other than ``db``) does to each table, and nothing more.
# Every table of the models must be here (tests/db/test_roles.py checks it): a table missing from this map is
# one the service cannot read at all. TRUNCATE, REFERENCES and TRIGGER are never granted.
PRIVILEGES: dict[str, tuple[str, ...]] = {
    # a ruleset's code is added by its first import, never renamed or removed
    "rulesets": APPEND,
    # drafts are created, edited (their document), published, retired and deleted; the triggers refuse the rest
    "ruleset_versions": EDIT,
    # created by the CLI; a new password, deactivation and ending all sessions (session_epoch) update them; never
    # deleted (the audit names them)
    "users": ("SELECT", "INSERT", "UPDATE"),
    # throttling counters: upserted per attempt, deleted after a success and when old (jifen/access/throttle.py)
    "login_attempts": EDIT,
    # created, then revoked; never deleted (stored scores name them)
    "api_clients": ("SELECT", "INSERT", "UPDATE"),
    # append-only records
    "audit_log": APPEND,
    "scores": APPEND,
    # every transition of an application (the triggers refuse UPDATE and DELETE to the owner too)
    "application_events": APPEND,
    # signed statements of published scores (issue 21): made at publication, never changed
    "statements": APPEND,
    # recognition of other cities' statements (issue 21): the trusted issuers are added, updated and removed by the
    # bureau (audited); a recognised statement is kept as verified at receipt, never changed
    "trusted_issuers": EDIT,
    "recognised_statements": APPEND,
    # an application and its tasks change state (verified, extended, reopened, published, voided) but are never
    # deleted: the events and the scores name them
    "applications": ("SELECT", "INSERT", "UPDATE"),
    "verification_tasks": ("SELECT", "INSERT", "UPDATE"),
    # typing kept across the end of a console session: replaced per user, deleted after use or a day
    "kept_forms": EDIT,
    # the published application periods: added and removed by the centre (each change is in the audit log)
    "application_periods": EDIT,
    # the bureau's holiday corrections: added, changed and removed (each change is in the audit log)
    "calendar_days": EDIT,
    # scenes (jifen/scenes/): drafts are created, edited, published and deleted; the triggers refuse the rest. A
    # published scene's list is written once, with its publication
    "scenes": EDIT,
    "scene_entries": APPEND,
    # UPDATE for the health check's probe (``SET version_num = version_num``, rolled back): proof of a writable
    # database that needs no table of its own
    "alembic_version": ("SELECT", "UPDATE"),
    # personal data (jifen/privacy): every read of an applicant's facts, append-only
    "facts_access_log": APPEND,
}

# personal data (jifen/privacy/retention.py): the columns retention's erasure writes in tables otherwise append-only;
# the triggers allow that one change, once, and nothing else (migration 0011)
COLUMN_UPDATES: dict[str, tuple[str, ...]] = {
    "scores": ("facts", "derived", "facts_erased_on"),
    "application_events": ("changes", "facts_erased_on"),
}


class GrantError(click.ClickException):
    """The privileges could not be granted as asked (wrong role, wrong connection, wrong database)."""


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic configuration for ``url`` (or an open connection), without an alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def grant(connection: Connection, role: str) -> dict[str, tuple[str, ...]]:
    """Give ``role`` exactly the privileges of ``PRIVILEGES`` on the tables that exist; returns what it granted.

    Runs as the schema's owner, inside the caller's transaction. Whatever the role held before on the schema's
    tables and sequences is revoked first, so that running it again after a change of the map leaves exactly
    the map. A sequence gets USAGE (``nextval``) when its table gets INSERT.
    """
    _check_grantable(connection, role)
    tables = set(connection.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")))
    sequences = connection.execute(
        text(
            "SELECT t.relname, s.relname FROM pg_class s "
            "JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.deptype IN ('a', 'i') "
            "JOIN pg_class t ON t.oid = d.refobjid "
            "JOIN pg_namespace n ON n.oid = s.relnamespace WHERE s.relkind = 'S' AND n.nspname = current_schema()"
        )
    ).all()
    quote = connection.dialect.identifier_preparer.quote
    who = quote(role)
    schema = quote(connection.scalar(text("SELECT current_schema()")))
    for statement in (
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {who}",
        f"REVOKE CREATE ON SCHEMA {schema} FROM {who}",
        f"GRANT USAGE ON SCHEMA {schema} TO {who}",
    ):
        connection.execute(text(statement))
    granted = {table: privileges for table, privileges in PRIVILEGES.items() if table in tables}
    for table, privileges in granted.items():
        connection.execute(text(f"GRANT {', '.join(privileges)} ON TABLE {quote(table)} TO {who}"))
    for table, columns in COLUMN_UPDATES.items():
        if table in tables:
            named = ", ".join(quote(c) for c in columns)
            connection.execute(text(f"GRANT UPDATE ({named}) ON TABLE {quote(table)} TO {who}"))
    for table, sequence in sequences:
        if "INSERT" in granted.get(table, ()):
            connection.execute(text(f"GRANT USAGE ON SEQUENCE {quote(sequence)} TO {who}"))
    return granted


def _check_grantable(connection: Connection, role: str) -> None:
    """Refuse unless this runs on PostgreSQL as the tables' owner, for a role that exists and is not the owner's."""
    if connection.dialect.name != "postgresql":
        raise GrantError(f"{connection.dialect.name} has no roles: privileges exist only on PostgreSQL")
    foreign = connection.scalars(
        text(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND NOT pg_has_role(current_user, tableowner, 'USAGE') ORDER BY tablename"
        )
    ).all()
    if foreign:
        raise GrantError(
            f"{connection.scalar(text('SELECT current_user'))} does not own {', '.join(foreign)}: run this as the "
            "role that runs the migrations (JIFEN_MIGRATION_DATABASE_URL)"
        )
    found = connection.execute(
        text("SELECT rolsuper, pg_has_role(:role, current_user, 'MEMBER') FROM pg_roles WHERE rolname = :role"),
        {"role": role},
    ).first()
    if found is None:
        raise GrantError(f"no role {role!r}: create it first (see docs/operator/postgresql.md)")
    if found[0] or found[1]:
        raise GrantError(
            f"{role!r} is {'a superuser' if found[0] else 'the owner or a member of it'}: it would keep the "
            "owner's rights (TRUNCATE, ALTER, disabling triggers); the service needs a role of its own"
        )


def upgrade(url: str, revision: str = "head", service_role: str | None = None) -> None:
    """Bring the database at ``url`` to ``revision``; then grant ``service_role`` its privileges, if given.

    With a service role the migrations and the grants run in one transaction: a new table and the service's
    privileges on it appear together, or neither does.
    """
    if not service_role:
        command.upgrade(alembic_config(url), revision)
        return
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection=connection), revision)
            grant(connection, service_role)
    finally:
        engine.dispose()


# The owner's URL and the service role are read here from the environment, not in Config: the running
# service never needs the owner's password, so it is kept out of the application's configuration.
