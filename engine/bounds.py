"""What a version can score, as the measures set it: 总分300分 (省级共性积分最高100分，本市个性积分最高200分).

The loader holds a document to these rules, so that a draft breaking them cannot be saved:

- the caps of the adding categories sum to at most :data:`POLICY_TOTAL`;
- points are never negative in an adding category, and deductions are written as positive amounts in a deducting
  one (a per-unit rate may be negative only to count down from a positive base, as in 「得（60－年龄）分」);
- a test case expects no more than the version can give (:func:`most_total`).

>>> from engine.model import Category
>>> most_total((Category("p", "省级", "add", Decimal(100)), Category("d", "减分", "deduct")))
Decimal('100')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from engine.model import Category
from engine.reader import Reader, join
from engine.schema import ITEM

POLICY_TOTAL = Decimal(300)  # 办法第三条：总分300分

# the problem of a negative amount, by the kind of its category
_NEGATIVE = {"add": "negative_in_add", "deduct": "negative_in_deduct"}


def most_total(categories: Iterable[Category]) -> Decimal:
    """The most an applicant can score: the sum of the adding categories' caps, at most 300 (300 when one has none)."""
    caps = [c.cap for c in categories if c.kind == "add"]
    if not caps or any(cap is None for cap in caps):
        return POLICY_TOTAL
    return min(sum((cap for cap in caps if cap is not None), Decimal(0)), POLICY_TOTAL)


def check_caps(r: Reader, categories: Iterable[Category], paths: Mapping[str, str]) -> None:
    """The adding categories' caps summing over 300: a problem at the cap that takes the sum over."""
    total = Decimal(0)
    over: str | None = None
    for category in categories:
        if category.kind == "add" and category.cap is not None:
            total += category.cap
            if total > POLICY_TOTAL and over is None:
                over = paths[category.code]
    if over is not None:
        r.add(join(over, "cap"), "caps_over_total", total=total, limit=POLICY_TOTAL)


def read_fixed(r: Reader, node: Any, path: str, kind: str | None) -> Decimal | None:
    """An item's fixed points; a negative amount named for what its category does (adds or deducts), anything else
    outside the points' range or form as any number (``-1e309``: out of range)."""
    if (
        kind in _NEGATIVE
        and isinstance(node, (int, float))
        and not isinstance(node, bool)
        and -int(POLICY_TOTAL) <= node < 0
    ):
        r.add(path, _NEGATIVE[kind], got=node)
        return None
    value: Decimal | None = r.field(node, path, ITEM.field("fixed"))
    return value


def check_per_unit(r: Reader, rate: Decimal, offset: Decimal, path: str, kind: str | None) -> bool:
    """Whether a per-unit rule's amounts have the sign its category needs (the problems are recorded)."""
    if kind not in _NEGATIVE:
        return True
    ok = True
    if rate < 0 and offset <= 0:  # below zero from the first unit on: the engine would count it as 0
        r.add(join(path, "rate"), _NEGATIVE[kind], got=rate)
        ok = False
    if offset < 0:
        r.add(join(path, "offset"), _NEGATIVE[kind], got=offset)
        ok = False
    return ok
