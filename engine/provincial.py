"""The provincial part of a standard (省级共性指标, policy §三(一)1: 全省通用、跨区互认) and its hash.

Another city takes over an applicant's provincial points only when both cities decide them the same way. What
decides them is the provincial category with its indicators and items — caps, conditions, points rules,
exclusive groups — and what the conditions read (each fact field's name, type and derivation). Nothing else goes
into the part: not the version's reference, title or dates, not the city's indicators, and not the wording
(names, labels, legal references, proof materials), which a city may phrase its own way without changing a
single point. Two cities with the same provincial table therefore get the same hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from engine.canonical import to_document
from engine.loader import parse_document
from engine.model import Clause, Condition, PerUnit, RulesetVersion

PROVINCIAL = "provincial"  # the code of the provincial category (SPEC §2)

_CATEGORY_KEYS = ("code", "kind", "cap")
_INDICATOR_KEYS = ("code", "category", "cap")
_ITEM_KEYS = ("code", "when", "fixed", "per_unit", "cap", "group")
_FACT_KEYS = ("name", "type", "derived")


def _version(document: RulesetVersion | Mapping[str, Any]) -> RulesetVersion:
    return document if isinstance(document, RulesetVersion) else parse_document(document)


def _fields_read(condition: Condition | None) -> set[str]:
    if condition is None:
        return set()
    if isinstance(condition, Clause):
        return {condition.field}
    return set().union(*(_fields_read(c) for c in condition.conditions))


def provincial_fields(document: RulesetVersion | Mapping[str, Any]) -> frozenset[str]:
    """The fact fields the provincial indicators read (conditions and per-unit rules), with what they derive from.

    >>> sorted(provincial_fields(load_file("rulesets/tongxiang-2026.yaml")))  # doctest: +SKIP
    ['age', 'application_date', 'birth_date', 'education', 'insurance_months', 'residence_months', ...]
    """
    version = _version(document)
    read: set[str] = set()
    for indicator in version.indicators:
        if indicator.category == PROVINCIAL:
            for item in indicator.items:
                read |= _fields_read(item.when)
                if isinstance(item.points, PerUnit):
                    read.add(item.points.field)
    for name in sorted(read):
        derived = version.catalogue[name].derived if name in version.catalogue else None
        if derived is not None:
            read |= {derived.source, derived.at}
    return frozenset(read)


def provincial_only_fields(document: RulesetVersion | Mapping[str, Any]) -> frozenset[str]:
    """The facts only the provincial points need: read by provincial indicators, by nothing else, and not required.

    When the provincial points are recognised from another city's statement, nobody here verifies these.
    """
    version = _version(document)
    elsewhere: set[str] = set()
    for indicator in version.indicators:
        if indicator.category != PROVINCIAL:
            for item in indicator.items:
                elsewhere |= _fields_read(item.when)
                if isinstance(item.points, PerUnit):
                    elsewhere.add(item.points.field)
    for requirement in version.eligibility:
        elsewhere |= _fields_read(requirement.when)
    required = {f.name for f in version.facts if f.required}
    return frozenset(provincial_fields(version) - elsewhere - required)


def provincial_part(document: RulesetVersion | Mapping[str, Any]) -> dict[str, Any]:
    """The provincial category, its indicators and items, and the facts they read, as plain data.

    ``document`` is a version or the mapping a ruleset file holds (as ``engine.to_document`` writes it).

    >>> part = provincial_part(load_file("rulesets/tongxiang-2026.yaml"))  # doctest: +SKIP
    >>> part["category"], [i["code"] for i in part["indicators"]]  # doctest: +SKIP
    ({'code': 'provincial', 'kind': 'add', 'cap': 100}, ['P1', 'P2', 'P3', 'P4', 'P5'])
    """
    version = _version(document)
    doc = to_document(version)
    category = next((c for c in doc["categories"] if c["code"] == PROVINCIAL), None)
    indicators = [
        {
            **_only(indicator, _INDICATOR_KEYS),
            "items": [_only(item, _ITEM_KEYS) for item in indicator.get("items", [])],
        }
        for indicator in doc["indicators"]
        if indicator.get("category") == PROVINCIAL
    ]
    read = provincial_fields(version)
    facts = [_only(f, _FACT_KEYS) for f in doc["facts"] if f["name"] in read]
    return {
        "category": None if category is None else _only(category, _CATEGORY_KEYS),
        "indicators": indicators,
        "facts": facts,
    }


def _only(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {k: _plain(mapping[k]) for k in keys if k in mapping}


def _plain(value: Any) -> Any:
    """The YAML writer's flow mappings and lists as plain ones, so that the JSON does not depend on them."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def provincial_json(document: RulesetVersion | Mapping[str, Any]) -> str:
    """The canonical JSON of :func:`provincial_part`: sorted keys, no whitespace, as the content hash's JSON."""
    return json.dumps(
        provincial_part(document), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):  # a condition comparing a date field
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def provincial_hash(document: RulesetVersion | Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of :func:`provincial_json`: equal for every version with the same provincial table.

    >>> provincial_hash(load_file("rulesets/tongxiang-2026.yaml"))  # doctest: +SKIP
    'sha256:…'
    """
    return "sha256:" + hashlib.sha256(provincial_json(document).encode("utf-8")).hexdigest()
