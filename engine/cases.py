"""Run a version's own test cases: facts in, expected total, categories and indicators out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.errors import FactsError, Problem, coded
from engine.evaluator import compile_version
from engine.model import Expected, RulesetVersion, TestCase


@dataclass(frozen=True, slots=True)
class CaseOutcome:
    name: str
    passed: bool
    expected_total: Decimal | None
    actual_total: Decimal | None
    # the differences (problems of the catalogue: ``str()`` reads "total: expected 203.5, got 205.5", Chinese
    # 「类别“本市基础分指标”：预期 106.5，实际 102.5」)
    mismatches: list[Problem] = field(default_factory=list)


def compare(expected: Expected, result: Mapping[str, Any]) -> list[Problem]:
    """The differences between an expectation and an engine result (empty when it matches)."""
    problems: list[Problem] = []
    if expected.eligible is not None and expected.eligible != result["eligible"]:
        problems.append(coded("", "mismatch_eligible", expected=expected.eligible, actual=result["eligible"]))
    if expected.total is not None and Decimal(expected.total) != result["total"]:
        problems.append(coded("", "mismatch_total", expected=Decimal(expected.total), actual=result["total"]))
    for key, wanted in (("categories", expected.categories), ("indicators", expected.indicators)):
        entries = {entry["code"]: entry for entry in result[key]}
        kind = "category" if key == "categories" else "indicator"
        for code, points in wanted.items():
            entry = entries.get(code)
            if entry is None:
                problems.append(coded("", f"missing_{kind}", code=code))
            elif entry["points"] != points:
                # the name too: a clerk knows 「本市基础分指标」, not the file's code 「base」
                problems.append(coded("", f"mismatch_{kind}", code=code, name=entry["name"], expected=points,
                                      actual=entry["points"]))  # fmt: skip
    return problems


def run_case(version: RulesetVersion, case: TestCase, today: dt.date | None = None) -> CaseOutcome:
    """Score one case and compare it with its expectation."""
    compiled = compile_version(version)
    try:
        result = compiled.score(case.facts, as_of=case.as_of or today)
    except FactsError as exc:
        errors = [dataclasses.replace(p, path=f"facts.{name}") for name, found in exc.problems.items() for p in found]
        return CaseOutcome(case.name, False, case.expected.total, None, errors)
    problems = compare(case.expected, result)
    return CaseOutcome(case.name, not problems, case.expected.total, result["total"], problems)


def run_cases(version: RulesetVersion, today: dt.date | None = None) -> list[CaseOutcome]:
    """Every test case of the version, in file order."""
    return [run_case(version, case, today) for case in version.cases]
