"""Conditions as unions of boxes over a version's facts: what the lint reasons with.

A *box* maps some fields to a :class:`~engine.valuesets.FieldSet` each (a field it does not name may be
anything), and a condition becomes a list of boxes whose union is exactly the applicants it holds for: its
disjunctive normal form. Nothing is sampled. Each fact's range comes from the catalogue (type, min, max,
options, required); a derived age is never negative. The engine's rule for a missing fact holds here too:
every operator but ``not_exists`` needs the fact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from engine.model import Clause, Condition, FactField, RulesetVersion
from engine.valuesets import FieldSet, Interval, Numbers, Options, Values, minus

MAX_BOXES = 4096  # a condition that expands beyond this is reported, not checked


class TooComplex(Exception):
    """A condition's normal form has more than MAX_BOXES boxes."""


Box = dict[str, FieldSet]


class Space:
    """The facts of one version with their possible values, and its conditions as boxes."""

    def __init__(self, version: RulesetVersion) -> None:
        self.catalogue = version.catalogue
        self.universe = {f.name: self._universe(f) for f in version.facts}

    def _universe(self, field: FactField) -> FieldSet:
        absent = not field.required
        if field.derived is not None:
            source = self.catalogue.get(field.derived.source)
            absent = source is None or not source.required
        if field.type in ("int", "number", "date"):
            integer = field.type != "number"
            lo, hi = field.min, field.max
            if field.type == "date":
                lo, hi = Decimal(dt.date.min.toordinal()), Decimal(dt.date.max.toordinal())
            if field.derived is not None:  # full years between two dates: never negative
                lo = Decimal(0) if lo is None else max(lo, Decimal(0))
            return FieldSet(absent, Numbers([Interval(lo, hi)], integer))
        if field.type == "bool":
            return FieldSet(absent, Options(frozenset({True, False})))
        if field.type == "enum":
            return FieldSet(absent, Options(frozenset(field.values)))
        return FieldSet(absent, Options(frozenset(), cofinite=True))

    def order(self, name: str) -> tuple[object, ...]:
        """The values of a discrete fact in the order a reader expects (true first; the catalogue's order)."""
        field = self.catalogue[name]
        if field.type == "bool":
            return (True, False)
        return tuple(field.values)

    def scalar(self, name: str, value: object) -> Decimal | object:
        """A condition's value as the sets hold it: numbers and dates as Decimals."""
        if isinstance(value, dt.date):
            return Decimal(value.toordinal())
        if isinstance(value, int) and not isinstance(value, bool):
            return Decimal(value)
        return value

    def _values_of(self, name: str, values: Iterable[object]) -> Values:
        universe = self.universe[name].values
        if isinstance(universe, Numbers):
            out = Numbers([], universe.integer)
            for v in values:
                scalar = self.scalar(name, v)
                assert isinstance(scalar, Decimal)
                out = out | Numbers.point(scalar, universe.integer)
            return out
        return Options(frozenset(self.scalar(name, v) for v in values))

    def clause(self, clause: Clause) -> FieldSet:
        """The values of the clause's fact for which the clause holds, within the fact's range."""
        universe = self.universe[clause.field]
        everything: Values = (
            Numbers.everything(universe.values.integer)
            if isinstance(universe.values, Numbers)
            else Options(frozenset(), cofinite=True)
        )
        op = clause.op
        if op == "exists":
            return universe & FieldSet(False, everything)
        if op == "not_exists":
            return universe & FieldSet(True, minus(everything, everything))
        listed = clause.value if isinstance(clause.value, tuple) else (clause.value,)
        points = self._values_of(clause.field, listed)
        if op in ("==", "in"):
            chosen = points
        elif op in ("!=", "not_in"):
            chosen = minus(everything, points)
        else:
            bound = self.scalar(clause.field, clause.value)
            assert isinstance(bound, Decimal) and isinstance(everything, Numbers)
            integer = everything.integer
            rays = {
                "<": Interval(None, bound, hi_open=True),
                "<=": Interval(None, bound),
                ">": Interval(bound, None, lo_open=True),
                ">=": Interval(bound, None),
            }
            chosen = Numbers([rays[op]], integer)
        return universe & FieldSet(False, chosen)

    def meet(self, a: Mapping[str, FieldSet], b: Mapping[str, FieldSet]) -> Box | None:
        """The intersection of two boxes, or None when it is empty."""
        out = dict(a)
        for name, fs in b.items():
            both = out[name] & fs if name in out else fs
            if both.empty:
                return None
            out[name] = both
        return out

    def boxes(self, cond: Condition | None) -> list[Box]:
        """The condition as boxes whose union is exactly where it holds; ``[]`` when it never holds.

        Raises TooComplex beyond MAX_BOXES boxes.
        """
        if cond is None:
            return [{}]
        if isinstance(cond, Clause):
            fs = self.clause(cond)
            return [] if fs.empty else [{cond.field: fs}]
        if cond.mode == "any":
            out = [box for child in cond.conditions for box in self.boxes(child)]
        else:
            out = [{}]
            for child in cond.conditions:
                parts = self.boxes(child)
                out = [m for a in out for b in parts if (m := self.meet(a, b)) is not None]
                if len(out) > MAX_BOXES:
                    raise TooComplex
        if len(out) > MAX_BOXES:
            raise TooComplex
        return out

    def project(self, cond: Condition, name: str) -> FieldSet:
        """The values of one fact for which the condition could hold, ignoring every other fact."""
        if isinstance(cond, Clause):
            return self.clause(cond) if cond.field == name else self.universe[name]
        parts = [self.project(c, name) for c in cond.conditions]
        out = parts[0]
        for part in parts[1:]:
            out = (out & part) if cond.mode == "all" else (out | part)
        return out

    def describe(self, name: str, fs: FieldSet) -> str:
        """A set of values as text without words of any language: ``41–54``, ``national, city``."""
        if isinstance(fs.values, Numbers):
            text = fs.values.describe(as_date=self.catalogue[name].type == "date")
        else:
            text = fs.values.describe(self.order(name))
        if fs.values.empty:
            return "null" if fs.absent else "none"
        return text
