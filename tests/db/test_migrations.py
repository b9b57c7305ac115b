"""The migrations bring an empty database to the schema of the models, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from jifen.store.models import Base


def test_models_and_migrations_agree(db: Any) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_every_table_exists(db: Any) -> None:
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in Base.metadata.sorted_tables} <= tables
    assert "alembic_version" in tables


def test_db_upgrade_command_is_idempotent(runner: Any) -> None:
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "database at head" in result.output


def test_large_values_are_compressed_with_lz4_on_postgresql(db: Any) -> None:
    """Migration 0015: a stored score's result and a statement are compressed with LZ4 (faster than pglz), where the
    server has it; SQLite does not compress."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("only PostgreSQL compresses large values (TOAST)")
    with db.engine.connect() as conn:
        has_lz4 = conn.execute(
            text("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        ).scalar()
        methods = dict(
            conn.execute(
                text(
                    "SELECT attrelid::regclass::text || '.' || attname, attcompression FROM pg_attribute"
                    " WHERE attrelid IN ('scores'::regclass, 'statements'::regclass, 'recognised_statements'::regclass)"
                    " AND attname IN ('result', 'jws')"
                )
            ).all()
        )
    expected = "l" if has_lz4 else ""
    assert methods == dict.fromkeys(["scores.result", "statements.jws", "recognised_statements.jws"], expected)
