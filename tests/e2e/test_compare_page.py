"""An auditor compares versions in Chromium: the page opens on the version in force against the newest draft, shows
each change before → after with the differing parts marked, fits 1,280 px, and stays usable on a 390 px phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.admin.test_compare_page import draft_2027, version_id
from tests.e2e.browser import Visit

pytestmark = pytest.mark.browser

WIDTHS = "({page: document.documentElement.scrollWidth, view: window.innerWidth})"


def _open(visit: Any, path: str) -> None:
    visit.page.goto(f"{visit.base}{path}")
    visit.page.wait_for_selector("#impact-table")  # the comparison has been drawn


def test_the_comparison_fits_the_page_and_marks_what_changed(server: str, browser: Any, db: Any) -> None:
    draft = draft_2027(db)
    auditor = Visit(browser, server)
    auditor.login("auditor")
    auditor.page.click("nav >> text=版本对比")
    auditor.page.wait_for_selector("#impact-table")
    page = auditor.page
    assert page.input_value("#a") == str(version_id(db, "tongxiang/2026/1")) and page.input_value("#b") == str(draft)
    assert "默认对比今天" in page.inner_text("#compare-note")

    rent = page.locator("#change-item-T3-3")
    assert "得10分" in rent.locator("td.before").inner_text() and "得12分" in rent.locator("td.after").inner_text()
    assert rent.locator("td.before del").all_inner_texts() == ["的", "10"]
    assert rent.locator("td.after ins").all_inner_texts() == ["12"]
    added = page.locator("#change-item-T5-6")
    assert added.locator("td.before").inner_text() == "（无）"
    assert "技能竞赛获奖每次得5分，本项最高10分" in added.locator("td.after").inner_text()
    typical = page.locator("#impact-table tr", has_text="典型技术工人")
    assert typical.locator("td.num").all_inner_texts() == ["203.5", "205.5", "+2"]
    assert typical.locator("td.num").first.evaluate("td => getComputedStyle(td).textAlign") == "right"

    widths = page.evaluate(WIDTHS)
    assert widths["page"] <= widths["view"], widths  # no horizontal scroll at 1,280 px
    auditor.shot("compare-1280-draft")
    _open(auditor, f"/admin/compare/?a={version_id(db, 'tongxiang/2025/1')}&b={version_id(db, 'tongxiang/2026/1')}")
    widths = page.evaluate(WIDTHS)
    assert widths["page"] <= widths["view"], widths  # the long rows (the test cases' facts) wrap too
    auditor.shot("compare-1280-2025-2026")
    auditor.close()

    phone = Visit(browser, server, width=390, height=844)
    phone.login("auditor")
    _open(phone, f"/admin/compare/?a={version_id(db, 'tongxiang/2026/1')}&b={draft}")
    wrapper = phone.page.locator(".compare-scroll").first
    scroll = wrapper.evaluate("w => ({inner: w.scrollWidth, shown: w.clientWidth})")
    assert scroll["inner"] <= scroll["shown"], scroll  # nothing to scroll sideways: each change is a block of its own
    cell = phone.page.locator("#diff-table tbody tr td").first
    assert cell.evaluate("c => getComputedStyle(c).display") == "block" and cell.get_attribute("data-label")
    box = wrapper.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, box  # … which stays on the screen
    phone.shot("compare-390")
    phone.close()
