"""The typed ``facts`` of a ruleset: one schema across its published versions (``FactsTongxiang``).

The name stays when a year is added, so that a generated client keeps its classes; each field says from which
year it exists. A field is required only when every published version requires it; an optional field is
nullable (``null`` or a value), since null means "not present". Derived fields (``age``) are left out: they are refused. Where
versions differ, the schema takes the union (enum values, the widest range); the version used checks the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engine import RulesetVersion
from engine.canonical import plain_number
from engine.model import FactField

_TYPES: dict[str, dict[str, Any]] = {
    "bool": {"type": "boolean"},
    "int": {"type": "integer"},
    "number": {"type": "number"},
    "date": {"type": "string", "format": "date"},
    "enum": {"type": "string"},
    "string": {"type": "string"},
}


def schema_name(ruleset: str) -> str:
    """``tongxiang`` → ``FactsTongxiang`` (``a_b`` → ``FactsAB``)."""
    return "Facts" + "".join(part.title() for part in ruleset.split("_"))


def _years_text(years: list[int], latest: int, every: list[int]) -> str:
    if years == every[every.index(years[0]) :] and years[-1] == latest:
        return f"since {years[0]}"
    return "in " + ", ".join(str(y) for y in years)


def enum_name(ruleset: str, field: str) -> str:
    """``tongxiang``, ``honor_level`` → ``TongxiangHonorLevel``: the schema of an enum fact's values."""
    return schema_name(ruleset).removeprefix("Facts") + "".join(part.title() for part in field.split("_"))


def _fields_by_name(ordered: list[RulesetVersion]) -> dict[str, list[tuple[int, FactField]]]:
    """Each fact sent (not derived) with its field in each version (year, field; oldest first): in the order of the
    latest version's catalogue, then any that it no longer has."""
    fields: dict[str, list[tuple[int, FactField]]] = {}
    for version in ordered:
        for field in version.facts:
            if field.derived is None:
                fields.setdefault(field.name, []).append((version.year, field))
    order = [f.name for f in ordered[-1].facts if f.name in fields] + [
        n for n in fields if n not in ordered[-1].catalogue
    ]
    return {name: fields[name] for name in order}


def facts_schema(ruleset: str, versions: Sequence[RulesetVersion]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON schema (OpenAPI 3.1) of ``facts`` under ``ruleset``'s published ``versions``, and the schemas of its
    enum facts' values (by name)."""
    ordered = sorted(versions, key=lambda v: (v.year, v.revision))
    every_year = sorted({v.year for v in ordered})
    fields = _fields_by_name(ordered)
    properties: dict[str, Any] = {}
    required = []
    options: dict[str, Any] = {}
    for name, held in fields.items():
        prop = _property(held, every_year)
        if all(f.required for _y, f in held) and len(prop["x-years"]) == len(every_year):
            required.append(name)
        elif "enum" in prop:  # null, or one of the values: a named enum, so that a generated client names it too
            options[enum_name(ruleset, name)] = {k: prop.pop(k) for k in ("type", "enum", "x-enum-labels")}
            prop["anyOf"] = [{"$ref": f"#/components/schemas/{enum_name(ruleset, name)}"}, {"type": "null"}]
        else:
            prop["type"] = [prop["type"], "null"]
        properties[name] = prop
    schema: dict[str, Any] = {"type": "object", "description": _description(ruleset, ordered), "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema, options


def _property(held: list[tuple[int, FactField]], every_year: list[int]) -> dict[str, Any]:
    """The schema of one fact as the versions of ``held`` (year, field; oldest first) define it, not yet nullable."""
    newest = held[-1][1]
    years = sorted({year for year, _f in held})
    prop = dict(_TYPES[newest.type])
    text = newest.label + (f"（{newest.department}）" if newest.department else "")
    if newest.type == "enum":
        labels = _enum_labels(held)
        prop["enum"], prop["x-enum-labels"] = list(labels), labels
        text += ": " + ", ".join(f"{v} {label}" for v, label in labels.items())
    if newest.type in ("int", "number"):
        prop.update(_widest_range(held))
    if newest.description:
        text += f". {newest.description}"
    prop["description"] = f"{text} — {_years_text(years, every_year[-1], every_year)}"
    prop["x-years"] = years
    return prop


def _enum_labels(held: list[tuple[int, FactField]]) -> dict[str, str]:
    """Every value an enum fact has had, newest version first, with its label there."""
    labels: dict[str, str] = {}
    for _year, f in reversed(held):
        for value, label in zip(f.values, f.value_labels or f.values):
            labels.setdefault(value, label)
    return labels


def _widest_range(held: list[tuple[int, FactField]]) -> dict[str, Any]:
    """``minimum`` and ``maximum`` that every version's range fits in (none where a version has no bound)."""
    bounds: dict[str, Any] = {}
    lows = [f.min for _y, f in held]
    highs = [f.max for _y, f in held]
    if all(v is not None for v in lows):
        bounds["minimum"] = plain_number(min(v for v in lows if v is not None))
    if all(v is not None for v in highs):
        bounds["maximum"] = plain_number(max(v for v in highs if v is not None))
    return bounds


def _description(ruleset: str, ordered: list[RulesetVersion]) -> str:
    derived = sorted({f.name for v in ordered for f in v.facts if f.derived is not None})
    refs = ", ".join(v.ref for v in reversed(ordered))
    return (
        f"The facts of an application under the {ruleset} ruleset, as its published versions ({refs}) take them; "
        "the version that scores checks them against its own catalogue. null means not present; counts and months "
        "are whole numbers, amounts and hours may have decimals"
        + (f"; {', '.join(derived)} is computed and refused when sent" if derived else "")
        + "."
    )
