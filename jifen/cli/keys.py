"""``flask keys …``: the keys that sign the statements of published results (create, rotate, list, retire).

Each change is recorded in the audit log (object ``signing_key``, the key id as its reference); the private key
never leaves its file (``JIFEN_SIGNING_KEY_DIR``)."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from jifen import unit_of_work
from jifen.access import audit
from jifen.cli.errors import friendly_errors
from jifen.statements.keys import ACTIVE, KeyInfo
from jifen.statements.signing import signer_for

keys_group = AppGroup(
    "keys", help="Keys that sign the statements of published results (JWKS at /.well-known/jwks.json)."
)

ACTOR = "cli"


def _said(key: KeyInfo) -> str:
    return (
        f"{key.kid} ({key.status}, created {key.created_at}{f', retired {key.retired_at}' if key.retired_at else ''})"
    )


def _record(action: str, key: KeyInfo, before: KeyInfo | None = None) -> None:
    with unit_of_work.current().write() as session:
        audit.record(session, ACTOR, action, "signing_key", object_ref=key.kid,
                     before=None if before is None else {"kid": before.kid, "status": before.status},
                     after={"kid": key.kid, "status": key.status, "directory": str(signer_for(current_app).keys.directory)})  # fmt: skip


@keys_group.command("create")
@click.option("--if-missing", is_flag=True, help="Do nothing (and succeed) when a key is active already.")
@friendly_errors
def create_command(if_missing: bool) -> None:
    """Create the first signing key (Ed25519), the one that signs from now on; its id is printed."""
    store = signer_for(current_app).keys
    active = [k for k in store.listed() if k.status == ACTIVE]
    if active and if_missing:
        click.echo(f"signing key {active[0].kid} is active", err=True)
        return
    made = store.create()
    _record("create_signing_key", made)
    click.echo(f"created signing key {made.kid} in {store.directory}", err=True)
    click.echo(made.kid)


@keys_group.command("rotate")
@friendly_errors
def rotate_command() -> None:
    """Create a new signing key that signs from now on; the one before is retired (its statements still verify)."""
    store = signer_for(current_app).keys
    made, retired = store.rotate()
    if retired is not None:
        _record("retire_signing_key", retired)
    _record("rotate_signing_key", made, retired)
    click.echo(f"signing key {made.kid} signs from now on" + (f"; {retired.kid} retired" if retired else ""), err=True)
    click.echo(made.kid)


@keys_group.command("retire")
@click.argument("kid")
@friendly_errors
def retire_command(kid: str) -> None:
    """Stop signing with key KID (it stays in the JWKS, marked retired). Without an active key, publication is
    refused until `keys create`."""
    store = signer_for(current_app).keys
    retired = store.retire(kid)
    _record("retire_signing_key", retired)
    still = [k for k in store.listed() if k.status == ACTIVE]
    click.echo(f"retired signing key {kid}" + ("" if still else "; no key signs now: publication is refused"))


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="The public keys as the JWKS serves them.")
@friendly_errors
def list_command(as_json: bool) -> None:
    """Every signing key: id, status, created, retired (never a private key)."""
    store = signer_for(current_app).keys
    if as_json:
        click.echo(json.dumps(store.jwks(), indent=1))
        return
    keys = store.listed()
    if not keys:
        click.echo("no signing keys: create one with `flask --app wsgi keys create`")
        return
    for key in keys:
        click.echo(_said(key))
