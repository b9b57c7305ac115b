"""``flask rulesets impact``: every figure checked against the engine, one application at a time."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import RulesetVersion, dumps, load_file, score
from tests.conftest import RULESETS

ON = dt.date(2026, 6, 1)
OLD, NEW = "tongxiang/2025/1", "tongxiang/2026/1"
VERSIONS = {2025: load_file(RULESETS / "tongxiang-2025.yaml"), 2026: load_file(RULESETS / "tongxiang-2026.yaml")}
BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


@pytest.fixture(autouse=True)
def _sample_rulesets(seeded: Any) -> None:
    """The sample versions imported, as the command reads them from the database."""


def impact(runner: Any, entries: list[dict[str, Any]] | None, *args: str, tmp: Path | None = None) -> dict[str, Any]:
    """Run the command with ``--json`` on ``entries`` (JSON Lines on stdin) and return its report."""
    population = ["--population", "-"] if entries is not None else []
    text = "".join(dumps(e) + "\n" for e in entries or [])
    result = runner.invoke(
        args=["rulesets", "impact", *args, *population, "--date", ON.isoformat(), "--json"], input=text
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout, parse_float=Decimal)  # type: ignore[no-any-return]


# -- an independent calculation of the report from the engine's results ------------------------------------


def key(cutoff: Decimal) -> str:
    """A cutoff as the report's key: the text of its JSON number."""
    return format(cutoff.normalize(), "f")


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected(
    entries: list[dict[str, Any]], base: RulesetVersion, new: RulesetVersion, cutoffs: list[Decimal]
) -> dict[str, Any]:
    rows = [
        (e["application_ref"], score(base, e["facts"], as_of=ON), score(new, e["facts"], as_of=ON)) for e in entries
    ]
    deltas = [n["total"] - b["total"] for _, b, n in rows]
    bins: dict[int, list[int]] = {}
    for _, b, n in rows:
        for side, result in enumerate((b, n)):
            bins.setdefault(int(result["total"]) // 10 * 10, [0, 0])[side] += 1

    def changes(key: str) -> dict[str, Any]:
        codes = list(dict.fromkeys([c["code"] for c in rows[0][2][key]] + [c["code"] for c in rows[0][1][key]]))
        out = {}
        for code in codes:
            moved = []
            for _, b, n in rows:
                before = next((c["points"] for c in b[key] if c["code"] == code), Decimal(0))
                after = next((c["points"] for c in n[key] if c["code"] == code), Decimal(0))
                if after != before:
                    moved.append(after - before)
            out[code] = {
                "changed": len(moved),
                "sum": sum(moved, Decimal(0)),
                "mean": _round(sum(moved) / len(moved)) if moved else None,
                "mean_all": _round(sum(moved, Decimal(0)) / len(rows)),
            }
        return out

    cut = {}
    for c in cutoffs:
        up = [ref for ref, b, n in rows if b["total"] < c <= n["total"]]
        down = [ref for ref, b, n in rows if n["total"] < c <= b["total"]]
        crossing = [(ref, b["total"], n["total"]) for ref, b, n in rows if ref in up or ref in down]
        cut[key(c)] = {"up": len(up), "down": len(down), "crossings": crossing}
    top = max(bins)
    return {
        "applications": len(rows),
        "scored": len(rows),
        "errors": [],
        "eligible": {"base": sum(b["eligible"] for _, b, _ in rows), "version": sum(n["eligible"] for _, _, n in rows)},
        "changed": sum(d != 0 for d in deltas),
        "gained": sum(d > 0 for d in deltas),
        "lost": sum(d < 0 for d in deltas),
        "delta": {
            "mean": _round(sum(deltas, Decimal(0)) / len(deltas)),
            "median": statistics.median(deltas),
            "min": min(deltas),
            "max": max(deltas),
        },
        "histogram": {f"[{lo},{lo + 10})": bins.get(lo, [0, 0]) for lo in range(0, top + 10, 10)},
        "categories": changes("categories"),
        "indicators": changes("indicators"),
        "cutoffs": cut,
    }


def observed(report: dict[str, Any]) -> dict[str, Any]:
    """The report in the shape of ``expected``."""
    keys = ("applications", "scored", "errors", "eligible", "changed", "gained", "lost", "delta")
    return {
        **{k: report[k] for k in keys},
        "histogram": {h["label"]: [h["base"], h["version"]] for h in report["histogram"]},
        "categories": {
            k: {f: v[f] for f in ("changed", "sum", "mean", "mean_all")} for k, v in report["categories"].items()
        },
        "indicators": {
            k: {f: v[f] for f in ("changed", "sum", "mean", "mean_all")} for k, v in report["indicators"].items()
        },
        "cutoffs": {
            k: {
                "up": c["up"],
                "down": c["down"],
                "crossings": [(x["application_ref"], x["base"], x["version"]) for x in c["crossings"]],
            }
            for k, c in report["cutoffs"].items()
        },
    }


# -- generated populations ---------------------------------------------------------------------------------

_money = st.decimals(min_value=0, max_value=40_000, places=2, allow_nan=False, allow_infinity=False)
_facts = st.fixed_dictionaries(
    {
        "permit_valid": st.sampled_from([True, True, True, False]),
        "permit_endorsed": st.just(True),
        "birth_date": st.dates(dt.date(1958, 1, 1), dt.date(2006, 12, 31)).map(dt.date.isoformat),
    },
    optional={
        "application_date": st.dates(dt.date(2026, 1, 1), dt.date(2026, 6, 1)).map(dt.date.isoformat),
        "education": st.sampled_from(["master", "bachelor", "college", "highschool", "below"]),
        "skill_level": st.integers(1, 5),
        "insurance_months": st.integers(0, 120),
        "residence_months": st.integers(0, 150),
        "local_insurance_months": st.integers(0, 90),
        "provident_fund_months": st.integers(0, 80),
        "local_residence_months": st.integers(0, 140),
        "labor_contract": st.booleans(),
        "dwelling": st.sampled_from(["owned", "registered_rental", "dormitory", "other"]),
        "honor_level": st.sampled_from(["national", "city", "county"]),
        "heroic_act": st.booleans(),
        "income_tax_paid": _money,
        "serious_traffic_violations": st.integers(0, 3),
    },
)
_population = st.lists(_facts, min_size=1, max_size=25).map(
    lambda facts: [{"application_ref": f"H-{n}", "facts": f} for n, f in enumerate(facts)]
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    population=_population,
    cutoffs=st.lists(st.integers(0, 120).map(Decimal), max_size=3, unique=True),
    reverse=st.booleans(),
)
def test_every_figure_matches_the_engine_one_application_at_a_time(
    runner: Any, population: list[dict[str, Any]], cutoffs: list[Decimal], reverse: bool
) -> None:
    base, new = (VERSIONS[2026], VERSIONS[2025]) if reverse else (VERSIONS[2025], VERSIONS[2026])
    cuts = [arg for c in cutoffs for arg in ("--cutoff", str(c))]
    report = impact(runner, population, new.ref, "--base", base.ref, *cuts)
    assert observed(report) == expected(population, base, new, cutoffs)
    assert report["version"]["ref"] == new.ref and report["base"]["ref"] == base.ref
    assert (
        report["categories"]["deduction"]["kind"] == "deduct" and report["indicators"]["P1"]["category"] == "provincial"
    )
    assert report["date"] == ON.isoformat()


def test_a_fact_only_one_version_knows_is_an_error_never_dropped(runner: Any, tmp_path: Path) -> None:
    draft = (RULESETS / "tongxiang-2026.yaml").read_text(encoding="utf-8")
    draft = draft.replace("revision: 1", "revision: 2", 1).replace("status: published", "status: draft", 1)
    draft = draft.replace(
        "\neligibility:", "\n- name: night_shift_months\n  type: int\n  label: 夜班月数\n  min: 0\neligibility:", 1
    )
    path = tmp_path / "tongxiang-2026-2.yaml"
    path.write_text(draft, encoding="utf-8")
    imported = runner.invoke(args=["rulesets", "import", str(path)])
    assert imported.exit_code == 0, imported.output
    entries = [
        {"application_ref": "OK", "facts": BASE},
        {"application_ref": "NIGHT", "facts": {**BASE, "night_shift_months": 12}},
        {"application_ref": "BOTH", "facts": {**BASE, "agee": 3}},
    ]
    report = impact(runner, entries, "tongxiang/2026/2", "--base", NEW)
    assert report["applications"] == 3 and report["scored"] == 1
    assert report["errors"] == [
        {
            "position": 2,
            "application_ref": "NIGHT",
            "refused_by": ["base"],
            "reasons": {"base": {"facts.night_shift_months": ["unknown field"]}},
            "reasons_zh": {"base": {"facts.night_shift_months": ["未知字段"]}},
        },
        {
            "position": 3,
            "application_ref": "BOTH",
            "refused_by": ["base", "version"],
            "reasons": {"base": {"facts.agee": ["unknown field"]}, "version": {"facts.agee": ["unknown field"]}},
            "reasons_zh": {"base": {"facts.agee": ["未知字段"]}, "version": {"facts.agee": ["未知字段"]}},
        },
    ]
    assert report["changed"] == 0 and report["eligible"] == {"base": 1, "version": 1}
    assert sum(h["base"] for h in report["histogram"]) == 1
    text = runner.invoke(
        args=["rulesets", "impact", "tongxiang/2026/2", "--base", NEW, "--population", "-"],
        input="".join(json.dumps(e) + "\n" for e in entries),
    )
    assert text.exit_code == 0, text.output
    assert "#2 NIGHT: base: facts.night_shift_months: unknown field" in text.stdout
    assert "errors (2)" in text.stdout


def test_unreadable_entries_are_errors_too(runner: Any) -> None:
    result = runner.invoke(
        args=["rulesets", "impact", NEW, "--base", OLD, "--population", "-", "--json"],
        input=json.dumps({"application_ref": "A", "facts": BASE}) + "\n{oops\n[1]\n" + json.dumps({"facts": BASE}),
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["applications"] == 4 and report["scored"] == 1
    assert [e["refused_by"] for e in report["errors"]] == [["input"]] * 3
    assert "line 2 is not valid JSON" in report["errors"][0]["reasons"]["input"]["input"][0]
    assert report["errors"][2]["reasons"]["input"] == {"application_ref": ["required: a non-empty string"]}


def test_cutoffs_at_exact_boundaries(runner: Any) -> None:
    # 2025 gives 1 point per full 2,000 yuan of income tax, 2026 per full 1,000: 4,000 yuan is 2 points, then 4
    facts = {**BASE, "income_tax_paid": 4000}
    before = score_total(OLD, facts)
    after = score_total(NEW, facts)
    assert after - before == 2
    entries = [{"application_ref": "X", "facts": facts}]
    cutoffs = [before, before + 1, after, after + 1]
    args = [a for c in cutoffs for a in ("--cutoff", str(c))]
    up = impact(runner, entries, NEW, "--base", OLD, *args)["cutoffs"]
    # base exactly at the cutoff is not below it: no crossing; new exactly at it is at or above: up
    assert [up[key(c)]["up"] for c in cutoffs] == [0, 1, 1, 0]
    assert [up[key(c)]["down"] for c in cutoffs] == [0, 0, 0, 0]
    crossing = up[key(after)]["crossings"][0]
    assert crossing["application_ref"] == "X" and crossing["direction"] == "up"
    assert (crossing["base"], crossing["version"]) == (before, after)
    assert crossing["indicators"] == [{"code": "T7", "base": 2, "version": 4, "change": 2}]
    down = impact(runner, entries, OLD, "--base", NEW, *args)["cutoffs"]
    # the reverse: new (2025) below, base (2026) at or above
    assert [down[key(c)]["down"] for c in cutoffs] == [0, 1, 1, 0]
    assert [down[key(c)]["up"] for c in cutoffs] == [0, 0, 0, 0]


def score_total(ref: str, facts: dict[str, Any]) -> Decimal:
    total: Decimal = score(VERSIONS[{OLD: 2025, NEW: 2026}[ref]], facts, as_of=ON)["total"]
    return total


def test_stored_year_uses_the_current_score_of_each_chain(runner: Any, app: Any, db: Any) -> None:
    from jifen import unit_of_work
    from jifen.access.api_clients import Caller
    from jifen.scoring import scores

    caller = Caller(None, "test", frozenset({"score"}))  # type: ignore[arg-type]

    def store(ref: str, year: int, facts: dict[str, Any], supersedes: str | None = None) -> str:
        with app.app_context():
            request = scores.ScoreRequest(ref, year, facts, as_of=dt.date(year, 3, 15), supersedes=supersedes)
            stored = scores.score(unit_of_work.current(), request, caller)
            assert stored.stored_id is not None
            return stored.stored_id

    first = store("R-1", 2026, {**BASE, "income_tax_paid": 1000})
    store("R-1", 2026, {**BASE, "income_tax_paid": 6000}, supersedes=first)  # re-review: the current score
    store("R-2", 2026, BASE)
    store("R-3", 2025, {**BASE, "application_date": "2025-03-15", "income_tax_paid": 6000})
    report = impact(runner, None, NEW, "--base", OLD, "--stored-year", "2026", "--cutoff", "1000")
    assert report["applications"] == 2 and report["population"] == "stored scores of 2026 (current)"
    # R-1's re-review: 6,000 yuan is 3 points in 2025 and 6 in 2026; its first score (1,000 yuan: 0 → 1) is not used
    assert report["indicators"]["T7"] == {
        "name": "个人纳税",
        "category": "bonus",
        "changed": 1,
        "sum": 3,
        "mean": 3,
        "mean_all": 1.5,
    }
    assert report["changed"] == 1 and report["gained"] == 1


def test_jobs_give_identical_output(runner: Any) -> None:
    entries = [
        {
            "application_ref": f"J-{n}",
            "facts": {
                **BASE,
                "income_tax_paid": n * 37,
                "serious_traffic_violations": n % 3,
                **({"agee": 1} if n % 250 == 7 else {}),
            },
        }
        for n in range(1300)
    ]
    one = impact(runner, entries, NEW, "--base", OLD, "--cutoff", "40", "--jobs", "1")
    two = impact(runner, entries, NEW, "--base", OLD, "--cutoff", "40", "--jobs", "2")
    assert one == two
    assert one["applications"] == 1300 and len(one["errors"]) == 6
    assert [e["position"] for e in one["errors"]] == [8, 258, 508, 758, 1008, 1258]
    crossings = [c["position"] for c in one["cutoffs"]["40"]["crossings"]]
    assert crossings == sorted(crossings) and crossings


def test_text_report_and_usage_errors(runner: Any) -> None:
    entries = "".join(
        json.dumps({"application_ref": f"T-{n}", "facts": {**BASE, "income_tax_paid": n * 1000}}) + "\n"
        for n in range(5)
    )
    result = runner.invoke(
        args=["rulesets", "impact", NEW, "--base", OLD, "--population", "-", "--cutoff", "41"], input=entries
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "applications 5, scored 5, errors 0" in out
    assert "changed 4 (gained 4, lost 0), unchanged 1" in out
    assert "T7 个人纳税" in out and "cutoff 41:" in out
    neither = runner.invoke(args=["rulesets", "impact", NEW, "--base", OLD])
    assert neither.exit_code == 2 and "either --population FILE or --stored-year YEAR" in neither.output
    both = runner.invoke(args=["rulesets", "impact", NEW, "--base", OLD, "--stored-year", "2026", "--population", "-"])
    assert both.exit_code == 2
    bad = runner.invoke(args=["rulesets", "impact", NEW, "--base", OLD, "--stored-year", "2026", "--cutoff", "x"])
    assert bad.exit_code == 2 and "not a number" in bad.output
    missing = runner.invoke(args=["rulesets", "impact", "tongxiang/2024/1", "--base", OLD, "--stored-year", "2026"])
    assert missing.exit_code == 1 and "no ruleset version tongxiang/2024/1" in missing.output
    broken = runner.invoke(args=["rulesets", "impact", NEW, "--base", OLD, "--population", "-"], input="[{},")
    assert broken.exit_code == 1 and "not a valid JSON array" in broken.output
