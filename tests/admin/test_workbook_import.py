"""A workbook downloaded from a draft comes back into that draft: its changes in sentences first, saved on
confirmation, audited item by item; a workbook older than the draft's last save never overwrites it."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
from sqlalchemy import select

from engine.describe import version_sentences
from jifen.standard import rulesets, stored
from jifen.store.models import AuditEntry
from tests.admin.conftest import form_fields

NEW_RULE = "上一年度在本市缴纳个人所得税（元）每满2000得1分"  # as a clerk types it in the 分值 column
NEW_LABEL = "上一年度在本市缴纳个人所得税每满2000元得1分"  # as the standard then says it


def draft_of_2026(db: Any) -> int:
    with db.transaction() as s:
        return rulesets.clone(s, "tongxiang/2026/1", "editor").id


def edited_workbook(console: Any, vid: int) -> bytes:
    """The draft's workbook as downloaded, with item T7-1's points changed (1 point per 2,000 yuan)."""
    book = openpyxl.load_workbook(io.BytesIO(console.get(f"/admin/versions/{vid}/export.xlsx").data))
    bonus = book["本市加分指标"]
    row = next(r for r in range(5, bonus.max_row + 1) if bonus.cell(r, 1).value == "T7-1")
    bonus.cell(row, 5).value = NEW_RULE
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(console: Any, data: bytes, name: str = "征求意见.xlsx") -> Any:
    return console.post(
        "/admin/versions/import", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def confirm(console: Any, page: str, form_id: str = "import-confirm") -> Any:
    return console.post("/admin/versions/import/confirm", dict(form_fields(page, form_id)))


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def refs(db: Any, year: int = 2026) -> list[str]:
    with db.transaction() as s:
        return [v.ref for v in rulesets.list_versions(s, year=year)]


def label_of(db: Any, ref: str, code: str = "T7-1") -> str:
    """How the version says item ``code``'s rule."""
    with db.transaction() as s:
        model = rulesets.load_model(rulesets.get_version(s, ref))
    return version_sentences(model)[code]


def save_title(db: Any, vid: int, title: str, actor: str = "publisher") -> None:
    """Someone else saves the draft (its title) in the meantime."""
    with db.transaction() as s:
        row = rulesets.get_version(s, vid)
        rulesets.save_draft(s, vid, {**stored.document(row), "title": title}, row.lock_version, actor)


def test_a_workbook_of_a_draft_updates_that_draft_after_a_preview(console: Any, db: Any) -> None:
    vid = draft_of_2026(db)
    console.login("editor")
    preview = upload(console, edited_workbook(console, vid))
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    shown = text(page)
    assert "此工作簿是从草稿 tongxiang/2026/2 下载的，下载后该草稿没有被修改过" in shown
    assert "修改 1 处，其中 1 处（标 ★）可能改变得分" in shown
    assert "赋分细则 T7-1" in shown and "每满2000元得1分" in shown
    assert "保存到草稿 tongxiang/2026/2" in shown
    assert NEW_LABEL not in label_of(db, "tongxiang/2026/2")  # nothing is saved before the confirmation
    done = confirm(console, page)
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/admin/versions/{vid}")
    assert "已导入工作簿，草稿 tongxiang/2026/2 已更新" in console.get(done.headers["Location"]).get_data(as_text=True)
    assert refs(db) == ["tongxiang/2026/2", "tongxiang/2026/1"]  # no other draft
    assert NEW_LABEL in label_of(db, "tongxiang/2026/2")
    # the audit entry says what changed, item by item, as an edit's does
    console.login("auditor")
    with db.transaction() as s:
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id.desc())
        ).first()
        assert entry is not None and entry.object_id == vid
    details = text(console.get(f"/admin/audit/details/?id={entry.id}").get_data(as_text=True))
    assert "导入" in details and "工作簿 征求意见.xlsx（从 tongxiang/2026/2 下载）" in details
    changes = details[details.index("改动") : details.index("完整记录")]
    assert changes == "改动 项目修改前修改后 指标项 › T7 › 赋分细则 › T7-1 › 按单位计分 › 每满10002000 "
    assert "T7-2" not in details  # the record keeps only the parts that changed


def test_the_same_workbook_again_changes_nothing(console: Any, db: Any) -> None:
    vid = draft_of_2026(db)
    console.login("editor")
    untouched = console.get(f"/admin/versions/{vid}/export.xlsx").data
    response = upload(console, untouched)
    assert response.status_code == 302
    assert "内容相同，未改变： tongxiang/2026/2" in console.get(response.headers["Location"]).get_data(as_text=True)


def test_a_workbook_whose_changes_are_elsewhere_is_merged_with_the_saves_since(console: Any, db: Any) -> None:
    vid = draft_of_2026(db)
    console.login("editor")
    data = edited_workbook(console, vid)
    save_title(db, vid, "桐乡市居住证积分指标标准（2026年度，第二稿）")
    page = upload(console, data).get_data(as_text=True)
    shown = text(page)
    assert "下载此工作簿之后，草稿 tongxiang/2026/2 又被保存过（见下）" in shown and "已合并" in shown
    assert "publisher" in shown  # who saved since
    assert "修改 1 处" in shown and "第二稿" not in shown  # only the workbook's change; the title is kept
    done = confirm(console, page)
    assert done.status_code == 302
    said = console.get(done.headers["Location"]).get_data(as_text=True)
    assert "已导入工作簿并与下载后的保存合并，草稿 tongxiang/2026/2 已更新" in said
    assert NEW_LABEL in label_of(db, "tongxiang/2026/2")
    with db.transaction() as s:
        assert rulesets.get_version(s, vid).title.endswith("第二稿）")
        assert [v.ref for v in rulesets.list_versions(s, year=2026)] == ["tongxiang/2026/2", "tongxiang/2026/1"]


def retitled(data: bytes, title: str, keep_base: bool = True) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(data))
    book["版本说明"]["C5"] = title
    if not keep_base:  # a workbook exported before workbooks carried their exported content
        book["_jifen"]["A4"] = None
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_stale_workbook_changing_what_was_saved_since_is_refused_and_can_become_a_new_draft(
    console: Any, db: Any
) -> None:
    vid = draft_of_2026(db)
    console.login("editor")
    data = retitled(edited_workbook(console, vid), "征求意见稿")
    save_title(db, vid, "桐乡市居住证积分指标标准（2026年度，第二稿）")
    response = upload(console, data)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    shown = text(page)
    assert "未导入：下载此工作簿之后，草稿 tongxiang/2026/2 又被保存过" in shown
    assert "publisher" in shown  # who saved since
    assert "工作簿和这些保存修改了同一处： 标题" in shown
    assert "第二稿" in shown  # saving the workbook would undo it: shown among the changes
    assert 'id="import-confirm"' not in page  # nothing to confirm
    assert f'href="/admin/versions/{vid}/export.xlsx" id="download-again"' in page
    # the way out: the workbook as a draft of its own, the draft left as it is
    done = confirm(console, page, "import-as-new-form")
    assert done.status_code == 302
    new = rulesets_id(db, "tongxiang/2026/3")
    assert done.headers["Location"].endswith(f"/admin/versions/{new}")
    assert "已导入工作簿，新建草稿 tongxiang/2026/3" in console.get(done.headers["Location"]).get_data(as_text=True)
    assert NEW_LABEL in label_of(db, "tongxiang/2026/3") and NEW_LABEL not in label_of(db, "tongxiang/2026/2")
    with db.transaction() as s:
        assert rulesets.get_version(s, vid).title.endswith("第二稿）")


def test_a_stale_workbook_without_its_exported_content_is_refused(console: Any, db: Any) -> None:
    vid = draft_of_2026(db)
    console.login("editor")
    data = retitled(edited_workbook(console, vid), "桐乡市居住证积分指标标准（2026年度，样例标准）", keep_base=False)
    save_title(db, vid, "第二稿")
    shown = text(upload(console, data).get_data(as_text=True))
    assert "未导入：下载此工作簿之后，草稿 tongxiang/2026/2 又被保存过" in shown
    assert "工作簿和这些保存修改了同一处" not in shown
    with db.transaction() as s:
        assert rulesets.get_version(s, vid).title == "第二稿"


def rulesets_id(db: Any, ref: str) -> int:
    with db.transaction() as s:
        return rulesets.get_version(s, ref).id


def test_a_draft_saved_between_preview_and_confirmation_is_not_overwritten(console: Any, db: Any) -> None:
    vid = draft_of_2026(db)
    console.login("editor")
    page = upload(console, edited_workbook(console, vid)).get_data(as_text=True)
    save_title(db, vid, "第三稿")
    refused = confirm(console, page)
    assert refused.status_code == 409
    shown = text(refused.get_data(as_text=True))
    assert "预览之后 tongxiang/2026/2 又被其他人保存过；请重新查看将要导入的修改" in shown
    assert "已合并" in shown  # the preview again, now merging with that save
    assert NEW_LABEL not in label_of(db, "tongxiang/2026/2")
    with db.transaction() as s:
        assert rulesets.get_version(s, vid).title == "第三稿"


def test_a_confirmation_without_its_upload_says_so(console: Any, db: Any) -> None:
    console.login("editor")
    gone = console.post("/admin/versions/import/confirm", {"token": "0" * 32})
    assert gone.status_code == 302 and gone.headers["Location"].endswith("/admin/versions/import")
    assert "找不到要导入的工作簿" in console.get(gone.headers["Location"]).get_data(as_text=True)
    console.login("auditor")
    assert console.post("/admin/versions/import/confirm", {"token": "0" * 32}).status_code == 403


def test_a_workbook_of_a_draft_since_published_becomes_a_new_draft(console: Any, db: Any) -> None:
    vid = draft_of_2026(db)
    console.login("editor")
    data = edited_workbook(console, vid)
    with db.transaction() as s:
        s.get(type(rulesets.get_version(s, vid)), vid).status = "published"
    page = upload(console, data).get_data(as_text=True)
    assert "tongxiang/2026/2 现在已发布，不能再修改。确认后将新建草稿 tongxiang/2026/3" in text(page)
