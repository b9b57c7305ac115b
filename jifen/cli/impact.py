"""``flask rulesets impact``: what a version does to a population, compared with a base version."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import IO, Any

import click
from flask.cli import with_appcontext

from engine import RulesetVersion, dumps
from engine.canonical import plain_number
from jifen import unit_of_work
from jifen.cli.errors import friendly_errors
from jifen.cli.score import jobs_option, parse_date_option, progress_bar
from jifen.standard import impact
from jifen.standard.population import ApplicationsSource, FileSource, PopulationError, Source, StoredSource
from jifen.workbook.applicants import ApplicantsError, looks_like_xlsx, read_applicants


class CutoffType(click.ParamType):  # type: ignore[type-arg]
    name = "POINTS"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Decimal:
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            self.fail(f"not a number: {value!r}", param, ctx)
        if not number.is_finite():
            self.fail(f"not a number: {value!r}", param, ctx)
        return number


@click.command("impact")
@click.argument("version")
@click.option("--base", "base_ref", required=True, metavar="VERSION", help="The version to compare with.")
@click.option(
    "--population",
    "population_file",
    type=click.File("rb"),
    metavar="FILE",
    help="Applications in `score`'s input format (JSON array or JSON Lines; '-' reads stdin), or the console's "
    "workbook of applicants (.xlsx).",
)
@click.option("--stored-year", type=int, metavar="YEAR", help="The facts of the current stored scores of YEAR.")
@click.option(
    "--applications-year",
    type=int,
    metavar="YEAR",
    help="The applications received for YEAR (not voided): verified facts once scored, else as claimed.",
)
@click.option(
    "--date",
    "date_text",
    metavar="YYYY-MM-DD",
    help="Scoring date (default: today); an application's own application_date still sets its age.",
)
@click.option(
    "--cutoff",
    "cutoffs",
    type=CutoffType(),
    multiple=True,
    help="A points threshold (e.g. for a school place); who crosses it, up or down. Repeatable.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of tables.")
@jobs_option
@with_appcontext
@friendly_errors
def impact_command(
    version: str,
    base_ref: str,
    population_file: IO[bytes] | None,
    stored_year: int | None,
    applications_year: int | None,
    date_text: str | None,
    cutoffs: tuple[Decimal, ...],
    as_json: bool,
    jobs: int,
) -> None:
    """Score a population under VERSION and under --base, and report who gains, who loses and why.

    Applications that either version refuses (e.g. a fact one of them does not know) are listed under
    errors and left out of every other figure. docs/clerk/impact.md defines each figure.
    """
    if [population_file, stored_year, applications_year].count(None) != 2:
        raise click.UsageError(
            "give the population: either --population FILE or --stored-year YEAR (or --applications-year YEAR)"
        )
    on = parse_date_option(date_text) or dt.date.today()
    uow = unit_of_work.current()
    with uow.read() as session:
        new = impact.load_version(session, version)
        base = impact.load_version(session, base_ref)
    source: Source
    if stored_year is not None:
        source = StoredSource(uow.database.factory, stored_year)
    elif applications_year is not None:
        source = ApplicationsSource(uow.database.factory, applications_year)
    else:
        assert population_file is not None
        source = _file_source(population_file, [new, base])
    with progress_bar(source.total, "impact", show=not as_json) as bar:
        try:
            report = impact.analyse(base, new, source, on, cutoffs, jobs=jobs, progress=bar.to)
        except PopulationError as exc:
            raise click.ClickException(
                str(exc) if exc.zh else f"the population is not a valid JSON array: {exc}"
            ) from None
    if as_json:
        click.echo(dumps(report, indent=2))
    else:
        click.echo(render(report))


def _file_source(stream: IO[bytes], versions: list[RulesetVersion]) -> Source:
    """A population file: JSON as it streams, or a workbook of applicants read whole (every bad cell named)."""
    head = stream.peek(4)[:4] if hasattr(stream, "peek") else b""
    if not looks_like_xlsx(head):
        return FileSource(stream)
    try:
        entries = read_applicants(stream.read(), [v.facts for v in versions])
    except ApplicantsError as exc:
        lines = [e.text("en") for e in exc.errors]
        more = f"\n(and {exc.count - len(lines)} more)" if exc.count > len(lines) else ""
        raise click.ClickException(f"the workbook has {exc.count} problem(s):\n" + "\n".join(lines) + more) from None
    return FileSource(io.BytesIO(b"\n".join(entries) + b"\n"), getattr(stream, "name", "") or "workbook")


def _pad(text: str, width: int) -> str:
    """``text`` left-aligned in ``width`` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(width - used, 0)


def _n(value: Any) -> str:
    if value is None:
        return "-"
    return str(plain_number(value)) if isinstance(value, Decimal) else str(value)


def _signed(value: Any) -> str:
    text = _n(value)
    return "+" + text if isinstance(value, Decimal) and value > 0 else text


def _histogram(histogram: list[dict[str, Any]]) -> list[str]:
    if not histogram:
        return []
    out = ["", f"{'totals':<12}{'base':>9}{'version':>9}"]
    top = max(max(h["base"], h["version"]) for h in histogram) or 1
    for h in histogram:
        bars = "#" * round(20 * h["base"] / top)
        out.append(
            f"{h['label']:<12}{h['base']:>9}{h['version']:>9}  {bars:<20} {'*' * round(20 * h['version'] / top)}"
        )
    out.append(f"{'':<30}  {'# base':<20} * version")
    return out


def _cutoff(key: str, c: dict[str, Any]) -> list[str]:
    out = ["", f"cutoff {key}: {c['up']} cross it up, {c['down']} down"]
    for x in c["crossings"]:
        moved = ", ".join(f"{m['code']} {_signed(m['change'])}" for m in x["indicators"]) or "-"
        if x["eligible"]["base"] != x["eligible"]["version"]:
            moved += f"; eligible {x['eligible']['base']} → {x['eligible']['version']}"
        out.append(f"  {x['direction']:<5} {x['application_ref']}: {_n(x['base'])} → {_n(x['version'])}  ({moved})")
    return out


def render(report: dict[str, Any]) -> str:
    """The report as readable tables."""
    out: list[str] = []
    v, b = report["version"], report["base"]
    out.append(f"impact of {v['ref']} ({v['status']}, {v['content_hash']})")
    out.append(f"  against {b['ref']} ({b['status']}, {b['content_hash']})")
    out.append(f"population: {report['population']}; scoring date {report['date']}")
    out.append("")
    out.append(f"applications {report['applications']}, scored {report['scored']}, errors {len(report['errors'])}")
    elig = report["eligible"]
    out.append(f"eligible: base {elig['base']}, version {elig['version']}")
    out.append(
        f"changed {report['changed']} (gained {report['gained']}, lost {report['lost']}), "
        f"unchanged {report['unchanged']}"
    )
    d = report["delta"]
    out.append(
        f"change of the total (version − base): mean {_signed(d['mean'])}, median {_signed(d['median'])}, "
        f"min {_signed(d['min'])}, max {_signed(d['max'])}"
    )
    out += _histogram(report["histogram"])
    for title, key in (("category", "categories"), ("indicator", "indicators")):
        out.append("")
        out.append(f"{title:<34}{'changed':>9}{'sum':>12}{'mean':>9}{'mean_all':>10}")
        for code, c in report[key].items():
            label = _pad(f"{code} {c['name']}", 34)
            out.append(
                f"{label}{c['changed']:>9}{_signed(c['sum']):>12}{_signed(c['mean']):>9}{_signed(c['mean_all']):>10}"
            )
    for key, c in report["cutoffs"].items():
        out += _cutoff(key, c)
    if report["errors"]:
        out.append("")
        out.append(f"errors ({len(report['errors'])}): left out of every figure above")
        for e in report["errors"]:
            for side, errors in e["reasons"].items():
                detail = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in errors.items())
                out.append(f"  #{e['position']} {e['application_ref']}: {side}: {detail}")
    return "\n".join(out)
