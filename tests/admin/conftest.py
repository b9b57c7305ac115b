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


class _FormFields(HTMLParser):
    """Every (name, value) pair a browser submits for one form: inputs, checked boxes, each selected option of a
    multiple select, textareas; a <template>'s contents are not part of the form."""

    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.fields: list[tuple[str, str]] = []
        self._in_form = self._template = False
        self._select: str | None = None
        self._multiple = False
        self._options: list[tuple[str, bool]] = []  # the open select's options: (value, selected)
        self._textarea: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("id") == self.form_id
        elif tag == "template":
            self._template = True
        if not self._in_form or self._template or tag not in ("input", "select", "option", "textarea"):
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("file", "submit", "button"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((name, a.get("value") or ("on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select, self._multiple, self._options = name, "multiple" in a, []
        elif tag == "option" and self._select:
            self._options.append((a.get("value") or "", "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not self._multiple and self._options:  # a single select sends its first option
                chosen = [self._options[0][0]]
            self.fields += [(self._select, value) for value in (chosen if self._multiple else chosen[-1:])]
            self._select = None
        elif tag == "template":
            self._template = False
        elif tag == "form":
            self._in_form = False
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, self._text.removeprefix("\n")))
            self._textarea = None


def form_fields(html: str, form_id: str) -> list[tuple[str, str]]:
    """What a browser would submit for form ``form_id`` of a page, every pair in order (names may repeat)."""
    parser = _FormFields(form_id)
    parser.feed(html)
    return parser.fields


def form_values(html: str) -> dict[str, str]:
    parser = _FormValues()
    parser.feed(html)
    return parser.values


@pytest.fixture
def console(seeded: Any) -> Console:
    seeded.config["WTF_CSRF_ENABLED"] = False  # CSRF itself is tested with it on, in test_security.py
    return Console(seeded)
