"""The console's Excel: download a version and a comparison, upload a workbook back as a draft, errors by cell."""

from __future__ import annotations

import io
import re
from typing import Any

import openpyxl
import pytest

from engine import load_file
from jifen.standard import rulesets
from jifen.workbook import MIMETYPE, read_workbook
from tests.conftest import RULESETS

SAMPLE_2026 = RULESETS / "tongxiang-2026.yaml"


def version_id(db: Any, ref: str) -> int:
    with db.transaction() as s:
        return rulesets.get_version(s, ref).id


def upload(console: Any, data: bytes, name: str) -> Any:
    return console.post(
        "/admin/versions/import", {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def confirm(console: Any, preview: str) -> Any:
    """Press the preview's button that saves the import."""
    form = preview[preview.index('id="import-confirm"') :]
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form[: form.index("</form>")]))
    return console.post("/admin/versions/import/confirm", fields)


@pytest.mark.parametrize("role", ["editor", "publisher", "auditor", "admin"])
def test_every_role_downloads_a_version(console: Any, db: Any, role: str) -> None:
    vid = version_id(db, "tongxiang/2026/1")
    console.login(role)
    page = console.get(f"/admin/versions/{vid}").get_data(as_text=True)
    assert f'href="/admin/versions/{vid}/export.xlsx">下载Excel</a>' in page
    response = console.get(f"/admin/versions/{vid}/export.xlsx")
    assert response.status_code == 200 and response.mimetype == MIMETYPE
    assert response.headers["Content-Disposition"] == 'attachment; filename="tongxiang-2026-r1.xlsx"'
    assert read_workbook(response.data, "download.xlsx").content_hash == load_file(SAMPLE_2026).content_hash


def test_an_edited_workbook_comes_back_as_a_new_draft(console: Any, db: Any) -> None:
    vid = version_id(db, "tongxiang/2026/1")
    console.login("editor")
    book = openpyxl.load_workbook(io.BytesIO(console.get(f"/admin/versions/{vid}/export.xlsx").data))
    bonus = book["本市加分指标"]
    row = next(r for r in range(5, bonus.max_row + 1) if bonus.cell(r, 1).value == "T7-1")
    bonus.cell(row, 5).value = "上一年度在本市缴纳个人所得税（元）每满2000得1分"
    out = io.BytesIO()
    book.save(out)
    assert "导入 YAML 或 Excel" in console.get("/admin/versions/").get_data(as_text=True)
    page = console.get("/admin/versions/import").get_data(as_text=True)
    assert 'accept=".yaml,.yml,.xlsx"' in page
    preview = upload(console, out.getvalue(), "征求意见汇总.xlsx")
    assert preview.status_code == 200
    shown = preview.get_data(as_text=True)
    assert (
        "此工作簿是从 tongxiang/2026/1 下载的，tongxiang/2026/1 现在已发布，不能再修改" in shown
        and "新建草稿 tongxiang/2026/2" in shown
    )
    text = re.sub(r"<[^>]+>", "", shown)
    assert "修改 2 处，其中 1 处（标 ★）可能改变得分" in text and "修订号：" in text
    assert "上一年度在本市缴纳个人所得税每满2000元得1分，本项最高20分" in text
    with db.transaction() as s:  # nothing is saved before the confirmation
        assert [v.ref for v in rulesets.list_versions(s, year=2026)] == ["tongxiang/2026/1"]
    response = confirm(console, shown)
    draft = version_id(db, "tongxiang/2026/2")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/versions/{draft}")
    shown = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "已导入工作簿，新建草稿 tongxiang/2026/2" in shown
    assert "上一年度在本市缴纳个人所得税每满2000元得1分" in shown and "草稿" in shown
    again = upload(console, out.getvalue(), "again.xlsx")
    assert again.status_code == 302
    assert "内容相同，未改变： tongxiang/2026/2" in console.get(again.headers["Location"]).get_data(as_text=True)


def test_a_damaged_workbook_is_refused_in_chinese_by_cell(console: Any, db: Any) -> None:
    vid = version_id(db, "tongxiang/2026/1")
    console.login("editor")
    book = openpyxl.load_workbook(io.BytesIO(console.get(f"/admin/versions/{vid}/export.xlsx").data))
    base = book["本市基础分指标"]
    row = next(r for r in range(5, base.max_row + 1) if base.cell(r, 1).value == "T2-1")
    base.cell(row, 6).value = "十"
    base.cell(row, 4).value = "任何情况"  # T2-1 has no condition: its 条件 cell is not read
    out = io.BytesIO()
    book.save(out)
    response = upload(console, out.getvalue(), "damaged.xlsx")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "文件未能导入" in page
    assert (
        f"<li>本市基础分指标!D{row}：细则的这一列不读取，请留空</li><li>本市基础分指标!F{row}：应为数字，填写的是“十”</li>"
        in page
    )
    not_ours = upload(console, b"not a workbook", "x.xlsx").get_data(as_text=True)
    assert "文件：不是 Excel 工作簿（.xlsx）" in not_ours
    with db.transaction() as s:
        assert [v.ref for v in rulesets.list_versions(s)] == ["tongxiang/2026/1", "tongxiang/2025/1"]


def test_only_editors_upload(console: Any) -> None:
    console.login("auditor")
    assert upload(console, b"", "x.xlsx").status_code == 403


@pytest.mark.parametrize("role", ["editor", "auditor"])
def test_a_comparison_downloads_as_a_workbook(console: Any, db: Any, role: str) -> None:
    a, b = version_id(db, "tongxiang/2025/1"), version_id(db, "tongxiang/2026/1")
    console.login(role)
    page = console.get(f"/admin/compare/?a={a}&b={b}").get_data(as_text=True)
    assert f'href="/admin/compare/export.xlsx?a={a}&amp;b={b}">下载Excel</a>' in page
    response = console.get(f"/admin/compare/export.xlsx?a={a}&b={b}")
    assert response.status_code == 200 and response.mimetype == MIMETYPE
    assert 'filename="compare-tongxiang-2025-1-tongxiang-2026-1.xlsx"' in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    codes = [r[3] for r in book["结构差异"].iter_rows(min_row=5, values_only=True)]
    assert {"T2-2", "T5-5", "T7-1", "T8-4"} <= set(codes)
    missing = console.get(f"/admin/compare/export.xlsx?a={a}&b=99999")
    assert missing.status_code == 302 and "/admin/compare/?a=" in missing.headers["Location"]


def test_materials_over_the_limit_are_refused_in_chinese_at_their_cell(console: Any, db: Any) -> None:
    vid = version_id(db, "tongxiang/2026/1")
    console.login("editor")
    book = openpyxl.load_workbook(io.BytesIO(console.get(f"/admin/versions/{vid}/export.xlsx").data))
    base = book["本市基础分指标"]
    at = next(c for c in range(1, base.max_column + 1) if base.cell(4, c).value == "证明材料")
    row = next(r for r in range(5, base.max_row + 1) if base.cell(r, 1).value == "T2-1")
    base.cell(row, at).value = "\n".join(f"缴费证明{k}" for k in range(21))
    out = io.BytesIO()
    book.save(out)
    page = upload(console, out.getvalue(), "materials.xlsx").get_data(as_text=True)
    letter = openpyxl.utils.get_column_letter(at)
    assert f"<li>本市基础分指标!{letter}{row}：证明材料最多填写 20 项（每项一行），现有 21 项</li>" in page
