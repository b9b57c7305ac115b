"""核验积分凭证 in Chromium on a 390 px phone, arriving from the receipt's QR code: the verdict, nothing wider than
the screen, axe-core finding no serious or critical violation; then a tampered statement pasted into the form."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from jifen.store.models import StatementRow
from tests.e2e import conftest as e2e
from tests.e2e.browser import Visit
from tests.statements.conftest import Life

pytestmark = pytest.mark.browser
server, browser = e2e.server, e2e.browser  # the browser tests' fixtures, here too


def test_the_verification_page_on_a_phone(life: Life, db: Any, server: str, browser: Any) -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    life.published("TX-B1")
    with db.transaction() as s:
        statement = s.scalars(select(StatementRow.jws)).one()
    visit = Visit(browser, server, width=390, height=844)
    page = visit.page
    page.goto(f"{server}/verify?s={statement}")
    assert page.locator("h1").inner_text() == "核验积分凭证"
    assert page.locator("#verify-result").get_attribute("data-status") == "valid"
    assert "TX-B1" in page.locator("#verify-claims").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    results = Axe().run(page)
    grave = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert grave == [], results.generate_report()
    visit.shot("verify-390")
    header, payload, signature = statement.split(".")
    page.fill("#statement", ".".join([header, payload, signature[:-2] + ("AA" if signature[-2:] != "AA" else "BA")]))
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("#verify-result[data-signature='invalid']")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    visit.close()
