"""Login, CSRF on every form, cookie flags, slowed-down retries (more in test_login_throttling.py)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from jifen.standard import rulesets
from jifen.store.models import AuditEntry, LoginAttempt, User
from tests.conftest import PASSWORD


def _csrf(client: Any, url: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True)).group(1)  # type: ignore[union-attr]


def test_login_logout_and_cookie_flags(seeded: Any) -> None:
    client = seeded.test_client()
    token = _csrf(client, "/admin/login")
    response = client.post("/admin/login", data={"username": "editor", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "editor（编辑）" in client.get("/admin/").get_data(as_text=True)
    client.post("/admin/logout", data={"csrf_token": _csrf(client, "/admin/")})
    assert client.get("/admin/").status_code == 302


def test_forms_without_csrf_token_are_refused(seeded: Any, db: Any) -> None:
    client = seeded.test_client()
    assert client.post("/admin/login", data={"username": "editor", "password": PASSWORD}).status_code == 400
    client.post(
        "/admin/login", data={"username": "editor", "password": PASSWORD, "csrf_token": _csrf(client, "/admin/login")}
    )
    refused = client.post("/admin/versions/2/clone", data={"year": "2027"})
    assert refused.status_code == 400
    with db.transaction() as s:
        assert rulesets.list_versions(s, year=2027) == []
    accepted = client.post(
        "/admin/versions/2/clone", data={"year": "2027", "csrf_token": _csrf(client, "/admin/versions/2")}
    )
    assert accepted.status_code == 302


def test_repeated_failures_slow_down(seeded: Any, db: Any) -> None:
    seeded.config["WTF_CSRF_ENABLED"] = False
    client = seeded.test_client()
    statuses = [
        client.post("/admin/login", data={"username": "editor", "password": "wrong"}).status_code for _ in range(3)
    ]
    assert statuses == [401, 401, 401]
    # from now on each attempt must wait, the right password included, and the wait doubles per failure
    blocked = client.post("/admin/login", data={"username": "editor", "password": PASSWORD})
    assert blocked.status_code == 429 and "秒后再试" in blocked.get_data(as_text=True)
    assert blocked.headers["Retry-After"] in ("1", "2")
    with db.transaction() as s:
        assert s.get(LoginAttempt, "user:editor").failures == 3
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).all()) == 3
        s.get(LoginAttempt, "user:editor").locked_until = None  # the wait is over
    assert client.post("/admin/login", data={"username": "editor", "password": PASSWORD}).status_code == 302
    with db.transaction() as s:
        assert s.get(LoginAttempt, "user:editor") is None


def test_unknown_user_and_inactive_user(seeded: Any, db: Any) -> None:
    seeded.config["WTF_CSRF_ENABLED"] = False
    client = seeded.test_client()
    assert client.post("/admin/login", data={"username": "nobody", "password": PASSWORD}).status_code == 401
    with db.transaction() as s:
        s.scalar(select(User).where(User.username == "auditor")).active = False
    response = client.post("/admin/login", data={"username": "auditor", "password": PASSWORD})
    assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)


def test_login_redirects_only_inside_the_console(seeded: Any) -> None:
    seeded.config["WTF_CSRF_ENABLED"] = False
    client = seeded.test_client()
    response = client.post(
        "/admin/login", data={"username": "editor", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == "/admin/"
    client.post("/admin/logout")
    response = client.post("/admin/login", data={"username": "editor", "password": PASSWORD, "next": "/admin/compare/"})
    assert response.headers["Location"] == "/admin/compare/"
