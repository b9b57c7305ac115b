"""``flask calendar …``: working days, and the bureau's holiday entries that correct or extend the package's."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import AppGroup

from jifen import unit_of_work
from jifen.access import users
from jifen.applications import workdays
from jifen.applications.state import china_today
from jifen.cli.errors import friendly_errors
from jifen.unit_of_work import get_session

calendar_group = AppGroup(
    "calendar", help="Working days (holidays and make-up working days) and the bureau's corrections."
)
# The bureau's staff who keep the calendar: the same roles that publish the standard or run the service
CALENDAR_ROLES = ("publisher", "admin")

_DATE = click.DateTime(formats=["%Y-%m-%d"])
_user = click.option(
    "--user",
    "username",
    required=True,
    envvar="JIFEN_USER",
    help="Who makes the change (a console user, publisher or admin; or JIFEN_USER).",
)


def _day(value: dt.datetime) -> dt.date:
    return value.date()


@calendar_group.command("is-workday")
@click.argument("day", type=_DATE)
@friendly_errors
def is_workday_command(day: dt.datetime) -> None:
    """Print yes if DAY is a working day, no if it is a weekend or holiday (an error if its year has no data)."""
    click.echo("yes" if workdays.load(get_session()).is_workday(_day(day)) else "no")


@calendar_group.command("add-workdays")
@click.argument("day", type=_DATE)
@click.argument("n", type=click.IntRange(0, workdays.MAX_COUNT))
@friendly_errors
def add_workdays_command(day: dt.datetime, n: int) -> None:
    """Print the date N working days after DAY (the first working day after DAY is day 1)."""
    click.echo(workdays.load(get_session()).add_workdays(_day(day), n).isoformat())


@calendar_group.command("deadline")
@click.argument("day", type=_DATE)
@click.argument("n", type=click.IntRange(0, workdays.MAX_COUNT))
@friendly_errors
def deadline_command(day: dt.datetime, n: int) -> None:
    """Print the last day of a period of N days from DAY ("N日内"), moved to the next working day from a rest day."""
    click.echo(workdays.load(get_session()).deadline_in_days(_day(day), n).isoformat())


@calendar_group.command("add")
@click.argument("day", type=_DATE)
@click.option("--to", "last", type=_DATE, help="The last day of a range (inclusive), e.g. a whole holiday.")
@click.option(
    "--kind",
    type=click.Choice(workdays.KINDS),
    required=True,
    help="holiday: a day off; workday: a working day (a make-up Saturday or Sunday).",
)
@click.option("--note", default="", help="e.g. 春节, 国庆节调休")
@_user
@friendly_errors
def add_command(day: dt.datetime, last: dt.datetime | None, kind: str, note: str, username: str) -> None:
    """Declare DAY (to --to) a holiday or a working day, overriding the package's data; a year the package does not
    cover counts as covered once it has a holiday here (enter its whole notice)."""
    with unit_of_work.current().write() as session:
        users.require_role(users.get_user(session, username), *CALENDAR_ROLES)
        rows = workdays.add_entries(session, _day(day), last and _day(last), kind, note, username)
    click.echo(f"{len(rows)} day(s) set to {kind}: {rows[0].day.isoformat()} … {rows[-1].day.isoformat()}")


@calendar_group.command("remove")
@click.argument("day", type=_DATE)
@click.option("--to", "last", type=_DATE, help="The last day of a range (inclusive).")
@_user
@friendly_errors
def remove_command(day: dt.datetime, last: dt.datetime | None, username: str) -> None:
    """Remove the bureau's entries of DAY (to --to): the package's data applies again."""
    with unit_of_work.current().write() as session:
        users.require_role(users.get_user(session, username), *CALENDAR_ROLES)
        count = workdays.remove_entries(session, _day(day), last and _day(last), username)
    click.echo(f"{count} entr{'y' if count == 1 else 'ies'} removed")


@calendar_group.command("list")
@click.option("--year", type=click.IntRange(2000, 2100))
@friendly_errors
def list_command(year: int | None) -> None:
    """The bureau's entries, and which years have holiday data and from where."""
    session = get_session()
    calendar = workdays.load(session)
    first, last = workdays.PACKAGE_YEARS
    click.echo(f"{workdays.PACKAGE}: {first}–{last}")
    extra = sorted(y for y in calendar.table_years if calendar.source(y) != workdays.PACKAGE)
    click.echo(f"the bureau's calendar: {', '.join(map(str, extra)) or 'no other year'}")
    for row in workdays.entries(session, year):
        click.echo(f"{row.day.isoformat()} {row.kind:<8} {row.note} ({row.created_by})")


@calendar_group.command("check")
@click.option("--year", type=click.IntRange(2000, 2100), help="The year to check (default: the years due today).")
@friendly_errors
def check_command(year: int | None) -> None:
    """Exit 1 if a year's working days are not entered: --year, or this year and, from 1 October, the next (for a
    monitoring job)."""
    calendar = workdays.load(get_session())
    years = [year] if year is not None else workdays.years_due(_today())
    missing = [y for y in years if calendar.source(y) is None]
    for y in years:
        source = calendar.source(y)
        click.echo(f"{y}: covered by {source}" if source else f"{y}: NOT covered: enter its holidays (calendar add)")
    if missing:
        raise SystemExit(1)


def _today() -> dt.date:
    """Today in China (the application's TODAY setting replaces the clock, e.g. in tests)."""
    clock = current_app.config.get("TODAY")
    return clock() if clock is not None else china_today()
