"""积分应用 in Chromium as an applicant sees it: a published list on a 390 px phone and at 1,280 px, nothing wider than
the screen, the references masked, and axe-core finding no serious or critical violation."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

import pytest

from jifen.scenes import definition, drafts, freezing
from jifen.statements import signing
from tests.e2e import conftest as e2e
from tests.e2e.browser import Visit
from tests.scenes.population import Person, add, scene_document

pytestmark = pytest.mark.browser
server, browser = e2e.server, e2e.browser  # the browser tests' fixtures, here too


@pytest.mark.parametrize("width", [390, 1280])
def test_a_published_list_on_a_phone_and_a_desk(seeded: Any, db: Any, server: str, browser: Any, width: int) -> None:
    from axe_playwright_python.sync_playwright import Axe  # type: ignore[import-untyped]

    with db.transaction() as s:
        add(s, [Person(f"TX-2026-{k:06d}", D(95 + 5 * k)) for k in range(6)])
        scene = drafts.create(s, definition.read(scene_document(quota=2)), "publisher")
        freezing.publish(s, scene, "publisher", signing.signer_for(seeded))
    visit = Visit(browser, server, width=width, height=844 if width == 390 else 900)
    page = visit.page
    page.goto(f"{server}/")
    page.click("a[href='/scenes'] >> nth=0")
    page.click("a[href='/scenes/school-entry-primary/2026']")
    page.wait_for_url(f"{server}/scenes/school-entry-primary/2026")
    assert page.locator("h1").inner_text() == "积分入学（小学一年级）（2026 年度）名单"
    text = page.locator("main").inner_text()
    assert "TX-2026-***005" in text and "TX-2026-000005" not in text and "名额已满（第3名，名额2）" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    results = Axe().run(page)
    grave = [v["id"] for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert grave == [], results.generate_report()
    visit.shot(f"scene-list-{width}")
    visit.close()
