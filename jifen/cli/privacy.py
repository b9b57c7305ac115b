"""``flask access-log list`` (who read whose facts) and ``flask retention run`` (erase facts past retention)."""

from __future__ import annotations

import datetime as dt
import getpass
import json

import click
from flask import current_app
from flask.cli import AppGroup

from jifen import unit_of_work
from jifen.applications import china_today
from jifen.cli.errors import friendly_errors
from jifen.privacy import log, retention
from jifen.unit_of_work import get_session

access_log_group = AppGroup("access-log", help="The facts access log: every read of an applicant's facts.")
retention_group = AppGroup("retention", help="Retention: erase the facts of scores and applications past it.")


def operator(name: str | None) -> str:
    """Who runs a command: ``--user`` (or JIFEN_USER), else the operating system's user."""
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for the process's uid (a container)
        return "cli"


def today() -> dt.date:
    clock = current_app.config.get("TODAY")
    return clock() if clock is not None else china_today()


@access_log_group.command("list")
@click.option("--application", "application_ref", help="Only the readings of this applicant's facts (reference).")
@click.option("--year", type=click.IntRange(2000, 2100), help="With --application: only this year's application.")
@click.option("--user", "actor", help="Only the readings by this console user or API client (its name).")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=200, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="JSON: the applicant's record as they may be given it.")
@friendly_errors
def list_command(application_ref: str | None, year: int | None, actor: str | None, limit: int, as_json: bool) -> None:
    """List readings of facts, newest first (oldest first with --json), by applicant and/or by reader."""
    rows, total = log.search(get_session(), application_ref, year, actor, per_page=limit)
    if as_json:
        readings = [log.entry_view(e) for e in reversed(rows)]
        body = {"application_ref": application_ref, "year": year, "user": actor, "readings": readings, "total": total}
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
        return
    for e in rows:
        who = f"{e.actor_kind}:{e.actor}" + (f" ({e.department})" if e.department else "")
        where = f"{e.application_ref}/{e.year}" + (f" score {e.score_id}" if e.score_id else "")
        reason = f"\t{e.reason}" if e.reason else ""
        click.echo(f"{e.at.isoformat(timespec='seconds')}\t{who}\t{where}\t{e.channel}\t{e.extent}{reason}")
    click.echo(f"{len(rows)} of {total} reading(s)", err=True)


@retention_group.command("run")
@click.option("--dry-run", is_flag=True, help="Say what would be erased; erase nothing.")
@click.option("--user", "username", envvar="JIFEN_USER", help="Who runs it, for the audit log (or JIFEN_USER).")
@friendly_errors
def run_command(dry_run: bool, username: str | None) -> None:
    """Erase the facts of scores and applications whose points stopped being valid more than JIFEN_RETENTION_YEARS
    years ago; results, content hashes and the audit log remain, and each erasure is audited."""
    years, day = current_app.config["RETENTION_YEARS"], today()
    uow = unit_of_work.current()
    with uow.write() as session:
        erasure = retention.run(session, day, years, f"cli:{operator(username)}", dry_run=dry_run)
        if dry_run:
            session.rollback()
    verb = "would erase" if dry_run else "erased"
    for ref, year in erasure.keys:
        scores = len(erasure.scores.get((ref, year), []))
        kept = "application and " if (ref, year) in erasure.applications else ""
        click.echo(f"{verb} {ref}/{year}: {kept}{scores} score(s)")
    click.echo(
        f"{verb} the facts of {len(erasure.applications)} application(s) and "
        f"{sum(map(len, erasure.scores.values()))} score(s): validity ended before {erasure.limit} "
        f"({years} years before {day})"
    )
