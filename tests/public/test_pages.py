"""What every public page shares: no login, Chinese, its own error pages and the protective headers."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


def test_the_front_page_needs_no_login_and_links_every_public_page(client: Any) -> None:
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in page and "<title>桐乡市居住证积分</title>" in page
    for href in ("/standard", "/self-assessment", "/application-periods", "/lookup"):
        assert f'href="{href}"' in page
    assert "/admin" not in page


def test_public_pages_forbid_inline_scripts_and_foreign_sources(client: Any) -> None:
    headers = client.get("/").headers
    policy = headers["Content-Security-Policy"]
    assert "script-src 'self';" in policy and "nonce" not in policy and "unsafe" not in policy
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert client.get("/assets/public.css").status_code == 200


def test_the_pages_own_files_name_nothing_outside_the_service(client: Any) -> None:
    page = client.get("/").get_data(as_text=True) + client.get("/assets/public.css").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page and "//" + "cdn" not in page


def test_the_icon_is_served_by_the_service_and_named_by_both_layouts(client: Any, app: Any) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert '<link rel="icon" href="/favicon.ico">' in client.get("/").get_data(as_text=True)
    login = client.get("/admin/login").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico">' in login
