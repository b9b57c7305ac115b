"""The one module that talks to durable_rules.

It drives the C core (``durable_rules_engine``) directly rather than through ``durable.engine.Host``: the
Host starts timer threads that call into the non-thread-safe core, and it re-encodes the state for every
fired rule, which costs most of its time. Here each compiled ruleset owns one core handle and one state;
an application is asserted as a fact, the names of the fired rules are drained, and the fact is retracted,
all under a lock so that threads never touch a handle at the same time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import threading
import weakref
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import durable_rules_engine as core
import orjson

from engine.errors import EngineFailure
from engine.model import Clause, Condition, FactValue

# The application fact carries this marker so that no rule can match the state record itself (a rule made
# only of "$nex" tests would otherwise fire on it).
MARKER_KEY = "kind"
MARKER = "application"
_STATE = "0"
_names = itertools.count(1)
_FACT_IDENTITY = {"id": 1, "sid": _STATE, MARKER_KEY: MARKER}
_CONVERTED_TYPES = frozenset({"number", "date"})

_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


def engine_value(value: FactValue) -> Any:
    """A fact value as the core compares it: numbers as numbers, dates as day numbers."""
    if isinstance(value, Decimal):
        return float(value)  # thresholds carry ≤ 2 decimals: the float order is the decimal order
    if isinstance(value, dt.date):
        return value.toordinal()
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


def fields_of(cond: Condition | None) -> set[str]:
    """The fact fields a condition reads."""
    if cond is None:
        return set()
    if isinstance(cond, Clause):
        return {cond.field}
    return set().union(*(fields_of(c) for c in cond.conditions))


class Matcher:
    """One durable_rules ruleset: tells which of its named conditions an application satisfies."""

    def __init__(self, conditions: dict[str, Condition | None], field_types: Mapping[str, str]) -> None:
        """``conditions`` maps rule names (plain identifiers) to conditions, ``None`` meaning always;
        ``field_types`` gives the catalogue type of each field they read."""
        used = sorted(set().union(*(fields_of(c) for c in conditions.values())))
        # Short names keep the JSON the core parses for every assert, and echoes for every fired rule, small.
        alias = {name: f"f{i}" for i, name in enumerate(used)}
        self._fields = {name: (alias[name], field_types[name] in _CONVERTED_TYPES) for name in used}
        rules = {}
        for name, cond in conditions.items():
            tests: list[dict[str, Any]] = [{MARKER_KEY: MARKER}]
            if cond is not None:
                tests.append(to_durable(cond, alias))
            rules[name] = {"all": [{"m": {"$and": tests}}]}
        widths = {len(name) for name in conditions}
        # each fired rule's message starts '{"NAME":': with names of one width the name is a fixed slice of it
        self._name_end = 2 + widths.pop() if len(widths) == 1 else 0
        self.name = f"jifen_{next(_names)}"
        self._lock = threading.Lock()
        try:
            self._handle = core.create_ruleset(self.name, json.dumps(rules))
        except Exception as exc:  # the core raises a bare Exception with an error number
            raise EngineFailure(f"durable_rules refused the compiled ruleset: {exc}") from exc
        self._closed = False
        # freed when the last user lets go of it (a cache eviction must not pull it from under a request)
        self._free = weakref.finalize(self, core.delete_ruleset, self._handle)

    def match(self, facts: Mapping[str, FactValue]) -> set[str]:
        """Names of the rules whose condition the (validated) facts satisfy."""
        fact = dict(_FACT_IDENTITY)
        fields = self._fields
        for name, value in facts.items():
            known = fields.get(name)
            if known is not None:  # fields no condition reads stay out of the engine
                fact[known[0]] = engine_value(value) if known[1] else value
        payload = orjson.dumps(fact).decode()
        fired: set[str] = set()
        with self._lock:
            if self._closed:
                raise EngineFailure(f"ruleset {self.name} was closed")
            handle = self._handle
            try:
                result = core.assert_fact(handle, payload)
                if result[0] == 0:
                    state = result[1]
                    action = core.start_action_for_state(handle, state)
                    message = action[1] if action else None
                    add, complete, end = fired.add, core.complete_and_start_action, self._name_end
                    while message:
                        add(message[2 : end or message.index('"', 2)])  # '{"i012":{…}}': the rule's name
                        message = complete(handle, state)
                elif result[0] != 1:  # 1: nothing matched
                    raise EngineFailure(f"durable_rules answered {result[0]} to an assert")
            except EngineFailure:
                self._reset()
                raise
            except Exception as exc:
                self._reset()
                raise EngineFailure(f"durable_rules failed while matching: {exc}") from exc
            try:
                core.retract_fact(handle, payload)
            except Exception as exc:
                self._reset()
                raise EngineFailure(f"durable_rules failed to retract: {exc}") from exc
        return fired

    def _reset(self) -> None:
        # A failure may leave the fact or a pending action in the state; start the next match from scratch.
        with contextlib.suppress(Exception):
            core.delete_state(self._handle, _STATE)

    def close(self) -> None:
        """Free the core's ruleset; later matches fail."""
        with self._lock:
            self._closed = True
            self._free()
