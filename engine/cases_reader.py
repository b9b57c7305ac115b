"""Reading the test cases of a ruleset document: facts in, the expected result out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.bounds import most_total
from engine.errors import CodedProblem, FactsError, Problem
from engine.facts import FactsValidator
from engine.model import Category, Expected, FactField, Indicator, TestCase
from engine.reader import Reader, join
from engine.schema import CASE, EXPECTED


def read_cases(
    r: Reader,
    node: list[Any],
    facts: tuple[FactField, ...],
    categories: tuple[Category, ...],
    indicators: tuple[Indicator, ...],
) -> list[TestCase]:
    validator = FactsValidator(facts)
    known = {"categories": {c.code for c in categories}, "indicators": {i.code for i in indicators}}
    most = most_total(categories)
    out: list[TestCase] = []
    names: list[tuple[str | None, str]] = []
    for i, raw in enumerate(node):
        path = f"cases[{i}]"
        m, v = r.part(raw, path, CASE)
        names.append((v.get("name"), join(path, "name")))
        as_of = v.get("as_of")
        case_facts = _case_facts(r, m.get("facts"), join(path, "facts"))
        if case_facts is not None:
            try:
                validator.validate(case_facts, as_of or dt.date.today())
            except FactsError as exc:
                for field, found in exc.problems.items():
                    r.problems.extend(_moved(p, f"{path}.facts.{field}") for p in found)
        expected = _expected(r, m["expected"], join(path, "expected"), known, most) if "expected" in m else None
        if v.get("name") and case_facts is not None and expected is not None:
            out.append(TestCase(v["name"], case_facts, expected, as_of))
    r.unique(names, "case name")
    return out


def _moved(p: Problem, path: str) -> Problem:
    """A problem of a case's facts, at its place in the document."""
    if isinstance(p, CodedProblem):
        return CodedProblem(path, p.message, p.code, p.params)
    return Problem(path, p.message)


def _case_facts(r: Reader, node: Any, path: str) -> dict[str, object] | None:
    if not isinstance(node, Mapping):
        r.add(path, "case_facts_not_mapping", got=node)
        return None
    # YAML reads an unquoted 1990-01-01 as a date; a client sends text, so keep the text form.
    return {str(k): (v.isoformat() if isinstance(v, dt.date) else v) for k, v in node.items()}


def _expected(r: Reader, node: Any, path: str, known: dict[str, set[str]], most: Decimal) -> Expected | None:
    """A case's expectation; its total no more than ``most``, what the version can give."""
    m, v = r.part(node, path, EXPECTED)
    if v.get("total") is not None and v["total"] > most:
        r.add(join(path, "total"), "expected_over_most", most=most, got=v["total"])
        v["total"] = None
    parts: dict[str, dict[str, Decimal]] = {}
    for key, codes in known.items():
        parts[key] = _expected_points(r, m[key], join(path, key), codes) if key in m else {}
    if not m:
        r.add(path, "nothing_expected")
    return Expected(v.get("eligible"), v.get("total"), parts["categories"], parts["indicators"])


def _expected_points(r: Reader, node: Any, path: str, codes: set[str]) -> dict[str, Decimal]:
    if not isinstance(node, Mapping):
        r.add(path, "points_not_mapping", got=node)
        return {}
    out: dict[str, Decimal] = {}
    for code, value in node.items():
        if code not in codes:
            r.add(f"{path}.{code}", "unknown_code", code=code, expected=sorted(codes))
        number = r.number(value, f"{path}.{code}")
        if number is not None:
            out[str(code)] = number
    return out
