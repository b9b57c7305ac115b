"""A console user's browser tab for the browser tests (the fixtures that start the service and Chromium are in
tests/e2e/conftest.py)."""

from __future__ import annotations

import shutil
from typing import Any

from tests.conftest import PASSWORD, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "test-output" / "e2e"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", "--disable-quic"]  # fmt: skip


class Chromium:
    """Chromium for a run of consecutive browser tests in this process: launched for the first of them, closed after
    the last (tests/conftest.py's ``pytest_runtest_teardown``). A launch takes seconds, longer than many of the tests."""

    def __init__(self) -> None:
        self._playwright: Any = None
        self._browser: Any = None

    def launched(self) -> Any:
        if self._browser is not None and not self._browser.is_connected():
            self.close()  # it crashed or was closed: a new one
        if self._browser is None:
            from playwright.sync_api import sync_playwright

            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        return self._browser

    def close(self) -> None:
        browser, playwright, self._browser, self._playwright = self._browser, self._playwright, None, None
        try:
            if browser is not None and browser.is_connected():
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()


CHROMIUM_OF_PROCESS = Chromium()


class Visit:
    """One user's browser tab, refusing any request that leaves the service."""

    def __init__(self, browser: Any, base: str, width: int = 1280, height: int = 900) -> None:
        self.base = base
        self.context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        self.outside: list[str] = []
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()

    def _only_local(self, route: Any) -> None:
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def login(self, username: str, landing: str = "/admin/") -> None:
        self.page.goto(f"{self.base}/admin/login")
        self.page.fill("#username", username)
        self.page.fill("#password", PASSWORD)
        self.page.click("button[type=submit]")
        self.page.wait_for_url(f"{self.base}{landing}")

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        assert self.outside == [], f"pages tried to load from elsewhere: {self.outside}"
        self.context.close()
