"""A person on a phone (390 px) or a computer (1,280 px), scripts off, fills in the self-assessment, sees their total,
opens the printable materials list and prints it on one A4 page; axe-core finds nothing serious on the way."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from engine import load_file, score
from tests.conftest import RULESETS
from tests.e2e.browser import SHOTS

pytestmark = pytest.mark.browser

WIDTHS = "({page: document.documentElement.scrollWidth, view: window.innerWidth})"
ANSWERS = {"#f-permit_valid": "true", "#f-permit_endorsed": "true", "#f-education": "college", "#f-dwelling": "owned"}
TYPED = {"#f-birth_date": "1988-09-20", "#f-insurance_months": "60", "#f-residence_months": "72",
         "#f-local_insurance_months": "36", "#f-blood_donations": "1"}  # fmt: skip
FACTS = {"permit_valid": True, "permit_endorsed": True, "education": "college", "dwelling": "owned",
         "birth_date": "1988-09-20", "insurance_months": 60, "residence_months": 72, "local_insurance_months": 36,
         "blood_donations": 1}  # fmt: skip


def _context(browser: Any, base: str, width: int, scripts: bool) -> tuple[Any, list[str]]:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 900}, java_script_enabled=scripts)
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(base):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_local)
    return context, outside


def _serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page (run in a tab with scripts on)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in violations if v.get("impact") in ("serious", "critical")]


def _fits(page: Any) -> None:
    widths = page.evaluate(WIDTHS)
    assert widths["page"] <= widths["view"], widths


@pytest.mark.parametrize("width", [390, 1280])
def test_fill_submit_see_the_total_and_print_what_to_bring(server: str, browser: Any, width: int) -> None:
    context, outside = _context(browser, server, width, scripts=False)
    page = context.new_page()
    page.goto(f"{server}/self-assessment")
    for selector, value in ANSWERS.items():
        page.select_option(selector, value)
    for selector, value in TYPED.items():
        page.fill(selector, value)
    page.click("#assessment-form button[type=submit]")
    page.wait_for_selector("[data-total]")
    assert "/self-assessment?" in page.url and "birth_date=1988-09-20" in page.url  # a GET: the address can be shared
    expected = score(load_file(RULESETS / "tongxiang-2026.yaml"), FACTS, as_of=dt.date.today())["total"]
    assert page.get_attribute("[data-total]", "data-total") == f"{expected.normalize():f}"
    assert page.input_value("#f-birth_date") == "1988-09-20"  # the form comes back filled in
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"assessment-{width}.png"), full_page=True)
    page.click("#materials-link")
    page.wait_for_selector(".notice-list")
    assert "/self-assessment/materials?" in page.url
    assert page.locator("[data-material]").count() >= 5 and page.locator("form").count() == 0
    assert not page.is_visible("#print-button")  # it needs scripts; the browser's own print does not
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=False)
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the materials list fits one A4 page"
    (SHOTS / f"assessment-materials-{width}.pdf").write_bytes(pdf)
    context.close()
    assert outside == []
    _check_with_scripts(browser, server, width)


def _check_with_scripts(browser: Any, server: str, width: int) -> None:
    """The form, a result, a form with an error and the materials list fit the width and pass axe-core."""
    context, outside = _context(browser, server, width, scripts=True)
    page = context.new_page()
    query = "&".join(f"{k}={v}" for k, v in {**FACTS, "permit_valid": "true", "permit_endorsed": "true"}.items())
    for path in ("/self-assessment", f"/self-assessment?{query}", f"/self-assessment?{query}&insurance_months=abc",
                 f"/self-assessment/materials?{query}"):  # fmt: skip
        page.goto(f"{server}{path}")
        _fits(page)
        assert _serious(page) == [], path
    assert page.is_visible("#print-button")  # with scripts the list has its print button
    context.close()
    assert outside == []
