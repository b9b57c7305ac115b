"""A year's change made in the console alone, in a real headless Chromium: an indicator built in the decision
table, a category cap and an eligibility requirement changed, a conflicting edit in a second tab, the draft
published after confirmation, and the auditor reading what changed."""

from __future__ import annotations

from typing import Any

import pytest

from jifen.standard import rulesets
from tests.conftest import PASSWORD
from tests.e2e.browser import Visit

pytestmark = pytest.mark.browser


def _document(db: Any, vid: int) -> dict[str, Any]:
    with db.transaction() as s:
        return rulesets.document(rulesets.get_version(s, vid))


def _no_page_scroll(visit: Visit) -> bool:
    return bool(visit.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_year_in_the_console_with_the_decision_table(server: str, browser: Any, db: Any) -> None:
    with db.transaction() as s:
        vid = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id
    draft_url = f"{server}/admin/versions/{vid}"
    editor = Visit(browser, server)
    editor.login("editor")
    page = editor.page

    # -- a category cap and an eligibility requirement
    page.goto(draft_url)
    page.click("#category-deduction >> text=修改")
    page.fill("#cap", "200")
    page.click("#category-form button:has-text('保存')")
    page.wait_for_selector("text=已保存")
    assert "200" in page.inner_text("#category-deduction")
    page.click("#requirement-permit_endorsed >> text=修改")
    page.fill("#reason", "居住证未按规定签注，不具备申请资格")
    page.click("#requirement-form button:has-text('保存')")
    page.wait_for_selector("text=已保存")
    assert "居住证未按规定签注" in page.inner_text("#requirement-permit_endorsed")

    # -- a new indicator built in the decision table
    page.click("#rules-bonus >> text=新增指标项（表格）")
    page.wait_for_selector("#decision-table")
    page.fill("#code", "B9")
    page.fill("#name", "无偿献血与住房试点")
    page.fill("#cap", "6")
    page.fill("#departments", "卫健局")
    page.select_option("#add_column", label="在本市的住所")
    page.click("button:has-text('增加此列')")  # a condition column: the page again, nothing saved yet
    page.wait_for_selector("#decision-table th:has-text('在本市的住所')")
    page.fill("[name=r0_code]", "B9-1")
    page.fill("[name=r0_label]", "住所为其他情形")
    page.select_option("[name=r0_c_dwelling_op0]", "==")
    page.select_option("[name=r0_c_dwelling_v0]", label="其他")
    page.fill("[name=r0_points]", "1e309")  # refused on its cell, what was typed kept
    page.fill("[name=r1_code]", "B9-2")
    page.fill("[name=r1_label]", "无偿献血每次得1分")
    page.select_option("[name=r1_kind]", "per_unit")
    page.fill("[name=r1_points]", "1")
    page.select_option("[name=r1_unit_field]", label="无偿献血次数")
    page.fill("[name=r1_cap]", "3")
    page.fill("[name=r1_materials]", "无偿献血证\n献血记录查询结果")  # 证明材料, one a line
    page.click("#dt-add-row")  # a row added in place
    page.wait_for_selector("[name=r2_code]")
    page.fill("[name=r2_code]", "B9-0")
    page.fill("[name=r2_label]", "排在最前的细则")
    page.select_option("[name=r2_c_dwelling_op0]", "==")
    page.select_option("[name=r2_c_dwelling_v0]", label="单位集体宿舍")
    page.fill("[name=r2_points]", "0.5")
    page.fill("[name=r2_materials]", "单位集体宿舍证明")  # in a row the page's script added
    page.locator("tr[data-row='2'] button[title='上移']").click()
    page.locator("tr[data-row='2'] button[title='上移']").click()
    editor.shot("table-01-new-indicator-1280")
    page.click("button:has-text('保存整个指标项')")
    page.wait_for_selector("#cell-problems")
    said = page.inner_text("#cell-problems")
    assert "第2行（B9-1） · 分值" in said and "政策依据条款：" in said  # rows shown as they will be ordered
    assert page.input_value("[name=r0_points]") == "1e309"
    assert page.locator("tr.dt-row [name$=_code]").first.input_value() == "B9-0"
    editor.shot("table-02-problem-on-cell")
    page.fill("[name=r0_points]", "2")
    page.fill("#reference", "2027年度试点通知")
    page.click("button:has-text('保存整个指标项')")
    page.wait_for_selector("text=已保存：指标项 B9（表格）")
    b9 = next(i for i in _document(db, vid)["indicators"] if i["code"] == "B9")
    assert [i["code"] for i in b9["items"]] == ["B9-0", "B9-1", "B9-2"]
    assert b9["items"][1]["when"] == {"field": "dwelling", "op": "==", "value": "other"}
    assert b9["items"][2]["per_unit"] == {"field": "blood_donations", "rate": 1} and b9["items"][2]["cap"] == 3
    assert b9["items"][2]["materials"] == ["无偿献血证", "献血记录查询结果"]
    assert b9["items"][0]["materials"] == ["单位集体宿舍证明"] and "materials" not in b9["items"][1]
    assert page.input_value("[name=r2_materials]") == "无偿献血证\n献血记录查询结果"  # loaded again as saved
    assert "无偿献血每次得1分，本项最高3分" in page.inner_text("#decision-table")  # the saved rows in words
    assert _no_page_scroll(editor)

    # -- two tabs on one indicator: changes to different parts are merged; the same item changed twice is a
    # conflict that keeps this tab's typing and says what the other changed
    other = Visit(browser, server)
    other.login("editor")
    table_url = f"{server}/admin/tables/{vid}/T3"
    page.goto(table_url)
    other.page.goto(table_url)

    def t3_3(visit: Visit) -> Any:
        return visit.page.locator("tr.dt-row", has=visit.page.locator("[name$=_code][value='T3-3']"))

    t3_3(editor).locator("[name$=_cap]").fill("10")
    page.click("button:has-text('保存整个指标项')")
    page.wait_for_selector("text=已保存：指标项 T3（表格）")
    other.page.fill("#name", "居住情况及住所（2027）")
    other.page.click("button:has-text('保存整个指标项')")
    other.page.wait_for_selector("text=已同时保留其他人刚才的修改")
    page.goto(table_url)
    other.page.goto(table_url)
    t3_3(editor).locator("[name$=_cap]").fill("12")
    page.click("button:has-text('保存整个指标项')")
    page.wait_for_selector("text=已保存：指标项 T3（表格）")
    t3_3(other).locator("[name$=_cap]").fill("11")
    other.page.click("button:has-text('保存整个指标项')")
    other.page.wait_for_selector("#conflict")
    said = other.page.inner_text("#conflict")
    assert "细则 T3-3" in said and "本项最高10分" in said and "本项最高12分" in said
    assert t3_3(other).locator("[name$=_cap]").input_value() == "11"
    other.shot("table-03-conflict")
    other.page.click("button:has-text('保存整个指标项')")  # saved again, on purpose
    other.page.wait_for_selector("text=已保存：指标项 T3（表格）")
    t3 = next(i for i in _document(db, vid)["indicators"] if i["code"] == "T3")
    assert t3["name"] == "居住情况及住所（2027）"
    assert next(i for i in t3["items"] if i["code"] == "T3-3")["cap"] == 11
    other.close()

    # -- the table on a phone: usable, the table scrolls inside its frame
    phone = Visit(browser, server, width=390, height=844)
    phone.login("editor")
    phone.page.goto(table_url)
    phone.page.wait_for_selector("#decision-table")
    assert _no_page_scroll(phone)
    phone.shot("table-04-phone-390")
    phone.close()
    editor.close()

    # -- published after confirmation
    publisher = Visit(browser, server)
    publisher.login("publisher")
    publisher.page.goto(draft_url)
    publisher.page.fill("#note", "2027年度标准：新增B9，减分类别上限200分")
    publisher.page.click("button:has-text('发布')")
    publisher.page.wait_for_selector("#confirm-form")
    assert "tongxiang/2027/1" in publisher.page.inner_text("#timeline-2")  # which version is in force from when
    publisher.page.click("button:has-text('确认发布')")
    publisher.page.wait_for_selector("text=已发布 tongxiang/2027/1")
    publisher.close()

    # -- the auditor reads what changed, field by field
    auditor = Visit(browser, server)
    auditor.login("auditor")
    auditor.page.goto(f"{server}/admin/audit/")
    auditor.page.locator("tr", has_text="指标项 B9（表格）").first.locator("a[title], a").first.click()
    auditor.page.wait_for_selector("#audit-changes")
    changes = auditor.page.inner_text("#audit-changes")
    assert "B9-1" in changes and "B9-2" in changes
    auditor.shot("table-05-audit")
    auditor.close()


def test_the_table_without_javascript(server: str, browser: Any, db: Any) -> None:
    """The simple cases work with scripts off: order by the 顺序 inputs, remove with 删除, add a row from the server."""
    with db.transaction() as s:
        vid = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{server}/admin/login")
    page.fill("#username", "editor")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/admin/")
    page.goto(f"{server}/admin/tables/{vid}/P2")
    assert page.locator("[name=r0_order]").is_visible() and page.locator("button.dt-move").count() == 0
    page.click("button:has-text('增加一行')")
    page.wait_for_selector("[name=r5_code]")  # three items, two empty rows, and the one asked for
    page.fill("[name=r0_order]", "3")
    page.fill("[name=r2_order]", "1")
    page.check("[name=r1_delete]")
    page.fill("[name=r5_code]", "P2-9")
    page.fill("[name=r5_label]", "其他学历")
    page.select_option("[name=r5_c_education_op0]", "==")
    page.select_option("[name=r5_c_education_v0]", label="初中及以下")
    page.fill("[name=r5_points]", "2")
    page.select_option("[name=r5_group]", label="不累加分组1")
    page.fill("[name=r5_order]", "9")
    page.click("button:has-text('保存整个指标项')")
    page.wait_for_selector("text=已保存：指标项 P2（表格）")
    p2 = next(i for i in _document(db, vid)["indicators"] if i["code"] == "P2")
    assert [i["code"] for i in p2["items"]] == ["P2-3", "P2-1", "P2-9"]
    assert p2["items"][2] == {"code": "P2-9", "label": "其他学历", "when": {"field": "education", "op": "==", "value": "below"},
                              "fixed": 2, "group": "education"}  # fmt: skip
    context.close()
