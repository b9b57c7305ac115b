"""``flask api-clients …``: keys for outside systems."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from jifen import unit_of_work
from jifen.access import api_clients
from jifen.cli.errors import friendly_errors

api_clients_group = AppGroup("api-clients", help="API clients (outside systems) and their keys.")


@api_clients_group.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    default="score,read",
    show_default=True,
    help="Comma-separated: score, read, apply, verify, publish.",
)
@click.option("--department", default=None, help="With --scope verify: the department the client verifies for.")
@friendly_errors
def create_command(name: str, scopes: str, department: str | None) -> None:
    """Create client NAME and print its key (shown this once; only a hash is kept)."""
    with unit_of_work.current().write() as session:
        client, key = api_clients.create_client(
            session, name, [s.strip() for s in scopes.split(",") if s.strip()], "cli", department
        )
        bound = f", department {client.department}" if client.department else ""
        click.echo(f"created API client {client.name} (scopes: {', '.join(client.scopes)}{bound})", err=True)
    click.echo(key)


@api_clients_group.command("revoke")
@click.argument("name")
@friendly_errors
def revoke_command(name: str) -> None:
    """Revoke client NAME's key."""
    with unit_of_work.current().write() as session:
        api_clients.revoke_client(session, name, "cli")
    click.echo(f"revoked API client {name}")
