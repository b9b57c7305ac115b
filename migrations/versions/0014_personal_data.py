"""Personal data: the facts access log, and a narrow erasure path through the immutability of scores and events

``facts_access_log`` records every read of an applicant's facts (append-only: triggers refuse UPDATE and DELETE
to anyone, the service role may only insert and read). ``facts_erased_on`` on ``scores``, ``applications`` and
``application_events`` says when retention erased their facts (jifen/privacy/retention.py).

Stored scores and application events stay unchangeable but for one change, allowed once: setting
``facts_erased_on`` (from null) together with the facts (``scores.facts`` and ``scores.derived`` become ``{}``,
``application_events.changes`` its values erased); every other column must stay as it is. On PostgreSQL the
service role is granted UPDATE on those columns only (jifen/store/migrate.py ``COLUMN_UPDATES``).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORES_MESSAGE = "stored scores cannot change"
EVENTS_MESSAGE = "application events cannot change"
ACCESS_MESSAGE = "the facts access log cannot change"
# the columns an erasure writes, per table; every other column must stay as it is
ERASED = {"scores": ("facts", "derived", "facts_erased_on"), "application_events": ("changes", "facts_erased_on")}


def _columns(table: str) -> list[str]:
    return [c["name"] for c in sa.inspect(op.get_bind()).get_columns(table) if c["name"] not in ERASED[table]]


def _erasure(table: str, sqlite: bool) -> str:
    """The condition under which an UPDATE of ``table`` is the one erasure allowed."""
    first = "OLD.facts_erased_on IS NULL AND NEW.facts_erased_on IS NOT NULL"
    facts = " AND NEW.facts = '{}' AND NEW.derived = '{}'" if table == "scores" else ""
    if sqlite:
        same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in _columns(table))
    else:  # every column, including any added later, but those the erasure writes
        dropped = "".join(f" - '{c}'" for c in ERASED[table])
        same = f"to_jsonb(NEW){dropped} = to_jsonb(OLD){dropped}"
    return f"{first}{facts} AND {same}"


def _sqlite_upgrade() -> None:
    for table, message in (("scores", SCORES_MESSAGE), ("application_events", EVENTS_MESSAGE)):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_update")
        op.execute(
            f"CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table} "
            f"WHEN NOT ({_erasure(table, True)}) BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )
    for when in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER facts_access_log_frozen_{when.lower()} BEFORE {when} ON facts_access_log "
            f"BEGIN SELECT RAISE(ABORT, '{ACCESS_MESSAGE}'); END"
        )


def _frozen_function(name: str, table: str | None, message: str) -> None:
    allowed = f"IF TG_OP = 'UPDATE' AND {_erasure(table, False)} THEN RETURN NEW; END IF;" if table is not None else ""
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {allowed}
            RAISE EXCEPTION '{message}' USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        """
    )


def _postgresql_upgrade() -> None:
    _frozen_function("jifen_frozen_score", "scores", SCORES_MESSAGE)
    _frozen_function("jifen_frozen_event", "application_events", EVENTS_MESSAGE)
    _frozen_function("jifen_frozen_access", None, ACCESS_MESSAGE)
    op.execute(
        "CREATE TRIGGER facts_access_log_frozen BEFORE UPDATE OR DELETE ON facts_access_log "
        "FOR EACH ROW EXECUTE FUNCTION jifen_frozen_access()"
    )
    op.execute(
        "CREATE TRIGGER facts_access_log_no_truncate BEFORE TRUNCATE ON facts_access_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION jifen_frozen_access()"
    )


def upgrade() -> None:
    for table in ("scores", "applications", "application_events"):
        op.add_column(table, sa.Column("facts_erased_on", sa.Date(), nullable=True))
    op.create_table(
        "facts_access_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_kind", sa.String(length=8), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("department", sa.String(length=100), nullable=True),
        sa.Column("application_ref", sa.String(length=100), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("score_id", sa.String(length=36), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("extent", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_facts_access_log")),
    )
    op.create_index("ix_facts_access_log_application", "facts_access_log", ["application_ref", "year"])
    op.create_index(op.f("ix_facts_access_log_actor"), "facts_access_log", ["actor"])
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_upgrade()
    else:
        _postgresql_upgrade()


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        for table, message in (("scores", SCORES_MESSAGE), ("application_events", EVENTS_MESSAGE)):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_update")
            op.execute(
                f"CREATE TRIGGER {table}_frozen_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    else:
        _frozen_function("jifen_frozen_score", None, SCORES_MESSAGE)
        _frozen_function("jifen_frozen_event", None, EVENTS_MESSAGE)
    op.drop_table("facts_access_log")  # its triggers go with it
    if not sqlite:
        op.execute("DROP FUNCTION IF EXISTS jifen_frozen_access()")
    for table in ("scores", "applications", "application_events"):
        if sqlite:  # SQLite 3.35+ drops a column in place (copying scores would trip its self-reference)
            op.execute(f"ALTER TABLE {table} DROP COLUMN facts_erased_on")
        else:
            op.drop_column(table, "facts_erased_on")
