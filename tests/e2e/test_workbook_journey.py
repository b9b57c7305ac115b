"""A clerk in a real headless Chromium: download a draft's workbook, change a rule in Excel, upload it, read the
changes in sentences, save them into the same draft; then download the applicants' template for 影响分析."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from jifen.standard import rulesets
from tests.e2e.browser import Visit

pytestmark = pytest.mark.browser


def test_a_clerk_brings_a_workbook_back_into_its_draft(server: str, browser: Any, db: Any, tmp_path: Path) -> None:
    with db.transaction() as s:
        vid = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id
    editor = Visit(browser, server, width=390, height=844)  # on a phone
    editor.login("editor")
    editor.page.goto(f"{server}/admin/versions/{vid}")
    with editor.page.expect_download() as download:
        editor.page.click(f'a[href="/admin/versions/{vid}/export.xlsx"]')
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    bonus = book["本市加分指标"]
    row = next(r for r in range(5, bonus.max_row + 1) if bonus.cell(r, 1).value == "T7-1")
    bonus.cell(row, 5).value = "上一年度在本市缴纳个人所得税（元）每满2000得1分"
    path = tmp_path / "征求意见汇总.xlsx"
    book.save(path)

    editor.page.goto(f"{server}/admin/versions/import")
    editor.page.set_input_files("input[name=file]", str(path))
    editor.page.click("form[enctype] button[type=submit]")
    editor.page.wait_for_selector("#import-changes")
    assert "下载后该草稿没有被修改过" in editor.page.inner_text("#import-plan")
    assert "每满2000元得1分" in editor.page.inner_text("#import-changes")
    overflow = editor.page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, "the preview scrolls sideways on a phone"
    editor.shot("import-01-preview-390")
    editor.page.click("#import-confirm button[type=submit]")
    editor.page.wait_for_url(f"{server}/admin/versions/{vid}")
    assert "已导入工作簿，草稿 tongxiang/2027/1 已更新" in editor.page.inner_text("body")
    with db.transaction() as s:
        assert [v.ref for v in rulesets.list_versions(s, year=2027)] == ["tongxiang/2027/1"]

    editor.page.goto(f"{server}/admin/impact/")
    assert "tongxiang/2027/1" in editor.page.inner_text("#impact-defaults")
    with editor.page.expect_download() as template:
        editor.page.click("#impact-template")
    assert template.value.suggested_filename == "applicants-tongxiang-2027-1.xlsx"
    headers = [
        c.value for c in openpyxl.load_workbook(io.BytesIO(Path(template.value.path()).read_bytes()))["申请人"][1]
    ]
    assert headers[0] == "申请编号" and "出生日期" in headers
    editor.close()
