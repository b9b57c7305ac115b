"""申请时间 in Chromium as an applicant sees it: on a 390 px phone and at 1,280 px, with and without scripts,
nothing wider than the screen, and axe-core finding no serious or critical violation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jifen.applications import periods
from tests.e2e import conftest as e2e
from tests.e2e.browser import Visit

pytestmark = pytest.mark.browser
server, browser = e2e.server, e2e.browser  # the browser tests' fixtures, here too
D = dt.date


@pytest.mark.parametrize(("width", "scripts"), [(390, True), (1280, True), (390, False)])
def test_the_periods_page_on_a_phone_and_a_desk(
    seeded: Any,
    db: Any,
    server: str,
    browser: Any,
    width: int,
    scripts: bool,
) -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    seeded.config["TODAY"] = lambda: D(2026, 3, 10)
    with db.transaction() as s:
        periods.add(s, 2026, D(2026, 3, 1), D(2026, 3, 31), "春季集中受理：请带齐居住证和证明材料", "publisher")
        periods.add(s, 2026, D(2026, 9, 1), D(2026, 9, 30), "", "publisher")
        periods.add(s, 2025, D(2025, 4, 1), D(2025, 4, 30), "", "publisher")
    visit = Visit(browser, server, width=width, height=844 if width == 390 else 900)
    if not scripts:
        visit.context.close()
        visit.context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 844},
                                            java_script_enabled=False)  # fmt: skip
        visit.context.route("**/*", visit._only_local)
        visit.page = visit.context.new_page()
    page = visit.page
    page.goto(f"{server}/")
    page.click("a[href='/application-periods'] >> nth=0")
    page.wait_for_url(f"{server}/application-periods")
    assert page.locator("h1").inner_text() == "申请时间"
    assert "2026年3月1日至3月31日" in page.locator("#year-2026").inner_text()
    assert "尚未公布" in page.locator("#year-2027").inner_text()
    assert page.locator("nav.crumbs a[href='/']").inner_text() == "首页"
    # nothing runs off the side of a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    if scripts:
        results = Axe().run(page)
        grave = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
        assert grave == [], results.generate_report()
    visit.shot(f"periods-{width}{'' if scripts else '-noscript'}")
    visit.close()
