"""An indicator as a decision table: its items as rows, one column per fact its conditions use.

A row holds an item's code and name, one cell per condition column (an operator and a value; numbers and dates
have a second pair, for ranges such as 41至54周岁), how the rows' conditions combine (all or any), the points
(fixed, or per unit of a numeric fact, with its unit and base), the item's cap, its 不累加分组, its legal
reference and its 证明材料 (one per line). An item whose condition a table cannot show (nested groups, two
clauses on one option field) keeps its condition as it is, shown as a sentence.

The table turns into the indicator's items for the document and back; the engine's loader judges the result,
and its problems are put on the cells they concern (``table_edits.cell_of``). A row left unchanged gives back exactly the
item it came from, so saving a table nobody changed changes nothing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from engine.describe import value_text
from engine.model import LIST_OPERATORS, NUMERIC_TYPES, PRESENCE_OPERATORS, FactField
from engine.schema import INDICATOR, ITEM
from jifen.standard.form_values import (
    clause_value,
    field_text,
    field_value,
    flat_clauses,
    number,
    part_values,
    put_optional,
    read_part,
    shown,
    text,
)

Catalogue = Mapping[str, FactField]

# the operators a cell offers, by the field's type ("" = 不限: the column does not constrain this row)
OPS_BY_TYPE = {
    "int": ("", "==", "!=", ">=", ">", "<=", "<", "in", "not_in", "exists", "not_exists"),
    "number": ("", "==", "!=", ">=", ">", "<=", "<", "exists", "not_exists"),
    "date": ("", "==", "!=", ">=", ">", "<=", "<", "exists", "not_exists"),
    "enum": ("", "==", "!=", "in", "not_in", "exists", "not_exists"),
    "bool": ("", "==", "!=", "exists", "not_exists"),
    "string": ("", "==", "!=", "in", "not_in", "exists", "not_exists"),
}
CELL_OPS = {"": "不限", "==": "等于", "!=": "不等于", ">=": "≥", ">": "＞", "<=": "≤", "<": "＜", "in": "属于",
            "not_in": "不属于", "exists": "已填写", "not_exists": "未填写"}  # fmt: skip
_MATERIALS = ITEM.field("materials")
BLANK_ROWS = 2  # empty rows below the items, for adding rows without JavaScript
MAX_ROWS = 500  # a table with more rows is refused, never cut short
MAX_COLUMNS = 40
COMPLEX_MAX = 100_000  # characters of a kept condition
GROUP_SLOTS = 3  # new 不累加 groups offered beside the indicator's own


def slots(f: FactField) -> int:
    """Clauses one cell holds: two for numbers and dates (a range), one otherwise."""
    return 2 if f.type in (*NUMERIC_TYPES, "date") else 1


@dataclass
class Row:
    """One row of the table, as the form shows it: every value as the text (or, for options, the codes) typed."""

    i: int  # the row's number in the form
    key: str = ""  # the code of the item it was loaded from ("" for a new row)
    order: str = ""
    delete: bool = False
    code: str = ""
    label: str = ""
    mode: str = "all"
    cells: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)  # field → [(op, value)] per slot
    complex: str = ""  # a condition cells cannot show, kept as it is (its JSON), else ""
    kind: str = "fixed"
    points: str = ""
    unit_field: str = ""
    unit: str = ""
    offset: str = ""
    cap: str = ""
    group: str = ""
    reference: str = ""
    materials: str = ""  # 证明材料, one per line

    def is_blank(self) -> bool:
        """An empty row, left out; a row loaded from an item never is (it is removed with 删除, not by emptying)."""
        typed = (self.key, self.code, self.label, self.points, self.unit_field, self.unit, self.offset, self.cap,
                 self.group, self.reference, self.materials, self.complex)  # fmt: skip
        return not any(typed) and not any(op for slots_ in self.cells.values() for op, _ in slots_)


class FormData(Protocol):
    """A sent form: its input names, one value of an input, every value of a multiple select."""

    def __iter__(self) -> Iterator[str]: ...

    def get(self, key: str) -> str | None: ...

    def getlist(self, key: str) -> list[str]: ...


# -- the document's items → the table ---------------------------------------------------------------------------


def _clauses(when: Any) -> tuple[str, list[dict[str, Any]], bool]:
    mode, clauses, nested = flat_clauses(when)
    if isinstance(when, dict) and "field" not in when and not any(k in when for k in ("all", "any")):
        nested = True
    return mode, clauses, nested


def columns_of(items: Sequence[Any], catalogue: Catalogue) -> list[str]:
    """The facts the items' conditions use, in the order they first appear (the table's condition columns)."""
    columns: list[str] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        _, clauses, nested = _clauses(item.get("when"))
        if nested:
            continue
        for clause in clauses:
            name = clause.get("field")
            if isinstance(name, str) and name in catalogue and name not in columns:
                columns.append(name)
    return columns[:MAX_COLUMNS]


def _cell_value(clause: Mapping[str, Any], f: FactField) -> Any:
    value = clause.get("value")
    if f.type == "enum":
        return [str(v) for v in value] if isinstance(value, list) else ([] if value is None else [str(value)])
    if f.type == "bool" and isinstance(value, bool):
        return "true" if value else "false"
    return value_text(value, f)


def _cells(
    when: Any, columns: Sequence[str], catalogue: Catalogue
) -> tuple[str, dict[str, list[tuple[str, Any]]], bool]:
    """A condition as cells; the third value says it cannot be shown so (and is kept as it is)."""
    mode, clauses, nested = _clauses(when)
    cells: dict[str, list[tuple[str, Any]]] = {}
    if nested:
        return mode, cells, True
    for clause in clauses:
        name, op = clause.get("field"), clause.get("op")
        f = catalogue.get(name) if isinstance(name, str) else None
        if f is None or name not in columns or op not in OPS_BY_TYPE[f.type]:
            return mode, {}, True
        cell = cells.setdefault(f.name, [])
        if len(cell) >= slots(f):
            return mode, {}, True
        cell.append((str(op), _cell_value(clause, f) if op not in PRESENCE_OPERATORS else ""))
    return mode, cells, False


def rows_of(items: Sequence[Any], columns: Sequence[str], catalogue: Catalogue) -> list[Row]:
    rows = []
    for i, item in enumerate(x for x in items if isinstance(x, dict)):
        mode, cells, complex_ = _cells(item.get("when"), columns, catalogue)
        per_unit = item.get("per_unit") if isinstance(item.get("per_unit"), dict) else None
        rows.append(Row(
            i=i, key=shown(item.get("code")), order=str(i + 1), code=shown(item.get("code")),
            label=shown(item.get("label")), mode=mode, cells=cells,
            complex=json.dumps(item.get("when"), ensure_ascii=False) if complex_ else "",
            kind="per_unit" if per_unit is not None else "fixed",
            points=shown((per_unit or {}).get("rate") if per_unit is not None else item.get("fixed")),
            unit_field=shown((per_unit or {}).get("field")), unit=shown((per_unit or {}).get("unit")),
            offset=shown((per_unit or {}).get("offset")), cap=shown(item.get("cap")), group=shown(item.get("group")),
            reference=shown(item.get("reference")), materials=field_text(ITEM, _MATERIALS, item.get("materials")),
        ))  # fmt: skip
    return rows


def blank_rows(start: int, n: int = BLANK_ROWS) -> list[Row]:
    return [Row(i=start + k) for k in range(n)]


# -- the form → the table ---------------------------------------------------------------------------------------


def columns_from_form(form: FormData, catalogue: Catalogue) -> list[str]:
    """The condition columns the form had, plus the one asked for by 「增加条件列」."""
    columns = [c for c in (text(form.get("columns")).split(",")) if c in catalogue]
    added = text(form.get("add_column"))
    if form.get("step") == "add_column" and added in catalogue and added not in columns:
        columns.append(added)
    return list(dict.fromkeys(columns))[:MAX_COLUMNS]


_ROW_INPUT = re.compile(r"r(\d{1,9})_")


def rows_sent(form: Iterable[str]) -> int:
    """How many rows the form holds: one past the highest row number among its inputs (a row the page's script
    added counts as well as one the server drew)."""
    numbers = [int(m.group(1)) for key in form if (m := _ROW_INPUT.match(key))]
    return max(numbers) + 1 if numbers else 0


def rows_from_form(form: FormData, columns: Sequence[str], catalogue: Catalogue) -> list[Row]:
    count = min(rows_sent(form), MAX_ROWS)
    rows = []
    for i in range(count):
        p = f"r{i}_"
        cells: dict[str, list[tuple[str, Any]]] = {}
        for name in columns:
            f = catalogue[name]
            cell = []
            for s in range(slots(f)):
                op = text(form.get(f"{p}c_{name}_op{s}"))
                op = op if op in OPS_BY_TYPE[f.type] else ""
                raw: Any = (
                    form.getlist(f"{p}c_{name}_v{s}") if f.type == "enum" else text(form.get(f"{p}c_{name}_v{s}"))
                )
                cell.append((op, raw))
            cells[name] = cell
        rows.append(Row(
            i=i, key=text(form.get(p + "key")), order=text(form.get(p + "order")), delete=form.get(p + "delete") == "on",
            code=text(form.get(p + "code")), label=text(form.get(p + "label")),
            mode="any" if form.get(p + "mode") == "any" else "all", cells=cells,
            complex=text(form.get(p + "complex"))[:COMPLEX_MAX],
            kind="per_unit" if form.get(p + "kind") == "per_unit" else "fixed", points=text(form.get(p + "points")),
            unit_field=text(form.get(p + "unit_field")), unit=text(form.get(p + "unit")),
            offset=text(form.get(p + "offset")), cap=text(form.get(p + "cap")), group=text(form.get(p + "group")),
            reference=text(form.get(p + "reference")), materials=text(form.get(p + "materials")),
        ))  # fmt: skip
    return rows


# -- the table → the document's items ----------------------------------------------------------------------------

# where a clause of a built condition came from: (column, slot)
Places = list[tuple[str, int]]


def _clause(f: FactField, op: str, raw: Any) -> dict[str, Any]:
    clause: dict[str, Any] = {"field": f.name, "op": op}
    if op in PRESENCE_OPERATORS:
        return clause
    if f.type == "enum":
        chosen = [v for v in raw if isinstance(v, str) and v] if isinstance(raw, list) else []
        if op in LIST_OPERATORS:
            clause["value"] = chosen or None
        elif len(chosen) > 1:  # several options under 等于 / 不等于: 属于 / 不属于
            clause["op"] = "in" if op == "==" else "not_in"
            clause["value"] = chosen
        else:
            clause["value"] = chosen[0] if chosen else None
        return clause
    clause["value"] = clause_value(f, op, raw) if raw != "" else None
    return clause


def _unordered(clause: dict[str, Any]) -> dict[str, Any]:
    value = clause.get("value")
    if isinstance(value, list):
        return {**clause, "value": sorted(value, key=lambda v: json.dumps(v, default=str))}
    return clause


def _same_condition(a: Any, b: Any) -> bool:
    """Two conditions alike but for the order of their clauses and of the values of a list (属于)."""

    def key(when: Any) -> Any:
        mode, clauses, nested = _clauses(when)
        if nested or not isinstance(when, dict):
            return json.dumps(when, sort_keys=True, default=str)
        shape = mode if len(clauses) > 1 or "field" not in when else "one"
        return shape, sorted(json.dumps(_unordered(c), sort_keys=True, default=str) for c in clauses)

    return bool(key(a) == key(b))


def _condition(row: Row, catalogue: Catalogue, columns: Sequence[str]) -> tuple[dict[str, Any] | None, Places]:
    clauses: list[dict[str, Any]] = []
    places: Places = []
    for name in columns:
        f = catalogue[name]
        for s, (op, raw) in enumerate(row.cells.get(name, [])):
            if op:
                clauses.append(_clause(f, op, raw))
                places.append((name, s))
    if not clauses:
        return None, places
    if len(clauses) == 1:
        return clauses[0], places
    return {row.mode: clauses}, places


def _kept(raw: str) -> Any:
    """A kept condition from its JSON (anything else stays text, for the loader to refuse on the row's cell)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def row_order(row: Row) -> tuple[float, int]:
    try:
        order = float(row.order)
    except ValueError:
        order = math.nan
    return (order if math.isfinite(order) else float(row.i + 1)), row.i


@dataclass
class Built:
    items: list[dict[str, Any]]
    rows: list[Row]  # the row each item came from, in the items' order
    places: list[Places]  # for each item, where its condition's clauses came from


def items_from_rows(rows: Sequence[Row], current: Sequence[Any], columns: Sequence[str], catalogue: Catalogue) -> Built:
    """The indicator's items the table describes (rows marked for deletion and empty rows left out, in the rows'
    order). A row's condition that only differs in the order of its clauses stays as it was."""
    before = {x.get("code"): x for x in current if isinstance(x, dict)}
    built = Built([], [], [])
    for row in sorted(rows, key=row_order):
        if row.delete or row.is_blank():
            continue
        old = before.get(row.key) if row.key else None
        item: dict[str, Any] = {"code": row.code, "label": row.label}
        places: Places = []
        if row.complex:
            when = _kept(row.complex)
        else:
            when, places = _condition(row, catalogue, columns)
            if old is not None and _same_condition(when, old.get("when")):
                when = old.get("when")
        if when is not None:
            item["when"] = when
        if row.kind == "per_unit":
            rule: dict[str, Any] = {"field": row.unit_field or None, "rate": number(row.points)}
            put_optional(rule, "unit", number(row.unit))
            put_optional(rule, "offset", number(row.offset))
            item["per_unit"] = rule
        else:
            item["fixed"] = number(row.points)
        put_optional(item, "cap", number(row.cap))
        put_optional(item, "group", row.group)
        put_optional(item, "reference", row.reference)
        put_optional(item, "materials", field_value(ITEM, _MATERIALS, row.materials))
        built.items.append(item)
        built.rows.append(row)
        built.places.append(places)
    return built


# -- the indicator's own inputs (shared with the indicator form of admin/views/drafts.py) --------------------------

HEADER_KEYS = ("name", "category", "cap", "departments", "reference")


def indicator_values(ind: Mapping[str, Any]) -> dict[str, str]:
    """An indicator's code, name, category, cap, departments and reference as a form shows them."""
    return part_values(INDICATOR, ind, ("code", *HEADER_KEYS))


def indicator_from(values: Mapping[str, Any], current: Mapping[str, Any], items: Any) -> dict[str, Any]:
    """The indicator those inputs describe (its code kept once it has one), with ``items`` (None: none yet)."""
    ind: dict[str, Any] = {"code": current.get("code") or text(values.get("code"))}
    ind |= read_part(INDICATOR, values, HEADER_KEYS)
    if items is not None:
        ind["items"] = items
    return ind


def groups_offered(rows: Sequence[Row]) -> list[tuple[str, str]]:
    """The groups a row may join: the indicator's groups by number (「不累加分组1」, the schema's label), then a few
    new ones."""
    word = ITEM.field("group").label
    used = list(dict.fromkeys(r.group for r in rows if r.group))
    offered = [(code, f"{word}{n}") for n, code in enumerate(used, 1)]
    n, k = len(used), 0
    while k < GROUP_SLOTS:
        n += 1
        code = f"g{n}"
        if code not in used:
            offered.append((code, f"{word}{n}（新）"))
            k += 1
    return offered
