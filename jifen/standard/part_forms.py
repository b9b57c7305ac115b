"""Each part of a draft as a form's values and back: ``values`` shows a part of the document in a form's inputs,
``build`` turns what was typed into the part's new JSON (for the loader to judge).

The plain fields of a part come from the schema (``part_values`` / ``read_part``); what a form shows otherwise —
a condition as clause rows, an item's points as one choice of fixed or per unit, a fact's options as rows, a
test case's facts and expectations — is written here once.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.model import NUMERIC_TYPES, FactField
from engine.schema import CASE, CATEGORY, FACT, ITEM, PER_UNIT, REQUIREMENT, VERSION
from jifen.standard.editing import META_KEYS
from jifen.standard.form_values import (
    condition_from_form,
    condition_values,
    number,
    parse_facts,
    part_values,
    put_optional,
    read_part,
    shown,
    text,
)
from jifen.standard.tables import indicator_from, indicator_values

Catalogue = Mapping[str, FactField]
Values = dict[str, Any]
OPTION_ROWS = 3  # empty rows for new options below a field's options
MAX_OPTIONS = 200


@dataclass(frozen=True)
class PartForm:
    """How one kind of part is shown in a form (``values``) and read back (``build``: the form's values and the part
    as it is, {} for a new one → the part's new JSON)."""

    kind: str
    values: Callable[[dict[str, Any], Catalogue], Values]
    build: Callable[[Values, dict[str, Any], Catalogue], dict[str, Any]]
    prefix: str = ""


def _kept(current: Mapping[str, Any], form: Values, key: str) -> dict[str, Any]:
    """A part's naming key: as it is once the part exists, as typed for a new one."""
    return {key: current.get(key) or text(form.get(key))}


# -- the version's information and categories -------------------------------------------------------------------


def meta_form() -> PartForm:
    def values(meta: dict[str, Any], _c: Catalogue) -> Values:
        out = part_values(VERSION, meta, META_KEYS)
        out["sample"] = "true" if meta.get("sample") else "false"
        return out

    def build(form: Values, _current: dict[str, Any], _c: Catalogue) -> dict[str, Any]:
        return read_part(VERSION, form, META_KEYS)

    return PartForm("meta", values, build)


def category_form() -> PartForm:
    def values(cat: dict[str, Any], _c: Catalogue) -> Values:
        return part_values(CATEGORY, cat, CATEGORY.keys) | {"kind": cat.get("kind", "add")}

    def build(form: Values, current: dict[str, Any], _c: Catalogue) -> dict[str, Any]:
        return _kept(current, form, "code") | read_part(CATEGORY, form, ("name", "kind", "cap"))

    return PartForm("category", values, build)


def requirement_form() -> PartForm:
    def values(req: dict[str, Any], catalogue: Catalogue) -> Values:
        return part_values(REQUIREMENT, req, ("code", "reason")) | condition_values(req.get("when"), catalogue)

    def build(form: Values, current: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
        when = current.get("when") if form.get("nested") == "True" else condition_from_form(form, catalogue)
        return _kept(current, form, "code") | {"when": when} | read_part(REQUIREMENT, form, ("reason",))

    return PartForm("requirement", values, build)


# -- indicators and items --------------------------------------------------------------------------------------


def indicator_form(new: bool = False, category: str = "") -> PartForm:
    """An indicator's own inputs; a new one's form holds its first item too (inputs prefixed ``item_``)."""

    def values(ind: dict[str, Any], catalogue: Catalogue) -> Values:
        out: Values = indicator_values(ind)
        if new:
            out["category"] = category
            out.update(item_values({}, catalogue, "item_"))
        return out

    def build(form: Values, current: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
        items = [build_item(form, {}, catalogue, "item_")] if new else current.get("items")
        return indicator_from(form, current, items)

    return PartForm("indicator", values, build)


def item_form() -> PartForm:
    return PartForm("item", item_values, build_item)


_ITEM_PLAIN = ("code", "label", "fixed", "cap", "group", "reference", "materials")  # the item's inputs by key
_PER_UNIT_INPUTS = {"field": "unit_field", "rate": "rate", "unit": "unit", "offset": "offset"}


def item_values(item: dict[str, Any], catalogue: Catalogue, prefix: str = "") -> Values:
    """An item's inputs: its fields, its points as fixed or per unit, its condition as clause rows."""
    per_unit = item.get("per_unit") if isinstance(item.get("per_unit"), dict) else None
    values = part_values(ITEM, item, _ITEM_PLAIN) | {"points_kind": "per_unit" if per_unit else "fixed"}
    values |= {name: shown((per_unit or {}).get(key)) for key, name in _PER_UNIT_INPUTS.items()}
    out = {prefix + k: v for k, v in values.items()}
    out.update(condition_values(item.get("when"), catalogue, prefix))
    return out


def build_item(form: Values, current: dict[str, Any], catalogue: Catalogue, prefix: str = "") -> dict[str, Any]:
    """The item the inputs describe (its condition kept as it is when the form could not show it)."""
    item: dict[str, Any] = read_part(ITEM, form, ("code",), prefix) | {"label": text(form.get(prefix + "label"))}
    when = (
        current.get("when") if form.get(prefix + "nested") == "True" else condition_from_form(form, catalogue, prefix)
    )
    if when is not None:
        item["when"] = when
    if form.get(prefix + "points_kind") == "per_unit":
        rule: dict[str, Any] = {"field": text(form.get(prefix + "unit_field")) or None}
        rule["rate"] = number(form.get(prefix + "rate"))
        rule |= read_part(PER_UNIT, {k: form.get(prefix + k) for k in ("unit", "offset")}, ("unit", "offset"))
        item["per_unit"] = rule
    else:
        item["fixed"] = number(form.get(prefix + "fixed"))
    return item | read_part(ITEM, form, ("cap", "group", "reference", "materials"), prefix)


# -- the fact catalogue ---------------------------------------------------------------------------------------------


def fact_form(new: bool = False) -> PartForm:
    def values(fact: dict[str, Any], _c: Catalogue) -> Values:
        out: Values = part_values(FACT, fact, ("name", "label", "required", "department", "description", "min", "max"))
        out |= {"type": fact.get("type", "int"), "required": "true" if fact.get("required") else "false"}
        labels = fact.get("value_labels") or []
        for i, value in enumerate(fact.get("values") or []):
            out[f"value_{i}"] = value
            out[f"label_{i}"] = labels[i] if i < len(labels) else ""
        out["derived"] = fact.get("derived")
        return out

    def build(form: Values, current: dict[str, Any], _c: Catalogue) -> dict[str, Any]:
        kind = form.get("type") if new or "type" in form else current.get("type")
        fact = _kept(current, form, "name") | {"type": kind} | read_part(FACT, form, ("label", "required"))
        if kind == "enum":
            fact |= _options(form)
        if kind in NUMERIC_TYPES:
            fact |= read_part(FACT, form, ("min", "max"))
        if current.get("derived") is not None:
            fact["derived"] = current["derived"]
        return fact | read_part(FACT, form, ("department", "description"))

    return PartForm("fact", values, build)


def _options(form: Values) -> dict[str, Any]:
    rows = [(text(form.get(f"value_{i}")), text(form.get(f"label_{i}"))) for i in option_numbers(form)]
    rows = [(v, lab) for v, lab in rows if v or lab]
    out: dict[str, Any] = {"values": [v for v, _ in rows]}
    if any(lab for _, lab in rows):
        out["value_labels"] = [lab for _, lab in rows]
    return out


def option_numbers(form: Mapping[str, Any]) -> list[int]:
    """The numbers of the option rows a fact form sent (value_0, label_0, …), in order."""
    found = (re.fullmatch(r"(?:value|label)_(\d{1,3})", key) for key in form)
    return sorted({int(m.group(1)) for m in found if m and int(m.group(1)) < MAX_OPTIONS})


def option_rows(values: Mapping[str, Any]) -> range:
    """The option rows to show: those the form holds, then a few empty ones (a bounded number)."""
    used = option_numbers(values)
    return range(min((used[-1] + 1 if used else 0) + OPTION_ROWS, MAX_OPTIONS))


# -- test cases -----------------------------------------------------------------------------------------------------


def case_form(name: str | None) -> PartForm:
    def values(case: dict[str, Any], _c: Catalogue) -> Values:
        out: Values = part_values(CASE, case, ("name", "as_of"))
        if name is not None:
            out["key"] = name
        for key, value in (case.get("facts") or {}).items():
            out[f"fact_{key}"] = ("true" if value else "false") if isinstance(value, bool) else shown(value)
        exp = case.get("expected") or {}
        out["exp_eligible"] = "" if exp.get("eligible") is None else ("true" if exp["eligible"] else "false")
        out["exp_total"] = shown(exp.get("total"))
        out.update({f"exp_cat_{k}": shown(v) for k, v in (exp.get("categories") or {}).items()})
        out.update({f"exp_ind_{k}": shown(v) for k, v in (exp.get("indicators") or {}).items()})
        return out

    def build(form: Values, _current: dict[str, Any], catalogue: Catalogue) -> dict[str, Any]:
        case: dict[str, Any] = read_part(CASE, form, ("name", "as_of"))
        case["facts"] = parse_facts(list(catalogue.values()), form)
        case["expected"] = _expected(form)
        return case

    return PartForm("case", values, build)


def _expected(form: Values) -> dict[str, Any]:
    expected: dict[str, Any] = {}
    if form.get("exp_eligible") in ("true", "false"):
        expected["eligible"] = form["exp_eligible"] == "true"
    put_optional(expected, "total", number(form.get("exp_total")))
    for key, short in (("categories", "cat"), ("indicators", "ind")):
        part = {
            k[len(f"exp_{short}_") :]: number(v) for k, v in form.items() if k.startswith(f"exp_{short}_") and text(v)
        }
        if part:
            expected[key] = part
    return expected


def case_facts(values: Mapping[str, Any]) -> dict[str, Any]:
    """A case form's facts by field name (its ``fact_`` inputs)."""
    return {k.removeprefix("fact_"): v for k, v in values.items() if k.startswith("fact_")}
