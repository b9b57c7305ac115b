"""Claims and their verification, read from a version's fact catalogue: which department verifies which fact,
which departments an application needs, and how a verified value compares with the claim.

Which departments verify an application: those of the facts it *claims*, plus those of the facts every
application is checked for whatever it claims — the required facts (the permit, the birth date) and the facts
that deductions read (records, detentions, court cases …), which an applicant never claims against themselves.
A department with nothing claimed and nothing to deduct gets no task: 17 departments confirming empty
forms would only make every application late.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.adapter import fields_of
from engine.facts import Invalid, converter, plausible_date
from engine.model import FactField, PerUnit, RulesetVersion
from jifen.access import departments

CONFIRMED, CORRECTED, NOT_PROVEN, NONE = "confirmed", "corrected", "not_proven", "none"


def verifiable(field: FactField | None) -> bool:
    """A fact a department verifies: in the catalogue, sent by clients (not derived), with a department."""
    return field is not None and field.derived is None and bool(field.department)


def always_checked(version: RulesetVersion) -> set[str]:
    """The facts checked for every application: required ones and those that deductions read."""
    deduct = {c.code for c in version.categories if c.kind == "deduct"}
    read: set[str] = set()
    for indicator in version.indicators:
        if indicator.category in deduct:
            for item in indicator.items:
                read |= fields_of(item.when)
                if isinstance(item.points, PerUnit):
                    read.add(item.points.field)
    return {f.name for f in version.facts if verifiable(f) and (f.required or f.name in read)}


def plan(version: RulesetVersion, claims: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """{department (as the catalogue names it): {fact: claimed value or None}} in catalogue order."""
    always = always_checked(version)
    tasks: dict[str, dict[str, Any]] = {}
    for field in version.facts:
        if verifiable(field) and (claims.get(field.name) is not None or field.name in always):
            tasks.setdefault(field.department or "", {})[field.name] = claims.get(field.name)
    return tasks


def serves(unit: str, department: str) -> bool:
    """Whether ``department`` may act on a task of ``unit`` (itself, or one of the departments sharing it)."""
    return department in departments.members(unit)


def typed(field: FactField, value: Any) -> Any:
    """A value as the engine compares it (Invalid when it does not fit the field); None stays None."""
    if value is None:
        return None
    return (plausible_date if field.type == "date" else converter(field))(value)


def check_value(field: FactField, value: Any) -> str | None:
    """Why ``value`` does not fit ``field``, or None."""
    try:
        typed(field, value)
    except Invalid as exc:
        return str(exc)
    return None


def outcome(field: FactField, claimed: Any, verified: Any) -> str:
    """confirmed (as claimed), corrected (another value, or a value where nothing was claimed), not_proven (claimed,
    verified as null) or none (neither claimed nor found)."""
    if verified is None:
        return NONE if claimed is None else NOT_PROVEN
    if claimed is not None and typed(field, claimed) == typed(field, verified):
        return CONFIRMED
    return CORRECTED
