"""``flask issuers …``: the other cities whose statements the bureau recognises, and their public keys."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import click
from flask.cli import AppGroup

from jifen import unit_of_work
from jifen.cli.api_clients import CHINA
from jifen.cli.errors import friendly_errors
from jifen.statements import issuers

issuers_group = AppGroup("issuers", help="Trusted issuers: other cities whose statements are recognised.")

_ISSUER = click.option("--issuer", required=True, help="The other city's issuer id (its JIFEN_ISSUER).")
_JWKS_HELP = "The other city's JWKS file (its /.well-known/jwks.json)."


def _when(moment: dt.datetime) -> str:
    """A moment in Beijing time to the minute, as the console shows it."""
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _pad(text: str, width: int) -> str:
    """``text`` followed by spaces up to ``width`` columns of a terminal (a Chinese character takes two)."""
    return text + " " * max(width - sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text), 0)


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _keys(issuer: issuers.Issuer) -> str:
    return ", ".join(k["kid"] + (f" ({k['status']})" if "status" in k else "") for k in issuer.described()["keys"])


@issuers_group.command("add")
@_ISSUER
@click.option("--jwks", "jwks", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help=_JWKS_HELP)  # fmt: skip
@click.option("--name", default="", help="Who the issuer is, e.g. 杭州市.")
@friendly_errors
def add_command(issuer: str, jwks: Path, name: str) -> None:
    """Trust ISSUER's statements, verified with the keys of its JWKS file."""
    with unit_of_work.current().write() as session:
        added = issuers.add(session, issuer, _read(jwks), name, "cli")
    click.echo(f"trusted issuer {added.issuer}: keys {_keys(added)}")


@issuers_group.command("update")
@_ISSUER
@click.option("--jwks", "jwks", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help=_JWKS_HELP + " Replaces the keys kept.")  # fmt: skip
@click.option("--name", default=None, help="A new name.")
@friendly_errors
def update_command(issuer: str, jwks: Path | None, name: str | None) -> None:
    """Replace a trusted issuer's keys (after it rotated them) or its name."""
    if jwks is None and name is None:
        raise click.UsageError("give --jwks FILE, --name NAME or both")
    with unit_of_work.current().write() as session:
        updated = issuers.update(session, issuer, "cli", None if jwks is None else _read(jwks), name)
    click.echo(f"updated trusted issuer {updated.issuer}: keys {_keys(updated)}")


@issuers_group.command("remove")
@_ISSUER
@friendly_errors
def remove_command(issuer: str) -> None:
    """Trust an issuer no more: its statements are refused from now on."""
    with unit_of_work.current().write() as session:
        gone = issuers.remove(session, issuer, "cli")
    click.echo(f"removed trusted issuer {gone.issuer}")


@issuers_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
@friendly_errors
def list_command(as_json: bool) -> None:
    """Every trusted issuer with its key ids."""
    with unit_of_work.current().read() as session:
        every = issuers.listed(session)
    if as_json:
        rows = [{**i.described(), "updated": _when(i.updated_at), "updated_by": i.updated_by} for i in every]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not every:
        click.echo("no trusted issuers: add one with `flask --app wsgi issuers add --issuer ID --jwks FILE`")
        return
    click.echo(f"{'issuer':<24} {'name':<16} {'updated':<17} keys")
    for i in every:
        click.echo(f"{_pad(i.issuer, 24)} {_pad(i.name or '-', 16)} {_pad(_when(i.updated_at), 17)} {_keys(i)}")
