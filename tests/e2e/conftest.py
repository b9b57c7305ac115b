"""The browser tests' fixtures: the service on a loopback port and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.e2e.browser import CHROMIUM, CHROMIUM_OF_PROCESS


@pytest.fixture
def server(seeded: Any) -> Iterator[str]:
    """The service on a loopback port, as a browser reaches it."""
    http = make_server("127.0.0.1", 0, seeded, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{http.server_port}"
    http.shutdown()


@pytest.fixture
def browser() -> Iterator[Any]:
    """Chromium, shared by consecutive browser tests (``CHROMIUM_OF_PROCESS``); every context a test opened is closed
    after it, so each test still begins with no page, cookie or cache of another."""
    pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium fonts-wqy-zenhei)")
    browser = CHROMIUM_OF_PROCESS.launched()
    yield browser
    for context in list(browser.contexts):
        context.close()
