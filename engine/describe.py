"""Rules as Chinese sentences for people who do not read conditions: 「年龄 ≤ 40 时，得20分」."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.canonical import plain_number
from engine.model import Clause, Condition, FactField, Fixed, Item

_OPS = {"==": "为", "!=": "不为", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}


def number_text(value: Decimal) -> str:
    """``Decimal('0.50') -> '0.5'``, ``Decimal('20') -> '20'``."""
    return str(plain_number(value))


def value_text(value: Any, field: FactField | None) -> str:
    """A condition value as a reader sees it: enum labels, 是/否, plain numbers."""
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if field is not None and field.type == "enum" and field.value_labels and value in field.values:
        return field.value_labels[field.values.index(value)]
    return str(value)


def condition_sentence(cond: Condition, fields: Mapping[str, FactField], nested: bool = False) -> str:
    """``age <= 40`` → 「年龄（周岁） ≤ 40」; groups joined with 且/或.

    >>> condition_sentence(Clause("age", "<=", 40), {})
    'age ≤ 40'
    """
    if isinstance(cond, Clause):
        field = fields.get(cond.field)
        name = field.label if field else cond.field
        if cond.op == "exists":
            return f"已填写{name}"
        if cond.op == "not_exists":
            return f"未填写{name}"
        if cond.op in ("in", "not_in"):
            listing = "、".join(value_text(v, field) for v in cond.value)  # type: ignore[union-attr]
            return f"{name}{'为' if cond.op == 'in' else '不为'}{listing}{'之一' if cond.op == 'in' else '中任一'}"
        if field is not None and field.type == "bool" and cond.op == "==":
            return name if cond.value is True else f"非{name}"
        op = _OPS[cond.op]
        return (
            f"{name}{op}{value_text(cond.value, field)}"
            if op in ("为", "不为")
            else f"{name} {op} {value_text(cond.value, field)}"
        )
    joined = ("且" if cond.mode == "all" else "或").join(condition_sentence(c, fields, True) for c in cond.conditions)
    return f"（{joined}）" if nested and len(cond.conditions) > 1 else joined


def points_sentence(item: Item, fields: Mapping[str, FactField]) -> str:
    """The points rule: 「得20分」, 「每满50小时得2分」, 「得（60 − 年龄）分」."""
    rule = item.points
    if isinstance(rule, Fixed):
        return f"得{number_text(rule.points)}分"
    field = fields.get(rule.field)
    name = field.label if field else rule.field
    if rule.offset != 0:
        sign = "−" if rule.rate < 0 else "+"
        rate = abs(rule.rate)
        units = name if rule.unit == 1 else f"{name}÷{number_text(rule.unit)}（取整）"
        factor = "" if rate == 1 else f"{number_text(rate)}×"
        return f"得（{number_text(rule.offset)} {sign} {factor}{units}）分"
    return f"{name}每满{number_text(rule.unit)}得{number_text(rule.rate)}分"


def item_sentence(item: Item, fields: Mapping[str, FactField]) -> str:
    """The whole item: condition, points, cap and exclusive group."""
    parts = []
    if item.when is not None:
        parts.append(f"当{condition_sentence(item.when, fields)}时，")
    parts.append(points_sentence(item, fields))
    if item.cap is not None:
        parts.append(f"，本项最高{number_text(item.cap)}分")
    if item.group:
        parts.append(f"（与“{item.group}”组内其他细则不累加，取最高）")
    return "".join(parts)
