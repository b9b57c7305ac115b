"""A department's queue in a real headless Chromium: 人力社保局 confirms one fact and corrects another, which was the
last open task, so the application is scored; then the bureau sees it on the dashboard and publishes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jifen import applications
from jifen.access import users
from jifen.applications import Actor, Context, workdays
from tests.conftest import PASSWORD
from tests.e2e.browser import Visit

pytestmark = pytest.mark.browser
TODAY = dt.date(2025, 10, 20)
APPLICANT = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "insurance_months": 36,
             "local_insurance_months": 24}  # fmt: skip
OTHERS = {
    "公安局": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "criminal_records": None,
              "detentions": None, "drug_rehab": None, "serious_traffic_violations": None},
    "法院": {"court_noncompliance": None, "professional_lending": None},
    "信访局": {"petition_disorder": None},
}  # fmt: skip


def _context(s: Any, department: str | None = None) -> Context:
    return Context(s, Actor("client", department or "intake", None, department), TODAY, workdays.load(s))


@pytest.fixture
def applied(seeded: Any, db: Any) -> None:
    """Two applications: TX-E2E-1 verified by every department but 人力社保局, TX-E2E-OLD overdue since February."""
    seeded.config["TODAY"] = lambda: TODAY
    with db.transaction() as s:
        users.create_user(s, "hrss", "department", PASSWORD, "test", "人力社保局")
        applications.receive(_context(s), "TX-E2E-1", 2025, dt.date(2025, 10, 10), "window", APPLICANT)
        applications.receive(_context(s), "TX-E2E-OLD", 2025, dt.date(2025, 1, 24), "online", APPLICANT)
    for department, facts in OTHERS.items():
        with db.transaction() as s:
            applications.verify(_context(s, department), "TX-E2E-1", 2025, department, facts, "records")


def _watch_policy(visit: Visit) -> list[str]:
    """Messages of the browser about the Content-Security-Policy refusing something (an inline script, say)."""
    refused: list[str] = []
    visit.page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return refused


def test_a_department_verifies_from_its_queue_and_the_bureau_publishes(
    server: str,
    browser: Any,
    applied: None,
) -> None:
    clerk = Visit(browser, server)
    refused = _watch_policy(clerk)
    clerk.page.goto(f"{server}/admin/login")
    clerk.page.fill("#username", "hrss")
    clerk.page.fill("#password", PASSWORD)
    clerk.page.click("button[type=submit]")
    clerk.page.wait_for_url(f"{server}/admin/queue/")  # a department's first page is its queue
    rows = clerk.page.locator("#queue-table tbody tr")
    assert rows.nth(0).get_attribute("data-ref") == "TX-E2E-OLD" and "已逾期" in rows.nth(0).inner_text()
    assert rows.nth(1).get_attribute("data-ref") == "TX-E2E-1"
    assert clerk.page.locator("nav").get_by_text("指标版本").count() == 0
    clerk.shot("queue-01-list")

    clerk.page.click("tr[data-ref='TX-E2E-1'] a:has-text('核查')")
    clerk.page.wait_for_selector("#verify-form")
    clerk.page.wait_for_load_state("load")  # applications.js listens for the typing below once it has run
    facts = clerk.page.inner_text("#facts-table")
    assert "在浙江省累计缴纳社会保险月数" in facts and "在桐乡市累计缴纳社会保险月数" in facts
    assert clerk.page.is_checked("#choice_insurance_months_confirm")  # confirmed unless said otherwise
    clerk.page.fill("#value_local_insurance_months", "20")
    # typing a value chooses "更正" (applications.js, allowed by the policy as a file)
    assert clerk.page.is_checked("#choice_local_insurance_months_correct")
    clerk.page.fill("#note", "省社保系统：桐乡参保20个月")
    clerk.shot("queue-02-task")
    clerk.page.click("#verify-form button[type=submit]")
    clerk.page.wait_for_url(f"{server}/admin/queue/")
    clerk.page.wait_for_selector("text=积分已计算")
    assert "已计分，待公示" in clerk.page.inner_text(".alert-success")
    assert clerk.page.locator("tr[data-ref='TX-E2E-1']").count() == 0  # done: it left the queue
    clerk.shot("queue-03-done")
    assert refused == []
    clerk.close()

    bureau = Visit(browser, server)
    refused = _watch_policy(bureau)
    bureau.login("publisher")
    bureau.page.click("nav >> text=申请办理")
    bureau.page.wait_for_selector("#state-counts")
    assert bureau.page.inner_text("#state-counts tr[data-state='scored'] td.num") == "1"
    overdue = bureau.page.locator("#overdue-table tbody tr")
    assert overdue.count() == 4 and all("TX-E2E-OLD" in t for t in overdue.all_inner_texts())
    bureau.shot("queue-04-dashboard")
    bureau.page.goto(f"{server}/admin/applications/2025/TX-E2E-1")
    assert bureau.page.inner_text("#application-state") == "已计分，待公示"
    timeline = bureau.page.inner_text("#timeline")
    assert "hrss（控制台用户，人力社保局）" in timeline and "省社保系统：桐乡参保20个月" in timeline
    assert "更正" in bureau.page.inner_text(".score-card")
    bureau.page.on("dialog", lambda dialog: dialog.accept())  # 确认公示…？
    bureau.page.fill("#published_on", "2025-10-20")
    bureau.page.click("#publish-form button[type=submit]")
    bureau.page.wait_for_selector("text=已公示 TX-E2E-1")
    assert bureau.page.inner_text("#application-state") == "已公示"
    assert "异议期至 2025-10-23（周四）" in bureau.page.inner_text("#application-summary")
    bureau.shot("queue-05-published")
    bureau.page.click("nav >> text=工作日历")
    bureau.page.wait_for_selector("#calendar-years")
    bureau.page.fill("#year", "2027")
    bureau.page.click("button:has-text('查看')")
    bureau.page.wait_for_selector("#year-status")
    bureau.page.fill("#first", "2027-01-01")
    bureau.page.fill("#note", "元旦")
    bureau.page.click("#calendar-form button[type=submit]")
    bureau.page.wait_for_selector("text=已录入 1 天")
    assert "元旦" in bureau.page.inner_text("#calendar-entries")
    bureau.shot("queue-06-calendar")
    assert refused == []
    bureau.close()
