"""Form helpers of the console: inputs generated from a fact catalogue, typed values for the document, writes.

Forms do not judge what is typed: they turn text into the document's JSON values where the text is plainly one
(``"12"`` → 12, ``"是"`` → true, an option's Chinese name → its code) and otherwise pass the text on as it is, so
that the engine's loader, the only validator, says what is wrong and where.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy.orm import Session

from admin.words import names, word
from engine.model import LIST_OPERATORS, PRESENCE_OPERATORS, FactField
from jifen.db import begin_write, get_db, get_session

TYPE_NAMES = names("forms_type_names")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")


def fact_inputs(
    fields: list[FactField], values: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    """What a template needs to draw one input per catalogue field (derived fields are shown, not asked)."""
    inputs = []
    for f in fields:
        if f.derived is not None:
            continue
        options = None
        if f.type == "enum":
            options = enum_options(f)
        elif f.type == "bool":
            options = [("true", word("forms.yes")), ("false", word("forms.no"))]
        raw = values.get(f.name, "")
        inputs.append({
            "name": f.name, "label": f.label, "type": f.type, "type_name": TYPE_NAMES[f.type], "required": f.required,
            "department": f.department, "options": options, "value": "" if raw is None else str(raw).lower() if isinstance(raw, bool) else str(raw),
            "min": f.min, "max": f.max, "errors": errors.get(f.name, []),
        })  # fmt: skip
    return inputs


def enum_options(f: FactField) -> list[tuple[str, str]]:
    """An option field's choices as (code, Chinese name)."""
    return list(zip(f.values, f.value_labels or f.values))


def parse_facts(fields: list[FactField], form: Mapping[str, str], prefix: str = "fact_") -> dict[str, Any]:
    """Facts from form inputs, typed as a client would send them; empty inputs mean "not present".

    Text that is not of the field's type is kept as text: checking the facts says what is wrong with it.
    """
    facts: dict[str, Any] = {}
    for f in fields:
        if f.derived is not None:
            continue
        raw = (form.get(prefix + f.name) or "").strip()
        if raw == "":
            continue
        facts[f.name] = typed_value(f, raw)
    return facts


def typed_value(field: FactField, raw: str) -> Any:
    """A value typed into a form as the JSON value of ``field``'s type, when it plainly is one; else the text."""
    text = raw.strip()
    if field.type == "bool":
        return {"true": True, word("forms.yes"): True, "false": False, word("forms.no"): False}.get(text, text)
    if field.type == "int":
        return int(text) if _INTEGER.fullmatch(text) and len(text) <= 40 else text
    if field.type == "number":
        return number(text)
    if field.type == "enum" and text in field.value_labels and text not in field.values:
        return field.values[field.value_labels.index(text)]
    return text


def number(raw: str | None) -> Any:
    """A number input as the document's number: ``"12"`` → 12, ``"0.5"`` → 0.5, ``""`` → None; anything else (``"abc"``,
    ``"1e309"``) stays text for the loader to refuse."""
    text = (raw or "").strip()
    if text == "":
        return None
    if not _PLAIN_NUMBER.fullmatch(text) or len(text) > 40:
        return text
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return int(value) if value == value.to_integral_value() else float(text)


def text(raw: str | None) -> str:
    return (raw or "").strip()


def split_list(raw: str | None) -> list[str]:
    """A list typed in one input: 「公安局、法院」, 「a, b」 or 「a，b」 → ``["…", "…"]``."""
    return [part.strip() for part in re.split(r"[、,，]", raw or "") if part.strip()]


def put_optional(obj: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless the input was left empty."""
    if value is not None and value != "" and value != []:
        obj[key] = value


# -- conditions: up to CLAUSE_ROWS clauses joined by all/any ---------------------------------------------------

CLAUSE_ROWS = 6


def clause_value(field: FactField | None, op: str, raw: str) -> Any:
    """The value of one condition clause from its input (lists split on 、 and commas)."""
    if field is None:
        return raw.strip()
    if op in LIST_OPERATORS:
        return [typed_value(field, part) for part in split_list(raw)]
    return typed_value(field, raw)


def condition_from_form(
    values: Mapping[str, Any], catalogue: Mapping[str, FactField], prefix: str = ""
) -> dict[str, Any] | None:
    """The condition the clause rows of a form describe (None when every row is empty)."""
    clauses = []
    for i in range(CLAUSE_ROWS):
        name = text(values.get(f"{prefix}field_{i}"))
        op = text(values.get(f"{prefix}op_{i}")) or "=="
        raw = text(values.get(f"{prefix}value_{i}"))
        if not name and not raw:
            continue
        clause: dict[str, Any] = {"field": name or None, "op": op}
        if op not in PRESENCE_OPERATORS:
            clause["value"] = clause_value(catalogue.get(name), op, raw) if raw != "" else None
        clauses.append(clause)
    if not clauses:
        return None
    if len(clauses) == 1:
        return clauses[0]
    mode = values.get(f"{prefix}mode") if values.get(f"{prefix}mode") in ("all", "any") else "all"
    return {mode: clauses}


def flat_clauses(when: Any) -> tuple[str, list[dict[str, Any]], bool]:
    """A document condition as (all/any, its clauses, whether it nests deeper than the form can show)."""
    if not isinstance(when, dict):
        return "all", [], False
    for mode in ("all", "any"):
        if mode in when:
            children = when[mode] if isinstance(when[mode], list) else []
            nested = any(not isinstance(c, dict) or "field" not in c for c in children) or len(children) > CLAUSE_ROWS
            return mode, [c for c in children if isinstance(c, dict) and "field" in c], nested
    return "all", [when], False


def value_text(value: Any, field: FactField | None) -> str:
    """A condition value as the form shows it: 是/否, options by their Chinese names, lists with 、."""
    if isinstance(value, list):
        return "、".join(value_text(v, field) for v in value)
    if value is True or value is False:
        return word("forms.yes") if value else word("forms.no")
    if value is None:
        return ""
    if field is not None and field.type == "enum" and value in field.values and field.value_labels:
        return field.value_labels[field.values.index(value)]
    return str(value)


def condition_values(when: Any, catalogue: Mapping[str, FactField], prefix: str = "") -> dict[str, Any]:
    """The clause rows of a form for a document condition."""
    mode, clauses, nested = flat_clauses(when)
    values: dict[str, Any] = {f"{prefix}mode": mode, f"{prefix}nested": nested}
    for i, clause in enumerate(clauses[:CLAUSE_ROWS]):
        name = clause.get("field")
        values[f"{prefix}field_{i}"] = name if isinstance(name, str) else ""
        values[f"{prefix}op_{i}"] = clause.get("op") or "=="
        values[f"{prefix}value_{i}"] = value_text(
            clause.get("value"), catalogue.get(name) if isinstance(name, str) else None
        )
    return values


# -- writing -----------------------------------------------------------------------------------------------


@contextmanager
def writing() -> Iterator[Session]:
    """The request's session in a write transaction of its own (committed at the end, rolled back on error)."""
    session = get_session()
    session.commit()  # end the reads of the request so far
    with get_db().writing():
        begin_write(session)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
