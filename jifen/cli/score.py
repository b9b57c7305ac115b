"""``flask score``: score applications from a file with the version in force (or a pinned one).

The input streams through a process pool (``--jobs``, default every core) in chunks: memory stays bounded
however long the input, and the output keeps the input's order.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import click
from flask.cli import with_appcontext

from engine.batch import Entry, score_chunk, start_scoring
from engine.facts import Invalid, parse_date
from jifen import unit_of_work
from jifen.cli.errors import friendly_errors
from jifen.parallel import chunked, ordered_map, usable_cores
from jifen.scoring import compiled
from jifen.standard.population import FileSource, PopulationError


def parse_date_option(value: str | None, hint: str = "--date") -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except Invalid as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


jobs_option = click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=usable_cores,
    show_default="every core",
    help="Worker processes (each compiles the versions once).",
)


class _Bar:
    """Progress on stderr in the source's unit; silent when stderr is not a terminal or the size is unknown."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar
        self._shown = 0

    def to(self, done: int, _total: int | None = None) -> None:
        if self._bar is not None and done > self._shown:
            self._bar.update(done - self._shown)
            self._shown = done


@contextmanager
def progress_bar(total: int | None, label: str, show: bool = True) -> Iterator[_Bar]:
    if not (show and total and sys.stderr.isatty()):
        yield _Bar(None)
        return
    with click.progressbar(length=total, label=label, file=sys.stderr) as bar:
        yield _Bar(bar)


# -- the command ------------------------------------------------------------------------------------------


@click.command("score")
@click.option("--year", type=int, help="Scoring year; the version in force for it is used.")
@click.option(
    "--date",
    "date_text",
    metavar="YYYY-MM-DD",
    help="Scoring date (default: today): picks the version in force and is the default application date.",
)
@click.option("--version", "pinned", metavar="RULESET/YEAR/REVISION", help="Use this version, e.g. tongxiang/2026/1.")
@jobs_option
@click.argument("input_file", type=click.File("rb"))
@with_appcontext
@friendly_errors
def score_command(
    year: int | None, date_text: str | None, pinned: str | None, jobs: int, input_file: IO[bytes]
) -> None:
    """Score applications: INPUT_FILE is a JSON array or JSON Lines of {"application_ref", "facts"} ('-' for stdin).

    Prints one JSON result per line, in input order; an invalid entry prints its errors on its line and the
    command exits 1 after scoring the rest.
    """
    on = parse_date_option(date_text) or dt.date.today()
    uow = unit_of_work.current()
    with uow.read() as session:
        version = compiled.select_version(session, year, on, pinned)
        model = compiled.model_for(session, version)
    source = FileSource(input_file)
    sys.stdout.flush()
    out = sys.stdout.buffer  # the results are UTF-8 already
    count = failed = 0

    def chunks() -> Iterator[tuple[tuple[int, int], list[Entry]]]:
        for chunk in chunked(source):
            yield (source.done, len(chunk)), chunk

    results = ordered_map(score_chunk, chunks(), jobs=jobs, initializer=start_scoring, initargs=(model, on))
    with progress_bar(source.total, "scoring") as bar:
        try:
            for (done, size), (lines, errors) in results:
                out.write(lines)
                count += size
                failed += errors
                bar.to(done)
        except PopulationError as exc:
            out.flush()
            said = str(exc) if exc.zh else f"the input is not a valid JSON array: {exc}"
            raise click.ClickException(said) from None
    out.flush()
    if failed:
        click.echo(f"{failed} of {count} application(s) had errors", err=True)
        sys.exit(1)
