"""积分查询 in Chromium as an applicant uses it: from the front page, with the code from the receipt, on a 390 px
phone and at 1,280 px, with scripts and without; axe-core finds no serious or critical violation. And the window's
materials notice printed from the console on one A4 page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.api import test_applications as life
from tests.e2e import conftest as e2e
from tests.e2e.browser import SHOTS, Visit

pytestmark = pytest.mark.browser
server, browser = e2e.server, e2e.browser  # the browser tests' fixtures, here too
api, clock, keys = life.api, life.clock, life.keys  # the application-life fixtures


def _visit(browser: Any, server: str, width: int, scripts: bool) -> Visit:
    visit = Visit(browser, server, width=width, height=844 if width == 390 else 900)
    if not scripts:
        visit.context.close()
        visit.context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 844},
                                            java_script_enabled=False)  # fmt: skip
        visit.context.route("**/*", visit._only_local)
        visit.page = visit.context.new_page()
    return visit


def _no_grave_violations(page: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    results = Axe().run(page)
    grave = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert grave == [], results.generate_report()


@pytest.mark.parametrize(("width", "scripts"), [(390, True), (1280, True), (390, False)])
def test_an_applicant_looks_up_their_points_with_the_receipts_code(
    api: Any, server: str, browser: Any, width: int, scripts: bool
) -> None:
    api.published("TX-B1", "2025-09-29")
    code = api.post("intake", "/TX-B1/2025/lookup-code", {}).json["lookup_code"]
    visit = _visit(browser, server, width, scripts)
    page = visit.page
    page.goto(f"{server}/")
    page.click("a[href='/lookup'] >> nth=0")
    page.wait_for_url(f"{server}/lookup")
    assert page.locator("h1").inner_text() == "积分查询"
    if scripts:
        _no_grave_violations(page)
    # a wrong code first: the one answer for anything wrong, the reference kept in the form
    page.fill("#application_ref", "TX-B1")
    page.fill("#year", "2025")
    page.fill("#code", "ABCD-EFGH-JKMN")
    page.click("#lookup-form button[type=submit]")
    assert "没有查到" in page.locator("#lookup-errors").inner_text()
    assert page.input_value("#application_ref") == "TX-B1" and page.input_value("#code") == ""
    visit.shot(f"lookup-not-found-{width}{'' if scripts else '-noscript'}")
    page.fill("#code", code.lower().replace("-", " "))
    page.click("#lookup-form button[type=submit]")
    assert page.locator("#lookup-state").inner_text() == "已公布"
    assert "2025年10月9日" in page.locator("#lookup-objection").inner_text()
    assert "2025年12月31日" in page.locator("#lookup-validity").inner_text()
    assert page.locator("#lookup-score [data-total]").count() == 1
    assert page.locator("#lookup-progress tbody tr").count() == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing runs off a phone
    if scripts:
        _no_grave_violations(page)
    visit.shot(f"lookup-{width}{'' if scripts else '-noscript'}")
    visit.close()


def test_the_console_prints_the_materials_notice_on_one_a4_page(
    api: Any, clock: Any, server: str, browser: Any
) -> None:
    import datetime as dt

    from api.examples import example_facts

    clock.today = dt.date(2026, 6, 1)
    body = {"application_ref": "TX-B2", "year": 2026, "received_on": "2026-03-16", "channel": "window",
            "facts": example_facts(2026)}  # fmt: skip
    notice = api.post("intake", "", body).json["materials_notice"]
    assert notice
    visit = Visit(browser, server)
    visit.login("publisher")
    page = visit.page
    page.goto(f"{server}/admin/applications/2026/TX-B2")
    assert page.locator("#materials-notice .notice-group").count() == len(notice)
    page.click("#print-notice")
    page.wait_for_url(re.compile(r".*/admin/applications/notice/2026/TX-B2$"))
    assert page.is_visible("[data-print]")
    page.emulate_media(media="print")
    assert not page.is_visible("nav.navbar") and not page.is_visible("[data-print]")
    visit.shot("materials-notice-console-print")
    pdf = page.pdf(format="A4", print_background=False)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the notice fits one A4 page"
    SHOTS.mkdir(parents=True, exist_ok=True)
    (SHOTS / "materials-notice-console.pdf").write_bytes(pdf)
    visit.close()
