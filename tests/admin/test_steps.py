"""Steps that cannot be undone ask first and say what will follow; 试算 keeps what was typed."""

from __future__ import annotations

from typing import Any

from jifen.services import rulesets
from tests.admin.conftest import form_values


def _draft(db: Any, year: int = 2027) -> int:
    with db.transaction() as s:
        return rulesets.clone(s, "tongxiang/2026/1", "editor", year=year).id


def test_publishing_asks_and_says_which_version_is_in_force_from_when(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("publisher")
    page = console.post(f"/admin/versions/{vid}/publish", {"note": "2027年度标准"}).get_data(as_text=True)
    assert "发布 tongxiang/2027/1" in page and "自 2027-01-01 起适用于 2027 年度" in page
    assert "没有生效的版本" in page and "<td>2027-01-01</td><td>tongxiang/2027/1</td>" in page
    with db.transaction() as s:
        assert rulesets.get_version(s, vid).status == "draft"  # nothing happened yet
    form = form_values(page)
    assert form["confirmed"] == "1"
    done = console.post(f"/admin/versions/{vid}/publish", {**form, "note": "2027年度标准"})
    assert "已发布 tongxiang/2027/1" in console.get(done.headers["Location"]).get_data(as_text=True)


def test_a_revision_published_mid_year_shows_what_it_replaces(console: Any, db: Any) -> None:
    from jifen.services import drafts

    vid = _draft(db, year=2026)
    with db.transaction() as s:
        drafts.edit(s, vid, "editor", "生效日期", drafts.META, None,
                    lambda doc: doc.update(effective_from="2099-07-01") or drafts.META)  # fmt: skip
    console.login("publisher")
    page = console.post(f"/admin/versions/{vid}/publish", {"note": "七月修订"}).get_data(as_text=True)
    assert "<td>2099-07-01</td><td>tongxiang/2026/2</td>" in page  # after publishing it takes over from July
    assert page.count("tongxiang/2026/1</td>") == 2  # in force now, before and after


def test_retiring_needs_a_reason_and_says_what_remains(console: Any, db: Any) -> None:
    console.login("publisher")
    page = console.post("/admin/versions/2/retire", {"note": ""}).get_data(as_text=True)
    assert "停用 tongxiang/2026/1" in page and "停用后" in page and "没有生效的版本" in page
    refused = console.post("/admin/versions/2/retire", {"note": " ", "confirmed": "1"})
    assert "停用 tongxiang/2026/1 必须填写原因" in console.get(refused.headers["Location"]).get_data(as_text=True)
    done = console.post("/admin/versions/2/retire", {"note": "被2026年第2次修订取代", "confirmed": "1"})
    detail = console.get(done.headers["Location"]).get_data(as_text=True)
    assert "已停用 tongxiang/2026/1" in detail and "被2026年第2次修订取代" in detail


def test_cloning_into_a_year_with_a_published_version_asks_and_year_0_is_refused(console: Any, db: Any) -> None:
    console.login("editor")
    asked = console.post("/admin/versions/2/clone", {"year": "2026"}).get_data(as_text=True)
    assert "2026 年度已有已发布的版本：tongxiang/2026/1" in asked and "确认克隆" in asked
    with db.transaction() as s:
        assert [v.ref for v in rulesets.list_versions(s, year=2026)] == ["tongxiang/2026/1"]
    done = console.post("/admin/versions/2/clone", form_values(asked))
    assert "已创建草稿 tongxiang/2026/2" in console.get(done.headers["Location"]).get_data(as_text=True)
    for year in ("0", "2101", "1e9", "-2026"):
        refused = console.post("/admin/versions/2/clone", {"year": year})
        page = console.get(refused.headers["Location"]).get_data(as_text=True)
        assert "年度应在2000至2100之间" in page, year
    fresh = console.post("/admin/versions/2/clone", {"year": "2028"})  # no published version there: no question
    assert fresh.status_code == 302 and "已创建草稿 tongxiang/2028/1" in console.get(
        fresh.headers["Location"]
    ).get_data(as_text=True)
