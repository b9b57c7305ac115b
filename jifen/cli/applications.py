"""``flask applications …``: an application's history for an auditor."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from engine import dumps
from jifen import unit_of_work
from jifen.applications import china_today, find, queue, views
from jifen.cli.errors import friendly_errors
from jifen.cli.privacy import operator
from jifen.privacy import need
from jifen.unit_of_work import get_session

applications_group = AppGroup("applications", help="Applications: overdue verification tasks, and their history.")


@applications_group.command("history")
@click.argument("application_ref")
@click.argument("year", type=click.IntRange(2000, 2100))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON here (default: stdout).")
@click.option("--user", "username", envvar="JIFEN_USER", help="Who reads, for the facts access log (or JIFEN_USER).")
@click.option("--reason", help="Why the facts are read, kept in the facts access log.")
@friendly_errors
def history_command(
    application_ref: str, year: int, out: Path | None, username: str | None, reason: str | None
) -> None:
    """Export APPLICATION_REF's history in YEAR: every event (who, when, what changed) and each score of its chain
    with the verified facts that produced it. The reading is recorded in the facts access log."""
    find(get_session(), application_ref, year)
    reader = need.Reader("cli", operator(username), "cli")
    need.reading(unit_of_work.current(), reader, "cli_history", application_ref, year, reason=reason)
    text = dumps(views.history(get_session(), application_ref, year, china_today()), indent=2) + "\n"
    if out is None:
        click.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    click.echo(f"history of {application_ref} ({year}) written to {out}", err=True)


@applications_group.command("overdue")
@click.option("--department", help="Only this department's tasks (its queue: open tasks, overdue first).")
@friendly_errors
def overdue_command(department: str | None) -> None:
    """List every verification task past its due date (today in China), by department; or one department's queue."""
    session, today = get_session(), china_today()
    tasks = queue.department_queue(session, department, today) if department else queue.overdue(session, today)
    for task in tasks:
        late = f"overdue since {task['due']}" if task["overdue"] else f"due {task['due']}"
        click.echo(f"{task['department']}\t{task['application_ref']}\t{task['year']}\t{task['kind']}\t{late}")
    click.echo(f"{len(tasks)} task(s)", err=True)
