"""A published version cannot change: not through the service, not through the ORM, not through plain SQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from engine import to_document
from jifen.access.users import get_user
from jifen.errors import ImmutableVersion
from jifen.standard import drafts, rulesets

REF = "tongxiang/2026/1"


def _raise_points(doc: dict[str, Any]) -> drafts.Part:
    doc["indicators"][0]["items"][0]["fixed"] = 25
    return ("item", "P1-1")


def test_service_refuses_to_edit_a_published_version(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        row = rulesets.get_version(s, REF)
        doc = to_document(rulesets.load_model(row))
        with pytest.raises(ImmutableVersion, match="only drafts can be edited"):
            rulesets.save_draft(s, REF, doc, row.lock_version, "editor")
        with pytest.raises(ImmutableVersion):
            drafts.edit(s, REF, "editor", "分值", ("item", "P1-1"), None, _raise_points)


def _document_with(row: Any, change: Any) -> str:
    doc = json.loads(row.document)
    change(doc)
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda row: setattr(row, "title", "改过的标题"), id="version title"),
        pytest.param(
            lambda row: setattr(row, "effective_from", row.effective_from.replace(month=2)), id="effective date"
        ),
        pytest.param(lambda row: setattr(row, "document", _document_with(row, _raise_points)), id="item points"),
        pytest.param(
            lambda row: setattr(row, "document", _document_with(row, lambda d: d["cases"].pop())), id="remove a case"
        ),
        pytest.param(lambda row: setattr(row, "content_hash", "sha256:0"), id="content hash"),
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
        row = rulesets.get_version(s, REF)
        assert rulesets.load_model(row).content_hash == row.content_hash


def test_orm_refuses_deleting_a_published_version(seeded: Any, db: Any) -> None:
    with db.factory() as s:
        s.delete(rulesets.get_version(s, REF))
        with pytest.raises(ImmutableVersion, match="cannot be deleted"):
            s.flush()


RAW_SQL = [
    "UPDATE ruleset_versions SET title = 'x' WHERE id = :vid",
    "UPDATE ruleset_versions SET status = 'draft' WHERE id = :vid",
    "DELETE FROM ruleset_versions WHERE id = :vid",
    "UPDATE ruleset_versions SET document = '{}' WHERE id = :vid",
    "UPDATE ruleset_versions SET document = replace(document, 'P1-1', 'P1-9') WHERE id = :vid",
    "UPDATE ruleset_versions SET content_hash = 'sha256:0' WHERE id = :vid",
]


@pytest.mark.parametrize("sql", RAW_SQL, ids=[s.split(" WHERE")[0][:60] for s in RAW_SQL])
def test_database_refuses_plain_sql(seeded: Any, db: Any, sql: str) -> None:
    with db.transaction() as s:
        vid = rulesets.get_version(s, REF).id
    with pytest.raises(DatabaseError, match="published or retired"), db.engine.begin() as conn:
        conn.execute(text(sql), {"vid": vid})


def test_retiring_is_the_one_change_allowed_and_then_nothing(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        rulesets.retire(s, REF, get_user(s, "publisher"), "测试停用")
        row = rulesets.get_version(s, REF)
        vid = row.id
        assert (row.status, row.retire_note) == ("retired", "测试停用")
    for sql in ("UPDATE ruleset_versions SET status = 'published' WHERE id = :vid", RAW_SQL[3], RAW_SQL[4]):
        with pytest.raises(DatabaseError, match="published or retired"), db.engine.begin() as conn:
            conn.execute(text(sql), {"vid": vid})


@pytest.mark.parametrize("column", ["title = 'x'", "document = '{}'"])
def test_retire_by_plain_sql_may_not_change_content(seeded: Any, db: Any, column: str) -> None:
    with db.transaction() as s:
        vid = rulesets.get_version(s, REF).id
    with pytest.raises(DatabaseError, match="published or retired"), db.engine.begin() as conn:
        conn.execute(text(f"UPDATE ruleset_versions SET status = 'retired', {column} WHERE id = :vid"), {"vid": vid})


def test_drafts_stay_editable_by_every_path(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        draft = rulesets.clone(s, REF, "editor", year=2027)
        vid = draft.id
        drafts.edit(s, vid, "editor", "分值", ("item", "P1-1"), None, _raise_points)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE ruleset_versions SET title = 'SQL' WHERE id = :vid"), {"vid": vid})
    with db.transaction() as s:
        row = rulesets.get_version(s, "tongxiang/2027/1")
        assert row.title == "SQL"
        assert rulesets.load_model(row).indicators[0].items[0].points.points == 25  # type: ignore[union-attr]
