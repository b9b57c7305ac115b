"""Console sessions end on the server: a cookie copied before logout, a password change or deactivation is refused."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from jifen.store.models import AuditEntry, User
from tests.conftest import PASSWORD

NEW_PASSWORD = "Wu-zhen-2027-new"


@pytest.fixture
def console(seeded: Any) -> Any:
    seeded.config["WTF_CSRF_ENABLED"] = False
    return seeded


def _logged_in(app: Any, name: str) -> Any:
    client = app.test_client()
    assert client.post("/admin/login", data={"username": name, "password": PASSWORD}).status_code == 302
    assert client.get("/admin/").status_code == 200
    return client


def _copy(client: Any, app: Any) -> Any:
    """Another browser holding a copy of ``client``'s session cookie (e.g. stolen before logout)."""
    cookie = client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value, domain=cookie.domain or "localhost")
    assert thief.get("/admin/").status_code == 200
    return thief


def _refused(client: Any) -> bool:
    response = client.get("/admin/")
    return response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_copied_cookie_is_refused_after_logout(console: Any) -> None:
    editor = _logged_in(console, "editor")
    copy = _copy(editor, console)
    other_browser = _logged_in(console, "editor")
    editor.post("/admin/logout")
    assert _refused(editor) and _refused(copy) and _refused(other_browser)
    fresh = _logged_in(console, "editor")  # logging in again works, and only the new session is valid
    assert not _refused(fresh) and _refused(copy)


def test_a_copied_cookie_is_refused_after_a_password_change(console: Any, runner: Any, monkeypatch: Any) -> None:
    editor = _logged_in(console, "editor")
    copy = _copy(editor, console)
    publisher = _logged_in(console, "publisher")
    monkeypatch.setenv("NEW_USER_PASSWORD", NEW_PASSWORD)
    result = runner.invoke(args=["users", "set-password", "editor"])
    assert result.exit_code == 0, result.output
    assert _refused(editor) and _refused(copy)
    assert not _refused(publisher)  # other users keep their sessions
    assert (
        console.test_client().post("/admin/login", data={"username": "editor", "password": PASSWORD}).status_code == 401
    )
    client = console.test_client()
    assert client.post("/admin/login", data={"username": "editor", "password": NEW_PASSWORD}).status_code == 302


def test_a_weak_new_password_is_refused_and_ends_nothing(console: Any, runner: Any, monkeypatch: Any) -> None:
    editor = _logged_in(console, "editor")
    monkeypatch.setenv("NEW_USER_PASSWORD", "short")
    result = runner.invoke(args=["users", "set-password", "editor"])
    assert result.exit_code != 0 and "password too weak" in result.output
    assert not _refused(editor)


def test_a_copied_cookie_is_refused_after_deactivation(console: Any, db: Any) -> None:
    editor = _logged_in(console, "editor")
    copy = _copy(editor, console)
    admin = _logged_in(console, "admin")
    with db.factory() as s:
        editor_id = s.scalar(select(User.id).where(User.username == "editor"))
    assert admin.post(f"/admin/users/{editor_id}/active").status_code == 302
    assert _refused(editor) and _refused(copy)
    # reactivated, the old cookies stay dead; a new login works
    assert admin.post(f"/admin/users/{editor_id}/active").status_code == 302
    assert _refused(copy)
    assert not _refused(_logged_in(console, "editor"))
    with db.factory() as s:
        actions = s.scalars(select(AuditEntry.action).where(AuditEntry.object_ref == "editor")).all()
    assert "deactivate" in actions and "activate" in actions


def test_a_tampered_or_old_style_session_id_is_refused(console: Any) -> None:
    editor = _logged_in(console, "editor")
    with editor.session_transaction() as session:
        user_id = session["_user_id"]
        assert user_id.endswith(":0")
        session["_user_id"] = user_id.split(":")[0]  # a cookie from before epochs: just the id
    assert _refused(editor)
