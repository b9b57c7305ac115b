"""Three-way merge of a version's documents, part by part: a workbook's changes (*mine*, from the content it was
exported with, the *base*) over a draft that someone saved since (*theirs*).

A part is what one of the console's forms edits: a line of the version's information, a category, a requirement,
a fact, an indicator (without its items), an item, a test case. A part only one side changed takes that side's
change; a part both changed alike is fine; a part both changed differently is a *conflict*, never decided here.
Order follows theirs, unless only the workbook moved rows; entries one side added keep their place after the entry
they followed there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# document key → (kind of part, the key naming an entry)
LISTS = {"categories": ("category", "code"), "eligibility": ("requirement", "code"), "facts": ("fact", "name"),
         "indicators": ("indicator", "code"), "cases": ("case", "name")}  # fmt: skip
ITEMS = ("item", "code")
_ABSENT: Any = object()

Clash = tuple[str, str]  # (kind of part, its code or name; a line of the version's information: ("meta", key))


def _three(base: Any, mine: Any, theirs: Any) -> tuple[Any, bool]:
    """One part three ways: the merged value (``_ABSENT``: removed), and whether both sides changed it apart."""
    if mine == base:
        return theirs, False
    if theirs == base or mine == theirs:
        return mine, False
    return theirs, True


def _order(primary: Sequence[str], secondary: Sequence[str]) -> list[str]:
    """``primary``'s keys, with those only ``secondary`` has placed after the key they follow there."""
    order = list(primary)
    for n, key in enumerate(secondary):
        if key in order:
            continue
        before = next((k for k in reversed(secondary[:n]) if k in order), None)
        order.insert(order.index(before) + 1 if before is not None else 0, key)
    return order


def _keyed(entries: Any, key: str) -> dict[str, Any]:
    return {str(e.get(key)): e for e in entries if isinstance(e, dict)} if isinstance(entries, list) else {}


def _merge_list(base: Any, mine: Any, theirs: Any, kind: str, key: str, conflicts: list[Clash]) -> list[Any]:
    b, m, t = _keyed(base, key), _keyed(mine, key), _keyed(theirs, key)
    kept_order = [k for k in t if k in b] == [k for k in b if k in t]
    order = _order(list(m), list(t)) if kept_order else _order(list(t), list(m))
    out = []
    for name in order:
        sides = (b.get(name, _ABSENT), m.get(name, _ABSENT), t.get(name, _ABSENT))
        if kind == "indicator" and _ABSENT not in sides:
            value = _merge_indicator(*sides, conflicts)
        else:
            value, clash = _three(*sides)
            if clash:
                conflicts.append((kind, name))
        if value is not _ABSENT:
            out.append(value)
    return out


def _merge_indicator(base: Any, mine: Any, theirs: Any, conflicts: list[Clash]) -> Any:
    """An indicator present on all sides: its own fields as one part, its items each as a part."""
    head = [{k: v for k, v in side.items() if k != "items"} for side in (base, mine, theirs)]
    merged, clash = _three(*head)
    if clash:
        conflicts.append(("indicator", str(theirs.get("code"))))
    items = _merge_list(base.get("items"), mine.get("items"), theirs.get("items"), *ITEMS, conflicts)
    return {**merged, "items": items}


def merge(base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]) -> tuple[dict[str, Any], list[Clash]]:
    """The merged document and the parts both sides changed apart (where theirs is kept).

    >>> merge({"title": "a", "sample": False}, {"title": "b", "sample": False}, {"title": "a", "sample": True})
    ({'title': 'b', 'sample': True}, [])
    >>> merge({"title": "a"}, {"title": "b"}, {"title": "c"})[1]
    [('meta', 'title')]
    """
    conflicts: list[Clash] = []
    out: dict[str, Any] = {}
    for key in _order(list(theirs), list(mine)):
        sides = (base.get(key, _ABSENT), mine.get(key, _ABSENT), theirs.get(key, _ABSENT))
        if key in LISTS:
            out[key] = _merge_list(*sides, *LISTS[key], conflicts)
            continue
        value, clash = _three(*sides)
        if clash:
            conflicts.append(("meta", key))
        if value is not _ABSENT:
            out[key] = value
    return out, conflicts
