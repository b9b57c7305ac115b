"""Witnesses: one concrete applicant inside a box of facts, preferably eligible, as a client would send it.

A derived age is given the way people state it: a date of birth with an application date (the version's
effective date unless the box says otherwise), and the age itself alongside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.facts import full_years
from engine.model import RulesetVersion
from engine.regions import Box, Space, TooComplex
from engine.valuesets import FieldSet, Interval, Numbers


@dataclass(frozen=True, slots=True)
class Witness:
    """An applicant that shows a finding: facts as a client sends them, scored on ``as_of``."""

    facts: dict[str, Any]
    as_of: dt.date
    derived: dict[str, Any] = field(default_factory=dict)  # e.g. {"age": 41}: what the facts make of it
    verified: bool | None = None  # the engine, scoring the facts, agreed with the finding

    def to_dict(self) -> dict[str, Any]:
        return {"facts": self.facts, "as_of": self.as_of.isoformat(), "derived": self.derived,
                "verified": self.verified}  # fmt: skip


def _years_before(day: dt.date, years: int) -> dt.date | None:
    if day.year - years < dt.MINYEAR:
        return None
    if (day.month, day.day) == (2, 29):
        day = day.replace(day=28)
    return day.replace(year=day.year - years)


class WitnessBuilder:
    """Turns a box into one concrete, preferably eligible, applicant."""

    _BUDGET = 5000

    def __init__(self, version: RulesetVersion, space: Space) -> None:
        self.version = version
        self.space = space
        self.reference = version.effective_from  # the application date of every witness
        self.requirements: list[list[Box]] = []
        for req in version.eligibility:
            try:
                self.requirements.append(space.boxes(req.when))
            except TooComplex:
                continue

    def build(self, must: Mapping[str, FieldSet], avoid: Sequence[Box] = ()) -> Witness | None:
        """An applicant inside ``must`` and outside every box of ``avoid``, or None if there is none."""
        budget = [self._BUDGET]
        box = self._dodge(dict(must), list(avoid), budget)
        if box is None:
            return None
        for options in self.requirements:
            for option in options:
                both = self.space.meet(box, option)
                if both is not None:
                    box = both
                    break
        return self._concrete(box)

    def _dodge(self, box: Box, avoid: list[Box], budget: list[int]) -> Box | None:
        for n, other in enumerate(avoid):
            if self.space.meet(box, other) is None:
                continue
            budget[0] -= 1
            if budget[0] < 0:
                return None
            for name, fs in other.items():
                rest = box.get(name, self.space.universe[name]) - fs
                if not rest.empty:
                    found = self._dodge({**box, name: rest}, avoid[n + 1 :], budget)
                    if found is not None:
                        return found
            return None
        return box

    def _concrete(self, box: Box) -> Witness | None:
        space = self.space
        derivations = {f.name: f.derived for f in self.version.facts if f.derived is not None}
        coupled = {d.source for d in derivations.values()} | {d.at for d in derivations.values()}
        facts: dict[str, Any] = {}
        for f in self.version.facts:
            if f.derived is None and f.name not in coupled:
                value = self._value(f.name, box.get(f.name, space.universe[f.name]))
                if value is not None:
                    facts[f.name] = value
        derived: dict[str, Any] = {}
        as_of = self.reference
        for name, how in derivations.items():
            age_set = box.get(name, space.universe[name])
            born_set = box.get(how.source, space.universe[how.source])
            if age_set.absent and born_set.absent:
                continue  # neither the date of birth nor the age: leave both out
            on = self._counted_on(how.at, box, facts)
            if on is None:
                return None
            as_of = on
            born = self._birth(name, age_set, born_set, on, constrained=name in box)
            if born is None:
                return None
            facts[how.source] = born.isoformat()
            derived[name] = full_years(born, on)
        self._fill(coupled - facts.keys(), box, facts)  # a date of birth or of application that no age needed
        return Witness(facts, as_of, derived)

    def _fill(self, names: set[str], box: Box, facts: dict[str, Any]) -> None:
        """A value the box allows for each of ``names`` (none for a field it leaves absent)."""
        for name in names:
            value = self._value(name, box.get(name, self.space.universe[name]))
            if value is not None:
                facts[name] = value

    def _counted_on(self, at: str, box: Box, facts: dict[str, Any]) -> dt.date | None:
        """The date an age is counted on: an application date the box allows (put in ``facts``), else the scoring
        date; None when the box allows no date at all."""
        at_set = box.get(at, self.space.universe.get(at))
        on = self.reference
        if at_set is None:
            return on
        if Decimal(on.toordinal()) in at_set.values:
            facts[at] = on.isoformat()
        elif at_set.present:
            picked = at_set.values.pick(None) if isinstance(at_set.values, Numbers) else None
            if picked is None:
                return None
            on = dt.date.fromordinal(int(picked))
            facts[at] = on.isoformat()
        # else the application date is left out and the scoring date stands in for it
        return on

    def _birth(self, name: str, ages: FieldSet, births: FieldSet, on: dt.date, constrained: bool) -> dt.date | None:
        """A date of birth that gives an age in ``ages`` on ``on``, itself in ``births``."""
        values = ages.values
        assert isinstance(values, Numbers) and isinstance(births.values, Numbers)
        candidates: list[Decimal] = []
        if not constrained and Decimal(30) in values:
            candidates.append(Decimal(30))  # an age nobody wonders about
        universe = self.space.universe[name].values
        assert isinstance(universe, Numbers)
        first = values.pick(universe.bottom())
        if first is not None:
            candidates.append(first)
        start = values.bottom()
        if start is not None:
            candidates += [start + n for n in range(200) if start + n in values]
        for age in candidates:
            latest = _years_before(on, int(age))
            earliest = _years_before(on, int(age) + 1)
            if latest is None:
                continue
            low = Decimal(earliest.toordinal() + 1 if earliest else dt.date.min.toordinal())
            chosen = (births.values & Numbers([Interval(low, Decimal(latest.toordinal()))], True)).top()
            if chosen is not None:
                born = dt.date.fromordinal(int(chosen))
                if full_years(born, on) == int(age):
                    return born
        return None

    def _value(self, name: str, fs: FieldSet) -> Any:
        """The value a witness gives a fact: None (left out) when it may be absent."""
        if fs.absent or fs.values.empty:
            return None
        kind = self.space.catalogue[name].type
        values = fs.values
        if isinstance(values, Numbers):
            if kind == "date":
                ordinal = Decimal(self.reference.toordinal())
                picked = ordinal if ordinal in values else values.pick(None)
                return dt.date.fromordinal(int(picked)).isoformat() if picked is not None else None
            universe = self.space.universe[name].values
            assert isinstance(universe, Numbers)
            picked = values.pick(universe.bottom())
            if picked is None:
                return None
            return int(picked) if kind == "int" else picked
        return values.pick(self.space.order(name))
