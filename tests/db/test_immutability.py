"""A published version cannot change: not through the service, not through the ORM, not through plain SQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from engine import to_document
from jifen.errors import ImmutableVersion
from jifen.models import ItemRow, TestCaseRow
from jifen.services import rulesets
from jifen.services.users import get_user

REF = "tongxiang/2026/1"


def test_service_refuses_to_edit_a_published_version(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        row = rulesets.get_version(s, REF)
        doc = to_document(rulesets.load_model(row))
        with pytest.raises(ImmutableVersion, match="only drafts can be edited"):
            rulesets.save_draft(s, REF, doc, row.lock_version, "editor")
        with pytest.raises(ImmutableVersion):
            rulesets.touch(s, row, row.lock_version)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda row: setattr(row, "title", "改过的标题"), id="version title"),
        pytest.param(
            lambda row: setattr(row, "effective_from", row.effective_from.replace(month=2)), id="effective date"
        ),
        pytest.param(lambda row: setattr(row.indicators[0].items[0], "fixed_points", Decimal(25)), id="item points"),
        pytest.param(lambda row: setattr(row.indicators[0].items[0].condition[0], "value", 99), id="condition value"),
        pytest.param(lambda row: row.indicators[0].items.pop(), id="remove an item"),
        pytest.param(
            lambda row: row.cases.append(TestCaseRow(version_id=row.id, name="新", facts={}, expected={})),
            id="add a case",
        ),
        pytest.param(lambda row: setattr(row, "status", "draft"), id="back to draft"),
    ],
)
def test_orm_refuses_every_change(seeded: Any, db: Any, change: Any) -> None:
    with db.factory() as s:
        row = rulesets.get_version(s, REF)
        change(row)
        with pytest.raises(ImmutableVersion):
            s.flush()
        s.rollback()
    with db.transaction() as s:
        assert (
            rulesets.load_model(rulesets.get_version(s, REF)).content_hash == rulesets.get_version(s, REF).content_hash
        )


def test_orm_refuses_deleting_a_published_version(seeded: Any, db: Any) -> None:
    with db.factory() as s:
        s.delete(rulesets.get_version(s, REF))
        with pytest.raises(ImmutableVersion, match="cannot be deleted"):
            s.flush()


RAW_SQL = [
    "UPDATE ruleset_versions SET title = 'x' WHERE id = :vid",
    "UPDATE ruleset_versions SET status = 'draft' WHERE id = :vid",
    "DELETE FROM ruleset_versions WHERE id = :vid",
    "UPDATE items SET fixed_points = 25 WHERE version_id = :vid",
    "DELETE FROM items WHERE version_id = :vid",
    "UPDATE condition_nodes SET value = '99' WHERE version_id = :vid",
    "UPDATE fact_fields SET required = false WHERE version_id = :vid",
    "DELETE FROM test_cases WHERE version_id = :vid",
    "INSERT INTO categories (version_id, position, code, name, kind) VALUES (:vid, 9, 'extra', '额外', 'add')",
]


@pytest.mark.parametrize("sql", RAW_SQL, ids=[s.split(" WHERE")[0][:40] for s in RAW_SQL])
def test_database_refuses_plain_sql(seeded: Any, db: Any, sql: str) -> None:
    with db.transaction() as s:
        vid = rulesets.get_version(s, REF).id
    with pytest.raises(DatabaseError, match="published or retired"), db.engine.begin() as conn:
        conn.execute(text(sql), {"vid": vid})


def test_retiring_is_the_one_change_allowed_and_then_nothing(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        rulesets.retire(s, REF, get_user(s, "publisher"))
        vid = rulesets.get_version(s, REF).id
    for sql in ("UPDATE ruleset_versions SET status = 'published' WHERE id = :vid", RAW_SQL[3]):
        with pytest.raises(DatabaseError, match="published or retired"), db.engine.begin() as conn:
            conn.execute(text(sql), {"vid": vid})


def test_retire_by_plain_sql_may_not_change_content(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        vid = rulesets.get_version(s, REF).id
    with pytest.raises(DatabaseError, match="published or retired"), db.engine.begin() as conn:
        conn.execute(text("UPDATE ruleset_versions SET status = 'retired', title = 'x' WHERE id = :vid"), {"vid": vid})


def test_drafts_stay_editable_by_every_path(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        draft = rulesets.clone(s, REF, "editor", year=2027)
        vid = draft.id
        s.get(ItemRow, draft.indicators[0].items[0].id).label = "改"
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE items SET label = 'SQL' WHERE version_id = :vid AND code = 'P1-1'"), {"vid": vid})
    with db.transaction() as s:
        assert rulesets.get_version(s, "tongxiang/2027/1").indicators[0].items[0].label == "SQL"
