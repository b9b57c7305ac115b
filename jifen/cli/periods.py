"""``flask periods …``: the application periods (申请与受理时间) of each year, as the centre publishes them."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask.cli import AppGroup

from jifen import unit_of_work
from jifen.access import users
from jifen.applications import periods
from jifen.cli.errors import friendly_errors
from jifen.unit_of_work import get_session

F = TypeVar("F", bound=Callable[..., Any])
periods_group = AppGroup("periods", help="Application periods: when new applications of a year are received.")
# Who publishes the periods: the same roles that publish the standard or run the service (as in the console)
PERIOD_ROLES = ("publisher", "admin")

_DATE = click.DateTime(formats=["%Y-%m-%d"])
_user = click.option(
    "--user",
    "username",
    required=True,
    envvar="JIFEN_USER",
    help="Who makes the change (a console user, publisher or admin; or JIFEN_USER).",
)


def _refusals(command: F) -> F:
    """A refusal of the periods' service as its one sentence (its field messages repeat it)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except periods.PeriodRefused as exc:
            raise click.ClickException(exc.message) from None

    return wrapper  # type: ignore[return-value]


def _line(period: periods.Period) -> str:
    note = f"  {period.note}" if period.note else ""
    return f"{period.id}\t{period.year}\t{period.starts_on.isoformat()}\t{period.ends_on.isoformat()}{note}"


@periods_group.command("add")
@click.argument("year", type=int)
@click.argument("first", metavar="FROM", type=_DATE)
@click.argument("last", metavar="TO", type=_DATE)
@click.option("--note", default="", help="What applicants should know of it (at most 200 characters).")
@_user
@friendly_errors
@_refusals
def add_command(year: int, first: dt.datetime, last: dt.datetime, note: str, username: str) -> None:
    """Publish a period of YEAR from FROM to TO (both included); it must lie within YEAR and overlap no other."""
    with unit_of_work.current().write() as session:
        users.require_role(users.get_user(session, username), *PERIOD_ROLES)
        period = periods.add(session, year, first.date(), last.date(), note, username)
    click.echo(f"period {period.id} added: {period.year} {period.span()}")


@periods_group.command("list")
@click.option("--year", type=click.IntRange(periods.FIRST_YEAR, periods.LAST_YEAR), help="Only this year's.")
@friendly_errors
def list_command(year: int | None) -> None:
    """The periods (id, year, from, to, note), by year and first day; say so for a year without any."""
    listed = periods.listed(get_session(), year)
    for period in listed:
        click.echo(_line(period))
    if not listed:
        click.echo(f"no application period published for {year}" if year else "no application period published")


@periods_group.command("remove")
@click.argument("period_id", metavar="ID", type=int)
@_user
@friendly_errors
@_refusals
def remove_command(period_id: int, username: str) -> None:
    """Withdraw the period ID (see `periods list`)."""
    with unit_of_work.current().write() as session:
        users.require_role(users.get_user(session, username), *PERIOD_ROLES)
        period = periods.remove(session, period_id, username)
    click.echo(f"period {period.id} removed: {period.year} {period.span()}")
