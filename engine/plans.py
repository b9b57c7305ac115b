"""The plan of each part of a version's explanation: an item, an indicator, a category.

Each holds what its part of every answer under the version reads the same (its entry when nothing fired, as a
shared read-only dict and as JSON bytes; the fixed parts of its entry when it fires) and works out, per
application, the part that does not: an item's points from its fact, an indicator's from its items under its
exclusive groups (本项不累加) and cap. ``engine.explain.Plan`` puts the parts together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from engine.frozen import FrozenList, shared
from engine.model import Category, FactValue, Fixed, Indicator, Item
from engine.result import IndicatorResult, ItemResult, dumps_bytes, number_json

ZERO = Decimal(0)
# A fired item's outcome: [raw, points, the code of the item of its group that counted instead (None: it counted),
# its own code] and, for an item outside any group (never changed), its JSON
ItemState = list[Any]
# How many outcomes the indicators of one version remember together (``IndicatorPlan.remembered``); ~4 KB each.
# The 2026 sample's indicators had 1,566 distinct ones among 40,000 synthetic applications.
REMEMBERED = 4096
# How many entries a per-unit item outside any group remembers (~0.5 KB each)
ITEM_REMEMBERED = 1024


class Budget:
    """What is left of the outcomes the indicators of one version may still remember (shared by them)."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = REMEMBERED


class Remembered(NamedTuple):
    """An indicator's outcome as every result that has it shows it: read-only entry, JSON, points."""

    entry: IndicatorResult
    json: bytes
    points: Decimal


# An indicator's outcome: None when none of its items fired, else (its items' states, raw, points) or, for one
# that remembers its outcomes, what it remembered
IndicatorState = tuple[list[ItemState | None], Decimal, Decimal] | Remembered | None


def text_json(value: str) -> bytes:
    return orjson.dumps(value)


def _cap(cap: Decimal | None) -> bytes:
    return b"null" if cap is None else number_json(cap)


@dataclass(frozen=True, slots=True)
class ItemPlan:
    rule: str
    code: str
    fixed: Decimal | None  # a fixed item's points before its cap (None: per unit)
    field: str
    rate: Decimal
    unit: Decimal
    offset: Decimal
    whole_units: bool  # unit is 1: an int value is its own count of units
    cap: Decimal | None
    group: str | None
    idle: ItemResult  # the (read-only) entry when it did not fire, shared by every result
    idle_json: bytes
    fired: ItemResult  # the entry when it fired, raw and points filled in per application
    counted: ItemResult | None  # a fixed item outside any group: the (read-only) entry whenever it fires
    fixed_points: Decimal | None  # a fixed item's points after its cap
    head_json: bytes  # '{"code":…,"label":…,"fired":true,"raw":'
    cap_json: bytes  # ',"cap":…,"points":'
    by_units: dict[int, tuple[ItemResult, ItemState]] | None  # a per-unit item outside any group: its (read-only)
    # entries and states with their JSON, remembered by the units counted
    counted_state: ItemState | None  # a fixed item outside any group: its state with its JSON, whenever it fires

    @classmethod
    def of(cls, rule: str, item: Item) -> ItemPlan:
        code, label, cap = item.code, item.label, item.cap
        idle: ItemResult = {
            "code": code, "label": label, "fired": False, "raw": ZERO, "cap": cap, "points": ZERO, "counted": False,
        }  # fmt: skip
        fired: ItemResult = {**idle, "fired": True, "counted": True}
        head = b'{"code":' + text_json(code) + b',"label":' + text_json(label) + b',"fired":true,"raw":'
        cap_json = b',"cap":' + _cap(cap) + b',"points":'
        pts = item.points
        if isinstance(pts, Fixed):
            points = pts.points if cap is None or pts.points <= cap else cap
            whenever: ItemResult = {**fired, "raw": pts.points, "points": points}
            counted = None if item.group else shared(whenever)
            return cls(rule, code, pts.points, "", ZERO, Decimal(1), ZERO, True, cap, item.group, shared(idle),
                       dumps_bytes(idle), fired, counted, points, head, cap_json, None,
                       None if item.group else [pts.points, points, None, code, dumps_bytes(whenever)])  # fmt: skip
        return cls(rule, code, None, pts.field, pts.rate, pts.unit, pts.offset, pts.unit == 1, cap, item.group,
                   shared(idle), dumps_bytes(idle), fired, None, None, head, cap_json,
                   None if item.group else {}, None)  # fmt: skip

    def counting(self, units: int) -> tuple[ItemResult, ItemState]:
        """The (read-only) entry and the state of the fired per-unit item outside any group for ``units``."""
        entry: ItemResult = self.fired.copy()
        raw, points = entry["raw"], entry["points"] = self.amount(units)
        counted = (shared(entry), [raw, points, None, self.code, self.json([raw, points, None, self.code])])
        if self.by_units is not None and len(self.by_units) < ITEM_REMEMBERED:
            self.by_units[units] = counted
        return counted

    def units(self, typed: Mapping[str, FactValue]) -> int:
        """The full units of its field's value that a per-unit item counts."""
        value = typed[self.field]
        return value if self.whole_units and type(value) is int else math.floor(Decimal(value) / self.unit)  # type: ignore[arg-type]

    def points(self, typed: Mapping[str, FactValue]) -> tuple[Decimal, Decimal]:
        """(raw, points after the item cap) of the item once fired."""
        if self.fixed is not None:
            return self.fixed, self.fixed_points  # type: ignore[return-value]
        return self.amount(self.units(typed))

    def amount(self, units: int) -> tuple[Decimal, Decimal]:
        """(raw, points after the item cap) of the per-unit item counting ``units``."""
        # offset + rate × floor(value / unit), never below zero (deductions have their own category)
        raw = self.rate * units
        if self.offset:
            raw += self.offset
        if raw < ZERO:
            raw = ZERO
        cap = self.cap
        return raw, raw if cap is None or raw <= cap else cap

    def json(self, state: ItemState | None) -> bytes:
        if state is None:
            return self.idle_json
        if len(state) == 5:  # written once
            return state[4]  # type: ignore[no-any-return]
        tail = (
            b',"counted":true}' if state[2] is None else b',"counted":false,"excluded_by":' + text_json(state[2]) + b"}"
        )
        return self.head_json + number_json(state[0]) + self.cap_json + number_json(state[1]) + tail


@dataclass(frozen=True, slots=True)
class IndicatorPlan:
    category: int  # the index of its category
    cap: Decimal | None
    items: tuple[ItemPlan, ...]
    rules: frozenset[str]
    idle: IndicatorResult  # the entry without its items: copied and filled in when one of its items fired
    idle_json: bytes  # the whole entry, items included, when none of its items fired
    idle_entry: IndicatorResult  # the same as a (read-only) dict, shared by every result
    head_json: bytes  # '{"code":…,"name":…,"category":…,"raw":'
    cap_json: bytes  # ',"cap":…,"points":'
    tail_json: bytes  # ',"departments":[…],"reference":…,"items":['
    # outcomes remembered by the items that fired and the units the one per-unit item counted (if any): only for
    # indicators with at most one per-unit item, whose outcomes are few (None: the others)
    memo: dict[Any, Remembered] | None
    per_unit: ItemPlan | None
    budget: Budget

    @classmethod
    def of(cls, ind: Indicator, category: int, items: list[ItemPlan], budget: Budget) -> IndicatorPlan:
        # departments is a tuple: shared by every result, never changed; items are filled in per result
        idle: IndicatorResult = {
            "code": ind.code, "name": ind.name, "category": ind.category, "raw": ZERO, "cap": ind.cap, "points": ZERO,
            "departments": ind.departments, "reference": ind.reference, "items": [],
        }  # fmt: skip
        whole: IndicatorResult = {**idle, "items": FrozenList(p.idle for p in items)}
        idle_entry = shared(whole)
        per_unit = [p for p in items if p.fixed is None]
        head = b'{"code":' + text_json(ind.code) + b',"name":' + text_json(ind.name) + b',"category":'
        head += text_json(ind.category) + b',"raw":'
        tail = b',"departments":' + dumps_bytes(ind.departments) + b',"reference":' + text_json(ind.reference)
        return cls(category, ind.cap, tuple(items), frozenset(p.rule for p in items), idle,
                   dumps_bytes(idle_entry), idle_entry, head,
                   b',"cap":' + _cap(ind.cap) + b',"points":', tail + b',"items":[',
                   {} if len(per_unit) <= 1 else None, per_unit[0] if len(per_unit) == 1 else None, budget)  # fmt: skip

    def outcome(
        self, typed: Mapping[str, FactValue], fired: set[str]
    ) -> tuple[list[ItemState | None], Decimal, Decimal]:
        """Each item's state and the indicator's raw sum and points, when one of its items fired."""
        states: list[ItemState | None] = []
        best: dict[str, ItemState] = {}
        raw = ZERO
        for plan in self.items:
            if plan.rule not in fired:
                states.append(None)
                continue
            if plan.counted_state is not None:
                states.append(plan.counted_state)
                raw += plan.counted_state[1]
                continue
            if plan.by_units is not None:
                units = plan.units(typed)
                state = (plan.by_units.get(units) or plan.counting(units))[1]
                states.append(state)
                raw += state[1]
                continue
            item_raw, points = plan.points(typed)
            state = [item_raw, points, None, plan.code]
            states.append(state)
            if plan.group is not None:
                held = best.get(plan.group)
                if held is not None:
                    # 本项不累加: only the highest item of the group counts (the first one on a tie)
                    if points <= held[1]:
                        state[2] = held[3]
                        continue
                    held[2] = plan.code
                    raw -= held[1]
                best[plan.group] = state
            raw += points
        cap = self.cap
        return states, raw, raw if cap is None or raw <= cap else cap

    def points(self, typed: Mapping[str, FactValue], fired: set[str]) -> Decimal:
        """The indicator's points alone (``outcome``'s third part): each fired item's points, of an exclusive group
        only the highest, then the indicator cap."""
        raw = ZERO
        best: dict[str, Decimal] | None = None
        for plan in self.items:
            if plan.rule in fired:
                points = plan.fixed_points if plan.fixed_points is not None else plan.points(typed)[1]
                if plan.group is None:
                    raw += points
                    continue
                if best is None:
                    best = {}
                held = best.get(plan.group)
                if held is None or points > held:
                    best[plan.group] = points
        if best:
            raw += sum(best.values())
        cap = self.cap
        return raw if cap is None or raw <= cap else cap

    def remembered(self, typed: Mapping[str, FactValue], fired: set[str]) -> Remembered:
        """The outcome when one of its items fired, remembered by what decides it: which items fired and the value
        per-unit item counted."""
        assert self.memo is not None
        hit = self.rules & fired
        key = hit if self.per_unit is None else (hit, self.per_unit.units(typed) if self.per_unit.rule in hit else None)
        found = self.memo.get(key)
        if found is None:
            state = self.outcome(typed, fired)
            items, raw = explain_items(self, typed, fired)
            entry: IndicatorResult = {
                **self.idle,
                "raw": raw,
                "points": state[2],
                "items": FrozenList(map(shared, items)),
            }
            found = Remembered(shared(entry), self.json(state), state[2])
            if self.budget.left > 0:  # two threads may both take the last place: one entry more, no harm
                self.budget.left -= 1
                self.memo[key] = found
        return found

    def json(self, state: IndicatorState) -> bytes:
        if state is None:
            return self.idle_json
        if isinstance(state, Remembered):
            return state.json
        items = b",".join([plan.json(s) for plan, s in zip(self.items, state[0])])
        return (
            self.head_json
            + number_json(state[1])
            + self.cap_json
            + number_json(state[2])
            + self.tail_json
            + items
            + b"]}"
        )


def explain_items(
    ind: IndicatorPlan, typed: Mapping[str, FactValue], fired: set[str]
) -> tuple[list[ItemResult], Decimal]:
    """Each item of an indicator with its points and whether it counted, and the indicator's raw sum."""
    items_out: list[ItemResult] = []
    append = items_out.append
    best: dict[str, ItemResult] = {}
    raw = ZERO
    for plan in ind.items:
        if plan.rule not in fired:
            append(plan.idle)
            continue
        if plan.counted is not None:  # the same in every result, never excluded: no group
            append(plan.counted)
            raw += plan.counted["points"]
            continue
        if plan.by_units is not None:  # per unit, no group: the same for the same count of units
            units = plan.units(typed)
            entry = (plan.by_units.get(units) or plan.counting(units))[0]
            append(entry)
            raw += entry["points"]
            continue
        entry = plan.fired.copy()
        entry["raw"], points = plan.points(typed)
        entry["points"] = points
        append(entry)
        if plan.group is not None:
            held = best.get(plan.group)
            if held is not None:
                # 本项不累加: only the highest item of the group counts (the first one on a tie)
                if points <= held["points"]:
                    entry["counted"] = False
                    entry["excluded_by"] = held["code"]
                    continue
                held["counted"] = False
                held["excluded_by"] = entry["code"]
                raw -= held["points"]
            best[plan.group] = entry
        raw += points
    return items_out, raw


@dataclass(frozen=True, slots=True)
class CategoryPlan:
    code: str
    name: str
    kind: Any  # Literal["add", "deduct"], as CategoryResult has it
    cap: Decimal | None
    adds: bool
    head_json: bytes
    cap_json: bytes

    @classmethod
    def of(cls, cat: Category) -> CategoryPlan:
        head = b'{"code":' + text_json(cat.code) + b',"name":' + text_json(cat.name) + b',"kind":' + text_json(cat.kind)
        return cls(cat.code, cat.name, cat.kind, cat.cap, cat.kind == "add", head + b',"raw":',
                   b',"cap":' + _cap(cat.cap) + b',"points":')  # fmt: skip
