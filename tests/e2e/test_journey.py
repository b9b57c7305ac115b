"""The yearly work in a real headless Chromium, at a desk (1,280 px) and on a phone (390 px): draft 2027, change a
rule, fix a case, check it (校验), publish, use it, compare, audit it."""

from __future__ import annotations

from typing import Any

import pytest

from jifen.access import api_clients
from jifen.standard import rulesets
from tests.e2e.browser import Visit

pytestmark = pytest.mark.browser


def _nav(visit: Visit, text: str) -> None:
    """Click a menu entry; on a phone the menu opens from its toggler first."""
    toggler = visit.page.locator("nav.navbar .navbar-toggler")
    if toggler.is_visible():
        toggler.click()
    visit.page.click(f"nav >> text={text}")


@pytest.mark.parametrize("width", [1280, 390])
def test_yearly_journey(server: str, browser: Any, seeded: Any, db: Any, width: int) -> None:
    def visit() -> Visit:
        return Visit(browser, server, width=width, height=844 if width == 390 else 900)

    # -- an editor drafts 2027 from 2026 and raises 登记备案租赁住房 from 10 to 12 points
    editor = visit()
    editor.login("editor")
    assert editor.page.title() == "首页 - 桐乡市居住证积分"
    editor.shot(f"01-home-{width}")
    _nav(editor, "指标版本")
    editor.shot(f"02-versions-{width}")
    editor.page.click("text=tongxiang/2026/1")
    editor.shot(f"03-version-2026-{width}")
    editor.page.fill("#clone-year", "2027")
    editor.page.click("button:has-text('克隆')")
    editor.page.wait_for_selector("text=已创建草稿 tongxiang/2027/1")
    editor.page.click("#item-T3-3 >> text=编辑")
    editor.page.fill("#fixed", "12")
    editor.shot(f"04-edit-item-{width}")
    editor.page.click("button:has-text('保存')")
    editor.page.wait_for_selector("text=已保存：赋分细则 T3-3")
    assert "当在本市的住所为登记备案的租赁住房时，得12分" in editor.page.inner_text("#item-T3-3")
    editor.page.click("text=运行测试用例")
    assert "15 / 16 个用例通过，1 个未通过" in editor.page.inner_text("#case-summary")
    editor.shot(f"05-cases-failing-{width}")
    editor.page.click("tr.fail >> text=修改用例")
    editor.page.fill("#exp_total", "205.5")
    editor.page.fill("#exp_cat_base", "108.5")
    editor.page.fill("#exp_ind_T3", "34.5")
    editor.page.click("#case-form button:has-text('保存')")
    assert "16 / 16 个用例通过" in editor.page.inner_text("#case-summary")
    editor.shot(f"06-cases-passing-{width}")
    draft_url = editor.page.url.replace("/cases", "")
    # -- 校验 tells the whole truth in one sentence before anyone publishes
    editor.page.goto(draft_url)
    editor.page.click("text=校验")
    assert "tongxiang/2027/1 校验通过：结构无误" in editor.page.inner_text("main, body")
    assert editor.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    editor.close()

    # -- an auditor may look but not edit
    auditor = visit()
    auditor.login("auditor")
    with db.transaction() as s:
        draft_id = rulesets.get_version(s, "tongxiang/2027/1").id
    refused = auditor.page.goto(f"{server}/admin/drafts/{draft_id}/items/T3-3")
    assert refused is not None and refused.status == 403
    auditor.page.goto(draft_url)
    assert (
        auditor.page.locator("text=编辑").count() == 0 and auditor.page.locator("button:has-text('发布')").count() == 0
    )

    # -- a publisher publishes it
    publisher = visit()
    publisher.login("publisher")
    publisher.page.goto(draft_url)
    publisher.page.fill("#note", "2027年度标准：登记备案租赁住房加分提高到12分")
    publisher.page.click("button:has-text('发布')")
    publisher.page.wait_for_selector("#confirm-form")  # asked first: which version is in force from when
    assert "2027-01-01" in publisher.page.inner_text("#timeline-2")
    assert "tongxiang/2027/1" in publisher.page.inner_text("#timeline-2")
    publisher.shot(f"07-publish-confirm-{width}")
    publisher.page.click("button:has-text('确认发布')")
    publisher.page.wait_for_selector("text=已发布 tongxiang/2027/1")
    publisher.shot(f"07-published-{width}")
    publisher.close()

    # -- an outside system scoring for 2027 gets the new points
    with db.transaction() as s:
        _, key = api_clients.create_client(s, "school-system", ["score"], "admin")
    facts = {
        "permit_valid": True,
        "permit_endorsed": True,
        "birth_date": "1990-05-01",
        "application_date": "2027-03-01",
        "dwelling": "registered_rental",
    }
    response = seeded.test_client().post("/api/v1/scores", json={"application_ref": "TX-2027-1", "year": 2027, "facts": facts, "as_of": "2027-03-01"},
                                         headers={"Authorization": f"Bearer {key}"})  # fmt: skip
    assert response.status_code == 201 and response.json["version"]["year"] == 2027
    t3 = next(i for i in response.json["indicators"] if i["code"] == "T3")
    assert next(i for i in t3["items"] if i["code"] == "T3-3")["points"] == 12

    # -- the auditor compares 2026 and 2027: exactly that change
    _nav(auditor, "版本对比")
    auditor.page.select_option("#a", label="tongxiang/2026/1（已发布）")
    auditor.page.select_option("#b", label="tongxiang/2027/1（已发布）")
    auditor.page.click("button:has-text('对比')")
    auditor.page.wait_for_selector("#impact-table")  # the comparison's page has loaded
    starred = [r for r in auditor.page.locator("#diff-table tr").all_inner_texts() if r.startswith("★")]
    assert len(starred) == 1 and "T3-3" in starred[0] and "10" in starred[0] and "12" in starred[0]
    impact = auditor.page.inner_text("#impact-table")
    assert "典型技术工人" in impact and "+2" in impact
    auditor.shot(f"08-compare-{width}")
    _nav(auditor, "试算")
    auditor.page.fill("#fact_birth_date", "1990-05-01")
    auditor.page.select_option("#fact_permit_valid", "true")
    auditor.page.select_option("#fact_permit_endorsed", "true")
    auditor.page.select_option("#fact_education", "college")
    auditor.page.click("button:has-text('计算')")
    assert "总分" in auditor.page.inner_text("#tryit-total")
    auditor.shot(f"09-tryit-{width}")
    auditor.page.goto(f"{server}/admin/audit/")
    auditor.shot(f"10-audit-log-{width}")
    auditor.close()
