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


@users_group.command("bootstrap")
@friendly_errors
def bootstrap_command() -> None:
    """Create an 'admin' user with a generated password when there are no users yet (first start)."""
    with unit_of_work.current().write() as session:
        if session.scalar(select(func.count()).select_from(User)):
            click.echo("users exist already; nothing to do")
            return
        password = secrets.token_urlsafe(12) + "-Aa1"
        users.create_user(session, "admin", "admin", password, actor="bootstrap")
    path = Path(current_app.config["INSTANCE_DIR"]) / "admin-password"
    path.write_text(password + "\n", encoding="utf-8")
    path.chmod(0o600)
    click.echo(f"created user 'admin' (role admin); its password is in {path}")


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
