"""Run a version's own test cases: facts in, expected total, categories and indicators out."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.canonical import number_text
from engine.describe import condition_sentence
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


def compare(expected: Expected, result: Mapping[str, Any], version: RulesetVersion | None = None) -> list[Problem]:
    """The differences between an expectation and an engine result (empty when it matches); with the version, each
    names what decided it: the requirements not met, the items that counted, the indicators that scored."""
    problems: list[Problem] = []
    if expected.eligible is not None and expected.eligible != result["eligible"]:
        problems.append(_eligibility(expected.eligible, result, version))
    if expected.total is not None and Decimal(expected.total) != result["total"]:
        total = {"expected": Decimal(expected.total), "actual": result["total"]}
        if expected.indicators or not result["eligible"]:
            problems.append(coded("", "mismatch_total", **total))  # the indicators' (or eligibility's) lines say why
        else:
            problems.append(coded("", "mismatch_total_scored", **total, **_scored(result)))
    for key, wanted in (("categories", expected.categories), ("indicators", expected.indicators)):
        entries = {entry["code"]: entry for entry in result[key]}
        kind = "category" if key == "categories" else "indicator"
        for code, points in wanted.items():
            entry = entries.get(code)
            if entry is None:
                problems.append(coded("", f"missing_{kind}", code=code))
            elif entry["points"] != points:
                # the name too: a clerk knows 「本市基础分指标」, not the file's code 「base」
                said = {"code": code, "name": entry["name"], "expected": points, "actual": entry["points"]}
                if kind == "indicator":
                    said |= _counted(entry)
                problems.append(coded("", f"mismatch_{kind}", **said))
    return problems


def _eligibility(expected: bool, result: Mapping[str, Any], version: RulesetVersion | None) -> Problem:
    """An eligibility that differs, naming the requirements not met (in words and by code) when there are some."""
    codes = [reason["code"] for reason in result["ineligible_reasons"]]
    if not codes:
        return coded("", "mismatch_eligible", expected=expected, actual=result["eligible"])
    requirements = {r.code: r for r in version.eligibility} if version is not None else {}
    catalogue = version.catalogue if version is not None else {}
    words = [
        f"“{condition_sentence(requirements[c].when, catalogue)}”（{c}）" if c in requirements else c for c in codes
    ]
    return coded("", "mismatch_unmet", expected=expected, actual=result["eligible"], unmet="、".join(words),
                 codes=", ".join(codes))  # fmt: skip


def _counted(entry: Mapping[str, Any]) -> dict[str, str]:
    """The items that counted for an indicator: 「计分的细则：T3-3“居住在登记备案的租赁住房”12分」."""
    items = [i for i in entry["items"] if i["counted"]]
    if not items:
        return {"counted": "没有细则计分", "counted_en": "no item counted"}
    zh = "、".join(f"{i['code']}“{i['label']}”{number_text(i['points'])}分" for i in items)
    en = ", ".join(f"{i['code']} {number_text(i['points'])}" for i in items)
    return {"counted": f"计分的细则：{zh}", "counted_en": f"counted: {en}"}


def _scored(result: Mapping[str, Any]) -> dict[str, str]:
    """The indicators that gave or took points: 「P1 年龄 20、T8 失信违法 5」."""
    scored = [i for i in result["indicators"] if i["points"]]
    zh = "、".join(f"{i['code']} {i['name']} {number_text(i['points'])}" for i in scored)
    en = ", ".join(f"{i['code']} {number_text(i['points'])}" for i in scored)
    return {"scored": zh or "无", "scored_en": en or "none"}


def run_case(version: RulesetVersion, case: TestCase, today: dt.date | None = None) -> CaseOutcome:
    """Score one case and compare it with its expectation."""
    compiled = compile_version(version)
    try:
        result = compiled.score(case.facts, as_of=case.as_of or today)
    except FactsError as exc:
        errors = [dataclasses.replace(p, path=f"facts.{name}") for name, found in exc.problems.items() for p in found]
        return CaseOutcome(case.name, False, case.expected.total, None, errors)
    problems = compare(case.expected, result, version)
    return CaseOutcome(case.name, not problems, case.expected.total, result["total"], problems)


def run_cases(version: RulesetVersion, today: dt.date | None = None) -> list[CaseOutcome]:
    """Every test case of the version, in file order."""
    return [run_case(version, case, today) for case in version.cases]
