"""Form values ↔ parts of a ruleset document, read from the schema's fields (engine/schema.py).

Forms do not judge what is typed: they turn text into the document's JSON values where the text is plainly one
(``"12"`` → 12, ``"是"`` → true, an option's Chinese name → its code) and otherwise pass the text on as it is, so
that the engine's loader, the only validator, says what is wrong and where. How a value is shown and read follows
its field's kind: a text is trimmed, a number of points read as a number, a list of texts (证明材料) one entry per
line — so that a new field of a part is one schema entry, not a new pair of converters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.describe import value_text
from engine.model import LIST_OPERATORS, PRESENCE_OPERATORS, FactField
from engine.schema import Field, Part

_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_NUMBERS = frozenset({"number", "points", "integer"})
# lists typed in one line, their entries separated by 、 (an indicator's departments); other lists: one per line
_INLINE = frozenset({("indicator", "departments")})


def text(raw: Any) -> str:
    """An input's text, trimmed ("" for none)."""
    return raw.strip() if isinstance(raw, str) else ""


def shown(value: Any) -> str:
    """A document value in a text input: "" for none."""
    return "" if value is None else str(value)


def number(raw: str | None) -> Any:
    """A number input as the document's number: ``"12"`` → 12, ``"0.5"`` → 0.5, ``""`` → None; anything else (``"abc"``,
    ``"1e309"``) stays text for the loader to refuse.

    >>> number("12"), number(" 0.5 "), number(""), number("abc")
    (12, 0.5, None, 'abc')
    """
    value = text(raw)
    if value == "":
        return None
    if not _PLAIN_NUMBER.fullmatch(value) or len(value) > 40:
        return value
    try:
        exact = Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        return value
    return int(exact) if exact == exact.to_integral_value() else float(value)


def split_list(raw: str | None) -> list[str]:
    """A list typed in one input: 「公安局、法院」, 「a, b」 or 「a，b」 → ``["…", "…"]``."""
    return [part.strip() for part in re.split(r"[、,，]", raw or "") if part.strip()]


def lines(raw: str | None) -> list[str]:
    """A list typed one entry per line (empty lines left out).

    >>> lines("居住证\\r\\n\\n 学历证书、学信网验证 ")
    ['居住证', '学历证书、学信网验证']
    """
    return [line.strip() for line in (raw or "").splitlines() if line.strip()]


def put_optional(obj: dict[str, Any], key: str, value: Any) -> None:
    """Set ``key`` unless the input was left empty."""
    if value is not None and value != "" and value != []:
        obj[key] = value


# -- one field -----------------------------------------------------------------------------------------------


def field_text(part: Part, f: Field, value: Any) -> str:
    """A field's value as its input shows it (a list of texts one per line, or joined by 、 where typed inline)."""
    if value is None:
        return ""
    if f.kind == "boolean":
        return "true" if value is True else "false"
    if f.kind in ("texts", "names") and isinstance(value, list):
        return ("、" if (part.name, f.key) in _INLINE else "\n").join(str(v) for v in value)
    return str(value)


def field_value(part: Part, f: Field, raw: Any) -> Any:
    """What an input holds as the field's document value (None or [] when it was left empty)."""
    if f.kind in _NUMBERS:
        return number(raw if isinstance(raw, str) else None)
    if f.kind == "boolean":
        return True if raw == "true" else None
    if f.kind in ("texts", "names"):
        typed = raw if isinstance(raw, str) else None
        return split_list(typed) if (part.name, f.key) in _INLINE else lines(typed)
    if f.kind == "choice" and raw is None:
        return None  # not sent: the loader says the field is missing
    return text(raw)


def part_values(part: Part, obj: Mapping[str, Any], keys: Sequence[str], prefix: str = "") -> dict[str, str]:
    """The inputs of ``keys`` (fields of ``part``) for a part of the document."""
    return {prefix + key: field_text(part, part.field(key), obj.get(key)) for key in keys}


def read_part(part: Part, form: Mapping[str, Any], keys: Sequence[str], prefix: str = "") -> dict[str, Any]:
    """The fields ``keys`` of ``part`` from a form: a required field always (its text, for the loader to judge), an
    optional one only when something was typed."""
    out: dict[str, Any] = {}
    for key in keys:
        f = part.field(key)
        value = field_value(part, f, form.get(prefix + key))
        if f.required:
            out[key] = value
        else:
            put_optional(out, key, value)
    return out


# -- facts typed into a form ------------------------------------------------------------------------------------


def parse_facts(fields: list[FactField], form: Mapping[str, str], prefix: str = "fact_") -> dict[str, Any]:
    """Facts from form inputs, typed as a client would send them; empty inputs mean "not present".

    Text that is not of the field's type is kept as text: checking the facts says what is wrong with it.
    """
    facts: dict[str, Any] = {}
    for f in fields:
        if f.derived is not None:
            continue
        raw = text(form.get(prefix + f.name))
        if raw == "":
            continue
        facts[f.name] = typed_value(f, raw)
    return facts


def typed_value(field: FactField, raw: str) -> Any:
    """A value typed into a form as the JSON value of ``field``'s type, when it plainly is one; else the text."""
    value = raw.strip()
    if field.type == "bool":
        return {"true": True, "是": True, "false": False, "否": False}.get(value, value)
    if field.type == "int":
        return int(value) if _INTEGER.fullmatch(value) and len(value) <= 40 else value
    if field.type == "number":
        return number(value)
    if field.type == "enum" and value in field.value_labels and value not in field.values:
        return field.values[field.value_labels.index(value)]
    return value


# -- conditions: up to CLAUSE_ROWS clauses joined by all/any ---------------------------------------------------

CLAUSE_ROWS = 6


def clause_value(field: FactField | None, op: str, raw: str) -> Any:
    """The value of one condition clause from its input (lists split on 、 and commas)."""
    if field is None:
        return raw.strip()
    if op in LIST_OPERATORS:
        entries = _options(field, raw) if field.type == "enum" else split_list(raw)
        return [typed_value(field, part) for part in entries]
    return typed_value(field, raw)


def _options(field: FactField, raw: str) -> list[str]:
    """Options typed in one input, an option's name read whole even when it holds a 、 (「中专（中技、职高）」).

    >>> from engine.model import FactField
    >>> f = FactField("e", "enum", "学历", values=("a", "b"), value_labels=("中专（中技、职高）", "本科"))
    >>> _options(f, "中专（中技、职高）、本科")
    ['中专（中技、职高）', '本科']
    """
    names = sorted({*field.values, *field.value_labels}, key=len, reverse=True)
    out: list[str] = []
    rest = raw
    while rest := rest.lstrip("、,， \t"):
        name = next(
            (n for n in names if rest.startswith(n) and rest[len(n) : len(n) + 1] in ("", "、", ",", "，")), None
        )
        if name is None:
            name = re.split(r"[、,，]", rest, maxsplit=1)[0]
        out.append(name.strip())
        rest = rest[len(name) :]
    return [entry for entry in out if entry]


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
    mode = "any" if values.get(f"{prefix}mode") == "any" else "all"
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
