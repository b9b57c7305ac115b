"""Trusted issuers and recognised statements (another city's provincial points, policy §三(一)1)

``trusted_issuers`` holds the other cities whose signed statements the bureau trusts, with their public keys;
``recognised_statements`` the statement an application carried at receipt, as verified; a score that took its
provincial points from one names it in ``scores.recognition_id``.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trusted_issuers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("jwks", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_issuers")),
        sa.UniqueConstraint("issuer", name=op.f("uq_trusted_issuers_issuer")),
    )
    op.create_table(
        "recognised_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=100), nullable=False),
        sa.Column("kid", sa.String(length=200), nullable=False),
        sa.Column("jws", sa.Text(), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("recognised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_recognised_statements_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recognised_statements")),
        sa.UniqueConstraint("application_id", name=op.f("uq_recognised_statements_application_id")),
    )
    op.add_column("scores", sa.Column("recognition_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    # a plain DROP COLUMN (SQLite 3.35+): a batch copy of the table would lose its immutability triggers
    op.drop_column("scores", "recognition_id")
    op.drop_table("recognised_statements")
    op.drop_table("trusted_issuers")
