"""Properties that hold for any application under the sample standards (hypothesis)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine import RulesetVersion, compile_version, load_file
from engine.model import FactField

ROOT = Path(__file__).resolve().parents[2]
VERSIONS = [load_file(p) for p in sorted((ROOT / "rulesets").glob("*.yaml"))]
ON = dt.date(2026, 6, 1)


def value_strategy(field: FactField) -> st.SearchStrategy[Any]:
    if field.type == "bool":
        return st.booleans()
    if field.type == "enum":
        return st.sampled_from(field.values)
    if field.type == "int":
        low = int(field.min) if field.min is not None else 0
        high = int(field.max) if field.max is not None else 500
        return st.integers(low, high)
    if field.type == "number":
        return st.decimals(min_value=0, max_value=200_000, places=2, allow_nan=False, allow_infinity=False)
    if field.name == "birth_date":
        return st.dates(dt.date(1940, 1, 1), dt.date(2008, 12, 31)).map(dt.date.isoformat)
    return st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31)).map(dt.date.isoformat)


@st.composite
def applications(draw: st.DrawFn, version: RulesetVersion) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for field in version.facts:
        if field.derived is not None:
            continue
        if field.required or draw(st.booleans()):
            facts[field.name] = draw(value_strategy(field))
    return facts


def any_version_and_facts() -> st.SearchStrategy[tuple[RulesetVersion, dict[str, Any]]]:
    return st.sampled_from(VERSIONS).flatmap(lambda v: applications(v).map(lambda f: (v, f)))


@settings(max_examples=300, deadline=None)
@given(any_version_and_facts())
def test_total_within_bounds_and_categories_within_caps(pair: tuple[RulesetVersion, dict[str, Any]]) -> None:
    version, facts = pair
    result = compile_version(version).score(facts, as_of=ON)
    assert Decimal(0) <= result["total"] <= Decimal(300)
    for category in result["categories"]:
        assert category["cap"] is None or category["points"] <= category["cap"]
    for indicator in result["indicators"]:
        assert indicator["cap"] is None or indicator["points"] <= indicator["cap"]
    if not result["eligible"]:
        assert result["total"] == 0


@settings(max_examples=200, deadline=None)
@given(any_version_and_facts(), st.integers(0, 400), st.integers(1, 120))
def test_more_insurance_months_never_lower_the_score(
    pair: tuple[RulesetVersion, dict[str, Any]], months: int, more: int
) -> None:
    version, facts = pair
    compiled = compile_version(version)
    for field in ("insurance_months", "local_insurance_months"):
        fewer = compiled.score({**facts, field: months}, as_of=ON)["total"]
        later = compiled.score({**facts, field: months + more}, as_of=ON)["total"]
        assert later >= fewer


@settings(max_examples=100, deadline=None)
@given(any_version_and_facts(), st.sampled_from(["permit_valid", "permit_endorsed"]))
def test_ineligible_total_is_zero(pair: tuple[RulesetVersion, dict[str, Any]], missing: str) -> None:
    version, facts = pair
    result = compile_version(version).score({**facts, missing: False}, as_of=ON)
    assert result["eligible"] is False
    assert result["total"] == 0
    assert missing in [r["code"] for r in result["ineligible_reasons"]]
