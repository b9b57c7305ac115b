"""Re-review chains ordered by the database, idempotency keys, TRUNCATE refused on PostgreSQL

Each stored score gets ``seq``, its place in the chain of its (application_ref, year): 1 for the first score,
n + 1 for the re-review that supersedes score n. A unique index on (application_ref, year, seq) lets exactly
one of several concurrent writers take a place, so a chain can neither fork nor gain a second root; the
existing unique ``supersedes_id`` keeps one successor per score.

Chains that concurrent writers had already forked (several roots, each with its own links) are repaired
deterministically: the existing links are kept, the segments are ordered by the creation of their first score
(then its id) and joined end to start. Every repaired application gets an audit entry with the links before
and after.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCORES_MESSAGE = "stored scores cannot change"
TRUNCATE_SCORES = "stored scores cannot be truncated"
TRUNCATE_CONTENT = "published ruleset versions exist: their content cannot be truncated"
CONTENT_TABLES = ("fact_fields", "requirements", "categories", "indicators", "items", "condition_nodes", "test_cases")


def repaired_chains(rows: list[tuple[str, str, int, Any, str | None]]) -> dict[str, tuple[int, str | None]]:
    """(id, application_ref, year, created_at, supersedes_id) rows → {id: (seq, supersedes_id)} for every row.

    Scores form paths (a score has at most one successor and was stored after what it supersedes). Each path
    of an application is kept; the paths are ordered by their first score's (created_at, id) and joined.
    """
    by_app: dict[tuple[str, int], list[tuple[str, Any, str | None]]] = defaultdict(list)
    for score_id, ref, year, created_at, supersedes in rows:
        by_app[(ref, year)].append((score_id, created_at, supersedes))
    out: dict[str, tuple[int, str | None]] = {}
    for scores in by_app.values():
        ids = {s[0] for s in scores}
        successor = {s[2]: s[0] for s in scores if s[2] in ids}
        created = {s[0]: (str(s[1]), s[0]) for s in scores}
        roots = sorted((s[0] for s in scores if s[2] not in ids), key=created.__getitem__)
        previous: str | None = None
        seq = 0
        for root in roots:
            node: str | None = root
            while node is not None:
                seq += 1
                out[node] = (seq, previous)
                previous, node = node, successor.get(node)
    return out


def _repair(bind: sa.Connection) -> None:
    scores = sa.table(
        "scores",
        sa.column("id"),
        sa.column("application_ref"),
        sa.column("year"),
        sa.column("created_at"),
        sa.column("supersedes_id"),
        sa.column("seq"),
    )
    rows = [tuple(r) for r in bind.execute(sa.select(*scores.c[:5]))]
    repaired = repaired_chains(rows)  # type: ignore[arg-type]
    before = {r[0]: r[4] for r in rows}
    changed_apps: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for score_id, ref, year, _created, supersedes in rows:
        seq, new_supersedes = repaired[score_id]
        if new_supersedes != supersedes:
            changed_apps[(ref, year)].append({"id": score_id, "supersedes": supersedes, "now": new_supersedes})
    # links are rewritten in two steps: the unique supersedes_id must hold after each statement
    moved = [score_id for score_id, (_seq, s) in repaired.items() if s != before[score_id]]
    if moved:
        bind.execute(sa.update(scores).where(scores.c.id.in_(moved)).values(supersedes_id=None))
    for score_id, (seq, new_supersedes) in repaired.items():
        bind.execute(sa.update(scores).where(scores.c.id == score_id).values(seq=seq, supersedes_id=new_supersedes))
    if changed_apps:
        audit = sa.table(
            "audit_log",
            sa.column("at"),
            sa.column("actor"),
            sa.column("action"),
            sa.column("object_type"),
            sa.column("object_ref"),
            sa.column("before"),
            sa.column("after"),
            sa.column("note"),
        )
        now = dt.datetime.now(dt.UTC)
        for (ref, year), links in sorted(changed_apps.items()):
            bind.execute(
                audit.insert().values(
                    at=now,
                    actor="migration 0005",
                    action="repair_chain",
                    object_type="score_chain",
                    object_ref=f"{ref}/{year}"[:200],
                    before=json.dumps({link["id"]: link["supersedes"] for link in links}),
                    after=json.dumps({link["id"]: link["now"] for link in links}),
                    note="forked re-review chain joined into one: segments ordered by their first score's creation",
                )
            )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS scores_frozen_update")
        op.execute("DROP TRIGGER IF EXISTS scores_frozen_delete")
    else:
        op.execute("ALTER TABLE scores DISABLE TRIGGER scores_frozen")
    # NOT NULL from the start (SQLite cannot add it later without copying the table, which its self-referencing
    # foreign key forbids); the default fills existing rows until the repair gives each its place.
    op.add_column("scores", sa.Column("seq", sa.Integer(), nullable=False, server_default="1"))
    op.add_column("scores", sa.Column("idempotency_key", sa.String(length=255), nullable=True))
    op.add_column("scores", sa.Column("request_hash", sa.String(length=64), nullable=True))
    _repair(bind)
    if not sqlite:  # SQLite keeps the default: a row without its place still cannot be a second root
        op.alter_column("scores", "seq", server_default=None)
    op.drop_index("ix_scores_application", table_name="scores")
    op.create_index("uq_scores_chain", "scores", ["application_ref", "year", "seq"], unique=True)
    op.create_index("uq_scores_idempotency", "scores", ["client_id", "idempotency_key"], unique=True)
    if sqlite:
        for when in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER scores_frozen_{when.lower()} BEFORE {when} ON scores "
                f"BEGIN SELECT RAISE(ABORT, '{SCORES_MESSAGE}'); END"
            )
        return
    op.execute("ALTER TABLE scores ENABLE TRIGGER scores_frozen")
    # Row triggers do not see TRUNCATE: statement triggers refuse it (SQLite has no TRUNCATE).
    op.execute(
        f"""
        CREATE FUNCTION jifen_no_truncate_scores() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{TRUNCATE_SCORES}' USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        """
    )
    op.execute(
        f"""
        CREATE FUNCTION jifen_no_truncate_content() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM ruleset_versions WHERE status <> 'draft') THEN
                RAISE EXCEPTION '{TRUNCATE_CONTENT}' USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NULL;
        END $$;
        """
    )
    op.execute(
        "CREATE TRIGGER scores_no_truncate BEFORE TRUNCATE ON scores "
        "FOR EACH STATEMENT EXECUTE FUNCTION jifen_no_truncate_scores()"
    )
    for table in (*CONTENT_TABLES, "ruleset_versions"):
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION jifen_no_truncate_content()"
        )


def downgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if not sqlite:
        op.execute("DROP TRIGGER IF EXISTS scores_no_truncate ON scores")
        for table in (*CONTENT_TABLES, "ruleset_versions"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS jifen_no_truncate_scores()")
        op.execute("DROP FUNCTION IF EXISTS jifen_no_truncate_content()")
    else:
        op.execute("DROP TRIGGER IF EXISTS scores_frozen_update")
        op.execute("DROP TRIGGER IF EXISTS scores_frozen_delete")
    op.drop_index("uq_scores_idempotency", table_name="scores")
    op.drop_index("uq_scores_chain", table_name="scores")
    op.create_index("ix_scores_application", "scores", ["application_ref", "year", "created_at"], unique=False)
    for column in ("request_hash", "idempotency_key", "seq"):
        # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): copying the table would trip its self-reference
        op.execute(f"ALTER TABLE scores DROP COLUMN {column}")
    if sqlite:
        for when in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER scores_frozen_{when.lower()} BEFORE {when} ON scores "
                f"BEGIN SELECT RAISE(ABORT, '{SCORES_MESSAGE}'); END"
            )
