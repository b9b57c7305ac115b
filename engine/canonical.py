"""Serialize a version back to its file form: the YAML document, canonical JSON and the content hash.

The document produced here is exactly what the loader reads, so ``load(dump(v))`` equals ``v`` and the
content hash survives an export/import round trip.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from typing import Any

import yaml

from engine.model import (
    Category,
    Clause,
    Condition,
    FactField,
    Fixed,
    Indicator,
    Item,
    Requirement,
    RulesetVersion,
    TestCase,
)

# Keys that describe the lifecycle, not the content: they may change (publish, retire) without changing
# which rules produce a score.
LIFECYCLE_KEYS = ("status",)


def plain_number(value: Decimal) -> int | float:
    """A Decimal as the JSON/YAML number that reads back to it: ``Decimal('20') -> 20``, ``Decimal('0.25') -> 0.25``."""
    return int(value) if value == value.to_integral_value() else float(value)


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


def _fact_field(f: FactField) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name, "type": f.type, "label": f.label}
    if f.required:
        out["required"] = True
    if f.values:
        out["values"] = _FlowList(f.values)
    if f.value_labels:
        out["value_labels"] = _FlowList(f.value_labels)
    if f.min is not None:
        out["min"] = plain_number(f.min)
    if f.max is not None:
        out["max"] = plain_number(f.max)
    if f.derived is not None:
        out["derived"] = _Flow(function=f.derived.function, source=f.derived.source, at=f.derived.at)
    if f.department:
        out["department"] = f.department
    if f.description:
        out["description"] = f.description
    return out


def _item(item: Item) -> dict[str, Any]:
    out: dict[str, Any] = {"code": item.code, "label": item.label}
    if item.when is not None:
        out["when"] = _condition(item.when)
    if isinstance(item.points, Fixed):
        out["fixed"] = plain_number(item.points.points)
    else:
        rule = _Flow(field=item.points.field, rate=plain_number(item.points.rate))
        if item.points.unit != 1:
            rule["unit"] = plain_number(item.points.unit)
        if item.points.offset != 0:
            rule["offset"] = plain_number(item.points.offset)
        out["per_unit"] = rule
    if item.cap is not None:
        out["cap"] = plain_number(item.cap)
    if item.group:
        out["group"] = item.group
    if item.reference:
        out["reference"] = item.reference
    return out


def _indicator(ind: Indicator) -> dict[str, Any]:
    out: dict[str, Any] = {"code": ind.code, "name": ind.name, "category": ind.category}
    if ind.cap is not None:
        out["cap"] = plain_number(ind.cap)
    out["departments"] = _FlowList(ind.departments)
    out["reference"] = ind.reference
    out["items"] = [_item(i) for i in ind.items]
    return out


def _category(cat: Category) -> dict[str, Any]:
    out: dict[str, Any] = {"code": cat.code, "name": cat.name, "kind": cat.kind}
    if cat.cap is not None:
        out["cap"] = plain_number(cat.cap)
    return out


def _requirement(req: Requirement) -> dict[str, Any]:
    return {"code": req.code, "when": _condition(req.when), "reason": req.reason}


def _case(case: TestCase) -> dict[str, Any]:
    out: dict[str, Any] = {"name": case.name}
    if case.as_of is not None:
        out["as_of"] = case.as_of
    out["facts"] = _Flow(case.facts)
    exp = case.expected
    expected: dict[str, Any] = {}
    if exp.eligible is not None:
        expected["eligible"] = exp.eligible
    if exp.total is not None:
        expected["total"] = plain_number(exp.total)
    if exp.categories:
        expected["categories"] = _Flow((k, plain_number(v)) for k, v in exp.categories.items())
    if exp.indicators:
        expected["indicators"] = _Flow((k, plain_number(v)) for k, v in exp.indicators.items())
    out["expected"] = expected
    return out


def to_document(version: RulesetVersion) -> dict[str, Any]:
    """The version as the mapping a ruleset file holds (the loader's input)."""
    doc: dict[str, Any] = {
        "ruleset": version.ruleset,
        "year": version.year,
        "revision": version.revision,
        "effective_from": version.effective_from,
        "status": version.status,
        "title": version.title,
    }
    if version.sample:
        doc["sample"] = True
    if version.legal_basis:
        doc["legal_basis"] = version.legal_basis
    if version.description:
        doc["description"] = version.description
    doc["facts"] = [_fact_field(f) for f in version.facts]
    doc["eligibility"] = [_requirement(r) for r in version.eligibility]
    doc["categories"] = [_category(c) for c in version.categories]
    doc["indicators"] = [_indicator(i) for i in version.indicators]
    doc["cases"] = [_case(c) for c in version.cases]
    return doc


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
