"""The explanation of a score, planned once per version: what fired becomes points, then a dict or JSON bytes.

``Plan`` puts together the plans of a version's parts (``engine.plans``): everything that does not depend on the
application, the order of every key included. Per application, ``Plan.outcome`` turns the fired rule names into
points (exact decimals, the only arithmetic) and ``to_json`` writes that outcome; ``explain`` builds the dict in
one pass. The bytes are exactly ``engine.result.dumps_bytes`` of the dict (tests/engine/test_regression.py holds
2,000 answers to it), made without a callback per number: most of an answer is the version's text, written once
per version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.facts import Checked
from engine.frozen import shared
from engine.model import Category, Indicator, Requirement
from engine.plans import ZERO, Budget, CategoryPlan, IndicatorPlan, IndicatorState, ItemPlan, text_json
from engine.result import (
    CategoryResult,
    Explanation,
    IndicatorResult,
    Reason,
    VersionIdentity,
    dumps_bytes,
    number_json,
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one application scored, before it is written out."""

    reasons: list[tuple[str, Reason, bytes, bool]]  # the requirements not met
    indicators: list[IndicatorState]
    categories: list[tuple[Decimal, Decimal]]  # (raw, points) of each category
    balance: Decimal
    total: Decimal


def floored(balance: Decimal, eligible: bool) -> Decimal:
    """The total: the balance, never below zero, and zero for an application that is not eligible."""
    return balance if balance > 0 and eligible else ZERO


class Plan:
    """A version's explanation, planned: the fixed parts of every answer under it."""

    def __init__(
        self, identity: VersionIdentity, valid_until: str, categories: tuple[Category, ...],
        requirements: list[tuple[str, Requirement, bool]], indicators: list[tuple[Indicator, list[ItemPlan]]],
    ) -> None:  # fmt: skip
        self.year = identity["year"]
        self.identity = identity
        self.valid_until = valid_until
        # (its rule, its reason, as JSON, whether its rule fires when it is met rather than when it is not)
        self._requirements = [
            (rule, shared(reason), dumps_bytes(reason), fires_when_met)
            for rule, req, fires_when_met in requirements
            for reason in [Reason(code=req.code, reason=req.reason)]
        ]
        index = {c.code: n for n, c in enumerate(categories)}
        budget = Budget()
        self.indicators = tuple(IndicatorPlan.of(ind, index[ind.category], items, budget) for ind, items in indicators)
        self.categories = tuple(CategoryPlan.of(c) for c in categories)
        # each item's rule: its indicator's place and its own bit in that indicator's mask of fired items
        self._bits: dict[str, tuple[int, int]] = {
            rule: (n, 1 << place) for n, ind in enumerate(self.indicators) for place, rule in enumerate(ind.rules)
        }
        self._versions: dict[int | None, bytes] = {}
        self._head = b'{"year":' + number_json(Decimal(self.year)) + b',"version":'
        self._dates = b',"valid_until":' + text_json(valid_until) + b',"categories":['

    def masks(self, fired: set[str]) -> list[int]:
        """Which items of each indicator fired: bit n of an indicator's mask is its item at place n."""
        masks = [0] * len(self.indicators)
        bits = self._bits
        for rule in fired:
            found = bits.get(rule)
            if found is not None:  # else an eligibility requirement's rule
                masks[found[0]] |= found[1]
        return masks

    def outcome(self, typed: Mapping[str, Checked], fired: set[str]) -> Outcome:
        """The points of every part from the fired rule names, in exact decimals."""
        reasons = [r for r in self._requirements if (r[0] in fired) is not r[3]]
        category_raw = [ZERO] * len(self.categories)
        indicators: list[IndicatorState] = []
        masks = self.masks(fired)
        for n, ind in enumerate(self.indicators):
            mask = masks[n]
            if not mask:  # the common case: nothing of this indicator fired
                indicators.append(None)
                continue
            state = ind.outcome(typed, mask) if ind.memo is None else ind.remembered(typed, mask)
            category_raw[ind.category] += state[2]
            indicators.append(state)
        categories, balance = self.balance(category_raw)
        total = floored(balance, not reasons)
        return Outcome(reasons, indicators, categories, balance, total)

    def balance(self, category_raw: list[Decimal]) -> tuple[list[tuple[Decimal, Decimal]], Decimal]:
        """Each category's (raw, points after its cap) and the balance: what adds, less what deducts."""
        categories = []
        balance = ZERO
        for cat, raw in zip(self.categories, category_raw):
            cap = cat.cap
            points = raw if cap is None or raw <= cap else cap
            balance = balance + points if cat.adds else balance - points
            categories.append((raw, points))
        return categories, balance

    def total(self, typed: Mapping[str, Checked], fired: set[str]) -> Decimal:
        """``outcome(typed, fired).total``, without the parts of the outcome that do not make it."""
        for requirement in self._requirements:
            if (requirement[0] in fired) is not requirement[3]:
                return ZERO
        category_raw = [ZERO] * len(self.categories)
        masks = self.masks(fired)
        for n, ind in enumerate(self.indicators):
            mask = masks[n]
            if mask:
                state = ind.outcome(typed, mask) if ind.memo is None else ind.remembered(typed, mask)
                category_raw[ind.category] += state[2]
        return floored(self.balance(category_raw)[1], True)

    def explain(self, typed: Mapping[str, Checked], fired: set[str]) -> Explanation:
        """The explained result as a dict, in one pass: the same points as ``outcome`` (the regression file holds
        both to the same bytes). The entries that read the same in every result (an item that did not fire, a
        fixed item outside any group that fired, an indicator of which nothing fired, a requirement not met) are
        the plan's own, shared and read-only (``engine.frozen``); the others are the result's."""
        reasons: list[Reason] = [r[1] for r in self._requirements if (r[0] in fired) is not r[3]]
        category_raw = [ZERO] * len(self.categories)
        indicators: list[IndicatorResult] = []
        masks = self.masks(fired)
        for n, ind in enumerate(self.indicators):
            mask = masks[n]
            if not mask:  # the common case: nothing of this indicator fired
                indicators.append(ind.idle_entry)
                continue
            if ind.memo is not None:
                found = ind.remembered(typed, mask)
                category_raw[ind.category] += found.points
                indicators.append(found.entry)
                continue
            entry = ind.idle.copy()
            states, raw, points = ind.outcome(typed, mask)
            entry["items"] = ind.entries(states)
            category_raw[ind.category] += points
            entry["raw"] = raw
            entry["points"] = points
            indicators.append(entry)
        sums, balance = self.balance(category_raw)
        categories: list[CategoryResult] = [
            {"code": cat.code, "name": cat.name, "kind": cat.kind, "raw": raw, "cap": cat.cap, "points": points}
            for cat, (raw, points) in zip(self.categories, sums)
        ]
        return {
            "year": self.year,
            "version": self.identity.copy(),
            "eligible": not reasons,
            "ineligible_reasons": reasons,
            "total": floored(balance, not reasons),
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
