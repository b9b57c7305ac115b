"""``flask score``: score applications from a file with the version in force (or a pinned one)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, TextIO

import click
from flask.cli import with_appcontext

from engine import FactsError, dumps
from engine.facts import Invalid, parse_date
from jifen.cli import friendly_errors
from jifen.db import get_db
from jifen.services import scoring

PROGRESS_THRESHOLD = 1000
_ENTRY_KEYS = ("application_ref", "facts")


def parse_date_option(value: str | None, hint: str = "--date") -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except Invalid as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


def _read_entries(stream: TextIO) -> Iterator[tuple[Any, dict[str, list[str]] | None]]:
    """Yield ``(entry, None)`` for each parsed entry, or ``(None, errors)`` for a line that is not JSON."""
    text = stream.read()
    if text.lstrip().startswith("["):
        try:
            entries = json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise click.ClickException(f"the input is not a valid JSON array: {exc}") from None
        for entry in entries:
            yield entry, None
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line, parse_float=Decimal), None
        except json.JSONDecodeError as exc:
            yield None, {"input": [f"line {number} is not valid JSON: {exc.msg} (column {exc.colno})"]}


def _check_entry(entry: Any) -> dict[str, list[str]]:
    if not isinstance(entry, dict):
        return {"input": ['expected an object {"application_ref": …, "facts": {…}}']}
    errors = {str(k): ["unknown field"] for k in entry if k not in _ENTRY_KEYS}
    ref = entry.get("application_ref")
    if not isinstance(ref, str) or not ref.strip():
        errors["application_ref"] = ["required: a non-empty string"]
    if "facts" not in entry:
        errors["facts"] = ["required field is missing"]
    return errors


class _Null:
    """A sink for the progress bar when it should not show."""

    def write(self, _: str) -> int:
        return 0

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@click.command("score")
@click.option("--year", type=int, help="Scoring year; the version in force for it is used.")
@click.option(
    "--date",
    "date_text",
    metavar="YYYY-MM-DD",
    help="Scoring date (default: today): picks the version in force and is the default application date.",
)
@click.option("--version", "pinned", metavar="RULESET/YEAR/REVISION", help="Use this version, e.g. tongxiang/2026/1.")
@click.argument("input_file", type=click.File("r", encoding="utf-8"))
@with_appcontext
@friendly_errors
def score_command(year: int | None, date_text: str | None, pinned: str | None, input_file: TextIO) -> None:
    """Score applications: INPUT_FILE is a JSON array or JSON Lines of {"application_ref", "facts"} ('-' for stdin).

    Prints one JSON result per line, in input order; an invalid entry prints its errors on its line and the
    command exits 1 after scoring the rest.
    """
    on = parse_date_option(date_text) or dt.date.today()
    with get_db().transaction() as session:
        version = scoring.select_version(session, year, on, pinned)
        compiled = scoring.compiled_for(session, version)
    entries = list(_read_entries(input_file))
    out = sys.stdout
    failed = 0
    show_progress = sys.stderr.isatty() and len(entries) >= PROGRESS_THRESHOLD
    with click.progressbar(length=len(entries), label="scoring", file=sys.stderr if show_progress else _Null()) as bar:
        for entry, read_errors in entries:
            errors = read_errors or _check_entry(entry)
            ref = entry.get("application_ref") if isinstance(entry, dict) else None
            if not errors:
                try:
                    line = {"application_ref": ref, **compiled.score(entry["facts"], as_of=on)}
                except FactsError as exc:
                    errors = {f"facts.{k}" if k != "facts" else k: v for k, v in exc.errors.items()}
            if errors:
                failed += 1
                line = {"application_ref": ref, "errors": errors}
            out.write(dumps(line) + "\n")
            bar.update(1)
    out.flush()
    if failed:
        click.echo(f"{failed} of {len(entries)} application(s) had errors", err=True)
        sys.exit(1)
