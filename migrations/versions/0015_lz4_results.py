"""PostgreSQL: a stored score's result, and a signed statement, compressed with LZ4 instead of pglz

A stored score's result is ~8–10 KB of JSON; PostgreSQL compresses every value over ~2 KB before it stores it
(TOAST), by default with its own pglz. Compressing ~10 KB with pglz costs the server more than the rest of the
INSERT. LZ4 (PostgreSQL 14 and later, when the server is built with it, as Debian's and the PGDG packages are)
compresses the same JSON several times faster at a slightly lower ratio. Measured on the 2026 sample's results
with pgbench, 8 clients inserting into a copy of ``scores``: 3,041 and 3,017 inserts/s with pglz, 3,779 and 3,519
with LZ4. The values already stored stay as they are (PostgreSQL reads both); new ones are written with LZ4.

Only PostgreSQL compresses this way (SQLite does not compress). On a server without LZ4 nothing changes.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the columns written with every stored score or statement whose values are several KB
COLUMNS = (("scores", "result"), ("statements", "jws"), ("recognised_statements", "jws"))


def _lz4_available() -> bool:
    """Whether this server can compress with LZ4 (it is one of default_toast_compression's values)."""
    found = op.get_bind().execute(
        sa.text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
    )
    return bool(found.scalar())


def _set(method: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    if method == "lz4" and not _lz4_available():
        return
    for table, column in COLUMNS:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {method}")


def upgrade() -> None:
    _set("lz4")


def downgrade() -> None:
    _set("default")
