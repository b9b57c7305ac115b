"""Decision support in a real headless Chromium: an auditor opens a version, reads its 静态检查 and downloads it
as Excel; the workbook that arrives is the version's (same content hash when read back)."""

from __future__ import annotations

from typing import Any

import pytest

from jifen.standard import rulesets
from jifen.workbook import read_workbook
from tests.e2e.browser import Visit

pytestmark = pytest.mark.browser


def test_an_auditor_reads_the_checks_and_downloads_the_workbook(
    server: str,
    browser: Any,
    db: Any,
    tmp_path: Any,
) -> None:
    with db.transaction() as s:
        row = rulesets.get_version(s, "tongxiang/2025/1")
        vid, content_hash = row.id, row.content_hash
    auditor = Visit(browser, server)
    auditor.login("auditor")
    auditor.page.goto(f"{server}/admin/versions/{vid}")
    auditor.page.click("#lint-link")
    auditor.page.wait_for_selector("#lint-summary")
    assert "提示 1 个" in auditor.page.inner_text("#lint-summary")
    assert "获见义勇为确认" in auditor.page.inner_text("#lint-table")
    auditor.shot("lint-2025")
    auditor.page.goto(f"{server}/admin/versions/{vid}")
    with auditor.page.expect_download() as download:
        auditor.page.click("text=下载Excel")
    path = tmp_path / "2025.xlsx"
    download.value.save_as(path)
    assert download.value.suggested_filename.endswith(".xlsx")
    assert read_workbook(path.read_bytes(), path.name).content_hash == content_hash
    auditor.close()
