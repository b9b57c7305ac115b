"""Facts are checked against the version's catalogue; every bad field is reported with what was expected."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from engine import FactsError, RulesetVersion, compile_version

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


def errors_for(version: RulesetVersion, facts: Any) -> dict[str, list[str]]:
    with pytest.raises(FactsError) as info:
        compile_version(version).score(facts, as_of=dt.date(2026, 6, 1))
    return info.value.errors


@pytest.mark.parametrize(
    ("change", "field", "fragment"),
    [
        ({"agee": 30}, "agee", "unknown field"),
        ({"age": 30}, "age", "computed from birth_date"),
        ({"permit_valid": "yes"}, "permit_valid", "expected true or false"),
        ({"permit_valid": 1}, "permit_valid", "expected true or false"),
        ({"insurance_months": 12.5}, "insurance_months", "expected a whole number"),
        ({"insurance_months": Decimal("12.5")}, "insurance_months", "expected a whole number"),
        ({"insurance_months": "12"}, "insurance_months", "expected an integer"),
        ({"insurance_months": True}, "insurance_months", "expected an integer"),
        ({"insurance_months": -1}, "insurance_months", "must be at least 0"),
        ({"skill_level": 6}, "skill_level", "must be at most 5"),
        ({"skill_level": 0}, "skill_level", "must be at least 1"),
        ({"insurance_months": 10**30}, "insurance_months", "must be between"),
        ({"donation_amount": 1e300}, "donation_amount", "must be between"),
        ({"volunteer_hours": "50"}, "volunteer_hours", "expected a number"),
        ({"volunteer_hours": float("nan")}, "volunteer_hours", "expected a number"),
        ({"volunteer_hours": -0.5}, "volunteer_hours", "must be at least 0"),
        ({"education": "phd"}, "education", "must be one of: doctor, master"),
        ({"education": 3}, "education", "must be one of"),
        ({"birth_date": "1990-02-30"}, "birth_date", "not a valid date"),
        ({"birth_date": "01/05/1990"}, "birth_date", "expected a date as YYYY-MM-DD"),
        ({"birth_date": "19900501"}, "birth_date", "expected a date as YYYY-MM-DD"),
        ({"birth_date": "2027-01-01"}, "birth_date", "is after application_date"),
        ({"birth_date": "0001-01-01"}, "birth_date", "must be between 1900-01-01 and 2100-12-31, got 0001-01-01"),
        ({"birth_date": "1899-12-31"}, "birth_date", "must be between 1900-01-01 and 2100-12-31"),
        ({"application_date": "2101-01-01"}, "application_date", "must be between 1900-01-01 and 2100-12-31"),
        ({"application_date": "1899-12-31"}, "application_date", "must be between 1900-01-01 and 2100-12-31"),
        ({"dwelling": ["owned"]}, "dwelling", "a list"),
    ],
)
def test_bad_value(versions: dict[int, RulesetVersion], change: dict[str, Any], field: str, fragment: str) -> None:
    errors = errors_for(versions[2026], {**BASE, **change})
    assert list(errors) == [field]
    assert any(fragment in m for m in errors[field]), errors


def test_missing_required_fields_are_each_named(versions: dict[int, RulesetVersion]) -> None:
    errors = errors_for(versions[2026], {"education": "bachelor"})
    assert errors == {name: ["required field is missing"] for name in ("permit_valid", "permit_endorsed", "birth_date")}


def test_every_problem_at_once(versions: dict[int, RulesetVersion]) -> None:
    errors = errors_for(
        versions[2026], {**BASE, "agee": 1, "skill_level": 9, "permit_valid": None, "dwelling": "castle"}
    )
    assert set(errors) == {"agee", "skill_level", "permit_valid", "dwelling"}


def test_facts_must_be_an_object(versions: dict[int, RulesetVersion]) -> None:
    assert errors_for(versions[2026], ["permit_valid"]) == {"facts": ["expected an object of facts, got a list"]}


def test_null_optional_field_means_absent(versions: dict[int, RulesetVersion]) -> None:
    result = compile_version(versions[2026]).score({**BASE, "education": None}, as_of=dt.date(2026, 6, 1))
    assert result["total"] == 20


def test_age_defaults_to_the_scoring_date(versions: dict[int, RulesetVersion]) -> None:
    facts = {k: v for k, v in BASE.items() if k != "application_date"} | {"birth_date": "1985-06-02"}
    compiled = compile_version(versions[2026])
    assert compiled.score(facts, as_of=dt.date(2026, 6, 1))["derived"] == {"age": 40}
    assert compiled.score(facts, as_of=dt.date(2026, 6, 2))["derived"] == {"age": 41}


def test_birth_date_is_bounded_by_the_scoring_date_without_an_application_date(
    versions: dict[int, RulesetVersion],
) -> None:
    facts = {k: v for k, v in BASE.items() if k != "application_date"} | {"birth_date": "2026-06-02"}
    assert errors_for(versions[2026], facts) == {
        "birth_date": ["is after application_date (2026-06-01)"]  # the scoring date stands for it
    }
    born_that_day = compile_version(versions[2026]).score(
        {**facts, "birth_date": "2026-06-01"}, as_of=dt.date(2026, 6, 1)
    )
    assert born_that_day["derived"] == {"age": 0}


def test_the_earliest_birth_date(versions: dict[int, RulesetVersion]) -> None:
    result = compile_version(versions[2026]).score({**BASE, "birth_date": "1900-01-01"}, as_of=dt.date(2026, 6, 1))
    assert result["derived"] == {"age": 126}


def test_leap_day_birthday(versions: dict[int, RulesetVersion]) -> None:
    compiled = compile_version(versions[2026])
    facts = {**BASE, "birth_date": "1984-02-29"}
    assert compiled.score({**facts, "application_date": "2025-02-28"}, as_of=dt.date(2025, 6, 1))["derived"] == {
        "age": 40
    }
    assert compiled.score({**facts, "application_date": "2025-03-01"}, as_of=dt.date(2025, 6, 1))["derived"] == {
        "age": 41
    }
