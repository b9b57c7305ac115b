"""Compile a ruleset version once, then score applications under it with a full explanation.

Each item and each eligibility requirement becomes one durable_rules rule whose condition is the item's
condition; what fired decides which items count. The points arithmetic, item caps, exclusive groups,
indicator and category caps, deductions, the floor at zero and eligibility are applied here, from what
fired, in exact decimals.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.adapter import Matcher
from engine.facts import FactsValidator
from engine.model import Clause, Condition, FactValue, Fixed, Group, Indicator, Item, RulesetVersion
from engine.result import (
    CategoryResult,
    Explanation,
    IndicatorResult,
    IsoDate,
    ItemResult,
    Reason,
    ScoreResult,
    VersionIdentity,
)

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class _ItemPlan:
    rule: str
    fixed: Decimal | None  # a fixed item's points, item cap applied
    field: str
    rate: Decimal
    unit: Decimal
    offset: Decimal
    whole_units: bool  # unit is 1: an int value is its own count of units
    cap: Decimal | None
    group: str | None
    idle: ItemResult  # the item's entry when it did not fire; copied into each result
    fired: ItemResult  # the entry when it fired (a per-unit item's raw and points are filled in per application)


@dataclass(frozen=True, slots=True)
class _IndicatorPlan:
    category: str
    cap: Decimal | None
    items: tuple[_ItemPlan, ...]
    rules: frozenset[str]
    idle: IndicatorResult  # the indicator's entry, copied into each result (raw, points, items filled in there)


def _plan_item(rule: str, item: Item) -> _ItemPlan:
    code, label, cap = item.code, item.label, item.cap
    idle: ItemResult = {
        "code": code, "label": label, "fired": False, "raw": ZERO, "cap": cap, "points": ZERO, "counted": False,
    }  # fmt: skip
    pts = item.points
    if isinstance(pts, Fixed):
        points = _capped(pts.points, cap)
        fired: ItemResult = {
            "code": code, "label": label, "fired": True, "raw": pts.points, "cap": cap, "points": points,
            "counted": True,
        }  # fmt: skip
        return _ItemPlan(rule, points, "", ZERO, Decimal(1), ZERO, True, item.cap, item.group, idle, fired)
    # raw and points are computed per application
    fired = {"code": code, "label": label, "fired": True, "raw": ZERO, "cap": cap, "points": ZERO, "counted": True}
    return _ItemPlan(
        rule, None, pts.field, pts.rate, pts.unit, pts.offset, pts.unit == 1, item.cap, item.group, idle, fired
    )


def _plan_indicator(ind: Indicator, plans: list[_ItemPlan]) -> _IndicatorPlan:
    # departments is a tuple: shared by every result, never changed; items are filled in per result
    idle: IndicatorResult = {
        "code": ind.code, "name": ind.name, "category": ind.category, "raw": ZERO, "cap": ind.cap, "points": ZERO,
        "departments": ind.departments, "reference": ind.reference, "items": [],
    }  # fmt: skip
    return _IndicatorPlan(ind.category, ind.cap, tuple(plans), frozenset(p.rule for p in plans), idle)


def _item_condition(item: Item) -> Condition | None:
    if isinstance(item.points, Fixed):
        return item.when
    # A per-unit item needs its field. When it counts up from zero (no offset, positive rate) it applies only
    # from the first full unit on: "每满50小时得2分" does not apply to 49.9 hours, and the engine need not
    # fire for the many zero counts clients send.
    rule = item.points
    if rule.offset == 0 and rule.rate > 0:
        applies: Condition = Clause(
            rule.field, ">=", rule.unit if rule.unit != rule.unit.to_integral_value() else int(rule.unit)
        )
    else:
        applies = Clause(rule.field, "exists")
    return applies if item.when is None else Group("all", (applies, item.when))


def _capped(value: Decimal, cap: Decimal | None) -> Decimal:
    return value if cap is None or value <= cap else cap


def _explain_items(
    ind: _IndicatorPlan, typed: Mapping[str, FactValue], fired: set[str]
) -> tuple[list[ItemResult], Decimal]:
    """Each item of an indicator with its points and whether it counted, and the indicator's raw sum."""
    items_out: list[ItemResult] = []
    append = items_out.append
    best: dict[str, ItemResult] = {}
    raw = ZERO
    for plan in ind.items:
        if plan.rule not in fired:
            append(plan.idle.copy())
            continue
        entry = plan.fired.copy()
        points = plan.fixed
        if points is None:
            # per unit: offset + rate × floor(value / unit), never below zero (deductions have their own category)
            value = typed[plan.field]
            units = value if plan.whole_units and type(value) is int else math.floor(Decimal(value) / plan.unit)  # type: ignore[arg-type]
            item_raw = plan.rate * units
            if plan.offset:
                item_raw += plan.offset
            if item_raw < ZERO:
                item_raw = ZERO
            cap = plan.cap
            points = item_raw if cap is None or item_raw <= cap else cap
            entry["raw"] = item_raw
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


class CompiledVersion:
    """A version turned into durable_rules rulesets, ready to score; safe to share between threads."""

    def __init__(self, version: RulesetVersion) -> None:
        self.version = version
        self.content_hash = version.content_hash
        self.identity: VersionIdentity = {
            "ruleset": version.ruleset,
            "year": version.year,
            "revision": version.revision,
            "content_hash": self.content_hash,
        }
        self.valid_until = IsoDate(dt.date(version.year, 12, 31).isoformat())
        self._validator = FactsValidator(version.facts)
        conditions: dict[str, Condition | None] = {}
        self._requirements: list[tuple[str, Reason]] = []
        for n, req in enumerate(version.eligibility):
            rule = f"e{n}"
            conditions[rule] = req.when
            self._requirements.append((rule, {"code": req.code, "reason": req.reason}))
        indicators = []
        n = 0
        for ind in version.indicators:
            plans = []
            for item in ind.items:
                rule = f"i{n}"
                n += 1
                conditions[rule] = _item_condition(item)
                plans.append(_plan_item(rule, item))
            indicators.append(_plan_indicator(ind, plans))
        self._indicators = tuple(indicators)
        self._categories = tuple(version.categories)
        self._category_codes = tuple(c.code for c in version.categories)
        self._matcher = Matcher(conditions, {f.name: f.type for f in version.facts})

    # -- the pipeline's steps, public so that benchmarks and tests can drive them one by one ------------

    def validate(self, facts: Mapping[str, Any], as_of: dt.date) -> tuple[dict[str, FactValue], dict[str, FactValue]]:
        """Typed facts (derived ones included) and the derived facts alone; FactsError on bad input."""
        return self._validator.validate(facts, as_of)

    def match(self, typed: Mapping[str, FactValue]) -> set[str]:
        """Names of the fired rules for already validated facts."""
        return self._matcher.match(typed)

    def total(self, typed: Mapping[str, FactValue]) -> Decimal:
        """The total of validated facts, computed exactly as ``score`` does (the matching benchmark's figure)."""
        total: Decimal = self.explain(typed, self.match(typed))["total"]
        return total

    def score(self, facts: Mapping[str, Any], *, as_of: dt.date | None = None) -> ScoreResult:
        """Validate, derive, match and explain: the SPEC §6 result without storage fields.

        Raises FactsError listing every bad field. Points are Decimals; ``engine.dumps`` writes the JSON.
        """
        as_of = as_of or dt.date.today()
        typed, derived = self._validator.validate(facts, as_of)
        return {**self.explain(typed, self.match(typed)), "as_of": IsoDate(as_of.isoformat()), "derived": derived}

    def explain(self, typed: Mapping[str, FactValue], fired: set[str]) -> Explanation:
        """The explained result from the fired rule names."""
        reasons: list[Reason] = [reason.copy() for rule, reason in self._requirements if rule not in fired]
        category_raw: dict[str, Decimal] = dict.fromkeys(self._category_codes, ZERO)
        indicators_out: list[IndicatorResult] = []
        for ind in self._indicators:
            entry = ind.idle.copy()
            if fired.isdisjoint(ind.rules):  # the common case: nothing of this indicator fired
                entry["items"] = [plan.idle.copy() for plan in ind.items]
            else:
                items_out, raw = _explain_items(ind, typed, fired)
                cap = ind.cap
                points = raw if cap is None or raw <= cap else cap
                category_raw[ind.category] += points
                entry["raw"] = raw
                entry["points"] = points
                entry["items"] = items_out
            indicators_out.append(entry)
        categories_out: list[CategoryResult] = []
        balance = ZERO
        for cat in self._categories:
            raw = category_raw[cat.code]
            points = _capped(raw, cat.cap)
            balance += points if cat.kind == "add" else -points
            categories_out.append(
                {"code": cat.code, "name": cat.name, "kind": cat.kind, "raw": raw, "cap": cat.cap, "points": points}
            )
        floored = balance if balance > 0 else ZERO
        eligible = not reasons
        return {
            "year": self.version.year,
            "version": self.identity.copy(),
            "eligible": eligible,
            "ineligible_reasons": reasons,
            "total": floored if eligible else ZERO,
            "points_before_floor": balance,
            "valid_until": self.valid_until,
            "categories": categories_out,
            "indicators": indicators_out,
        }

    def close(self) -> None:
        """Free the durable_rules ruleset now rather than when garbage collected."""
        self._matcher.close()


class _Cache:
    """Compiled versions keyed by content hash, per process (a forked worker compiles its own)."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._entries: OrderedDict[str, CompiledVersion] = OrderedDict()

    def get(self, version: RulesetVersion) -> CompiledVersion:
        key = version.content_hash
        with self._lock:
            if self._pid != os.getpid():
                # inherited through fork: the core's handles belong to the parent; never touch them here
                self._entries = OrderedDict()
                self._pid = os.getpid()
            compiled = self._entries.get(key)
            if compiled is not None:
                self._entries.move_to_end(key)
                return compiled
            compiled = CompiledVersion(version)
            self._entries[key] = compiled
            if len(self._entries) > self._size:
                self._entries.popitem(last=False)  # its core ruleset is freed once no caller holds it
            return compiled

    def lookup(self, key: str) -> CompiledVersion | None:
        with self._lock:
            if self._pid != os.getpid():
                return None
            compiled = self._entries.get(key)
            if compiled is not None:
                self._entries.move_to_end(key)
            return compiled

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _Cache()


def compile_version(version: RulesetVersion) -> CompiledVersion:
    """The compiled form of ``version``, built once per content hash per process."""
    return _cache.get(version)


def compiled_if_cached(content_hash: str) -> CompiledVersion | None:
    """The compiled version with this content hash if this process has one (no model needed to look)."""
    return _cache.lookup(content_hash)


def score(version: RulesetVersion, facts: Mapping[str, Any], *, as_of: dt.date | None = None) -> ScoreResult:
    """Score one application's facts under ``version`` (compiled on first use).

    >>> # score(load_file("rulesets/tongxiang-2026.yaml"), {"permit_valid": True, ...})["total"]
    """
    return compile_version(version).score(facts, as_of=as_of)
