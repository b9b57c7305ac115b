"""Signed statements of published scores

``statements`` keeps the compact JWS made when a score is published or republished after a re-review: one per
score, with the id of the key that signed it. Append-only for the service role.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("score_id", sa.String(length=36), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.Column("kid", sa.String(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_statements_application_id_applications")
        ),
        sa.ForeignKeyConstraint(["score_id"], ["scores.id"], name=op.f("fk_statements_score_id_scores")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
        sa.UniqueConstraint("score_id", name=op.f("uq_statements_score_id")),
    )
    op.create_index(op.f("ix_statements_application_id"), "statements", ["application_id"], unique=False)
    op.create_index(op.f("ix_statements_kid"), "statements", ["kid"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_statements_kid"), table_name="statements")
    op.drop_index(op.f("ix_statements_application_id"), table_name="statements")
    op.drop_table("statements")
