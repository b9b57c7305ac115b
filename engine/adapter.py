"""The one module that talks to durable_rules.

It drives the C core (``durable_rules_engine``) directly rather than through ``durable.engine.Host``: the
Host starts timer threads that call into the non-thread-safe core, and it re-encodes the state for every
fired rule, which costs most of its time. Here each compiled ruleset owns a core handle and one state per
part of at most 64 rules; an application is asserted as a fact, the names of the fired rules are drained, and
the fact is retracted, all under a lock so that threads never touch a handle at the same time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import math
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import durable_rules_engine as core
import orjson

from engine.errors import EngineFailure
from engine.facts import Checked
from engine.model import Clause, Condition, Fixed, Group, Item

# Every rule first tests a marker that only the application fact carries, so that no rule can match the state
# record itself (a rule made only of "$nex" tests would otherwise fire on it). The rules are split among several
# markers, at most RULES_PER_MARKER to each: the core tries every field of the fact against all the tests that hang
# from one test (probing one hash table with 32 starting slots), so many tests under one marker cost more than a few
# markers with fewer tests each. Measured on the 2026 sample's 53 rules (bench/instructions.py --stage match):
# 230k instructions per application under one marker; 223k, 219k, 218k, 214k, 216k and 224k with 10, 13, 16, 20,
# 24 and 32 rules per marker.
RULES_PER_MARKER = 20
_STATE = "0"
_names = itertools.count(1)
_CONVERTED_TYPES = frozenset({"number", "date"})

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


# The core cannot read a number as small as 1e-6 (an assert fails with error 204); a value nearer zero than any
# condition's value can be (they carry at most two decimals) is sent as this, with its sign: it compares the same.
_TINY = 0.005
_NEAR_ZERO = 0.001


def engine_value(value: Checked) -> Any:
    """A fact value as the core compares it: numbers as numbers, dates as day numbers.

    >>> engine_value(Decimal("1E-300")), engine_value(-1e-9), engine_value(0.0)
    (0.001, -0.001, 0.0)
    """
    if isinstance(value, Decimal):
        value = float(value)  # thresholds carry ≤ 2 decimals: the float order is the decimal order
    elif isinstance(value, dt.date):
        return value.toordinal()
    if type(value) is float and value and -_TINY < value < _TINY:
        return math.copysign(_NEAR_ZERO, value)
    return value


def to_durable(cond: Condition, alias: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A condition as a durable_rules expression, fields renamed by ``alias`` when given.

    >>> to_durable(Clause("age", "<=", 40))
    {'$lte': {'age': 40}}
    """
    if isinstance(cond, Clause):
        name, op, value = (alias or {}).get(cond.field, cond.field), cond.op, cond.value
        if op == "exists":
            return {"$ex": {name: 1}}
        if op == "not_exists":
            return {"$nex": {name: 1}}
        if op == "==":
            return {name: engine_value(value)}  # type: ignore[arg-type]
        if op == "in":
            return {"$or": [{name: engine_value(v)} for v in value]}  # type: ignore[union-attr]
        if op == "not_in":
            return {"$and": [{"$neq": {name: engine_value(v)}} for v in value]}  # type: ignore[union-attr]
        return {_OPS[op]: {name: engine_value(value)}}  # type: ignore[arg-type]
    return {"$and" if cond.mode == "all" else "$or": [to_durable(c, alias) for c in cond.conditions]}


_NEGATED: dict[str, Any] = {
    "==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<", "in": "not_in", "not_in": "in",
    "exists": "not_exists", "not_exists": "exists",
}  # fmt: skip


def negation(cond: Condition) -> Condition:
    """The condition that holds exactly when ``cond`` does not, as the core evaluates them: a comparison on a
    field that is absent never holds, so its negation holds when the field is absent.

    >>> negation(Clause("age", "<=", 40))
    Group(mode='any', conditions=(Clause(field='age', op='not_exists', value=None), Clause(field='age', op='>', value=40)))
    """
    if isinstance(cond, Group):
        return Group("any" if cond.mode == "all" else "all", tuple(negation(c) for c in cond.conditions))
    negated = Clause(cond.field, _NEGATED[cond.op], cond.value)
    if cond.op in ("exists", "not_exists"):
        return negated
    return Group("any", (Clause(cond.field, "not_exists"), negated))


def fields_of(cond: Condition | None) -> set[str]:
    """The fact fields a condition reads."""
    if cond is None:
        return set()
    if isinstance(cond, Clause):
        return {cond.field}
    return set().union(*(fields_of(c) for c in cond.conditions))


# The core keeps at most 64 fired rules pending in a state: a 65th rule firing on the same assert fails it
# (error 303) or corrupts the process's heap (measured with 65–200 rules of distinct conditions all holding).
# A ruleset is therefore split into parts of at most this many rules, each its own core ruleset.
RULES_PER_PART = 64
# Rule names of one character, indexed straight out of a fired rule's message (a one-character str is shared,
# not built); '"', '\\' and '$' would need escaping or mean something to the core.
_SHORT_NAMES = [chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"\\$']


def rule_names(count: int) -> list[str]:
    """``count`` distinct rule names of one width, as short as they can be.

    >>> rule_names(3), rule_names(200)[-1]
    (['!', '#', '%'], 'r199')
    """
    if count <= len(_SHORT_NAMES):
        return _SHORT_NAMES[:count]
    width = len(str(count - 1))
    return [f"r{n:0{width}}" for n in range(count)]


# A field's name in the fact: one letter while they last (the fact is parsed on every assert and retract, and
# written again into every fired rule's message), never one of the core's own keys ("id", "sid") or a marker.
_FIELD_LETTERS = [chr(c) for c in range(ord("a"), ord("z") + 1)] + [chr(c) for c in range(ord("A"), ord("Z") + 1)]


def field_names(count: int) -> list[str]:
    """``count`` distinct field names for the fact, as short as they can be.

    >>> field_names(2), field_names(60)[-1]
    (['a', 'b'], 'f59')
    """
    if count <= len(_FIELD_LETTERS):
        return _FIELD_LETTERS[:count]
    return [f"f{n}" for n in range(count)]


def item_condition(item: Item) -> Condition | None:
    """The condition of an item's rule: its own, and for a per-unit item, that its field is there."""
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


class _Part:
    """One core ruleset with its own state: at most RULES_PER_PART of the matcher's rules."""

    def __init__(self, name: str, rules: dict[str, Any]) -> None:
        self.name = name
        self._freed = True  # nothing to free until the core holds the ruleset
        try:
            self.handle = core.create_ruleset(name, json.dumps(rules))
        except Exception as exc:  # the core raises a bare Exception with an error number
            raise EngineFailure(f"durable_rules refused the compiled ruleset: {exc}") from exc
        self._freed = False

    def free(self) -> None:
        """Free the core's ruleset (once; later matches of this part fail)."""
        if not self._freed:
            self._freed = True
            core.delete_ruleset(self.handle)

    def __del__(self) -> None:
        # freed when the last user lets go of it (a cache eviction must not pull it from under a request); at
        # interpreter exit the core may be gone already
        with contextlib.suppress(Exception):
            self.free()

    def fired(self, payload: str, end: int) -> set[str]:
        """The names of this part's rules that the fact in ``payload`` satisfies (the fact is retracted after)."""
        handle = self.handle
        try:
            result = core.assert_fact(handle, payload)
            if result[0] == 1:  # nothing matched
                fired: set[str] = set()
            elif result[0] != 0:
                raise EngineFailure(f"durable_rules answered {result[0]} to an assert")
            else:
                state = result[1]
                first = core.start_action_for_state(handle, state)
                fired = set() if not first else {first[1][2 : end or first[1].index('"', 2)]}
                # each fired rule's message starts '{"NAME":'; the core answers None after the last one
                complete = core.complete_and_start_action
                message = complete(handle, state)
                while message is not None:
                    fired.add(message[2] if end == 3 else message[2:end] if end else message[2 : message.index('"', 2)])
                    message = complete(handle, state)
        except EngineFailure:
            self.reset()
            raise
        except Exception as exc:
            self.reset()
            raise EngineFailure(f"durable_rules failed while matching: {exc}") from exc
        try:
            core.retract_fact(handle, payload)
        except Exception as exc:
            self.reset()
            raise EngineFailure(f"durable_rules failed to retract: {exc}") from exc
        return fired

    def reset(self) -> None:
        # A failure may leave the fact or a pending action in the state; start the next match from scratch.
        with contextlib.suppress(Exception):
            core.delete_state(self.handle, _STATE)


def refusal(cond: Condition | None, field_types: Mapping[str, str]) -> str | None:
    """Why the core refuses a rule of this condition alone (its error), or None when it takes it."""
    try:
        Matcher({_SHORT_NAMES[0]: cond}, field_types).close()
    except EngineFailure as exc:
        return str(exc)
    return None


class Matcher:
    """One ruleset of named conditions: tells which of them an application satisfies."""

    def __init__(self, conditions: dict[str, Condition | None], field_types: Mapping[str, str]) -> None:
        """``conditions`` maps rule names (see ``rule_names``) to conditions, ``None`` meaning always;
        ``field_types`` gives the catalogue type of each field they read."""
        used = sorted(set().union(*(fields_of(c) for c in conditions.values())))
        # Short names keep the JSON the core parses for every assert, and echoes for every fired rule, small.
        alias = dict(zip(used, field_names(len(used))))
        self._fields = {name: (alias[name], field_types[name] in _CONVERTED_TYPES) for name in used}
        # rules reading the same fields sit under the same marker
        ordered = sorted(conditions, key=lambda rule: sorted(fields_of(conditions[rule])))
        markers = {rule: f"m{n // RULES_PER_MARKER}" for n, rule in enumerate(ordered)}
        self._identity = {"id": 1, "sid": _STATE, **dict.fromkeys(sorted(set(markers.values())), 1)}
        rules = {}
        for name, cond in conditions.items():
            tests: list[dict[str, Any]] = [{markers[name]: 1}]
            if cond is not None:
                tests.append(to_durable(cond, alias))
            rules[name] = {"all": [{"m": {"$and": tests}}]}
        widths = {len(name) for name in conditions}
        # each fired rule's message starts '{"NAME":': with names of one width the name is a fixed slice of it
        self._name_end = 2 + widths.pop() if len(widths) == 1 else 0
        self.name = f"jifen_{next(_names)}"
        names = list(rules)
        self._parts = tuple(
            _Part(f"{self.name}_{n // RULES_PER_PART}", {k: rules[k] for k in names[n : n + RULES_PER_PART]})
            for n in range(0, max(len(names), 1), RULES_PER_PART)
        )
        self._lock = threading.Lock()
        self._closed = False

    def match(self, facts: Mapping[str, Checked]) -> set[str]:
        """Names of the rules whose condition the (validated) facts satisfy."""
        fact = self._identity.copy()
        fields = self._fields
        if len(fields) < len(facts):  # look up the fewer names: those the conditions read, or those sent
            for name, (short, converted) in fields.items():
                value = facts.get(name)
                if value is not None:
                    fact[short] = engine_value(value) if converted else value
        else:
            for name, value in facts.items():
                known = fields.get(name)
                if known is not None:  # fields no condition reads stay out of the engine
                    fact[known[0]] = engine_value(value) if known[1] else value
        payload = orjson.dumps(fact).decode()
        end = self._name_end
        with self._lock:
            if self._closed:
                raise EngineFailure(f"ruleset {self.name} was closed")
            parts = self._parts
            if len(parts) == 1:
                return parts[0].fired(payload, end)
            return set().union(*(part.fired(payload, end) for part in parts))

    def close(self) -> None:
        """Free the core's rulesets; later matches fail."""
        with self._lock:
            self._closed = True
            for part in self._parts:
                part.free()
