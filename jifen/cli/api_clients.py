"""``flask api-clients …``: keys for outside systems."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from typing import Any

import click
from flask.cli import AppGroup

from jifen import unit_of_work
from jifen.access import api_clients
from jifen.cli.errors import friendly_errors
from jifen.store.models import ApiClient

api_clients_group = AppGroup("api-clients", help="API clients (outside systems) and their keys.")

CHINA = dt.timezone(dt.timedelta(hours=8))


def _scopes(text: str) -> list[str]:
    return [s.strip() for s in text.split(",") if s.strip()]


def _when(moment: dt.datetime | None) -> str | None:
    """A moment in Beijing time to the minute, as the console shows it."""
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
    return aware.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` columns of a terminal (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(width - columns, 0)


def _described(client: ApiClient) -> str:
    bound = f", department {client.department}" if client.department else ""
    return f"API client {client.name} (scopes: {', '.join(client.scopes)}{bound})"


@api_clients_group.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    default="score,read",
    show_default=True,
    help="Comma-separated: score, read, apply, verify, publish, facts (with read: the applicants' facts).",
)
@click.option("--department", default=None, help="With --scope verify: the department the client verifies for.")
@click.option(
    "--or-rotate",
    is_flag=True,
    help="If NAME exists with these scopes and department, give it a new key instead (the old one stops working).",
)
@friendly_errors
def create_command(name: str, scopes: str, department: str | None, or_rotate: bool) -> None:
    """Create client NAME and print its key (shown this once; only a hash is kept)."""
    with unit_of_work.current().write() as session:
        wanted = _scopes(scopes)
        existing = api_clients.find_client(session, name) if or_rotate else None
        if existing is not None and existing.active:
            if sorted(set(wanted)) != existing.scopes or (department or None) != existing.department:
                raise click.ClickException(
                    f"{_described(existing)} already exists with other scopes or department; "
                    "--or-rotate keeps a client as it is: choose another name"
                )
            client, key = api_clients.rotate_client(session, name, "cli")
            click.echo(f"rotated the key of {_described(client)}: the old key no longer works", err=True)
        else:
            client, key = api_clients.create_client(session, name, wanted, "cli", department)
            click.echo(f"created {_described(client)}", err=True)
    click.echo(key)


@api_clients_group.command("rotate")
@click.argument("name")
@friendly_errors
def rotate_command(name: str) -> None:
    """Give client NAME a new key and print it (shown this once); its old key stops working."""
    with unit_of_work.current().write() as session:
        client, key = api_clients.rotate_client(session, name, "cli")
        click.echo(f"rotated the key of {_described(client)}: the old key no longer works", err=True)
    click.echo(key)


@api_clients_group.command("revoke")
@click.argument("name")
@friendly_errors
def revoke_command(name: str) -> None:
    """Revoke client NAME's key."""
    with unit_of_work.current().write() as session:
        api_clients.revoke_client(session, name, "cli")
    click.echo(f"revoked API client {name}")


@api_clients_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
@friendly_errors
def list_command(as_json: bool) -> None:
    """Every API client: name, scopes, department, created, revoked (never a key)."""
    with unit_of_work.current().read() as session:
        rows: list[dict[str, Any]] = [
            {
                "name": c.name,
                "scopes": list(c.scopes),
                "department": c.department,
                "created": _when(c.created_at),
                "created_by": c.created_by,
                "revoked": _when(c.revoked_at) if not c.active else None,
            }
            for c in api_clients.list_clients(session)
        ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        click.echo("no API clients: create one with `flask --app wsgi api-clients create NAME --scope score,read`")
        return
    click.echo(f"{'name':<20} {'scopes':<22} {'department':<12} {'created':<17} revoked")
    for r in rows:
        click.echo(
            f"{_pad(r['name'], 20)} {_pad(','.join(r['scopes']), 22)} {_pad(r['department'] or '-', 12)} "
            f"{_pad(r['created'], 17)} {r['revoked'] or '-'}"
        )
