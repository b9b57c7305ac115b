"""The explanation of a score, planned once per version: what fired becomes points, then a dict or JSON bytes.

``Plan`` holds everything of a version that does not depend on the application: each item's and indicator's
entry when nothing fired (as a dict to copy and as its JSON bytes), the fixed parts of the entries that do fire,
the order of every key. Per application, ``Plan.outcome`` turns the fired rule names into points (exact
decimals, the only arithmetic), and ``to_dict`` or ``to_json`` renders that outcome. The bytes are exactly
``engine.result.dumps_bytes`` of the dict (tests/engine/test_regression.py holds 2,000 answers to it), made
without a callback per number: most of an answer is the version's text, written once per version.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import orjson

from engine.frozen import FrozenList, shared
from engine.model import Category, FactValue, Fixed, Indicator, Item, Requirement
from engine.result import (
    CategoryResult,
    Explanation,
    IndicatorResult,
    ItemResult,
    Reason,
    VersionIdentity,
    dumps_bytes,
    number_json,
)

ZERO = Decimal(0)
# A fired item's outcome: [raw, points, the code of the item of its group that counted instead (None: it counted),
# its own code]
ItemState = list[Any]
# An indicator's outcome: None when none of its items fired, else (its items' states, raw, points)
IndicatorState = tuple[list[ItemState | None], Decimal, Decimal] | None


def _text(value: str) -> bytes:
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

    @classmethod
    def of(cls, rule: str, item: Item) -> ItemPlan:
        code, label, cap = item.code, item.label, item.cap
        idle: ItemResult = {
            "code": code, "label": label, "fired": False, "raw": ZERO, "cap": cap, "points": ZERO, "counted": False,
        }  # fmt: skip
        fired: ItemResult = {**idle, "fired": True, "counted": True}
        head = b'{"code":' + _text(code) + b',"label":' + _text(label) + b',"fired":true,"raw":'
        cap_json = b',"cap":' + _cap(cap) + b',"points":'
        pts = item.points
        if isinstance(pts, Fixed):
            points = pts.points if cap is None or pts.points <= cap else cap
            whenever: ItemResult = {**fired, "raw": pts.points, "points": points}
            counted = None if item.group else shared(whenever)
            return cls(rule, code, pts.points, "", ZERO, Decimal(1), ZERO, True, cap, item.group, shared(idle),
                       dumps_bytes(idle), fired, counted, points, head, cap_json)  # fmt: skip
        return cls(rule, code, None, pts.field, pts.rate, pts.unit, pts.offset, pts.unit == 1, cap, item.group,
                   shared(idle), dumps_bytes(idle), fired, None, None, head, cap_json)  # fmt: skip

    def points(self, typed: Mapping[str, FactValue]) -> tuple[Decimal, Decimal]:
        """(raw, points after the item cap) of the item once fired."""
        raw = self.fixed
        if raw is None:
            # per unit: offset + rate × floor(value / unit), never below zero (deductions have their own category)
            value = typed[self.field]
            units = value if self.whole_units and type(value) is int else math.floor(Decimal(value) / self.unit)  # type: ignore[arg-type]
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
        tail = b',"counted":true}' if state[2] is None else b',"counted":false,"excluded_by":' + _text(state[2]) + b"}"
        return self.head_json + number_json(state[0]) + self.cap_json + number_json(state[1]) + tail


@dataclass(frozen=True, slots=True)
class IndicatorPlan:
    category: int  # the index of its category
    cap: Decimal | None
    items: tuple[ItemPlan, ...]
    rules: frozenset[str]
    idle: IndicatorResult  # the entry without its items, copied into each result
    idle_items: tuple[ItemResult, ...]  # its items' entries when none fired
    idle_json: bytes  # the whole entry, items included, when none of its items fired
    idle_entry: IndicatorResult  # the same as a (read-only) dict, shared by every result
    head_json: bytes  # '{"code":…,"name":…,"category":…,"raw":'
    cap_json: bytes  # ',"cap":…,"points":'
    tail_json: bytes  # ',"departments":[…],"reference":…,"items":['

    @classmethod
    def of(cls, ind: Indicator, category: int, items: list[ItemPlan]) -> IndicatorPlan:
        # departments is a tuple: shared by every result, never changed; items are filled in per result
        idle: IndicatorResult = {
            "code": ind.code, "name": ind.name, "category": ind.category, "raw": ZERO, "cap": ind.cap, "points": ZERO,
            "departments": ind.departments, "reference": ind.reference, "items": [],
        }  # fmt: skip
        idle_json = dumps_bytes({**idle, "items": [p.idle for p in items]})
        whole: IndicatorResult = {**idle, "items": FrozenList(p.idle for p in items)}
        idle_entry = shared(whole)
        head = b'{"code":' + _text(ind.code) + b',"name":' + _text(ind.name) + b',"category":'
        head += _text(ind.category) + b',"raw":'
        tail = b',"departments":' + dumps_bytes(ind.departments) + b',"reference":' + _text(ind.reference)
        return cls(category, ind.cap, tuple(items), frozenset(p.rule for p in items), idle,
                   tuple(p.idle for p in items), idle_json, idle_entry, head,
                   b',"cap":' + _cap(ind.cap) + b',"points":', tail + b',"items":[')  # fmt: skip

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

    def json(self, state: IndicatorState) -> bytes:
        if state is None:
            return self.idle_json
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


def _explain_items(
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
        head = b'{"code":' + _text(cat.code) + b',"name":' + _text(cat.name) + b',"kind":' + _text(cat.kind)
        return cls(cat.code, cat.name, cat.kind, cat.cap, cat.kind == "add", head + b',"raw":',
                   b',"cap":' + _cap(cat.cap) + b',"points":')  # fmt: skip


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one application scored, before it is written out."""

    reasons: list[tuple[str, Reason, bytes]]  # the requirements not met (their rules fired)
    indicators: list[IndicatorState]
    categories: list[tuple[Decimal, Decimal]]  # (raw, points) of each category
    balance: Decimal
    total: Decimal


class Plan:
    """A version's explanation, planned: the fixed parts of every answer under it."""

    def __init__(
        self, identity: VersionIdentity, valid_until: str, categories: tuple[Category, ...],
        requirements: list[tuple[str, Requirement]], indicators: list[tuple[Indicator, list[ItemPlan]]],
    ) -> None:  # fmt: skip
        self.year = identity["year"]
        self.identity = identity
        self.valid_until = valid_until
        self._requirements = [
            (rule, shared(reason), dumps_bytes(reason))
            for rule, req in requirements
            for reason in [Reason(code=req.code, reason=req.reason)]
        ]
        index = {c.code: n for n, c in enumerate(categories)}
        self.indicators = tuple(IndicatorPlan.of(ind, index[ind.category], items) for ind, items in indicators)
        self.categories = tuple(CategoryPlan.of(c) for c in categories)
        self._versions: dict[int | None, bytes] = {}
        self._head = b'{"year":' + number_json(Decimal(self.year)) + b',"version":'
        self._dates = b',"valid_until":' + _text(valid_until) + b',"categories":['

    def outcome(self, typed: Mapping[str, FactValue], fired: set[str]) -> Outcome:
        """The points of every part from the fired rule names, in exact decimals."""
        reasons = [r for r in self._requirements if r[0] in fired]
        category_raw = [ZERO] * len(self.categories)
        indicators: list[IndicatorState] = []
        for ind in self.indicators:
            if fired.isdisjoint(ind.rules):  # the common case: nothing of this indicator fired
                indicators.append(None)
                continue
            state = ind.outcome(typed, fired)
            category_raw[ind.category] += state[2]
            indicators.append(state)
        categories = []
        balance = ZERO
        for cat, raw in zip(self.categories, category_raw):
            cap = cat.cap
            points = raw if cap is None or raw <= cap else cap
            balance = balance + points if cat.adds else balance - points
            categories.append((raw, points))
        total = balance if balance > 0 and not reasons else ZERO
        return Outcome(reasons, indicators, categories, balance, total)

    def total(self, typed: Mapping[str, FactValue], fired: set[str]) -> Decimal:
        """``outcome(typed, fired).total`` without the rest of the outcome."""
        for requirement in self._requirements:
            if requirement[0] in fired:
                return ZERO
        category_raw = [ZERO] * len(self.categories)
        for ind in self.indicators:
            if not fired.isdisjoint(ind.rules):
                category_raw[ind.category] += ind.points(typed, fired)
        balance = ZERO
        for cat, raw in zip(self.categories, category_raw):
            cap = cat.cap
            points = raw if cap is None or raw <= cap else cap
            balance = balance + points if cat.adds else balance - points
        return balance if balance > 0 else ZERO

    def explain(self, typed: Mapping[str, FactValue], fired: set[str]) -> Explanation:
        """The explained result as a dict, in one pass: the same points as ``outcome`` (the regression file holds
        both to the same bytes). The entries that read the same in every result (an item that did not fire, a
        fixed item outside any group that fired, an indicator of which nothing fired, a requirement not met) are
        the plan's own, shared and read-only (``engine.frozen``); the others are the result's."""
        copy: Any = dict.copy  # the entries' TypedDicts, copied at C speed
        reasons: list[Reason] = [r[1] for r in self._requirements if r[0] in fired]
        category_raw = [ZERO] * len(self.categories)
        indicators: list[IndicatorResult] = []
        append = indicators.append
        for ind in self.indicators:
            if fired.isdisjoint(ind.rules):  # the common case: nothing of this indicator fired
                append(ind.idle_entry)
                continue
            entry: IndicatorResult = copy(ind.idle)
            entry["items"], raw = _explain_items(ind, typed, fired)
            cap = ind.cap
            points = raw if cap is None or raw <= cap else cap
            category_raw[ind.category] += points
            entry["raw"] = raw
            entry["points"] = points
            append(entry)
        categories: list[CategoryResult] = []
        balance = ZERO
        for cat, raw in zip(self.categories, category_raw):
            cap = cat.cap
            points = raw if cap is None or raw <= cap else cap
            balance = balance + points if cat.adds else balance - points
            categories.append(
                {"code": cat.code, "name": cat.name, "kind": cat.kind, "raw": raw, "cap": cap, "points": points}
            )
        return {
            "year": self.year,
            "version": copy(self.identity),
            "eligible": not reasons,
            "ineligible_reasons": reasons,
            "total": balance if balance > 0 and not reasons else ZERO,
            "points_before_floor": balance,
            "valid_until": self.valid_until,  # type: ignore[typeddict-item]
            "categories": categories,
            "indicators": indicators,
        }

    def to_json(self, outcome: Outcome, version_id: int | None = None) -> bytes:
        """The JSON of ``to_dict``'s result (with ``"id": version_id`` last in its version when given), without
        its closing brace, so that the caller may add keys."""
        version = self._versions.get(version_id)
        if version is None:
            identity: dict[str, Any] = dict(self.identity)
            if version_id is not None:
                identity["id"] = version_id
            version = self._versions[version_id] = dumps_bytes(identity)
        reasons = b",".join([r[2] for r in outcome.reasons])
        eligible = b',"eligible":false' if reasons else b',"eligible":true'
        categories = b",".join(
            [
                c.head_json + number_json(raw) + c.cap_json + number_json(points) + b"}"
                for c, (raw, points) in zip(self.categories, outcome.categories)
            ]
        )
        indicators = b",".join([ind.json(s) for ind, s in zip(self.indicators, outcome.indicators)])
        return b"".join(
            (
                self._head, version, eligible, b',"ineligible_reasons":[', reasons, b'],"total":',
                number_json(outcome.total), b',"points_before_floor":', number_json(outcome.balance), self._dates,
                categories, b'],"indicators":[', indicators, b"]",
            )
        )  # fmt: skip
