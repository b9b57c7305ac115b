from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from tests.conftest import PASSWORD


class Console:
    """A logged-in browser session of the console (a Flask test client that keeps its cookies)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.client = app.test_client()

    def login(self, username: str, password: str = PASSWORD) -> Any:
        self.client.post("/admin/logout")
        return self.client.post("/admin/login", data={"username": username, "password": password})

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return self.client.post(url, data=data or {}, **kwargs)


class _FormValues(HTMLParser):
    """The values a browser would submit for the forms of a page (inputs, selected options, textareas)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("type") not in ("checkbox", "file", "submit"):
            self.values[a["name"]] = a.get("value") or ""  # type: ignore[index]
        elif tag == "select":
            self._select = a.get("name")
            if self._select:
                self.values.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def form_values(html: str) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(html)
    return parser.values


@pytest.fixture
def console(seeded: Any) -> Console:
    seeded.config["WTF_CSRF_ENABLED"] = False  # CSRF itself is tested with it on, in test_security.py
    return Console(seeded)
