"""Compile a ruleset version once, then score applications under it with a full explanation.

Each item and each eligibility requirement becomes one durable_rules rule whose condition is the item's
condition; what fired decides which items count. The points arithmetic, item caps, exclusive groups,
indicator and category caps, deductions, the floor at zero and eligibility are applied here, from what
fired, in exact decimals.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.adapter import Matcher, item_condition, negation, refusal, rule_names
from engine.explain import Plan
from engine.facts import Checked, FactsValidator
from engine.model import Condition, FactValue, RulesetVersion
from engine.plans import ItemPlan
from engine.result import Explanation, IsoDate, JsonScore, ScoreResult, VersionIdentity, dumps_bytes


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
        first = dt.date(version.year, 1, 1)
        self._day: tuple[dt.date, str] = (first, first.isoformat())
        field_types = {f.name: f.type for f in version.facts}
        checked = [req for req in version.eligibility if req.when is not None]  # one without a condition is met
        names = iter(rule_names(len(checked) + sum(len(ind.items) for ind in version.indicators)))
        conditions: dict[str, Condition | None] = {}
        requirements = []
        for req in checked:
            rule = next(names)
            # A requirement's rule fires when the requirement is NOT met: most applications meet every one, and a
            # rule that does not fire costs the core nothing after the match. The negation of a condition of
            # several groups can be more than the core takes in one rule (error 113, more than 32 tests in a
            # sequence) where the condition itself is not: such a requirement's rule fires when it is met.
            unmet = negation(req.when)
            fires_when_met = refusal(unmet, field_types) is not None
            conditions[rule] = req.when if fires_when_met else unmet
            requirements.append((rule, req, fires_when_met))
        indicators = []
        for ind in version.indicators:
            plans = []
            for item in ind.items:
                rule = next(names)
                conditions[rule] = item_condition(item)
                plans.append(ItemPlan.of(rule, item))
            indicators.append((ind, plans))
        self._plan = Plan(self.identity, self.valid_until, version.categories, requirements, indicators)
        self._matcher = Matcher(conditions, field_types)

    # -- the pipeline's steps, public so that benchmarks and tests can drive them one by one ------------

    def validate(self, facts: Mapping[str, Any], as_of: dt.date) -> tuple[dict[str, FactValue], dict[str, FactValue]]:
        """Typed facts (derived ones included) and the derived facts alone; FactsError on bad input."""
        return self._validator.validate(facts, as_of)

    def match(self, typed: Mapping[str, Checked]) -> set[str]:
        """Names of the fired rules for already validated facts."""
        return self._matcher.match(typed)

    def total(self, typed: Mapping[str, Checked]) -> Decimal:
        """The total of validated facts, computed exactly as ``score`` does (the matching benchmark's figure)."""
        return self._plan.total(typed, self._matcher.match(typed))

    def score(self, facts: Mapping[str, Any], *, as_of: dt.date | None = None) -> ScoreResult:
        """Validate, derive, match and explain: the SPEC §6 result without storage fields.

        Raises FactsError listing every bad field. Points are Decimals; ``engine.dumps`` writes the JSON.
        """
        as_of = as_of or dt.date.today()
        typed, derived = self._validator.check(facts, as_of)
        plan = self._plan
        result: Any = plan.explain(typed, self._matcher.match(typed))
        result["as_of"] = self.day_text(as_of)
        result["derived"] = derived
        return result  # type: ignore[no-any-return]

    def score_json(
        self, facts: Mapping[str, Any], *, as_of: dt.date | None = None, version_id: int | None = None
    ) -> JsonScore:
        """As ``score``, written as JSON at once: ``dumps_bytes(score(…))`` byte for byte, with ``"id":
        version_id`` last in the version when given (a stored version's id), and no dict built on the way."""
        as_of = as_of or dt.date.today()
        typed, derived = self._validator.check(facts, as_of)
        plan = self._plan
        outcome = plan.outcome(typed, self._matcher.match(typed))
        text = self.day_text(as_of)
        derived_json = dumps_bytes(derived)
        body = plan.to_json(outcome, version_id) + b',"as_of":"' + text.encode() + b'","derived":' + derived_json + b"}"
        return JsonScore(body, outcome.total, not outcome.reasons, as_of, derived_json)

    def day_text(self, day: dt.date) -> str:
        """``day.isoformat()``, remembered for the last scoring date (most scores of a run share it)."""
        last = self._day
        if type(day) is dt.date and last[0] == day:
            return last[1]
        text = day.isoformat()
        if type(day) is dt.date:
            self._day = (day, text)  # one tuple replaced whole: threads see the old pair or the new one
        return text

    def explain(self, typed: Mapping[str, Checked], fired: set[str]) -> Explanation:
        """The explained result from the fired rule names."""
        return self._plan.explain(typed, fired)

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
