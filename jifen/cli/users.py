"""``flask users …``: create users (the first admin included), set a password."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from jifen import unit_of_work
from jifen.access import users
from jifen.cli.errors import friendly_errors
from jifen.store.models import ROLES, User

users_group = AppGroup("users", help="Console users and their roles.")


@users_group.command("create")
@click.argument("name")
@click.option(
    "--role", type=click.Choice(ROLES), required=True, help="editor, publisher, auditor, admin or department."
)
@click.option("--department", default=None, help="With --role department: the department the user verifies for.")
@friendly_errors
def create_command(name: str, role: str, department: str | None) -> None:
    """Create user NAME; the password comes from NEW_USER_PASSWORD, else it is asked twice."""
    password = os.environ.get("NEW_USER_PASSWORD")
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with unit_of_work.current().write() as session:
        users.create_user(session, name, role, password, actor="cli", department=department)
    click.echo(f"created user {name} ({role}{', ' + department if department else ''})")


# With --demo, one user of each role besides the admin; the department user verifies for 公安局.
DEMO_USERS = (("editor", "editor", None), ("publisher", "publisher", None), ("auditor", "auditor", None),
              ("police", "department", "公安局"))  # fmt: skip


@users_group.command("bootstrap")
@click.option("--demo", is_flag=True, help="Also create one user of each other role (for trying the console out).")
@friendly_errors
def bootstrap_command(demo: bool) -> None:
    """Create an 'admin' user with a generated password when there are no users yet (first start)."""
    wanted = [("admin", "admin", None), *(DEMO_USERS if demo else ())]
    with unit_of_work.current().write() as session:
        if session.scalar(select(func.count()).select_from(User)):
            click.echo("users exist already; nothing to do")
            return
        created = []
        for name, role, department in wanted:
            password = secrets.token_urlsafe(12) + "-Aa1"
            users.create_user(session, name, role, password, actor="bootstrap", department=department)
            created.append((name, role, password))
    path = Path(current_app.config["INSTANCE_DIR"]) / "admin-password"
    path.write_text(created[0][2] + "\n", encoding="utf-8")
    path.chmod(0o600)
    click.echo(f"created user 'admin' (role admin); its password is in {path}")
    if demo:
        demo_path = path.with_name("demo-passwords")
        demo_path.write_text("".join(f"{n}\t{r}\t{p}\n" for n, r, p in created), encoding="utf-8")
        demo_path.chmod(0o600)
        click.echo(f"demo users (name, role, password) are in {demo_path}: " + ", ".join(n for n, _r, _p in created))
    else:
        click.echo(
            "the admin manages users and API clients; to edit, publish or verify, create users of those roles: "
            "flask --app wsgi users create NAME --role editor|publisher|auditor|department [--department 公安局]"
        )


@users_group.command("set-password")
@click.argument("name")
@friendly_errors
def set_password_command(name: str) -> None:
    """Give user NAME a new password (from NEW_USER_PASSWORD, else asked twice); their sessions end."""
    password = os.environ.get("NEW_USER_PASSWORD")
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    with unit_of_work.current().write() as session:
        users.set_password(session, users.get_user(session, name), password, actor="cli")
    click.echo(f"password of {name} changed; their console sessions have ended")
