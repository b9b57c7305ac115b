"""Serialize a version back to its file form: the YAML document, canonical JSON and the content hash.

The document produced here is exactly what the loader reads, so ``load(dump(v))`` equals ``v`` and the
content hash survives an export/import round trip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import yaml

from engine.model import (
    Category,
    Clause,
    Condition,
    Expected,
    FactField,
    Fixed,
    Indicator,
    Item,
    Requirement,
    RulesetVersion,
    TestCase,
)
from engine.schema import CASE, CATEGORY, EXPECTED, FACT, INDICATOR, ITEM, REQUIREMENT, VERSION, Part

# Keys that describe the lifecycle, not the content: they may change (publish, retire) without changing
# which rules produce a score.
LIFECYCLE_KEYS = ("status",)


def plain_number(value: Decimal) -> int | float:
    """A Decimal as the JSON/YAML number that reads back to it: ``Decimal('20') -> 20``, ``Decimal('0.25') -> 0.25``."""
    return int(value) if value == value.to_integral_value() else float(value)


def written_decimal(value: float) -> Decimal:
    """The decimal a float is written as (its shortest repr), the exact number a client sending it means.

    >>> written_decimal(0.1), written_decimal(5845.83)
    (Decimal('0.1'), Decimal('5845.83'))
    """
    return Decimal(repr(value))


def number_text(value: int | float | Decimal) -> str:
    """A number as a person reads and compares it: exact, without trailing zeros or an exponent.

    >>> number_text(Decimal("40.50")), number_text(20.0), number_text(Decimal("1E+2")), number_text(Decimal("-0"))
    ('40.5', '20', '100', '0')
    """
    number = written_decimal(value) if isinstance(value, float) else Decimal(value)
    if not number.is_finite():
        return str(value)
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


class _Flow(dict):  # type: ignore[type-arg]
    """A mapping written on one line in YAML (conditions, expectations)."""


class _FlowList(list):  # type: ignore[type-arg]
    """A list written on one line in YAML (departments, enum values)."""


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return plain_number(value)
    if isinstance(value, tuple):
        return _FlowList(_value(v) for v in value)
    return value


def _condition(cond: Condition) -> dict[str, Any]:
    if isinstance(cond, Clause):
        out = _Flow(field=cond.field, op=cond.op)
        if cond.value is not None:
            out["value"] = _value(cond.value)
        return out
    return {cond.mode: [_condition(c) for c in cond.conditions]}


def _write(part: Part, obj: Any, special: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The part's fields in declared order: ``special`` gives the values the model holds in another form (written
    unless None); the others are the object's attributes of the same name, left out when empty or false."""
    special = special or {}
    out: dict[str, Any] = {}
    for f in part.fields:
        if f.key in special:
            if special[f.key] is not None:
                out[f.key] = special[f.key]
            continue
        value = getattr(obj, f.key, None)
        if value is None or value is False or value == "" or value == ():
            continue
        out[f.key] = _value(value)
    return out


def _fact_field(f: FactField) -> dict[str, Any]:
    derived = f.derived
    flow = None if derived is None else _Flow(function=derived.function, source=derived.source, at=derived.at)
    return _write(FACT, f, {"derived": flow})


def _points_rule(item: Item) -> dict[str, Any]:
    if isinstance(item.points, Fixed):
        return {"fixed": plain_number(item.points.points), "per_unit": None}
    rule = _Flow(field=item.points.field, rate=plain_number(item.points.rate))
    if item.points.unit != 1:
        rule["unit"] = plain_number(item.points.unit)
    if item.points.offset != 0:
        rule["offset"] = plain_number(item.points.offset)
    return {"fixed": None, "per_unit": rule}


def _item(item: Item) -> dict[str, Any]:
    when = None if item.when is None else _condition(item.when)
    return _write(ITEM, item, {"when": when, **_points_rule(item)})


def _indicator(ind: Indicator) -> dict[str, Any]:
    return _write(INDICATOR, ind, {"departments": _FlowList(ind.departments), "reference": ind.reference,
                                   "items": [_item(i) for i in ind.items]})  # fmt: skip


def _category(cat: Category) -> dict[str, Any]:
    return _write(CATEGORY, cat)


def _requirement(req: Requirement) -> dict[str, Any]:
    return _write(REQUIREMENT, req, {"when": _condition(req.when)})


def _expected(exp: Expected) -> dict[str, Any]:
    categories = _Flow((k, plain_number(v)) for k, v in exp.categories.items()) if exp.categories else None
    indicators = _Flow((k, plain_number(v)) for k, v in exp.indicators.items()) if exp.indicators else None
    return _write(EXPECTED, exp, {"eligible": exp.eligible, "categories": categories, "indicators": indicators})


def _case(case: TestCase) -> dict[str, Any]:
    return _write(CASE, case, {"facts": _Flow(case.facts), "expected": _expected(case.expected)})


def to_document(version: RulesetVersion) -> dict[str, Any]:
    """The version as the mapping a ruleset file holds (the loader's input)."""
    return _write(VERSION, version, {
        "status": version.status,
        "facts": [_fact_field(f) for f in version.facts],
        "eligibility": [_requirement(r) for r in version.eligibility],
        "categories": [_category(c) for c in version.categories],
        "indicators": [_indicator(i) for i in version.indicators],
        "cases": [_case(c) for c in version.cases],
    })  # fmt: skip


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return plain_number(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def canonical_json(version: RulesetVersion) -> str:
    """Sorted-key, whitespace-free JSON of the content (lifecycle keys left out)."""
    doc = {k: v for k, v in to_document(version).items() if k not in LIFECYCLE_KEYS}
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def content_hash(version: RulesetVersion) -> str:
    """``sha256:<hex>`` of :func:`canonical_json`."""
    return "sha256:" + hashlib.sha256(canonical_json(version).encode("utf-8")).hexdigest()


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(_Flow, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True))
_Dumper.add_representer(Decimal, lambda d, v: d.represent_data(plain_number(v)))


def dump_yaml(version: RulesetVersion) -> str:
    """The version as a readable YAML file (the format of ``rulesets/*.yaml``)."""
    return yaml.dump(
        to_document(version), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=110, default_flow_style=False
    )
