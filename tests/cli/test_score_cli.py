"""``flask score``: JSON array or JSON Lines in, one JSON result per line out, in input order."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GOLDEN_DIR, expected_matches


@pytest.fixture(autouse=True)
def _sample_rulesets(seeded: Any) -> None:
    """Scoring reads the versions from the database: the sample files imported."""


BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


def lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line, parse_float=Decimal) for line in output.splitlines()]


@pytest.mark.golden
@pytest.mark.parametrize("year", [2025, 2026])
def test_golden_cases_through_the_cli(runner: Any, year: int) -> None:
    path = GOLDEN_DIR / f"golden-{year}.json"
    if not path.exists():
        pytest.skip(f"golden cases not found in {GOLDEN_DIR}")
    cases = json.loads(path.read_text(encoding="utf-8"))
    entries = [{"application_ref": f"G-{n}", "facts": case["facts"]} for n, case in enumerate(cases)]
    result = runner.invoke(
        args=["score", "--year", str(year), "--date", f"{year}-06-01", "-"], input=json.dumps(entries)
    )
    assert result.exit_code == 0, result.output
    out = lines(result.stdout)
    assert [o["application_ref"] for o in out] == [e["application_ref"] for e in entries]
    failures = {case["name"]: diff for case, o in zip(cases, out) if (diff := expected_matches(case["expected"], o))}
    assert failures == {}
    assert {o["version"]["year"] for o in out} == {year}


def test_json_lines_with_an_invalid_entry(runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text(
        "\n".join(
            [
                json.dumps({"application_ref": "A", "facts": BASE}),
                json.dumps({"application_ref": "B", "facts": {**BASE, "insurance_months": 12.5, "agee": 3}}),
                "{not json",
                json.dumps({"application_ref": "D", "facts": {**BASE, "education": "bachelor"}, "extra": 1}),
                json.dumps({"application_ref": "E", "facts": {**BASE, "education": "bachelor"}}),
            ]
        ),
        encoding="utf-8",
    )
    result = runner.invoke(args=["score", "--year", "2026", str(path)])
    assert result.exit_code == 1
    out = lines(result.stdout)
    assert [o["application_ref"] for o in out] == ["A", "B", None, "D", "E"]
    assert out[0]["total"] == 20 and out[4]["total"] == 30
    assert out[1]["errors"] == {
        "facts.insurance_months": ["expected a whole number, got 12.5"],
        "facts.agee": ["unknown field"],
    }
    assert "line 3 is not valid JSON" in out[2]["errors"]["input"][0]
    assert out[3]["errors"] == {"extra": ["unknown field"]}
    assert "3 of 5 application(s) had errors" in result.stderr


def test_entry_shape_errors(runner: Any) -> None:
    entries = [[1, 2], {"facts": BASE}, {"application_ref": "X"}]
    result = runner.invoke(args=["score", "--year", "2026", "-"], input=json.dumps(entries))
    assert result.exit_code == 1
    out = lines(result.stdout)
    assert "expected an object" in out[0]["errors"]["input"][0]
    assert out[1]["errors"] == {"application_ref": ["required: a non-empty string"]}
    assert out[2]["errors"] == {"facts": ["required field is missing"]}


def test_no_version_in_force(runner: Any) -> None:
    result = runner.invoke(args=["score", "--year", "2031", "-"], input="[]")
    assert result.exit_code == 1
    assert "no version in force for 2031" in result.output


def test_pinned_version_and_bad_date(runner: Any) -> None:
    entry = json.dumps([{"application_ref": "P", "facts": {**BASE, "income_tax_paid": 4000}}])
    result = runner.invoke(args=["score", "--version", "tongxiang/2025/1", "--date", "2026-06-01", "-"], input=entry)
    assert result.exit_code == 0, result.output
    assert lines(result.stdout)[0]["indicators"][11]["points"] == 2  # 2025: 1 point per full 2,000 yuan
    bad = runner.invoke(args=["score", "--year", "2026", "--date", "2026-13-01", "-"], input=entry)
    assert bad.exit_code == 2 and "not a valid date" in bad.output
    unknown = runner.invoke(args=["score", "--version", "tongxiang/2024/1", "-"], input=entry)
    assert unknown.exit_code == 1 and "no ruleset version tongxiang/2024/1" in unknown.output


def test_malformed_json_array(runner: Any) -> None:
    result = runner.invoke(args=["score", "--year", "2026", "-"], input='[{"application_ref": ')
    assert result.exit_code == 1
    assert "not a valid JSON array" in result.output
    assert "Traceback" not in result.output
