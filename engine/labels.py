"""Whether an item's label says what its rule does: the points, caps and bounds a label states, read conservatively.

A label is the sentence people read (「获得实用新型专利，每件得4分」); the rule is what the engine scores. When the
label states a number next to 分, 周岁, 个月, 元, 件, 次 or 小时 that the rule contradicts, the standard says one thing
and scores another. Only plain statements are read — 「每件得4分」, 「每满50小时得2分」, 「最高12分」, 「得20分」,
「41至54周岁」, 「40周岁及以下」, 「60周岁以上」, 「满12个月」 — and a bound only when the item's condition bounds exactly
one number fact measured in that unit; anything else is left alone rather than guessed at.

>>> [s.kind for s in statements("获得实用新型专利，每件得4分，最高12分")]
['rate', 'cap']
>>> statements("年龄41至54周岁")[0].bounds
(Decimal('41'), True, Decimal('54'), True)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal

from engine.canonical import number_text
from engine.describe import name_and_unit, points_words
from engine.findings import Chinese, Finding
from engine.model import Clause, Condition, FactField, Fixed, Indicator, Item, PerUnit, RulesetVersion

_N = r"(\d+(?:\.\d+)?)"
_MEASURES = "周岁|个月|小时|元|件|次"
_COUNTED = "件|次|项|人|个"
_RATE = re.compile(rf"每(?:满?{_N}({_MEASURES})?|({_COUNTED}))(得|加|扣|减){_N}分")
_CAP = re.compile(rf"(?:最高|最多|上限|封顶|不超过)(?:为|得|计|可得|扣|加)?{_N}分")
_POINTS = re.compile(rf"(?<!每)(得|加|扣|减|计){_N}分")
_RANGE = re.compile(rf"{_N}({_MEASURES})?(?:至|到|～|~|－|-|—){_N}({_MEASURES})")
_UPPER = re.compile(rf"(不满|未满|不超过|不足)?{_N}({_MEASURES})(及以下|以下（含）|以下\(含\)|以下|以内|及以内)?")
_LOWER_WORDS = re.compile(rf"((?<![不未每])满|(?<!不)超过|不少于|不低于){_N}({_MEASURES})")
_LOWER_AFTER = re.compile(rf"{_N}({_MEASURES})(及以上|以上（含）|以上\(含\)|以上)")

# An open end: (low, low inclusive, high, high inclusive); None where the statement sets no bound.
Bounds = tuple[Decimal | None, bool, Decimal | None, bool]


@dataclass(frozen=True, slots=True)
class Statement:
    """One thing a label states: ``rate`` (points per ``unit``), ``cap``, ``points`` (fixed) or ``bounds``."""

    kind: str
    text: str  # the words of the label that state it
    number: Decimal = Decimal(0)
    unit: Decimal = Decimal(1)
    measure: str = ""
    bounds: Bounds = (None, True, None, True)
    loose: bool = False  # 以上/以下 without 及 or 含: the bound may be meant inclusive or exclusive


def statements(label: str) -> list[Statement]:
    """What a label states, each once: rates and caps first, their words then left out of the rest."""
    text = unicodedata.normalize("NFKC", label).replace(" ", "")
    found: list[Statement] = []
    for m in _RATE.finditer(text):
        unit = Decimal(m[1]) if m[1] else Decimal(1)
        found.append(Statement("rate", m[0], Decimal(m[5]), unit, m[2] or m[3] or ""))
    text = _RATE.sub("，", text)
    found += [Statement("cap", m[0], Decimal(m[1])) for m in _CAP.finditer(text)]
    text = _CAP.sub("，", text)
    found += [Statement("points", m[0], Decimal(m[2])) for m in _POINTS.finditer(text)]
    text = _POINTS.sub("，", text)
    found += list(_bounds(text))
    return found


def _bounds(text: str) -> Iterator[Statement]:
    for m in _RANGE.finditer(text):
        if m[2] is None or m[2] == m[4]:
            yield Statement("bounds", m[0], measure=m[4], bounds=(Decimal(m[1]), True, Decimal(m[3]), True))
    text = _RANGE.sub("，", text)
    for m in _LOWER_WORDS.finditer(text):
        yield Statement("bounds", m[0], measure=m[3], bounds=(Decimal(m[2]), m[1] != "超过", None, True))
    text = _LOWER_WORDS.sub("，", text)
    for m in _LOWER_AFTER.finditer(text):
        yield Statement("bounds", m[0], measure=m[2], bounds=(Decimal(m[1]), True, None, True), loose=m[3] == "以上")
    text = _LOWER_AFTER.sub("，", text)
    for m in _UPPER.finditer(text):
        if m[1] is None and m[4] is None:
            continue  # a bare 「3次」 states a count, not a bound
        inclusive = m[1] == "不超过" or (m[1] is None and m[4] != "以下")
        yield Statement("bounds", m[0], measure=m[3], bounds=(None, True, Decimal(m[2]), inclusive),
                        loose=m[4] == "以下")  # fmt: skip


# -- against the rule --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A statement the rule contradicts: the label's words and what the rule does, in Chinese and in the file's
    terms."""

    stated: str
    actual_zh: str
    actual_en: str
    fields: tuple[str, ...] = ()


def mismatches(item: Item, ind: Indicator, catalogue: Mapping[str, FactField], deduct: bool) -> Iterator[Mismatch]:
    """Each statement of the item's label that its rule contradicts."""
    for s in statements(item.label):
        if s.kind == "rate":
            yield from _rate(s, item, catalogue, deduct)
        elif s.kind == "cap":
            yield from _cap(s, item, ind)
        elif s.kind == "points" and isinstance(item.points, Fixed) and item.points.points != s.number:
            yield Mismatch(s.text, points_words(item, catalogue, deduct), f"fixed {number_text(item.points.points)}")
        elif s.kind == "bounds":
            yield from _bound(s, item, catalogue)


def _rate(s: Statement, item: Item, catalogue: Mapping[str, FactField], deduct: bool) -> Iterator[Mismatch]:
    rule = item.points
    if isinstance(rule, PerUnit) and rule.offset != 0:
        return  # a count down from a base (「得（60－年龄）分」) is not a plain rate
    if isinstance(rule, PerUnit) and abs(rule.rate) == s.number and rule.unit == s.unit:
        return
    english = (f"{number_text(rule.rate)} per {number_text(rule.unit)} of {rule.field}" if isinstance(rule, PerUnit)
               else f"fixed {number_text(rule.points)}")  # fmt: skip
    yield Mismatch(s.text, points_words(item, catalogue, deduct), english)


def _cap(s: Statement, item: Item, ind: Indicator) -> Iterator[Mismatch]:
    cap = item.cap
    if cap is None and isinstance(item.points, PerUnit):
        cap = ind.cap  # 「每件得10分，最高20分」 may state the indicator's cap
    if cap is None and isinstance(item.points, Fixed):
        cap = item.points.points
    if cap == s.number:
        return
    if cap is None:
        yield Mismatch(s.text, "本项不设上限", "no cap")
    else:
        yield Mismatch(s.text, f"最高{number_text(cap)}分", f"cap {number_text(cap)}")


def _bound(s: Statement, item: Item, catalogue: Mapping[str, FactField]) -> Iterator[Mismatch]:
    found = _condition_bounds(item.when, catalogue)
    if found is None or len(found) != 1:
        return
    ((name, (low, high)),) = found.items()
    field = catalogue[name]
    if not _measures(field, s.measure):
        return
    integer = field.type == "int"
    s_low, s_low_in, s_high, s_high_in = s.bounds
    fine = _agrees(s_low, s_low_in, low, integer, s.loose, +1) and _agrees(s_high, s_high_in, high, integer,
                                                                             s.loose, -1)  # fmt: skip
    if not fine:
        yield Mismatch(s.text, f"条件为{name_and_unit(field)[0]}{_interval(low, high, s.measure)}",
                       f"{name} {_interval(low, high, '')}", (name,))  # fmt: skip


def _measures(field: FactField, measure: str) -> bool:
    """Whether a fact is counted in the unit a label names (周岁 is a derived age; 个月 a count of months…)."""
    unit = name_and_unit(field)[1]
    if measure == "周岁":
        return unit in ("周岁", "岁") or (field.derived is not None and field.derived.function == "full_years")
    return unit == measure or (measure == "个月" and unit == "月")


def _agrees(stated: Decimal | None, inclusive: bool, actual: Decimal | None, integer: bool, loose: bool,
            step: int) -> bool:  # fmt: skip
    """Whether a stated end (``step`` +1 for a low end, -1 for a high one) is the condition's inclusive end."""
    if stated is None:
        return True
    if actual is None:
        return False
    if not integer:
        return actual == stated  # a number fact: an open or a closed end is not told apart here
    meant = {stated, stated + step} if loose else {stated if inclusive else stated + step}
    return actual in meant


def _interval(low: Decimal | None, high: Decimal | None, measure: str) -> str:
    lo, hi = (number_text(v) if v is not None else None for v in (low, high))
    if lo is not None and hi is not None:
        return f"{lo}至{hi}{measure}" if measure else f"{lo}–{hi}"
    if lo is not None:
        return f"{lo}{measure}及以上" if measure else f">= {lo}"
    return f"{hi}{measure}及以下" if measure else f"<= {hi}"


def _condition_bounds(
    cond: Condition | None, catalogue: Mapping[str, FactField]
) -> dict[str, tuple[Decimal | None, Decimal | None]] | None:
    """The inclusive bounds the condition sets on each number fact, read where every clause must hold (an
    ``all`` group or a single clause); None when a number fact is bounded inside an ``any`` group."""
    if cond is None:
        return {}
    if isinstance(cond, Clause):
        return _clause_bounds(cond, catalogue)
    if cond.mode == "any" and len(cond.conditions) > 1:
        return None if any(_numeric(c, catalogue) for c in cond.conditions) else {}
    out: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for child in cond.conditions:
        nested = _condition_bounds(child, catalogue)
        if nested is None:
            return None
        for name, (lo, hi) in nested.items():
            out[name] = _meet(out.get(name, (None, None)), lo, hi)
    return out


def _clause_bounds(c: Clause, catalogue: Mapping[str, FactField]) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """``age >= 41`` → ``{"age": (41, None)}``; an open end of an int fact made inclusive (``> 60`` → 61)."""
    if not _numeric(c, catalogue) or c.op not in ("<", "<=", ">", ">=", "=="):
        return {}
    value = Decimal(str(c.value))
    step = 1 if catalogue[c.field].type == "int" else 0
    lo = value + step if c.op == ">" else value if c.op in (">=", "==") else None
    hi = value - step if c.op == "<" else value if c.op in ("<=", "==") else None
    return {c.field: (lo, hi)}


def _meet(held: tuple[Decimal | None, Decimal | None], lo: Decimal | None,
          hi: Decimal | None) -> tuple[Decimal | None, Decimal | None]:  # fmt: skip
    low = lo if held[0] is None else held[0] if lo is None else max(held[0], lo)
    high = hi if held[1] is None else held[1] if hi is None else min(held[1], hi)
    return low, high


def _numeric(cond: Condition, catalogue: Mapping[str, FactField]) -> bool:
    if isinstance(cond, Clause):
        field = catalogue.get(cond.field)
        return field is not None and field.type in ("int", "number") and cond.op not in ("exists", "not_exists")
    return any(_numeric(c, catalogue) for c in cond.conditions)


def label_findings(version: RulesetVersion, zh: Chinese) -> Iterator[Finding]:
    """One finding per item whose label states what its rule does not do."""
    deducting = {c.code for c in version.categories if c.kind == "deduct"}
    for ind in version.indicators:
        for item in ind.items:
            found = list(mismatches(item, ind, version.catalogue, ind.category in deducting))
            if not found:
                continue
            stated = "、".join(f"“{m.stated}”" for m in found)
            fields = tuple(dict.fromkeys(name for m in found for name in m.fields))
            params = {"indicator": ind.code, "item": item.code, "stated": stated,
                      "actual": "; ".join(m.actual_en for m in found)}  # fmt: skip
            words = {"indicator": zh.indicator(ind.code), "actual": "；".join(m.actual_zh for m in found)}
            yield Finding("label_mismatch", ind.code, (item.code,), fields, params, zh=words)
