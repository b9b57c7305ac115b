"""Rules as Chinese sentences for people who do not read conditions: 「年龄40周岁及以下时，得20分」.

``item_sentence`` and ``condition_sentence`` are for reading: units from the facts' labels (「每满1个月得0.5分」),
ranges (「年龄为41至54周岁」), options by their Chinese names, deductions as 「扣N分」. ``points_sentence`` is the
terse form an Excel workbook shows in its editable points cell and reads back (jifen/workbook/cells.py), so it
keeps its shape: 「<字段名称>每满1得0.5分」.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from engine.canonical import number_text
from engine.model import (
    Category,
    Clause,
    Condition,
    Expected,
    FactField,
    Fixed,
    Indicator,
    Item,
    Requirement,
    RulesetVersion,
)
from engine.schema import ITEM, choice_names

_OPS = {"==": "为", "!=": "不为", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}
# units a label may end with, in brackets (「志愿服务时长（小时）」) or as its last words (「…月数」)
_UNITS = ("元", "万元", "小时", "件", "次", "周岁", "岁", "个月", "月", "天", "年", "人", "项", "分")
_COUNTED = ("次", "件", "项", "人")  # 「每次」, not 「每满1次」
_BRACKETED = re.compile(r"^(?P<name>.+?)[（(](?P<unit>[^（）()]+)[）)]$")
_SUFFIXES = (("月数", "个月"), ("次数", "次"), ("天数", "天"), ("年数", "年"), ("人数", "人"))


def name_and_unit(field: FactField | None, fallback: str = "") -> tuple[str, str]:
    """A fact's name and the unit its values count, from its label.

    >>> name_and_unit(FactField("m", "int", "在浙江省累计缴纳社会保险月数"))
    ('在浙江省累计缴纳社会保险', '个月')
    >>> name_and_unit(FactField("h", "number", "志愿服务时长（小时）"))
    ('志愿服务时长', '小时')
    """
    if field is None:
        return fallback, ""
    label = field.label
    bracketed = _BRACKETED.match(label)
    if bracketed and bracketed["unit"] in _UNITS:
        return bracketed["name"], bracketed["unit"]
    for suffix, unit in _SUFFIXES:
        if label.endswith(suffix) and len(label) > len(suffix):
            return label[: -len(suffix)], unit
    return label, ""


def value_text(value: Any, field: FactField | None, absent: str = "") -> str:
    """A fact's value as a person reads it: 是/否, an option by its Chinese label, a number without trailing zeros,
    a date as YYYY-MM-DD, a list joined with 、, and ``absent`` for none.

    >>> value_text([True, Decimal("0.50")], None), value_text(None, None, "—")
    ('是、0.5', '—')
    """
    if value is None:
        return absent
    if isinstance(value, list | tuple):
        return "、".join(value_text(v, field, absent) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return number_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if field is not None and field.type == "enum" and field.value_labels and value in field.values:
        return field.value_labels[field.values.index(value)]
    return str(value)


def _clause(cond: Clause, fields: Mapping[str, FactField]) -> str:
    field = fields.get(cond.field)
    label = field.label if field else cond.field
    if cond.op in ("exists", "not_exists"):
        return f"{'已' if cond.op == 'exists' else '未'}填写{label}"
    if cond.op in ("in", "not_in"):
        return _listing(cond, field, label)
    if field is not None and field.type == "bool" and cond.op in ("==", "!="):
        holds = (cond.value is True) == (cond.op == "==")
        return label if holds else f"无“{label}”情形"
    if cond.op in ("<", "<=", ">", ">=") and field is not None and field.type in ("int", "number"):
        return _bound(cond, field)
    op = _OPS[cond.op]
    value = value_text(cond.value, field)
    return f"{label}{op}{value}" if op in ("为", "不为") else f"{label} {op} {value}"


def _listing(cond: Clause, field: FactField | None, label: str) -> str:
    """「文化程度为大学本科、硕士研究生之一」, 「…不为…中任一」."""
    listing = "、".join(value_text(v, field) for v in cond.value)  # type: ignore[union-attr]
    return f"{label}为{listing}之一" if cond.op == "in" else f"{label}不为{listing}中任一"


def _bound(cond: Clause, field: FactField) -> str:
    """A number compared with a bound: 「年龄40周岁及以下」, 「…等级（1级最高，5级最低）为2及以下」."""
    name, unit = name_and_unit(field)
    shown = f"{value_text(cond.value, field)}{unit}"
    # 「年龄40周岁及以下」 reads, but a bare number after a name does not: 「…等级（1级最高，5级最低）为2及以下」
    be = "" if unit else "为"
    return {"<=": f"{name}{be}{shown}及以下", ">=": f"{name}{be}{shown}及以上", "<": f"{name}不满{shown}",
            ">": f"{name}超过{shown}"}[cond.op]  # fmt: skip


def _range(clauses: Sequence[Condition], fields: Mapping[str, FactField]) -> tuple[str, list[Condition]] | None:
    """``field >= a`` and ``field <= b`` in one ``all`` group → 「年龄为41至54周岁」 and the other conditions."""
    for low in clauses:
        if not (isinstance(low, Clause) and low.op == ">="):
            continue
        field = fields.get(low.field)
        if field is None or field.type not in ("int", "number"):
            continue
        high = next((c for c in clauses if isinstance(c, Clause) and c.field == low.field and c.op == "<="), None)
        if high is None:
            continue
        name, unit = name_and_unit(field)
        text = f"{name}为{value_text(low.value, field)}至{value_text(high.value, field)}{unit}"
        return text, [c for c in clauses if c is not low and c is not high]
    return None


def condition_sentence(cond: Condition, fields: Mapping[str, FactField], nested: bool = False) -> str:
    """``age <= 40`` → 「年龄40周岁及以下」; groups joined with 且/或, a range read as one.

    >>> condition_sentence(Clause("age", "<=", 40), {})
    'age ≤ 40'
    """
    if isinstance(cond, Clause):
        return _clause(cond, fields)
    parts: list[str] = []
    rest: list[Condition] = list(cond.conditions)
    if cond.mode == "all":
        found = _range(rest, fields)
        if found is not None:
            parts.append(found[0])
            rest = found[1]
    parts += [condition_sentence(c, fields, True) for c in rest]
    joined = ("且" if cond.mode == "all" else "或").join(parts)
    return f"（{joined}）" if nested and len(parts) > 1 else joined


def points_sentence(item: Item, fields: Mapping[str, FactField]) -> str:
    """The points rule in the workbook's terse form: 「得20分」, 「<字段名称>每满50得2分」, 「得（60 − 年龄）分」."""
    rule = item.points
    if isinstance(rule, Fixed):
        return f"得{number_text(rule.points)}分"
    field = fields.get(rule.field)
    name = field.label if field else rule.field
    if rule.offset != 0:
        return _offset(rule.offset, rule.rate, rule.unit, name)
    return f"{name}每满{number_text(rule.unit)}得{number_text(rule.rate)}分"


def _offset(offset: Decimal, rate: Decimal, unit: Decimal, name: str, verb: str = "得") -> str:
    sign = "−" if rate < 0 else "+"
    units = name if unit == 1 else f"{name}÷{number_text(unit)}（取整）"
    factor = "" if abs(rate) == 1 else f"{number_text(abs(rate))}×"
    return f"{verb}（{number_text(offset)} {sign} {factor}{units}）分"


def points_words(item: Item, fields: Mapping[str, FactField], deduct: bool = False) -> str:
    """The points rule for reading: 「得20分」, 「扣30分」, 「每满1个月得0.5分」, 「每次扣50分」."""
    rule = item.points
    if isinstance(rule, Fixed):
        return f"{'扣' if deduct else '得'}{number_text(rule.points)}分"
    field = fields.get(rule.field)
    name, unit = name_and_unit(field, rule.field)
    verb = "扣" if deduct else "得" if rule.rate >= 0 else "减"
    if rule.offset != 0:
        return _offset(rule.offset, rule.rate, rule.unit, name, "扣" if deduct else "得")
    rate = number_text(abs(rule.rate) if verb == "减" else rule.rate)
    if rule.unit == 1 and unit in _COUNTED:
        return f"{name}每{unit}{verb}{rate}分"
    return f"{name}每满{number_text(rule.unit)}{unit}{verb}{rate}分"


def item_sentence(
    item: Item, fields: Mapping[str, FactField], deduct: bool = False, siblings: Sequence[Item] = ()
) -> str:
    """The whole item: condition, points, cap, and the items of its exclusive group (``siblings``: its
    indicator's items)."""
    parts = []
    if item.when is not None:
        condition = condition_sentence(item.when, fields)
        parts.append(f"{'' if condition.startswith('当') else '当'}{condition}时，")
    parts.append(points_words(item, fields, deduct))
    if item.cap is not None:
        parts.append(f"，本项最多扣{number_text(item.cap)}分" if deduct else f"，本项最高{number_text(item.cap)}分")
    if item.group:
        others = [i.code for i in siblings if i.group == item.group and i.code != item.code]
        if others:
            parts.append(f"（与{'、'.join(others)}不累加，只取最高）")
        else:
            parts.append("（不累加组中只有这一项）")
    return "".join(parts)


def materials_sentence(item: Item) -> str | None:
    """What an applicant brings for an item, in words (None when the item lists nothing).

    >>> materials_sentence(Item("T6-2", "献血", Fixed(Decimal(2)), materials=("无偿献血证", "身份证")))
    '证明材料：无偿献血证；身份证'
    """
    if not item.materials:
        return None
    return f"{ITEM.field('materials').zh}：{'；'.join(item.materials)}"


def version_sentences(version: RulesetVersion) -> dict[str, str]:
    """Every item of a version as its sentence, by item code (deductions read 「扣」, groups name their items)."""
    deducting = {c.code for c in version.categories if c.kind == "deduct"}
    return {
        item.code: item_sentence(item, version.catalogue, ind.category in deducting, ind.items)
        for ind in version.indicators
        for item in ind.items
    }


# -- the other parts of a version, for reading a comparison ---------------------------------------------------------

_TYPE_WORDS = choice_names("fact", "type")
_DERIVATIONS = {"full_years": "周岁"}


def fact_sentence(field: FactField, fields: Mapping[str, FactField]) -> str:
    """What a fact holds, options by their Chinese names: 「选项：自有产权住房、单位集体宿舍，选填」.

    >>> fact_sentence(FactField("n", "int", "发明专利（件）", min=Decimal(0)), {})
    '整数，不小于0，选填'
    """
    if field.derived is not None:
        source, at = (fields[n].label if n in fields else n for n in (field.derived.source, field.derived.at))
        how = _DERIVATIONS.get(field.derived.function, field.derived.function)
        return f"由{source}和{at}按{how}计算，不可直接填写"
    parts = [_TYPE_WORDS.get(field.type, field.type)]
    if field.type == "enum":
        names = field.value_labels if len(field.value_labels) == len(field.values) else field.values
        parts[0] += "：" + "、".join(names)
    low, high = (number_text(v) if v is not None else None for v in (field.min, field.max))
    if low is not None and high is not None:
        parts.append(f"{low}至{high}")
    elif low is not None:
        parts.append(f"不小于{low}")
    elif high is not None:
        parts.append(f"不大于{high}")
    parts.append("必填" if field.required else "选填")
    return "，".join(parts)


def requirement_sentence(requirement: Requirement, fields: Mapping[str, FactField]) -> str:
    """An eligibility requirement: 「须持有有效居住证，否则不具备申请资格」."""
    return f"须{condition_sentence(requirement.when, fields)}，否则不具备申请资格"


def category_sentence(category: Category) -> str:
    """「加分，本类最高150分」, 「扣分，不设上限」."""
    kind = "扣分" if category.kind == "deduct" else "加分"
    cap = f"本类最高{number_text(category.cap)}分" if category.cap is not None else "不设上限"
    return f"{kind}，{cap}"


def indicator_sentence(indicator: Indicator, categories: Mapping[str, Category]) -> str:
    """「属于本市基础分指标，本指标最高60分」."""
    category = categories.get(indicator.category)
    where = f"属于{category.name}" if category is not None else f"属于类别{indicator.category}"
    cap = f"本指标最高{number_text(indicator.cap)}分" if indicator.cap is not None else "不设上限"
    return f"{where}，{cap}"


def facts_sentence(facts: Mapping[str, object], fields: Mapping[str, FactField]) -> str:
    """An applicant's facts by their labels, in the catalogue's order: 「出生日期 1990-05-01，在本市的住所 其他」."""
    order = [name for name in fields if name in facts] + sorted(name for name in facts if name not in fields)
    parts = []
    for name in order:
        field = fields.get(name)
        parts.append(f"{field.label if field else name} {value_text(facts[name], field)}")
    return "，".join(parts) or "（无）"


def expected_sentence(expected: Expected, version: RulesetVersion) -> str:
    """A test case's expectation in words: 「具备申请资格；总分 205.5；类别 省级共性指标 100、…；指标项 P1 年龄 20、…」."""
    categories = {c.code: c.name for c in version.categories}
    indicators = {i.code: f"{i.code} {i.name}" for i in version.indicators}
    parts = []
    if expected.eligible is not None:
        parts.append("具备申请资格" if expected.eligible else "不具备申请资格")
    if expected.total is not None:
        parts.append(f"总分 {number_text(expected.total)}")
    for title, values, names in (
        ("类别", expected.categories, categories),
        ("指标项", expected.indicators, indicators),
    ):
        # in the version's order, whatever the order the case was written in
        order = [k for k in names if k in values] + sorted(k for k in values if k not in names)
        if order:
            parts.append(title + " " + "、".join(f"{names.get(k, k)} {number_text(values[k])}" for k in order))
    return "；".join(parts) or "（无）"
