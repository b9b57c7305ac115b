"""A number sent as a float is scored as the decimal it is written as, whether or not it is made into one."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from engine import compile_version, dumps, load_file
from engine.errors import EngineFailure, FactsError
from engine.model import FactField, Item, PerUnit

ROOT = Path(__file__).resolve().parents[2]
VERSION = load_file(ROOT / "rulesets" / "tongxiang-2026.yaml")
ON = dt.date(2026, 6, 1)
NUMBERS = [f.name for f in VERSION.facts if f.type == "number"]
# a whole application but for its number facts: required facts, the others of a long-standing resident
BASE: dict[str, Any] = {
    f.name: {"bool": True, "int": int(f.max or 60), "enum": f.values[0] if f.values else "", "date": "1990-05-01"}.get(
        f.type
    )
    for f in VERSION.facts
    if f.derived is None and f.type != "number"
}

floats = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1, max_value=200_000),
    st.integers(0, 20_000_000).map(lambda n: n / 100),  # two decimals, as clients send money
    st.integers(0, 400).map(lambda n: n * 12.5),  # on and around the units' boundaries
    st.sampled_from([0.0, -0.0, 49.99999999999999, 50.0, 999.9999999999999, 1000.0, 2.0**53, 2.0**53 - 1, 1e-300]),
)


def answer(facts: dict[str, Any]) -> str:
    try:
        return dumps(compile_version(VERSION).score(facts, as_of=ON))
    except FactsError as exc:
        return repr(sorted(exc.errors))
    except EngineFailure:  # a tiny float such as 1e-300 is refused by durable_rules' parser (either way)
        return "engine failure"


@settings(max_examples=300, deadline=None)
@given(st.lists(floats, min_size=len(NUMBERS), max_size=len(NUMBERS)))
@example([0.1, 50.0, 999.9999999999999])
def test_a_float_scores_as_the_decimal_it_is_written_as(values: list[float]) -> None:
    sent = {**BASE, **dict(zip(NUMBERS, values))}
    written = {
        **BASE,
        **{k: Decimal(repr(v)) if v == v and abs(v) != float("inf") else v for k, v in zip(NUMBERS, values)},
    }
    assert answer(sent) == answer(written)


@settings(max_examples=300, deadline=None)
@given(floats)
def test_validate_gives_the_decimal_a_float_is_written_as(value: float) -> None:
    compiled = compile_version(VERSION)
    try:
        typed = compiled.validate({**BASE, NUMBERS[0]: value}, ON)[0]
    except FactsError:
        assert not 0 <= value <= 2**53 - 1
        return
    assert type(typed[NUMBERS[0]]) is Decimal
    assert typed[NUMBERS[0]] == Decimal(repr(value))


@pytest.mark.parametrize("unit", ["1", "50", "1000", "0.5", "2.5", "0.01", "3"])
@given(value=floats.filter(lambda v: v == v and 0 <= v <= 2**53 - 1))
@settings(max_examples=200, deadline=None)
def test_the_units_of_a_float_are_those_of_its_decimal(unit: str, value: float) -> None:
    from engine.plans import ItemPlan

    item = Item("X1", "x", PerUnit("hours", Decimal(1), Decimal(unit)))
    plan = ItemPlan.of("!", item)
    exact = plan.units({"hours": Decimal(repr(value))})
    assert plan.units({"hours": value}) == exact
    assert exact == int(Decimal(repr(value)) // Decimal(unit))


def test_a_bound_that_is_not_a_float_sends_floats_through_the_converter() -> None:
    from engine.facts import FactsValidator

    validator = FactsValidator((FactField(name="hours", type="number", label="x", min=Decimal("0.1")),))
    with pytest.raises(FactsError):
        validator.check({"hours": 0.09}, ON)
    assert validator.check({"hours": 0.1}, ON)[0]["hours"] == Decimal("0.1")
    assert validator.check({"hours": 2.5}, ON)[0]["hours"] == Decimal("2.5")
