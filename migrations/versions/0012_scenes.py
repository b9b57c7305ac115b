"""Scenes: the public services points entitle to, and their published lists

``scenes`` holds each scene (场景, e.g. 积分入学) of a year: its department, cut-off date, threshold, quota, ranking
and what a tie at the last place does; ``scene_entries`` the list a scene had when it was published. A published
scene and its list never change: triggers refuse it whatever sends the SQL, as for published versions (0002) and
stored scores (0003, 0005).

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "scene is published: it and its list cannot change"


def _tables() -> None:
    op.create_table(
        "scenes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("cutoff_date", sa.Date(), nullable=False),
        sa.Column("threshold", sa.Numeric(precision=14, scale=2, asdecimal=True), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column("ranking", sa.JSON(), nullable=False),
        sa.Column("ties", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", sa.String(length=64), nullable=True),
        sa.Column("list_hash", sa.String(length=80), nullable=True),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scenes")),
        sa.UniqueConstraint("code", "year", name="uq_scenes_code_year"),
    )
    op.create_index(op.f("ix_scenes_department"), "scenes", ["department"], unique=False)
    op.create_table(
        "scene_entries",
        sa.Column("scene_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("application_ref", sa.String(length=100), nullable=False),
        sa.Column("score_id", sa.String(length=36), nullable=True),
        sa.Column("total", sa.Numeric(precision=14, scale=2, asdecimal=True), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("entitled", sa.Boolean(), nullable=True),
        sa.Column("outcome", sa.String(length=24), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["scene_id"], ["scenes.id"], name=op.f("fk_scene_entries_scene_id_scenes")),
        sa.PrimaryKeyConstraint("scene_id", "position", name=op.f("pk_scene_entries")),
        sa.UniqueConstraint("scene_id", "application_ref", name="uq_scene_entries_applicant"),
    )


def _sqlite_triggers() -> None:
    op.execute(
        "CREATE TRIGGER scenes_frozen_update BEFORE UPDATE ON scenes WHEN OLD.status <> 'draft' "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    op.execute(
        "CREATE TRIGGER scenes_frozen_delete BEFORE DELETE ON scenes WHEN OLD.status <> 'draft' "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )
    status = "(SELECT status FROM scenes WHERE id = {row}.scene_id)"
    for when, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
        condition = " OR ".join(f"{status.format(row=row)} <> 'draft'" for row in rows)
        op.execute(
            f"CREATE TRIGGER scene_entries_frozen_{when.lower()} BEFORE {when} ON scene_entries "
            f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def _postgresql_triggers() -> None:
    op.execute(
        f"""
        CREATE FUNCTION jifen_frozen_scene() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'draft' THEN
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION jifen_frozen_scene_entry() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE s text;
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                SELECT status INTO s FROM scenes WHERE id = OLD.scene_id;
                IF s IS NOT NULL AND s <> 'draft' THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') THEN
                SELECT status INTO s FROM scenes WHERE id = NEW.scene_id;
                IF s IS NOT NULL AND s <> 'draft' THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
            END IF;
            IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
            RETURN NEW;
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER scenes_frozen BEFORE UPDATE OR DELETE ON scenes "
        "FOR EACH ROW EXECUTE FUNCTION jifen_frozen_scene()"
    )
    op.execute(
        "CREATE TRIGGER scene_entries_frozen BEFORE INSERT OR UPDATE OR DELETE ON scene_entries "
        "FOR EACH ROW EXECUTE FUNCTION jifen_frozen_scene_entry()"
    )
    # Row triggers do not see TRUNCATE: the statement trigger of 0005 refuses it while anything is published.
    for table in ("scenes", "scene_entries"):
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION jifen_no_truncate_scenes()"
        )


def upgrade() -> None:
    _tables()
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_triggers()
    elif dialect == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION jifen_no_truncate_scenes() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM scenes WHERE status <> 'draft') THEN
                    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN NULL;
            END $$;
            """
        )
        _postgresql_triggers()
    else:
        raise NotImplementedError(f"no immutability triggers for {dialect}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in ("scenes", "scene_entries"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP TRIGGER IF EXISTS scene_entries_frozen ON scene_entries")
        op.execute("DROP TRIGGER IF EXISTS scenes_frozen ON scenes")
        for function in ("jifen_frozen_scene_entry", "jifen_frozen_scene", "jifen_no_truncate_scenes"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    op.drop_table("scene_entries")
    op.drop_index(op.f("ix_scenes_department"), table_name="scenes")
    op.drop_table("scenes")
