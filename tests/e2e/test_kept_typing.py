"""No typing lost in a real browser: the decision table is saved after the session ended in another tab; after
logging in again, the typing comes back and is saved with one click."""

from __future__ import annotations

from typing import Any

import pytest

from jifen.standard import drafts, rulesets
from tests.conftest import PASSWORD
from tests.e2e.browser import Visit

pytestmark = pytest.mark.browser


def test_saving_the_table_after_logging_out_in_another_tab_keeps_the_typing(server: str, browser: Any, db: Any) -> None:
    with db.transaction() as s:
        vid = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id
    editor = Visit(browser, server, width=390, height=844)
    editor.login("editor")
    page = editor.page
    page.goto(f"{server}/admin/tables/{vid}/T3")
    page.fill("#name", "居住情况及住所（保留测试）")
    other_tab = editor.context.new_page()  # the same browser: the cookie is shared
    other_tab.set_viewport_size({"width": 1280, "height": 900})  # a wide window: 退出 is in the bar, not folded
    other_tab.goto(f"{server}/admin/")
    other_tab.click("form[action$='/admin/logout'] button")
    other_tab.wait_for_url(f"{server}/admin/login")
    page.click("button:has-text('保存整个指标项')")
    page.wait_for_url(f"{server}/admin/login?**")
    assert "您刚才填写的内容已保留，尚未保存" in page.inner_text("body")
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#send-kept")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    editor.shot("kept-01-offer")
    page.click("#send-kept")
    page.wait_for_selector("text=已保存：指标项 T3（表格）")
    with db.transaction() as s:
        t3 = drafts.locate(rulesets.document(rulesets.get_version(s, vid)), ("table", "T3"))[1]
    assert t3["name"] == "居住情况及住所（保留测试）"
    editor.close()
