"""Applications around their score: verification tasks, events, the working-day calendar, departments

``applications`` holds an application for one year from receipt to its final score; ``verification_tasks`` one
department's verification or re-review of its facts, with its due date; ``application_events`` every transition
(append-only: the service role may only insert and read, and triggers refuse UPDATE and DELETE to anyone);
``calendar_days`` the bureau's corrections and additions to the holiday calendar. ``users.department`` and
``api_clients.department`` bind a department user or a ``verify`` client to one department.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS_MESSAGE = "application events cannot change"


def upgrade() -> None:
    op.add_column("users", sa.Column("department", sa.String(length=100), nullable=True))
    op.add_column("api_clients", sa.Column("department", sa.String(length=100), nullable=True))
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
    )
    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_ref", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("claimed_facts", sa.JSON(), nullable=False),
        sa.Column("supplemented_on", sa.Date(), nullable=True),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.String(length=36), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("objection_deadline", sa.Date(), nullable=True),
        sa.Column("objection_filed_on", sa.Date(), nullable=True),
        sa.Column("republished_on", sa.Date(), nullable=True),
        sa.Column("voided_on", sa.Date(), nullable=True),
        sa.Column("void_reason", sa.String(length=32), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
        sa.UniqueConstraint("application_ref", "year", name="uq_applications_ref_year"),
    )
    op.create_index(op.f("ix_applications_state"), "applications", ["state"], unique=False)
    op.create_table(
        "verification_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("extended_on", sa.Date(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_verification_tasks_application_id_applications")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_tasks")),
        sa.UniqueConstraint("application_id", "round", "department", name="uq_verification_tasks_department"),
    )
    op.create_index(
        op.f("ix_verification_tasks_application_id"), "verification_tasks", ["application_id"], unique=False
    )
    op.create_index(op.f("ix_verification_tasks_department"), "verification_tasks", ["department"], unique=False)
    op.create_table(
        "application_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("actor_kind", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("state_before", sa.String(length=16), nullable=True),
        sa.Column("state_after", sa.String(length=16), nullable=False),
        sa.Column("score_id", sa.String(length=36), nullable=True),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_application_events_application_id_applications")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_events")),
    )
    op.create_index(
        op.f("ix_application_events_application_id"), "application_events", ["application_id"], unique=False
    )
    if op.get_bind().dialect.name == "sqlite":
        for when in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER application_events_frozen_{when.lower()} BEFORE {when} ON application_events "
                f"BEGIN SELECT RAISE(ABORT, '{EVENTS_MESSAGE}'); END"
            )
        return
    op.execute(
        f"""
        CREATE FUNCTION jifen_frozen_event() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{EVENTS_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER application_events_frozen BEFORE UPDATE OR DELETE ON application_events "
        "FOR EACH ROW EXECUTE FUNCTION jifen_frozen_event()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS application_events_frozen_update")
        op.execute("DROP TRIGGER IF EXISTS application_events_frozen_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS application_events_frozen ON application_events")
        op.execute("DROP FUNCTION IF EXISTS jifen_frozen_event()")
    op.drop_index(op.f("ix_application_events_application_id"), table_name="application_events")
    op.drop_table("application_events")
    op.drop_index(op.f("ix_verification_tasks_department"), table_name="verification_tasks")
    op.drop_index(op.f("ix_verification_tasks_application_id"), table_name="verification_tasks")
    op.drop_table("verification_tasks")
    op.drop_index(op.f("ix_applications_state"), table_name="applications")
    op.drop_table("applications")
    op.drop_table("calendar_days")
    # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+), as in 0005
    op.execute("ALTER TABLE api_clients DROP COLUMN department")
    op.execute("ALTER TABLE users DROP COLUMN department")
