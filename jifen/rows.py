"""Convert between a version's rows and the ruleset document (the YAML form the engine's loader reads)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import object_session

from engine import RulesetVersion, to_document
from engine.canonical import plain_number
from jifen.models import (
    CategoryRow,
    ConditionNodeRow,
    FactFieldRow,
    IndicatorRow,
    ItemRow,
    RequirementRow,
    RulesetVersionRow,
    TestCaseRow,
)


def _num(value: Decimal | None) -> int | float | None:
    return None if value is None else plain_number(Decimal(value))


def _put(doc: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != "" and value != []:
        doc[key] = value


# -- rows → document ---------------------------------------------------------------------------------------


def _condition_doc(node: ConditionNodeRow) -> dict[str, Any]:
    if node.kind in ("all", "any"):
        return {node.kind: [_condition_doc(child) for child in node.children]}
    clause: dict[str, Any] = {"field": node.field, "op": node.op}
    if node.op not in ("exists", "not_exists"):
        clause["value"] = node.value
    return clause


def _when(roots: list[ConditionNodeRow]) -> dict[str, Any] | None:
    if not roots:
        return None
    if len(roots) == 1:
        return _condition_doc(roots[0])
    return {"all": [_condition_doc(r) for r in roots]}


def document_from_row(row: RulesetVersionRow) -> dict[str, Any]:
    """The version as a loader document; it may be invalid (drafts are saved as they are)."""
    doc: dict[str, Any] = {
        "ruleset": row.ruleset.code,
        "year": row.year,
        "revision": row.revision,
        "effective_from": row.effective_from,
        "status": row.status,
        "title": row.title,
    }
    if row.sample:
        doc["sample"] = True
    _put(doc, "legal_basis", row.legal_basis)
    _put(doc, "description", row.description)
    doc["facts"] = []
    for f in row.facts:
        field: dict[str, Any] = {"name": f.name, "type": f.type, "label": f.label}
        if f.required:
            field["required"] = True
        _put(field, "values", f.values)
        _put(field, "value_labels", f.value_labels)
        _put(field, "min", _num(f.min))
        _put(field, "max", _num(f.max))
        if f.derived_function:
            field["derived"] = {"function": f.derived_function, "source": f.derived_source, "at": f.derived_at}
        _put(field, "department", f.department)
        _put(field, "description", f.description)
        doc["facts"].append(field)
    doc["eligibility"] = [{"code": r.code, "when": _when(r.condition), "reason": r.reason} for r in row.requirements]
    doc["categories"] = []
    for c in row.categories:
        category: dict[str, Any] = {"code": c.code, "name": c.name, "kind": c.kind}
        _put(category, "cap", _num(c.cap))
        doc["categories"].append(category)
    doc["indicators"] = []
    for ind in row.indicators:
        indicator: dict[str, Any] = {"code": ind.code, "name": ind.name, "category": ind.category}
        _put(indicator, "cap", _num(ind.cap))
        indicator["departments"] = list(ind.departments or [])
        indicator["reference"] = ind.reference
        indicator["items"] = [_item_doc(item) for item in ind.items]
        doc["indicators"].append(indicator)
    doc["cases"] = []
    for case in row.cases:
        entry: dict[str, Any] = {"name": case.name}
        _put(entry, "as_of", case.as_of)
        entry["facts"] = dict(case.facts)
        entry["expected"] = dict(case.expected)
        doc["cases"].append(entry)
    return doc


def _item_doc(item: ItemRow) -> dict[str, Any]:
    out: dict[str, Any] = {"code": item.code, "label": item.label}
    _put(out, "when", _when(item.condition))
    if item.points_kind == "fixed":
        out["fixed"] = _num(item.fixed_points)
    else:
        rule: dict[str, Any] = {"field": item.unit_field, "rate": _num(item.rate)}
        if item.unit is not None and item.unit != 1:
            rule["unit"] = _num(item.unit)
        if item.offset is not None and item.offset != 0:
            rule["offset"] = _num(item.offset)
        out["per_unit"] = rule
    _put(out, "cap", _num(item.cap))
    _put(out, "group", item.group)
    _put(out, "reference", item.reference)
    return out


# -- validated version → rows --------------------------------------------------------------------------------


def _dec(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value


def condition_rows(cond: dict[str, Any], version_id: int | None, position: int = 0) -> ConditionNodeRow:
    """The rows of a condition tree (a document's ``when``)."""
    for kind in ("all", "any"):
        if kind in cond:
            node = ConditionNodeRow(kind=kind, position=position, version_id=version_id)
            node.children = [condition_rows(child, version_id, i) for i, child in enumerate(cond[kind])]
            return node
    return ConditionNodeRow(
        kind="clause", position=position, version_id=version_id, field=cond["field"], op=cond["op"],
        value=_json_value(cond.get("value")),
    )  # fmt: skip


def fill_rows(row: RulesetVersionRow, version: RulesetVersion) -> None:
    """Replace the content rows of ``row`` (a draft, flushed so that it has an id) with ``version``'s content."""
    doc = to_document(version)
    vid = row.id
    session = object_session(row)
    if session is not None and (row.facts or row.requirements or row.categories or row.indicators or row.cases):
        # delete the old rows first: the new ones reuse their codes, which are unique within a version
        for collection in (row.facts, row.requirements, row.categories, row.indicators, row.cases):
            collection.clear()
        session.flush()
    row.effective_from = version.effective_from
    row.title = version.title
    row.legal_basis = version.legal_basis
    row.description = version.description
    row.sample = version.sample
    row.facts = [
        FactFieldRow(
            version_id=vid,
            position=i,
            name=f["name"],
            type=f["type"],
            label=f["label"],
            required=f.get("required", False),
            department=f.get("department"),
            values=list(f["values"]) if "values" in f else None,
            value_labels=list(f["value_labels"]) if "value_labels" in f else None,
            min=_dec(f.get("min")),
            max=_dec(f.get("max")),
            derived_function=f["derived"]["function"] if "derived" in f else None,
            derived_source=f["derived"]["source"] if "derived" in f else None,
            derived_at=f["derived"]["at"] if "derived" in f else None,
            description=f.get("description"),
        )
        for i, f in enumerate(doc["facts"])
    ]
    row.requirements = []
    for i, r in enumerate(doc["eligibility"]):
        req = RequirementRow(version_id=vid, position=i, code=r["code"], reason=r["reason"])
        req.condition = [condition_rows(r["when"], vid)]
        row.requirements.append(req)
    row.categories = [
        CategoryRow(version_id=vid, position=i, code=c["code"], name=c["name"], kind=c["kind"], cap=_dec(c.get("cap")))
        for i, c in enumerate(doc["categories"])
    ]
    row.indicators = []
    for i, ind in enumerate(doc["indicators"]):
        indicator = IndicatorRow(
            version_id=vid,
            position=i,
            code=ind["code"],
            name=ind["name"],
            category=ind["category"],
            cap=_dec(ind.get("cap")),
            departments=list(ind["departments"]),
            reference=ind["reference"],
        )
        for j, it in enumerate(ind["items"]):
            per_unit = it.get("per_unit")
            item = ItemRow(
                version_id=vid,
                position=j,
                code=it["code"],
                label=it["label"],
                points_kind="per_unit" if per_unit else "fixed",
                fixed_points=_dec(it.get("fixed")),
                unit_field=per_unit["field"] if per_unit else None,
                rate=_dec(per_unit["rate"]) if per_unit else None,
                unit=_dec(per_unit.get("unit", 1)) if per_unit else None,
                offset=_dec(per_unit.get("offset", 0)) if per_unit else None,
                cap=_dec(it.get("cap")),
                group=it.get("group"),
                reference=it.get("reference"),
            )
            if "when" in it:
                item.condition = [condition_rows(it["when"], vid)]
            indicator.items.append(item)
        row.indicators.append(indicator)
    row.cases = [
        TestCaseRow(
            version_id=vid,
            position=i,
            name=c["name"],
            as_of=c.get("as_of"),
            facts={k: _json_value(v) for k, v in c["facts"].items()},
            expected={k: (dict(v) if isinstance(v, dict) else v) for k, v in c["expected"].items()},
        )
        for i, c in enumerate(doc["cases"])
    ]
