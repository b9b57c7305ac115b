"""Application periods and the applicant's lookup code

``application_periods`` holds the periods in which new applications of a year are taken, as the 市流动人口管理服务中心
publishes them (policy §四(一) 申请与受理时间…确定并公布); ``applications.lookup_code_hash`` the sha256 of the code printed
on the receipt with which the applicant looks up their own application (§四(二)); the code itself is never stored.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "application_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("starts_on <= ends_on", name=op.f("ck_application_periods_starts_before_end")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_periods")),
    )
    op.create_index(op.f("ix_application_periods_year"), "application_periods", ["year"], unique=False)
    op.add_column("applications", sa.Column("lookup_code_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("lookup_code_hash")
    op.drop_index(op.f("ix_application_periods_year"), table_name="application_periods")
    op.drop_table("application_periods")
