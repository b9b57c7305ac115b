"""The service's database role may do what the service needs and nothing else; the owner cannot TRUNCATE either.

On PostgreSQL the app under test connects as the service role (JIFEN_TEST_APP_DATABASE_URL) and the owner
(JIFEN_TEST_DATABASE_URL) migrates; see tests/conftest.py and docs/operator/postgresql.md.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from jifen.access import api_clients
from jifen.store.migrate import PRIVILEGES
from jifen.store.models import Base
from tests.conftest import ON_POSTGRES, OWNER_ROLE, SERVICE_ROLE

needs_postgres = pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: set JIFEN_TEST_DATABASE_URL")
needs_service_role = pytest.mark.skipif(
    SERVICE_ROLE is None,
    reason="needs PostgreSQL with a service role: JIFEN_TEST_APP_DATABASE_URL as a role other than the owner's",
)

FACTS = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}
TABLE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
INSUFFICIENT_PRIVILEGE = "42501"


def test_every_table_of_the_models_has_its_privileges() -> None:
    tables = set(Base.metadata.tables)
    assert tables - PRIVILEGES.keys() == set(), "add the new table to jifen.store.migrate.PRIVILEGES"
    assert PRIVILEGES.keys() - tables == {"alembic_version"}, "a table in PRIVILEGES that the models do not have"
    for table, privileges in PRIVILEGES.items():
        assert "SELECT" in privileges and set(privileges) <= {"SELECT", "INSERT", "UPDATE", "DELETE"}, table


@pytest.mark.skipif(ON_POSTGRES, reason="SQLite only: there are no roles to grant")
def test_grant_needs_postgresql(runner: Any) -> None:
    result = runner.invoke(args=["db", "grant", "jifen_app"])
    assert result.exit_code == 1 and "only on PostgreSQL" in result.output


@pytest.fixture
def stored(seeded: Any, db: Any) -> str:
    """The id of a score stored through the API, by the service role."""
    with db.transaction() as s:
        key = api_clients.create_client(s, "roles-test", ["score", "read"], "test")[1]
    body = {"application_ref": "ROLE-1", "year": 2026, "facts": FACTS}
    response = seeded.test_client().post("/api/v1/scores", json=body, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.json
    return str(response.json["id"])


REFUSED = [
    "TRUNCATE scores",
    "TRUNCATE audit_log",
    "TRUNCATE ruleset_versions CASCADE",
    "ALTER TABLE scores DISABLE TRIGGER scores_frozen",
    "ALTER TABLE scores DISABLE TRIGGER USER",
    "ALTER TABLE ruleset_versions DISABLE TRIGGER ruleset_versions_frozen",
    "ALTER TABLE scores ADD COLUMN note text",
    "DROP TABLE scores",
    "DROP TRIGGER scores_no_truncate ON scores",
    "CREATE TABLE spare (id int)",
    "UPDATE scores SET total = 1 WHERE id = :id",
    "DELETE FROM scores WHERE id = :id",
    "UPDATE audit_log SET note = 'x'",
    "DELETE FROM audit_log",
]


@pytest.mark.postgres
@needs_service_role
@pytest.mark.parametrize("sql", REFUSED)
def test_the_service_role_is_refused(stored: str, db: Any, sql: str) -> None:
    with pytest.raises(DBAPIError) as refused, db.engine.begin() as conn:
        conn.execute(text(sql), {"id": stored})
    assert getattr(refused.value.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE, refused.value


@pytest.mark.postgres
@needs_service_role
def test_the_service_role_cannot_become_the_owner(db: Any) -> None:
    with pytest.raises(DBAPIError) as refused, db.engine.begin() as conn:
        conn.execute(text(f'SET ROLE "{OWNER_ROLE}"'))
    assert getattr(refused.value.orig, "sqlstate", None) == INSUFFICIENT_PRIVILEGE


@pytest.mark.postgres
@needs_service_role
def test_the_service_role_stores_and_reads_scores(stored: str, db: Any) -> None:
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT application_ref FROM scores WHERE id = :id"), {"id": stored}).scalar() == (
            "ROLE-1"
        )
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar()
        # the health check's probe write
        assert conn.execute(text("UPDATE alembic_version SET version_num = version_num")).rowcount == 1


@pytest.mark.postgres
@needs_service_role
def test_the_service_role_holds_exactly_the_map(db: Any, owner_engine: Any) -> None:
    with owner_engine.connect() as conn:
        tables = conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")).all()
        held = {
            table: tuple(
                p
                for p in TABLE_PRIVILEGES
                if conn.scalar(text("SELECT has_table_privilege(:r, :t, :p)"), {"r": SERVICE_ROLE, "t": table, "p": p})
            )
            for table in tables
        }
        owns = conn.scalar(
            text("SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = :r)"),
            {"r": SERVICE_ROLE},
        )
    assert held == {table: PRIVILEGES.get(table, ()) for table in tables}
    assert owns == 0


@pytest.mark.postgres
@needs_service_role
def test_db_upgrade_grants_again(runner: Any, owner_engine: Any, db: Any) -> None:
    with owner_engine.begin() as conn:
        conn.execute(text(f'REVOKE INSERT ON scores FROM "{SERVICE_ROLE}"'))
        conn.execute(text(f'GRANT TRUNCATE ON audit_log TO "{SERVICE_ROLE}"'))
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"privileges of {SERVICE_ROLE} granted" in result.output
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT has_table_privilege('scores', 'INSERT')"))
        assert not conn.scalar(text("SELECT has_table_privilege('audit_log', 'TRUNCATE')"))


@pytest.mark.postgres
@needs_service_role
def test_db_grant_command(runner: Any, db: Any, database_url: str, monkeypatch: Any) -> None:
    result = runner.invoke(args=["db", "grant", SERVICE_ROLE])
    assert result.exit_code == 0, result.output
    assert "scores: SELECT, INSERT" in result.output and "alembic_version: SELECT, UPDATE" in result.output
    refused = runner.invoke(args=["db", "grant", OWNER_ROLE])
    assert refused.exit_code == 1 and "the owner or a member of it" in refused.output
    assert runner.invoke(args=["db", "grant", "no_such_role_here"]).exit_code == 1
    # run with the service's own connection instead of the owner's: refused, nothing changed
    monkeypatch.setenv("JIFEN_MIGRATION_DATABASE_URL", database_url)
    wrong = runner.invoke(args=["db", "grant", SERVICE_ROLE])
    assert wrong.exit_code == 1 and "JIFEN_MIGRATION_DATABASE_URL" in wrong.output


@pytest.mark.postgres
@needs_postgres
def test_the_owner_cannot_truncate_stored_scores(stored: str, owner_engine: Any) -> None:
    # CASCADE: the tables that refer to the scores (statements, …) would otherwise refuse first, for a reason
    # that CASCADE lifts
    with pytest.raises(DBAPIError, match="stored scores cannot be truncated"), owner_engine.begin() as conn:
        conn.execute(text("TRUNCATE scores CASCADE"))


# TRUNCATE … CASCADE reaches the stored scores, which refuse it for their own reason: that refusal is lifted here so
# that the versions' own is seen.
LIFT_SCORES = "ALTER TABLE scores DISABLE TRIGGER scores_no_truncate"


@pytest.mark.postgres
@needs_postgres
def test_the_owner_cannot_truncate_published_content(seeded: Any, owner_engine: Any) -> None:
    with pytest.raises(DBAPIError, match="published ruleset versions exist"), owner_engine.begin() as conn:
        conn.execute(text(LIFT_SCORES))
        conn.execute(text("TRUNCATE ruleset_versions CASCADE"))


@pytest.mark.postgres
@needs_postgres
def test_the_owner_cannot_change_a_published_document(seeded: Any, owner_engine: Any) -> None:
    with pytest.raises(DBAPIError, match="published or retired"), owner_engine.begin() as conn:
        conn.execute(text("UPDATE ruleset_versions SET document = '{}' WHERE status = 'published'"))


@pytest.mark.postgres
@needs_postgres
def test_the_owner_may_truncate_content_while_only_drafts_exist(owner_engine: Any) -> None:
    with owner_engine.begin() as conn:
        conn.execute(text(LIFT_SCORES))
        conn.execute(text("TRUNCATE ruleset_versions CASCADE"))
        conn.execute(text("ALTER TABLE scores ENABLE TRIGGER scores_no_truncate"))
