"""Triggers: published and retired versions cannot change, whatever sends the SQL

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTENT_TABLES = ("fact_fields", "requirements", "categories", "indicators", "items", "condition_nodes", "test_cases")
# Columns that retiring a published version may change; every other column must stay as it is.
FROZEN_VERSION_COLUMNS = (
    "ruleset_id", "year", "revision", "effective_from", "title", "legal_basis", "description", "sample",
    "content_hash", "cloned_from_id", "created_at", "created_by", "published_at", "published_by", "publish_note",
)  # fmt: skip
MESSAGE = "ruleset version is published or retired: its content cannot change"


def _sqlite_upgrade() -> None:
    status = "(SELECT status FROM ruleset_versions WHERE id = {row}.version_id)"
    for table in CONTENT_TABLES:
        for when, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            condition = " OR ".join(f"{status.format(row=row)} <> 'draft'" for row in rows)
            op.execute(
                f"CREATE TRIGGER {table}_frozen_{when.lower()} BEFORE {when} ON {table} "
                f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in FROZEN_VERSION_COLUMNS)
    op.execute(
        "CREATE TRIGGER ruleset_versions_frozen_update BEFORE UPDATE ON ruleset_versions "
        f"WHEN OLD.status <> 'draft' AND NOT (OLD.status = 'published' AND NEW.status = 'retired' AND {same}) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        "CREATE TRIGGER ruleset_versions_frozen_delete BEFORE DELETE ON ruleset_versions "
        f"WHEN OLD.status <> 'draft' BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def _postgresql_upgrade() -> None:
    op.execute(
        f"""
        CREATE FUNCTION jifen_frozen_content() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE s text;
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                SELECT status INTO s FROM ruleset_versions WHERE id = OLD.version_id;
                IF s IS NOT NULL AND s <> 'draft' THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN
                SELECT status INTO s FROM ruleset_versions WHERE id = NEW.version_id;
                IF s IS NOT NULL AND s <> 'draft' THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$;
        """
    )
    same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in FROZEN_VERSION_COLUMNS)
    op.execute(
        f"""
        CREATE FUNCTION jifen_frozen_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'draft' THEN
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END IF;
            IF TG_OP = 'UPDATE' AND OLD.status = 'published' AND NEW.status = 'retired' AND {same} THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        """
    )
    for table in CONTENT_TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_frozen BEFORE INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION jifen_frozen_content()"
        )
    op.execute(
        "CREATE TRIGGER ruleset_versions_frozen BEFORE UPDATE OR DELETE ON ruleset_versions "
        "FOR EACH ROW EXECUTE FUNCTION jifen_frozen_version()"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    elif dialect == "postgresql":
        _postgresql_upgrade()
    else:
        raise NotImplementedError(f"no immutability triggers for {dialect}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in CONTENT_TABLES:
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_{when}")
        op.execute("DROP TRIGGER IF EXISTS ruleset_versions_frozen_update")
        op.execute("DROP TRIGGER IF EXISTS ruleset_versions_frozen_delete")
    else:
        for table in CONTENT_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen ON {table}")
        op.execute("DROP TRIGGER IF EXISTS ruleset_versions_frozen ON ruleset_versions")
        op.execute("DROP FUNCTION IF EXISTS jifen_frozen_content()")
        op.execute("DROP FUNCTION IF EXISTS jifen_frozen_version()")
