"""Reading a condition of a ruleset document: a clause on a field of the catalogue, or all/any of conditions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

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
    Operator,
)
from engine.reader import Reader, join
from engine.schema import CLAUSE


def read_condition(r: Reader, node: Any, path: str, catalogue: dict[str, FactField]) -> Condition | None:
    """A condition at ``path``: a group (all/any of conditions) or a clause; None if it is wrong."""
    if isinstance(node, Mapping) and len(node) == 1 and next(iter(node)) in ("all", "any"):
        return _group(r, node, path, catalogue)
    if isinstance(node, Mapping) and ("all" in node or "any" in node):
        r.add(path, "group_keys")
        return None
    return _clause(r, node, path, catalogue)


def _group(r: Reader, node: Mapping[str, Any], path: str, catalogue: dict[str, FactField]) -> Group | None:
    mode: Literal["all", "any"] = "all" if "all" in node else "any"
    children = r.seq(node[mode], join(path, mode), allow_empty=False)
    parsed = [read_condition(r, c, f"{path}.{mode}[{j}]", catalogue) for j, c in enumerate(children)]
    if any(c is None for c in parsed):
        return None
    return Group(mode, tuple(c for c in parsed if c is not None))


def _clause(r: Reader, node: Any, path: str, catalogue: dict[str, FactField]) -> Clause | None:
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
    if field is None or not _value_fits(r, m, path, field, op):
        return None
    vpath = join(path, "value")
    if op in PRESENCE_OPERATORS:
        return Clause(field.name, op)
    if op in LIST_OPERATORS:
        return _list_clause(r, m["value"], vpath, field, op)
    value = _condition_value(r, m["value"], vpath, field)
    return None if value is None else Clause(field.name, op, value)


def _list_clause(r: Reader, node: Any, vpath: str, field: FactField, op: Operator) -> Clause | None:
    raw_values = r.seq(node, vpath, allow_empty=False)
    values = [_condition_value(r, v, f"{vpath}[{j}]", field) for j, v in enumerate(raw_values)]
    if not raw_values or any(v is None for v in values):
        return None
    return Clause(field.name, op, tuple(v for v in values if v is not None))


def _value_fits(r: Reader, m: Mapping[str, Any], path: str, field: FactField, op: str) -> bool:
    """Whether the clause has a value exactly when its operator takes one, and orders only what has an order."""
    vpath = join(path, "value")
    if op in PRESENCE_OPERATORS:
        if "value" in m:
            r.add(vpath, "takes_no_value", op=op)
            return False
        return True
    if "value" not in m:
        r.add(vpath, "needs_value", op=op)
        return False
    if op in ORDERING_OPERATORS and field.type not in ("int", "number", "date"):
        r.add(join(path, "op"), "ordering_needs_number", op=op, field=field.name, label=field.label, type=field.type)
        return False
    return True


def _condition_value(r: Reader, node: Any, path: str, field: FactField) -> FactValue | None:
    check = converter(field if field.type != "int" else FactField(field.name, "int", field.label))
    try:
        return check(node)  # ranges are not checked: "skill_level <= 2" is fine for a field of 1..5
    except Invalid as exc:
        r.problems.append(exc.at(path))
        return None
