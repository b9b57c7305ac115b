"""The lifecycle commands: clone, publish, retire, in-force, users create."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from jifen.store.models import User


def test_clone_publish_retire_in_force(seeded: Any, runner: Any) -> None:
    cloned = runner.invoke(args=["rulesets", "clone", "tongxiang/2026/1", "--year", "2027", "--user", "editor"])
    assert cloned.exit_code == 0, cloned.output
    assert "created draft tongxiang/2027/1 from tongxiang/2026/1" in cloned.output
    refused = runner.invoke(args=["rulesets", "publish", "tongxiang/2027/1", "--note", "x", "--user", "editor"])
    assert refused.exit_code == 1 and "needs the role publisher" in refused.output
    published = runner.invoke(
        args=["rulesets", "publish", "tongxiang/2027/1", "--note", "2027年度", "--user", "publisher"]
    )
    assert published.exit_code == 0, published.output
    in_force = runner.invoke(args=["rulesets", "in-force", "--year", "2027", "--date", "2027-03-01"])
    assert in_force.output.startswith("tongxiang/2027/1 sha256:")
    unsaid = runner.invoke(args=["rulesets", "retire", "tongxiang/2027/1"], env={"JIFEN_USER": "publisher"})
    assert unsaid.exit_code == 2 and "--reason" in unsaid.output
    retired = runner.invoke(
        args=["rulesets", "retire", "tongxiang/2027/1", "--reason", "测试"], env={"JIFEN_USER": "publisher"}
    )
    assert retired.exit_code == 0, retired.output
    gone = runner.invoke(args=["rulesets", "in-force", "--year", "2027", "--date", "2027-03-01"])
    assert gone.exit_code == 1 and "no version in force for 2027 on 2027-03-01" in gone.output


def test_commands_need_a_known_user(seeded: Any, runner: Any) -> None:
    result = runner.invoke(args=["rulesets", "clone", "tongxiang/2026/1", "--user", "nobody"])
    assert result.exit_code == 1 and "no user 'nobody'" in result.output
    result = runner.invoke(args=["rulesets", "publish", "tongxiang/2026/1", "--note", "x"])
    assert result.exit_code == 2 and "--user" in result.output


def test_users_create_from_environment(app: Any, runner: Any, db: Any) -> None:
    result = runner.invoke(
        args=["users", "create", "wang", "--role", "editor"], env={"NEW_USER_PASSWORD": "Zhe-jiang-2026"}
    )
    assert result.exit_code == 0, result.output
    with db.transaction() as s:
        user = s.scalar(select(User).where(User.username == "wang"))
        assert user.role == "editor" and "Zhe-jiang-2026" not in user.password_hash


def test_users_create_asks_twice(app: Any, runner: Any) -> None:
    result = runner.invoke(
        args=["users", "create", "li", "--role", "auditor"], input="Tong-xiang-2026\nTong-xiang-2026\n"
    )
    assert result.exit_code == 0, result.output
    mismatch = runner.invoke(args=["users", "create", "zhao", "--role", "auditor"], input="Tong-xiang-2026\nother\n")
    assert mismatch.exit_code != 0


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1A!", "at least 10 characters"),
        ("alllowercase", "at least three of"),
        ("Password1234", "not a common or repetitive password"),
        ("Zhe-jiang-2026", None),
        ("wang-Zhang-123", "must not contain the user name"),
    ],
)
def test_weak_passwords_are_refused(app: Any, runner: Any, password: str, reason: str | None) -> None:
    name = "zhang" if "Zhang" in password else "zhou"
    result = runner.invoke(args=["users", "create", name, "--role", "editor"], env={"NEW_USER_PASSWORD": password})
    if reason is None:
        assert result.exit_code == 0, result.output
        return
    assert result.exit_code == 1 and "password too weak" in result.output and reason in result.output


def test_duplicate_user_and_unknown_role(app: Any, runner: Any) -> None:
    env = {"NEW_USER_PASSWORD": "Zhe-jiang-2026"}
    assert runner.invoke(args=["users", "create", "wu", "--role", "admin"], env=env).exit_code == 0
    again = runner.invoke(args=["users", "create", "wu", "--role", "admin"], env=env)
    assert again.exit_code == 1 and "already exists" in again.output
    role = runner.invoke(args=["users", "create", "qian", "--role", "boss"], env=env)
    assert role.exit_code == 2


def test_bootstrap_creates_the_first_admin_once(app: Any, runner: Any, tmp_path: Any) -> None:
    first = runner.invoke(args=["users", "bootstrap"])
    assert first.exit_code == 0 and "created user 'admin'" in first.output
    assert "users create NAME --role editor|publisher|auditor|department" in first.output  # how to add the others
    second = runner.invoke(args=["users", "bootstrap"])
    assert "nothing to do" in second.output


def test_bootstrap_with_demo_creates_one_user_per_role_with_their_passwords_in_a_private_file(
    app: Any, runner: Any, db: Any
) -> None:
    import stat
    from pathlib import Path

    from jifen.store.models import User
    from tests.conftest import RULESETS

    imported = runner.invoke(args=["rulesets", "import", *map(str, sorted(RULESETS.glob("*.yaml")))])
    assert imported.exit_code == 0, imported.output  # as ./scripts/start does first: departments come from them
    done = runner.invoke(args=["users", "bootstrap", "--demo"])
    assert done.exit_code == 0, done.output
    listing = Path(app.config["INSTANCE_DIR"]) / "demo-passwords"
    assert stat.S_IMODE(listing.stat().st_mode) == 0o600 and str(listing) in done.output
    rows = [line.split("\t") for line in listing.read_text(encoding="utf-8").splitlines()]
    assert [(name, role) for name, role, _password in rows] == [
        ("admin", "admin"), ("editor", "editor"), ("publisher", "publisher"), ("auditor", "auditor"),
        ("police", "department")]  # fmt: skip
    with db.transaction() as s:
        police = s.query(User).filter_by(username="police").one()
        assert police.department == "公安局"
    app.config["WTF_CSRF_ENABLED"] = False  # CSRF itself is tested in tests/admin/test_security.py
    login = app.test_client().post("/admin/login", data={"username": "publisher", "password": rows[2][2]})
    assert login.status_code == 302
