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


def facts_schema(ruleset: str, versions: Sequence[RulesetVersion]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON schema (OpenAPI 3.1) of ``facts`` under ``ruleset``'s published ``versions``, and the schemas of its
    enum facts' values (by name)."""
    ordered = sorted(versions, key=lambda v: (v.year, v.revision))
    every_year = sorted({v.year for v in ordered})
    latest = every_year[-1]
    fields: dict[str, list[tuple[int, FactField]]] = {}
    for version in ordered:
        for field in version.facts:
            if field.derived is None:
                fields.setdefault(field.name, []).append((version.year, field))
    # fields in the order of the latest version's catalogue, then any that it no longer has
    order = [f.name for f in ordered[-1].facts if f.name in fields] + [
        n for n in fields if n not in ordered[-1].catalogue
    ]
    properties: dict[str, Any] = {}
    required = []
    options: dict[str, Any] = {}
    for name in order:
        held = fields[name]
        newest = held[-1][1]
        years = sorted({year for year, _f in held})
        prop = dict(_TYPES[newest.type])
        if newest.type == "enum":
            values: list[str] = []
            labels: dict[str, str] = {}
            for _year, f in reversed(held):
                for value, label in zip(f.values, f.value_labels or f.values):
                    if value not in values:
                        values.append(value)
                        labels[value] = label
            prop["enum"] = values
            prop["x-enum-labels"] = labels
        if newest.type in ("int", "number"):
            lows = [f.min for _y, f in held]
            highs = [f.max for _y, f in held]
            if all(v is not None for v in lows):
                prop["minimum"] = plain_number(min(v for v in lows if v is not None))
            if all(v is not None for v in highs):
                prop["maximum"] = plain_number(max(v for v in highs if v is not None))
        always = all(f.required for _y, f in held) and len(years) == len(every_year)
        text = newest.label + (f"（{newest.department}）" if newest.department else "")
        if newest.type == "enum":
            text += ": " + ", ".join(f"{v} {labels[v]}" for v in prop["enum"])
        if newest.description:
            text += f". {newest.description}"
        prop["description"] = f"{text} — {_years_text(years, latest, every_year)}"
        prop["x-years"] = years
        if always:
            required.append(name)
        elif "enum" in prop:  # null, or one of the values: a named enum, so that a generated client names it too
            options[enum_name(ruleset, name)] = {k: prop.pop(k) for k in ("type", "enum", "x-enum-labels")}
            prop["anyOf"] = [{"$ref": f"#/components/schemas/{enum_name(ruleset, name)}"}, {"type": "null"}]
        else:
            prop["type"] = [prop["type"], "null"]
        properties[name] = prop
    derived = sorted({f.name for v in ordered for f in v.facts if f.derived is not None})
    refs = ", ".join(v.ref for v in reversed(ordered))
    description = (
        f"The facts of an application under the {ruleset} ruleset, as its published versions ({refs}) take them; "
        "the version that scores checks them against its own catalogue. null means not present; counts and months "
        "are whole numbers, amounts and hours may have decimals"
        + (f"; {', '.join(derived)} is computed and refused when sent" if derived else "")
        + "."
    )
    schema: dict[str, Any] = {"type": "object", "description": description, "properties": properties}
    if required:
        schema["required"] = required
    schema["additionalProperties"] = False
    return schema, options
