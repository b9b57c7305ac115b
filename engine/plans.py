"""The plan of each part of a version's explanation: an item, an indicator, a category.

Each holds what its part of every answer under the version reads the same (its entry when nothing fired, as a
shared read-only dict and as JSON bytes; the fixed parts of its entry when it fires) and works out, per
application, the part that does not: an item's points from its fact, an indicator's from its items under its
exclusive groups (本项不累加) and cap. ``engine.explain.Plan`` puts the parts together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from engine.canonical import written_decimal
from engine.facts import Checked
from engine.frozen import FrozenList, shared
from engine.model import Category, Fixed, Indicator, Item
from engine.result import IndicatorResult, ItemResult, dumps_bytes, number_json

ZERO = Decimal(0)
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


# A fired item's state: [raw, points, excluded_by, json, entry]: its raw points, its points after its cap, the code of the
# item of its exclusive group that counted instead (None: it counted), and, only on a state shared by every result
# that has it (an item outside any group has the same one for the same count, or whenever it fires if fixed), its JSON
# and its read-only entry (None on a result's own state). A list rather than a class: one is made per fired item.
ItemState = list[Any]


class Remembered(NamedTuple):
    """An indicator's outcome as every result that has it shows it: read-only entry, JSON, points."""

    entry: IndicatorResult
    json: bytes
    points: Decimal


# An indicator's outcome: None when none of its items fired, else (the place and state of each item that fired, raw,
# points) or, for one that remembers its outcomes, what it remembered
IndicatorState = tuple[list[tuple[int, ItemState]], Decimal, Decimal] | Remembered | None


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
    int_unit: int  # the unit when it is a whole number above zero, else 0
    cap: Decimal | None
    group: str | None
    idle: ItemResult  # the (read-only) entry when it did not fire, shared by every result
    idle_json: bytes
    fired: ItemResult  # the entry when it fired, raw and points filled in per application
    fixed_points: Decimal | None  # a fixed item's points after its cap
    head_json: bytes  # '{"code":…,"label":…,"fired":true,"raw":'
    cap_json: bytes  # ',"cap":…,"points":'
    by_units: dict[int, ItemState] | None  # a per-unit item outside any group: its shared states by units counted
    counted_state: ItemState | None  # a fixed item outside any group: its shared state whenever it fires

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
            plan = cls(rule, code, pts.points, "", ZERO, Decimal(1), ZERO, True, 1, cap, item.group, shared(idle),
                       dumps_bytes(idle), fired, points, head, cap_json, None, None)  # fmt: skip
            if item.group:
                return plan
            return replace(plan, counted_state=plan.shared_state(pts.points, points))
        whole = int(pts.unit) if pts.unit > 0 and pts.unit == pts.unit.to_integral_value() else 0
        return cls(rule, code, None, pts.field, pts.rate, pts.unit, pts.offset, pts.unit == 1, whole, cap, item.group,
                   shared(idle), dumps_bytes(idle), fired, None, head, cap_json,
                   None if item.group else {}, None)  # fmt: skip

    def shared_state(self, raw: Decimal, points: Decimal) -> ItemState:
        """The state of an item outside any group that counted ``raw``/``points``, with its JSON and read-only entry."""
        state = [raw, points, None, None, None]
        return [raw, points, None, self.json(state), shared(self.entry(state))]

    def counting(self, units: int) -> ItemState:
        """The shared state of the fired per-unit item outside any group for ``units``."""
        state = self.shared_state(*self.amount(units))
        if self.by_units is not None and len(self.by_units) < ITEM_REMEMBERED:
            self.by_units[units] = state
        return state

    def units(self, typed: Mapping[str, Checked]) -> int:
        """The full units of its field's value that a per-unit item counts."""
        value = typed[self.field]
        if type(value) is float:
            # the decimal D the float is written as: floor(D / unit) is floor(D) // unit for a whole unit, and
            # floor(D) is floor(value) (no float lies strictly between a float and the decimal written for it)
            whole = self.int_unit
            if whole:
                return math.floor(value) // whole
            return math.floor(written_decimal(value) / self.unit)
        if self.whole_units and type(value) is int:
            return value
        return math.floor(Decimal(value) / self.unit)  # type: ignore[arg-type]

    def points(self, typed: Mapping[str, Checked]) -> tuple[Decimal, Decimal]:
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

    def entry(self, state: ItemState) -> ItemResult:
        """The fired item's entry in a result: read-only when its state is shared."""
        if state[4] is not None:
            return state[4]  # type: ignore[no-any-return]
        entry = self.fired.copy()
        entry["raw"] = state[0]
        entry["points"] = state[1]
        if state[2] is not None:
            entry["counted"] = False
            entry["excluded_by"] = state[2]
        return entry

    def json(self, state: ItemState | None) -> bytes:
        """The item's entry as JSON: ``dumps_bytes`` of its entry (``idle`` when it did not fire)."""
        if state is None:
            return self.idle_json
        if state[3] is not None:
            return state[3]  # type: ignore[no-any-return]
        excluded_by = state[2]
        tail = (
            b',"counted":true}'
            if excluded_by is None
            else b',"counted":false,"excluded_by":' + text_json(excluded_by) + b"}"
        )
        return self.head_json + number_json(state[0]) + self.cap_json + number_json(state[1]) + tail


@dataclass(frozen=True, slots=True)
class IndicatorPlan:
    category: int  # the index of its category
    cap: Decimal | None
    items: tuple[ItemPlan, ...]
    indexed: tuple[tuple[int, ItemPlan], ...]  # its items with their places
    rules: tuple[str, ...]  # its items' rule names, in order: bit n of a mask is the item at place n
    idle_items: list[ItemResult]  # its items' entries when they did not fire (copied, then the fired ones set)
    idle_jsons: list[bytes]  # the same as JSON
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
    per_unit_place: int
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
        per_unit = [n for n, p in enumerate(items) if p.fixed is None]
        head = b'{"code":' + text_json(ind.code) + b',"name":' + text_json(ind.name) + b',"category":'
        head += text_json(ind.category) + b',"raw":'
        tail = b',"departments":' + dumps_bytes(ind.departments) + b',"reference":' + text_json(ind.reference)
        return cls(category, ind.cap, tuple(items), tuple(enumerate(items)), tuple(p.rule for p in items),
                   [p.idle for p in items], [p.idle_json for p in items], idle,
                   dumps_bytes(idle_entry), idle_entry, head,
                   b',"cap":' + _cap(ind.cap) + b',"points":', tail + b',"items":[',
                   {} if len(per_unit) <= 1 else None, items[per_unit[0]] if len(per_unit) == 1 else None,
                   per_unit[0] if len(per_unit) == 1 else -1, budget)  # fmt: skip

    def outcome(self, typed: Mapping[str, Checked], mask: int) -> tuple[list[tuple[int, ItemState]], Decimal, Decimal]:
        """The place and state of each item that fired (bit ``place`` of ``mask`` set), and the indicator's raw sum
        and points, when one of its items fired: the one place where an exclusive group is applied."""
        states: list[tuple[int, ItemState]] = []
        best: dict[str, tuple[ItemState, str]] = {}  # the item of each group that counts so far, and its code
        raw = ZERO
        for place, plan in self.indexed:
            if not (mask >> place) & 1:
                continue
            state = plan.counted_state
            if state is None:
                if plan.by_units is not None:  # per unit, no group: the same state for the same count of units
                    units = plan.units(typed)
                    state = plan.by_units.get(units) or plan.counting(units)
                else:
                    state = [*plan.points(typed), None, None, None]
            states.append((place, state))
            group = plan.group
            if group is not None:
                held = best.get(group)
                if held is not None:
                    # 本项不累加: only the highest item of the group counts (the first one on a tie)
                    if state[1] <= held[0][1]:
                        state[2] = held[1]
                        continue
                    held[0][2] = plan.code
                    raw -= held[0][1]
                best[group] = (state, plan.code)
            raw += state[1]
        cap = self.cap
        return states, raw, raw if cap is None or raw <= cap else cap

    def remembered(self, typed: Mapping[str, Checked], mask: int) -> Remembered:
        """The outcome when one of its items fired, remembered by what decides it: which items fired (``mask``) and
        the units its per-unit item counted."""
        assert self.memo is not None
        per_unit = self.per_unit
        if per_unit is None:
            key: Any = mask
        else:
            key = (mask, per_unit.units(typed) if (mask >> self.per_unit_place) & 1 else None)
        found = self.memo.get(key)
        if found is None:
            state = self.outcome(typed, mask)
            entry: IndicatorResult = {
                **self.idle,
                "raw": state[1],
                "points": state[2],
                "items": FrozenList(map(shared, self.entries(state[0]))),
            }
            found = Remembered(shared(entry), self.json(state), state[2])
            if self.budget.left > 0:  # two threads may both take the last place: one entry more, no harm
                self.budget.left -= 1
                self.memo[key] = found
        return found

    def entries(self, states: list[tuple[int, ItemState]]) -> list[ItemResult]:
        """Its items' entries in a result from the states of those that fired (``outcome``'s first part)."""
        entries = self.idle_items.copy()
        items = self.items
        for place, state in states:
            entries[place] = state[4] if state[4] is not None else items[place].entry(state)
        return entries

    def json(self, state: IndicatorState) -> bytes:
        if state is None:
            return self.idle_json
        if isinstance(state, Remembered):
            return state.json
        parts = self.idle_jsons.copy()
        items = self.items
        for place, s in state[0]:
            parts[place] = items[place].json(s)
        return (
            self.head_json
            + number_json(state[1])
            + self.cap_json
            + number_json(state[2])
            + self.tail_json
            + b",".join(parts)
            + b"]}"
        )


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
