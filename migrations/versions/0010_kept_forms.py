"""Forms kept across the end of a console session

``kept_forms`` holds what a console user typed into a form that reached the service after their session had
ended (logged out in another tab, sessions ended by a new password, expired), so that it can be sent again after
they log in: one row per user, replaced by the next, deleted after a day.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "kept_forms",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=2000), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_kept_forms")),
        sa.UniqueConstraint("user_id", name=op.f("uq_kept_forms_user_id")),
    )


def downgrade() -> None:
    op.drop_table("kept_forms")
