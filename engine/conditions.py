"""Reading a condition of a ruleset document: a clause on a field of the catalogue, or all/any of conditions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.facts import Invalid, converter
from engine.model import (
    LIST_OPERATORS,
    OPERATORS,
    ORDERING_OPERATORS,
    PRESENCE_OPERATORS,
    Clause,
    Condition,
    FactField,
    FactValue,
    Group,
)
from engine.reader import Reader, join
from engine.schema import CLAUSE


def read_condition(r: Reader, node: Any, path: str, catalogue: dict[str, FactField]) -> Condition | None:
    if isinstance(node, Mapping) and len(node) == 1 and next(iter(node)) in ("all", "any"):
        mode = next(iter(node))
        children = r.seq(node[mode], join(path, mode), allow_empty=False)
        parsed = [read_condition(r, c, f"{path}.{mode}[{j}]", catalogue) for j, c in enumerate(children)]
        if any(c is None for c in parsed):
            return None
        return Group(mode, tuple(c for c in parsed if c is not None))
    if isinstance(node, Mapping) and ("all" in node or "any" in node):
        r.add(path, "group_keys")
        return None
    m = r.mapping(node, path, CLAUSE.required, CLAUSE.optional)
    if len(m) < 2:
        return None
    name, op = m["field"], m["op"]
    field = catalogue.get(name) if isinstance(name, str) else None
    if field is None:
        r.add(join(path, "field"), "unknown_field", quoted=name)
    if op not in OPERATORS:
        r.add(join(path, "op"), "unknown_operator", quoted=op, expected=list(OPERATORS))
        return None
    if field is None:
        return None
    vpath = join(path, "value")
    if op in PRESENCE_OPERATORS:
        if "value" in m:
            r.add(vpath, "takes_no_value", op=op)
            return None
        return Clause(field.name, op)
    if "value" not in m:
        r.add(vpath, "needs_value", op=op)
        return None
    if op in ORDERING_OPERATORS and field.type not in ("int", "number", "date"):
        r.add(
            join(path, "op"), "ordering_needs_number", op=op, field=field.name, label=field.label, type=field.type
        )
        return None
    if op in LIST_OPERATORS:
        raw_values = r.seq(m["value"], vpath, allow_empty=False)
        values = [_condition_value(r, v, f"{vpath}[{j}]", field) for j, v in enumerate(raw_values)]
        if not raw_values or any(v is None for v in values):
            return None
        return Clause(field.name, op, tuple(v for v in values if v is not None))
    value = _condition_value(r, m["value"], vpath, field)
    return None if value is None else Clause(field.name, op, value)


def _condition_value(r: Reader, node: Any, path: str, field: FactField) -> FactValue | None:
    check = converter(field if field.type != "int" else FactField(field.name, "int", field.label))
    try:
        return check(node)  # ranges are not checked: "skill_level <= 2" is fine for a field of 1..5
    except Invalid as exc:
        r.problems.append(exc.at(path))
        return None
