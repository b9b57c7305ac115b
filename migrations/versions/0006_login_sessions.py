"""Console logins throttled in their own table; sessions that can be ended server-side

Failed logins were counted on the user row (``failed_logins``, ``last_failed_login``) with a read-modify-write
in Python, which lost updates under concurrency and never counted unknown names. ``login_attempts`` holds one
counter per user name and per client address, reserved by one atomic upsert before a password is checked.
``users.session_epoch`` is carried by the session cookie; raising it ends every session of the user.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_attempt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))
        batch.drop_column("last_failed_login")
        batch.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_failed_login", sa.DateTime(timezone=True), nullable=True))
        batch.drop_column("session_epoch")
    op.drop_table("login_attempts")
