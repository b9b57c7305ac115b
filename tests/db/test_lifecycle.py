"""Drafts, clones, publication, retirement and the version in force."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from engine import to_document
from jifen.access.users import get_user
from jifen.errors import Conflict, NotFound, NoVersionInForce, PermissionDenied, Refused
from jifen.standard import drafts, rulesets
from jifen.store.models import AuditEntry


def users(s: Any) -> dict[str, Any]:
    return {role: get_user(s, role) for role in ("editor", "publisher", "auditor", "admin")}


def clone_with(s: Any, ref: str, actor: str = "editor", **changes: Any) -> Any:
    """Clone ``ref`` and apply ``changes`` to the clone's document (effective_from, first item's points…)."""
    row = rulesets.clone(s, ref, actor, year=changes.pop("year", None))
    doc = to_document(rulesets.load_model(row))
    if "effective_from" in changes:
        doc["effective_from"] = changes["effective_from"]
    if "p2_points" in changes:  # P2-1: bachelor or above
        doc["indicators"][1]["items"][0]["fixed"] = changes["p2_points"]
    return rulesets.save_draft(s, row.ref, doc, row.lock_version, actor)


def test_in_force_with_two_published_revisions(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        july = clone_with(s, "tongxiang/2026/1", effective_from=dt.date(2026, 7, 1))
        assert july.ref == "tongxiang/2026/2"
        rulesets.publish(s, july.ref, get_user(s, "publisher"), "从7月1日起施行")
    with db.transaction() as s:
        assert rulesets.in_force(s, 2026, dt.date(2026, 6, 30)).ref == "tongxiang/2026/1"
        assert rulesets.in_force(s, 2026, dt.date(2026, 7, 1)).ref == "tongxiang/2026/2"
        assert rulesets.in_force(s, 2026, dt.date(2026, 12, 31)).ref == "tongxiang/2026/2"
        assert rulesets.in_force(s, 2025, dt.date(2026, 12, 31)).ref == "tongxiang/2025/1"
        with pytest.raises(NoVersionInForce, match="no version in force for 2031"):
            rulesets.in_force(s, 2031, dt.date(2031, 3, 1))
        with pytest.raises(NoVersionInForce, match="no version in force for 2026 on 2025-12-31"):
            rulesets.in_force(s, 2026, dt.date(2025, 12, 31))


def test_same_date_revisions_pick_the_highest_and_retired_ones_drop_out(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        second = clone_with(s, "tongxiang/2026/1", p2_points=10)
        rulesets.publish(s, second.ref, get_user(s, "publisher"), "修订")
    with db.transaction() as s:
        assert rulesets.in_force(s, 2026, dt.date(2026, 3, 1)).ref == "tongxiang/2026/2"
        rulesets.retire(s, "tongxiang/2026/2", get_user(s, "publisher"), "七月修订撤回")
    with db.transaction() as s:
        assert rulesets.in_force(s, 2026, dt.date(2026, 3, 1)).ref == "tongxiang/2026/1"


def test_drafts_are_never_in_force(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        with pytest.raises(NoVersionInForce):
            rulesets.in_force(s, 2027, dt.date(2027, 6, 1))


def test_clone_for_next_year(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        row = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        assert (row.ref, row.status, row.effective_from) == ("tongxiang/2027/1", "draft", dt.date(2027, 1, 1))
        assert "2027年度" in row.title and row.created_by == "editor"
        assert row.cloned_from_id == rulesets.get_version(s, "tongxiang/2026/1").id
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "clone")).one()
        assert entry.note == "克隆自 tongxiang/2026/1"


def test_publish_needs_publisher_note_validity_and_passing_cases(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        draft = clone_with(s, "tongxiang/2026/1", year=2027, p2_points=9)
        ref = draft.ref
        people = users(s)
        for role in ("editor", "auditor", "admin"):
            with pytest.raises(PermissionDenied, match="needs the role publisher"):
                rulesets.publish(s, ref, people[role], "note")
        with pytest.raises(Refused, match="without a note"):
            rulesets.publish(s, ref, people["publisher"], "  ")
        with pytest.raises(Refused, match="test case") as info:
            rulesets.publish(s, ref, people["publisher"], "提高年龄分")
        assert any("一次较重交通违法扣分" in r and "total: expected 25, got 24" in r for r in info.value.reasons)
        assert rulesets.get_version(s, ref).status == "draft"


def test_an_edit_that_breaks_the_draft_is_refused(seeded: Any, db: Any) -> None:
    def misspell(doc: dict[str, Any]) -> drafts.Part:
        doc["indicators"][0]["items"][0]["when"]["field"] = "agee"
        return ("item", "P1-1")

    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        before = (draft.document, draft.lock_version)
        with pytest.raises(drafts.DraftProblems) as refused:
            drafts.edit(s, draft.ref, "editor", "条件", ("item", "P1-1"), None, misspell)
        assert [str(p) for p in refused.value.problems] == [
            "indicators[0].items[0].when.field: unknown field 'agee' (not in the fact catalogue)"
        ]
        assert refused.value.where == "indicators[0].items[0]"
        assert (draft.document, draft.lock_version) == before


def test_publish_refuses_an_invalid_draft(seeded: Any, db: Any) -> None:
    """Only a draft from before drafts had to be valid can be invalid: written here as such a migration left it."""
    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        doc = rulesets.document(draft)
        doc["indicators"][0]["items"][0]["when"]["field"] = "agee"
        rulesets.store_invalid(draft, doc)
        assert [str(p) for p in rulesets.validate(draft)] == [
            "indicators[0].items[0].when.field: unknown field 'agee' (not in the fact catalogue)"
        ]
        with pytest.raises(Refused, match="not valid"):
            rulesets.publish(s, draft.ref, get_user(s, "publisher"), "note")


def test_an_invalid_draft_accepts_changes_that_do_not_add_problems(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        doc = rulesets.document(draft)
        doc["indicators"][0]["items"][0]["when"]["field"] = "agee"
        doc["indicators"][0]["items"][1]["label"] = ""
        rulesets.store_invalid(draft, doc)

        def relabel(d: dict[str, Any]) -> drafts.Part:
            d["indicators"][0]["items"][1]["label"] = "年龄41至54周岁"
            return ("item", "P1-2")

        def break_more(d: dict[str, Any]) -> drafts.Part:
            d["indicators"][0]["items"][2]["fixed"] = "五"
            return ("item", "P1-3")

        drafts.edit(s, draft.ref, "editor", "名称", ("item", "P1-2"), None, relabel)
        assert len(rulesets.validate(draft)) == 1
        with pytest.raises(drafts.DraftProblems):
            drafts.edit(s, draft.ref, "editor", "分值", ("item", "P1-3"), None, break_more)

        def repair(d: dict[str, Any]) -> drafts.Part:
            d["indicators"][0]["items"][0]["when"]["field"] = "age"
            return ("item", "P1-1")

        drafts.edit(s, draft.ref, "editor", "条件", ("item", "P1-1"), None, repair)
        assert rulesets.validate(draft) == []
        assert draft.content_hash == rulesets.load_model(draft).content_hash


def test_publish_and_retire_are_audited(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        row = rulesets.publish(s, draft.ref, get_user(s, "publisher"), "2027年度标准")
        assert (row.status, row.published_by, row.publish_note) == ("published", "publisher", "2027年度标准")
        with pytest.raises(Refused, match="only a draft can be published"):
            rulesets.publish(s, draft.ref, get_user(s, "publisher"), "again")
        with pytest.raises(Refused, match="cannot be retired without a reason"):
            rulesets.retire(s, draft.ref, get_user(s, "publisher"), "  ")
        rulesets.retire(s, draft.ref, get_user(s, "publisher"), "试行结束")
        assert rulesets.get_version(s, draft.ref).retire_note == "试行结束"
        with pytest.raises(Refused, match="only a published version can be retired"):
            rulesets.retire(s, draft.ref, get_user(s, "publisher"), "again")
        actions = [
            e.action
            for e in s.scalars(
                select(AuditEntry).where(AuditEntry.object_ref == "tongxiang/2027/1").order_by(AuditEntry.id)
            )
        ]
        assert actions == ["clone", "publish", "retire"]


def test_unknown_reference(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        with pytest.raises(NotFound, match="no ruleset version tongxiang/2020/1"):
            rulesets.get_version(s, "tongxiang/2020/1")
        with pytest.raises(Refused, match="not a version reference"):
            rulesets.get_version(s, "tongxiang-2026")


def test_draft_save_conflict_keeps_the_first_save(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        ref, loaded = draft.ref, draft.lock_version
        doc = to_document(rulesets.load_model(draft))
    first = {**doc, "title": "第一位编辑的标题"}
    second = {**doc, "title": "第二位编辑的标题"}
    with db.transaction() as s:
        rulesets.save_draft(s, ref, first, loaded, "editor")
    with pytest.raises(Conflict, match="changed by someone else"), db.transaction() as s:
        rulesets.save_draft(s, ref, second, loaded, "editor")
    with db.transaction() as s:
        assert rulesets.get_version(s, ref).title == "第一位编辑的标题"


def test_concurrent_saves_with_the_same_lock_conflict_in_the_database(seeded: Any, db: Any) -> None:
    """Both editors pass the lock check before either writes: the database's version check stops the second."""
    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        ref = draft.ref
    one, two = db.factory(), db.factory()
    try:
        row_one = rulesets.get_version(one, ref)
        one.commit()  # each editor's read ends; the rows keep what was read (lock_version included)
        row_two = rulesets.get_version(two, ref)
        two.commit()
        row_one.title = "甲"
        one.commit()
        row_two.title = "乙"
        with pytest.raises(StaleDataError, match="expected to update 1 row"):
            two.commit()
    finally:
        one.close()
        two.close()
    with db.transaction() as s:
        assert rulesets.get_version(s, ref).title == "甲"


def test_two_editors_of_different_parts_both_save(seeded: Any, db: Any) -> None:
    """The second editor loaded the draft before the first saved: other parts changed, theirs did not."""
    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        doc = rulesets.document(draft)
        item_base, case_base = drafts.token(doc, ("item", "T3-3")), drafts.token(doc, ("case", "典型技术工人"))

    def points(d: dict[str, Any]) -> drafts.Part:
        drafts.locate(d, ("item", "T3-3"))[1]["fixed"] = 12
        return ("item", "T3-3")

    def expect(d: dict[str, Any]) -> drafts.Part:
        drafts.locate(d, ("case", "典型技术工人"))[1]["expected"]["total"] = 205.5
        return ("case", "典型技术工人")

    with db.transaction() as s:
        drafts.edit(s, draft.id, "editor", "T3-3", ("item", "T3-3"), item_base, points)
    with db.transaction() as s:
        drafts.edit(s, draft.id, "editor", "用例", ("case", "典型技术工人"), case_base, expect)
    with db.transaction() as s, pytest.raises(drafts.EditConflict) as conflict:
        drafts.edit(s, draft.id, "editor", "T3-3", ("item", "T3-3"), item_base, points)
    assert conflict.value.current["fixed"] == 12 and conflict.value.token != item_base
    with db.transaction() as s:
        doc = rulesets.document(rulesets.get_version(s, draft.id))
        assert drafts.locate(doc, ("item", "T3-3"))[1]["fixed"] == 12
        assert drafts.locate(doc, ("case", "典型技术工人"))[1]["expected"]["total"] == 205.5


def test_save_refuses_another_identity(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        doc = {**to_document(rulesets.load_model(draft)), "revision": 5}
        with pytest.raises(Refused, match="the document is tongxiang/2027/5"):
            rulesets.save_draft(s, draft.ref, doc, draft.lock_version, "editor")


def test_delete_draft_only(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        rulesets.delete_draft(s, draft.ref, "editor")
        with pytest.raises(NotFound):
            rulesets.get_version(s, "tongxiang/2027/1")
        with pytest.raises(Exception, match="published: it cannot be deleted"):
            rulesets.delete_draft(s, "tongxiang/2026/1", "editor")
