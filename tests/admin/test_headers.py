"""Protective headers on every answer, and Secure cookies whenever the service is not local development."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD


@pytest.fixture
def console(seeded: Any) -> Any:
    seeded.config["WTF_CSRF_ENABLED"] = False
    return seeded


def _logged_in(app: Any, **kwargs: Any) -> Any:
    client = app.test_client()
    response = client.post("/admin/login", data={"username": "admin", "password": PASSWORD}, **kwargs)
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    "url", ["/healthz", "/api/v1/healthz", "/api/v1/openapi.json", "/api/v1/scores", "/admin/login", "/nowhere"]
)
def test_nosniff_and_no_framing_everywhere(console: Any, url: str) -> None:
    response = console.test_client().get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_answers_about_scores_are_never_cached(console: Any) -> None:
    client = console.test_client()
    for response in (client.get("/api/v1/scores"), client.get("/api/v1/scores/x"), client.post("/api/v1/scores")):
        assert response.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/api/v1/openapi.json").headers.get("Cache-Control", "")


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/versions/",
        "/admin/versions/1",
        "/admin/versions/1/cases",
        "/admin/scores/",
        "/admin/audit/",
        "/admin/tryit/",
        "/admin/compare/",
        "/admin/users/",
        "/admin/api-clients/",
    ],
)
def test_console_pages_are_not_cached_nor_framed_and_run_only_own_scripts(console: Any, url: str) -> None:
    response = _logged_in(console).get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)  # type: ignore[union-attr]
    page = response.get_data(as_text=True)
    # every script is a file of the service or carries this response's nonce; no inline handlers or styles
    # except Flask-Admin's filter links' onclick="return false;", which the policy blocks and console.js replaces
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert 'src="/' in tag or f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"\son[a-z]+=|<style|\sstyle=", page.replace(' onclick="return false;"', ""))


def test_static_files_may_be_cached(console: Any) -> None:
    response = console.test_client().get("/admin/console-static/console.css")
    assert response.status_code == 200 and "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def _cookie_flags(response: Any) -> str:
    return next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))


@pytest.mark.parametrize(
    ("mode", "base_url", "headers", "secure"),
    [
        ("auto", "http://localhost", {}, False),  # local development: ./scripts/start, the tests
        ("auto", "http://127.0.0.1:8000", {}, False),
        ("auto", "http://[::1]:8000", {}, False),
        ("auto", "https://localhost", {}, True),
        ("auto", "https://jifen.example.gov.cn", {}, True),
        ("auto", "http://jifen.example.gov.cn", {}, True),  # a real name: the browser must come over https
        ("auto", "http://127.0.0.1:8000", {"X-Forwarded-For": "203.0.113.9"}, True),  # behind a proxy
        ("on", "http://localhost", {}, True),
        ("off", "https://jifen.example.gov.cn", {}, False),
    ],
)
def test_secure_cookies(console: Any, mode: str, base_url: str, headers: dict[str, str], secure: bool) -> None:
    console.config["SECURE_COOKIES"] = mode
    response = console.test_client().post(
        "/admin/login", data={"username": "admin", "password": PASSWORD}, base_url=base_url, headers=headers
    )
    assert response.status_code == 302
    flags = _cookie_flags(response)
    assert "HttpOnly" in flags and "SameSite=Lax" in flags
    assert ("Secure" in flags) is secure


def test_the_login_page_warns_when_the_cookie_cannot_be_kept(console: Any) -> None:
    warning = "此连接未使用 HTTPS"
    client = console.test_client()
    assert warning in client.get("/admin/login", base_url="http://jifen.example.gov.cn").get_data(as_text=True)
    assert warning not in client.get("/admin/login", base_url="https://jifen.example.gov.cn").get_data(as_text=True)
    assert warning not in client.get("/admin/login").get_data(as_text=True)


def test_an_unknown_secure_cookie_mode_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    from application import create_app

    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("JIFEN_SECURE_COOKIES", "maybe")
    with pytest.raises(ValueError, match="JIFEN_SECURE_COOKIES"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})


def test_an_error_page_is_titled_by_its_error_not_by_the_home_page(console: Any) -> None:
    response = _logged_in(console).get("/admin/versions/999999")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    title = page[page.index("<title>") : page.index("</title>")]
    assert "首页" not in title and "桐乡市居住证积分" in title
