"""Command-line interface: ``flask --app wsgi score …`` and ``flask --app wsgi rulesets …``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from engine import EngineError, FactsError, RulesetError, compile_version, dumps, load_file, run_cases
from engine.facts import Invalid, parse_date
from engine.selection import in_force
from jifen.files import load_directory, ruleset_files

PROGRESS_THRESHOLD = 1000
_ENTRY_KEYS = ("application_ref", "facts")


def register_commands(app: Flask) -> None:
    app.cli.add_command(score_command)
    app.cli.add_command(rulesets_group)


def _date_option(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse_date(value)
    except Invalid as exc:
        raise click.BadParameter(str(exc), param_hint="--date") from None


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


def _select_version(year: int | None, on: dt.date, pinned: str | None) -> Any:
    directory = current_app.config["RULESETS_DIR"]
    try:
        versions = load_directory(directory)
    except RulesetError as exc:
        raise click.ClickException(f"cannot read the rulesets:\n{exc.report()}") from None
    if pinned:
        found = [v for v in versions if v.ref == pinned]
        if not found:
            raise click.ClickException(
                f"no version {pinned} in {directory} (known: {', '.join(v.ref for v in versions) or 'none'})"
            )
        return found[0]
    if year is None:
        raise click.UsageError("give --year (the version in force is chosen by year and date) or --version")
    try:
        return in_force(versions, year, on)
    except EngineError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("score")
@click.option("--year", type=int, help="Scoring year; the version in force for it is used.")
@click.option(
    "--date",
    "date_text",
    metavar="YYYY-MM-DD",
    help="Scoring date (default: today); picks the version in force and is the default application date.",
)
@click.option(
    "--version",
    "pinned",
    metavar="RULESET/YEAR/REVISION",
    help="Use this version instead of the one in force, e.g. tongxiang/2026/1.",
)
@click.argument("input_file", type=click.File("r", encoding="utf-8"))
@with_appcontext
def score_command(year: int | None, date_text: str | None, pinned: str | None, input_file: TextIO) -> None:
    """Score applications: INPUT_FILE is a JSON array or JSON Lines of {"application_ref", "facts"} ('-' for stdin).

    Prints one JSON result per line, in input order; an invalid entry prints its errors on its line and the
    command exits 1 after scoring the rest.
    """
    on = _date_option(date_text) or dt.date.today()
    version = _select_version(year, on, pinned)
    compiled = compile_version(version)
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


class _Null:
    """A sink for the progress bar when it should not show."""

    def write(self, _: str) -> int:
        return 0

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@click.group("rulesets", cls=AppGroup)
def rulesets_group() -> None:
    """Ruleset versions: validate files."""


@rulesets_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Validate ruleset files and run their test cases (default: every file in rulesets/)."""
    files = list(paths) or ruleset_files(current_app.config["RULESETS_DIR"])
    if not files:
        raise click.ClickException(f"no ruleset files in {current_app.config['RULESETS_DIR']}")
    bad = 0
    for path in files:
        try:
            version = load_file(path)
        except RulesetError as exc:
            bad += 1
            click.echo(f"FAIL {exc.report()}")
            continue
        outcomes = run_cases(version)
        failures = [o for o in outcomes if not o.passed]
        if failures:
            bad += 1
        status = "FAIL" if failures else "ok  "
        click.echo(
            f"{status} {path.name}: {version.ref} ({version.status}) {version.content_hash}; "
            f"{len(outcomes) - len(failures)}/{len(outcomes)} test cases passed"
        )
        for outcome in failures:
            click.echo(f"       case {outcome.name!r}:")
            for mismatch in outcome.mismatches:
                click.echo(f"         {mismatch}")
    if bad:
        click.echo(f"{bad} of {len(files)} file(s) have problems", err=True)
        sys.exit(1)
