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
