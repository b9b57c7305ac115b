"""``flask rulesets …``: import, export, list, show, diff, clone, publish, retire, in force, validate, lint, impact."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import current_app
from flask.cli import AppGroup

from engine import RulesetError, dumps, load_file, run_cases
from engine.describe import materials_sentence, version_sentences
from engine.lint import counts, lint, report
from jifen import unit_of_work
from jifen.access.users import get_user, require_role
from jifen.cli.errors import friendly_errors
from jifen.cli.impact import impact_command
from jifen.cli.score import parse_date_option
from jifen.errors import ServiceError
from jifen.standard import files, rulesets
from jifen.standard.files import ruleset_files
from jifen.workbook import comparison_workbook, is_workbook, read_with_origin, version_workbook

F = TypeVar("F", bound=Callable[..., Any])

rulesets_group = AppGroup("rulesets", help="Ruleset versions: import, export, compare, publish.")


def _user_option(required: bool = True) -> Callable[[F], F]:
    return click.option(
        "--user",
        "username",
        required=required,
        envvar="JIFEN_USER",
        help="Who does this (a console user; or JIFEN_USER).",
    )


def _import_workbook(session: Any, data: bytes, name: str, actor: str) -> str:
    """Import a workbook as the console does, without its preview: it updates the draft it was downloaded from, or
    becomes a new draft; a workbook older than its draft's last save is refused (jifen.standard.files)."""
    model, origin = read_with_origin(data, name)
    plan = files.plan_workbook(session, model, origin)
    row, changed = files.apply_workbook(session, plan, actor, name)
    verb = (
        {"update": "updated  ", "merge": "merged   ", "new_draft": "imported "}.get(plan.kind, "unchanged")
        if changed
        else "unchanged"
    )
    line = f"{verb} {row.ref} ({row.status}) {row.content_hash}"
    if plan.kind == "new_draft" and plan.target_ref is not None:
        line += f" as a new revision: {plan.target_ref} has other content"
    return line


@rulesets_group.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_user_option(required=False)
def import_command(paths: tuple[Path, ...], username: str | None) -> None:
    """Import ruleset files (YAML, or .xlsx workbooks as drafts); the same content again changes nothing."""
    failed = 0
    for path in paths:
        try:
            content = path.read_bytes() if is_workbook(path.name) else path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            click.echo(f"FAIL {path}: cannot read the file: {exc}", err=True)
            failed += 1
            continue
        try:
            with unit_of_work.current().write() as session:
                if isinstance(content, bytes):
                    line = _import_workbook(session, content, path.name, username or "import")
                else:
                    row, created = rulesets.import_text(session, content, path.name, username or "import")
                    line = f"{'imported ' if created else 'unchanged'} {row.ref} ({row.status}) {row.content_hash}"
        except RulesetError as exc:
            click.echo(f"FAIL {exc.report()}", err=True)
            failed += 1
            continue
        except ServiceError as exc:
            click.echo(f"FAIL {path.name}: {exc}", err=True)
            failed += 1
            continue
        click.echo(f"{line}  ← {path}")
    if failed:
        sys.exit(1)


@rulesets_group.command("export")
@click.argument("version")
@click.option("--out", type=click.Path(path_type=Path), help="Write to this file instead of stdout.")
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["yaml", "xlsx"]),
    help="yaml (default), or xlsx: the workbook circulated for comments, read back by import. "
    "Default: from the --out file's extension.",
)
@friendly_errors
def export_command(version: str, out: Path | None, file_format: str | None) -> None:
    """Write VERSION as a ruleset file (canonical YAML) or an Excel workbook."""
    if file_format == "xlsx" or (file_format is None and out is not None and is_workbook(out.name)):
        if out is None:
            raise click.UsageError("an Excel workbook needs --out FILE.xlsx")
        with unit_of_work.current().write() as session:
            model = rulesets.export_model(rulesets.get_version(session, version))
        out.write_bytes(version_workbook(model))
        click.echo(f"wrote {out}", err=True)
        return
    with unit_of_work.current().write() as session:
        text = rulesets.export_yaml(rulesets.get_version(session, version))
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)


@rulesets_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON array instead of a table.")
@click.option("--year", type=int)
@click.option("--status", type=click.Choice(["draft", "published", "retired"]))
def list_command(as_json: bool, year: int | None, status: str | None) -> None:
    """List versions: reference, status, effective date, content hash."""
    with unit_of_work.current().write() as session:
        rows = [rulesets.describe(r) for r in rulesets.list_versions(session, year=year, status=status)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        published = f"published {r['published_at'][:10]} by {r['published_by']}" if r["published_at"] else ""
        click.echo(
            f"{r['ref']:<20} {r['status']:<10} from {r['effective_from']}  {r['content_hash'][:19]}…  {published}"
        )


@rulesets_group.command("show")
@click.argument("version")
@friendly_errors
def show_command(version: str) -> None:
    """Show VERSION as a readable table: category → indicator → item."""
    with unit_of_work.current().write() as session:
        row = rulesets.get_version(session, version)
        info = rulesets.describe(row)
        model = rulesets.load_model(row)
    click.echo(f"{info['ref']}  {info['status']}  生效日期 {info['effective_from']}  {info['content_hash']}")
    click.echo(model.title)
    sentences = version_sentences(model)
    for cat in model.categories:
        cap = f"（上限{cat.cap}分）" if cat.cap is not None else "（不设上限）"
        click.echo(f"\n{cat.name}{cap}{'，扣分' if cat.kind == 'deduct' else ''}")
        for ind in (i for i in model.indicators if i.category == cat.code):
            cap = f"，上限{ind.cap}分" if ind.cap is not None else ""
            click.echo(f"  {ind.code} {ind.name}{cap}  [{'、'.join(ind.departments)}]  {ind.reference}")
            for item in ind.items:
                click.echo(f"    {item.code} {sentences[item.code]}")
                materials = materials_sentence(item)
                if materials:
                    click.echo(f"      {materials}")


@rulesets_group.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="The same as --format json.")
@click.option("--format", "file_format", type=click.Choice(["text", "json", "xlsx"]), default="text")
@click.option("--out", type=click.Path(path_type=Path), help="The file for --format xlsx.")
@friendly_errors
def diff_command(a: str, b: str, as_json: bool, file_format: str, out: Path | None) -> None:
    """What changed from version A to version B, and each test case's total under both."""
    if file_format == "xlsx" and out is None:
        raise click.UsageError("an Excel workbook needs --out FILE.xlsx")
    if file_format == "xlsx" and out is not None:
        # the console's workbook: each change before → after in sentences, the differing parts marked
        with unit_of_work.current().write() as session:
            result, rows = rulesets.compare(session, a, b)
        out.write_bytes(comparison_workbook(result, rows))
        click.echo(f"wrote {out}", err=True)
        return
    with unit_of_work.current().write() as session:
        result = rulesets.diff(session, a, b)
    if as_json or file_format == "json":
        click.echo(dumps(result, indent=1))
        return
    click.echo(f"{result['a']['ref']} → {result['b']['ref']}")
    names = {"added": "新增", "removed": "删除", "changed": "修改"}
    for change in result["changes"]:
        mark = "*" if change["affects_points"] else " "
        head = f"{mark} {names[change['change']]} {change['object_label']} {change['code']} {change['label']}".rstrip()
        click.echo(head)
        for attr in change.get("attributes", []):
            before, after = _short(attr["before"]), _short(attr["after"])
            click.echo(f"      {attr['attribute_label']}（{attr['attribute']}）: {before} → {after}")
    click.echo("  (* changes that can move a score)\n\ntest cases: total under A → under B")
    for case in result["cases"]:
        a_total, b_total = case["a"]["total"], case["b"]["total"]
        flag = "  CHANGED" if case["changed"] else ""
        click.echo(f"  {case['case']} [{case['from']}]: {_short(a_total)} → {_short(b_total)}{flag}")


def _short(value: Any) -> str:
    text = dumps(value) if not isinstance(value, str) else value
    return text if len(text) <= 100 else text[:97] + "…"


@rulesets_group.command("clone")
@click.argument("version")
@click.option("--year", type=int, help="Year of the new draft (default: a new revision of the same year).")
@_user_option()
@friendly_errors
def clone_command(version: str, year: int | None, username: str) -> None:
    """Clone VERSION into a new draft."""
    with unit_of_work.current().write() as session:
        require_role(get_user(session, username), "editor")
        row = rulesets.clone(session, version, username, year=year)
        click.echo(f"created draft {row.ref} from {version} ({row.content_hash})")


@rulesets_group.command("publish")
@click.argument("version")
@click.option(
    "--note",
    required=True,
    help="What this version changes and why (kept in the audit log); name the code of each lint warning "
    "to acknowledge it.",
)
@_user_option()
@friendly_errors
def publish_command(version: str, note: str, username: str) -> None:
    """Publish a draft (publisher role; valid; all test cases passing; no lint error; lint warnings acknowledged)."""
    with unit_of_work.current().write() as session:
        row = rulesets.publish(session, version, get_user(session, username), note)
        click.echo(f"published {row.ref} ({row.content_hash}), in force from {row.effective_from}")


@rulesets_group.command("retire")
@click.argument("version")
@click.option(
    "--reason", required=True, help="Why the version is no longer to be used (kept with it and in the audit log)."
)
@_user_option()
@friendly_errors
def retire_command(version: str, reason: str, username: str) -> None:
    """Retire a published version, saying why."""
    with unit_of_work.current().write() as session:
        row = rulesets.retire(session, version, get_user(session, username), reason)
        click.echo(f"retired {row.ref}")


@rulesets_group.command("in-force")
@click.option("--year", type=int, required=True)
@click.option("--date", "date_text", metavar="YYYY-MM-DD", help="Default: today.")
@click.option("--ruleset", default=rulesets.DEFAULT_RULESET, show_default=True)
@friendly_errors
def in_force_command(year: int, date_text: str | None, ruleset: str) -> None:
    """Which version is in force for YEAR on DATE."""
    on = parse_date_option(date_text) or dt.date.today()
    with unit_of_work.current().write() as session:
        row = rulesets.in_force(session, year, on, ruleset)
        click.echo(f"{row.ref} {row.content_hash} (effective from {row.effective_from})")


@rulesets_group.command("validate")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate_command(paths: tuple[Path, ...]) -> None:
    """Validate ruleset files, run their static checks and their test cases (default: every file in rulesets/);
    a file fails on a problem, a static error or a failing case, and its line says all three."""
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
        findings = lint(version)
        tally = counts(findings)
        bad += bool(failures or tally["error"])
        click.echo(
            f"{'FAIL' if failures or tally['error'] else 'ok  '} {path.name}: {version.ref} ({version.status}) "
            f"{version.content_hash}; {tally['error']} static error(s), {tally['warning']} warning(s); "
            f"{len(outcomes) - len(failures)}/{len(outcomes)} test cases passed"
        )
        for f in findings:
            if f.severity != "info":
                click.echo(f"       {f.severity} {f.code}  {f.where}: {f.message('en')}")
        for outcome in failures:
            click.echo(f"       case {outcome.name!r}:")
            for mismatch in outcome.mismatches:
                click.echo(f"         {mismatch}")
    if bad:
        click.echo(f"{bad} of {len(files)} file(s) have problems", err=True)
        sys.exit(1)


@rulesets_group.command("lint")
@click.argument("target", metavar="VERSION|FILE")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
@friendly_errors
def lint_command(target: str, as_json: bool) -> None:
    """Static checks of a version (tongxiang/2026/1) or a ruleset file; exit status 1 when there are errors."""
    path = Path(target)
    if path.is_file():
        model = load_file(path)
    elif path.suffix in (".yaml", ".yml"):
        raise click.ClickException(f"no such file: {target}")
    else:
        with unit_of_work.current().write() as session:
            model = rulesets.load_model(rulesets.get_version(session, target))
    findings = lint(model)
    tally = counts(findings)
    if as_json:
        click.echo(dumps(report(model, findings), indent=1))
    else:
        click.echo(f"{model.ref} {model.content_hash}: {tally['error']} error(s), {tally['warning']} warning(s), "
                   f"{tally['info']} note(s)")  # fmt: skip
        for f in findings:
            click.echo(f"\n{f.severity:<8}{f.code}  {f.where}\n  {f.message('zh')}\n  {f.message('en')}")
            if f.witness is not None:
                w = f.witness
                derived = "".join(f"{k} {v}; " for k, v in w.derived.items())
                checked = {True: "confirmed by scoring", False: "NOT confirmed by scoring", None: "not scored"}
                click.echo(f"  witness ({checked[w.verified]} on {w.as_of}): {derived}{dumps(w.facts)}")
    if tally["error"]:
        sys.exit(1)


rulesets_group.add_command(impact_command)  # its own module: jifen/cli/impact.py
