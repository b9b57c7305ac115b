"""An applicant reads the standard in Chromium, on a 390 px phone (with scripts on and off) and on a 1,280 px screen:
it fits the width, its table of contents leads to each indicator, and axe-core finds no serious or critical problem."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.e2e.browser import SHOTS

pytestmark = pytest.mark.browser

WIDTHS = "({page: document.documentElement.scrollWidth, view: window.innerWidth})"


class Reader:
    """A browser tab that may load nothing but the service's own pages and files."""

    def __init__(self, browser: Any, base: str, width: int, scripts: bool = True) -> None:
        self.base = base
        self.outside: list[str] = []
        self.context = browser.new_context(
            locale="zh-CN", viewport={"width": width, "height": 800}, java_script_enabled=scripts
        )
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.page.set_default_timeout(15_000)

    def _only_local(self, route: Any) -> None:
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def find_the_standard(self) -> Any:
        """From the front page to the standard, then to one indicator by the table of contents."""
        page = self.page
        page.goto(f"{self.base}/")
        page.click("nav.site-nav >> text=积分标准")
        page.wait_for_url(f"{self.base}/standard")
        assert "2026年度" in page.inner_text("h1")
        sizes = page.evaluate(WIDTHS)
        assert sizes["page"] <= sizes["view"], sizes  # nothing wider than the screen
        page.click('.toc a[href="#ind-T3"]')
        assert page.url.endswith("#ind-T3")
        assert page.locator("#ind-T3").is_visible() and "证明材料" in page.inner_text("#ind-T3")
        return page

    def close(self) -> None:
        assert self.outside == [], f"pages tried to load from elsewhere: {self.outside}"
        self.context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_standard_reads_well_on_a_phone_and_a_desktop(server: str, browser: Any, seeded: Any, width: int) -> None:
    from axe_playwright_python.sync_playwright import Axe

    seeded.config["TODAY"] = lambda: dt.date(2026, 6, 1)
    reader = Reader(browser, server, width)
    page = reader.find_the_standard()
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in bad]
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"public-standard-{width}.png"), full_page=width == 390)
    reader.close()
    if width == 390:  # the same on a phone with scripts off (axe-core itself needs them)
        without = Reader(browser, server, width, scripts=False)
        without.find_the_standard()
        without.close()
