"""Compare the results of two versions on a population: how many gain or lose, by how much, and why.

Pure bookkeeping over engine results, so that a process pool can tally its share of a population and the
parent can merge the shares in input order. Every figure is exact: totals and points are Decimals, the
deltas are kept as a count per distinct value (they have two decimals within a bounded range, so the
counter stays small however large the population), which gives the exact median without a list.

Definitions (docs/clerk/impact.md repeats them for readers of the report):

- ``applications`` counts every entry of the population; ``errors`` lists those that either version refuses
  (or that cannot be read), each with the reasons; every other figure is over the ``scored`` rest.
- a total is the result's ``total``: an ineligible application counts with 0. Category and indicator
  points are those of the breakdown, which the engine computes for ineligible applications too.
- ``delta`` is new − base per application: ``mean`` rounded half-up to 2 decimals, ``median`` the middle
  value, or for an even count the exact mean of the two middle values (it may have a third decimal),
  ``min`` and ``max``; all null when nothing was scored.
- ``histogram``: half-open bins of 10 points, ``[0,10)``, ``[10,20)`` … ``[290,300)``, ``[300,310)`` (which
  under the policy's caps holds exactly 300), from 0 to the highest bin either version reaches.
- per category and indicator code (the codes of both versions; points of a code a version lacks are 0):
  ``changed`` applications whose points differ, ``sum`` of the change, ``mean`` of the change over the
  changed applications and ``mean_all`` over all scored applications (both rounded half-up to 2 decimals,
  null when the count is 0).
- a cutoff is crossed ``up`` when base < cutoff ≤ new, ``down`` when new < cutoff ≤ base.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any

from engine.canonical import plain_number
from engine.model import RulesetVersion

ZERO = Decimal(0)
BIN_WIDTH = 10
_CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Side:
    """What the comparison needs of one version's result for one application."""

    eligible: bool
    total: Decimal
    categories: Mapping[str, Decimal]
    indicators: Mapping[str, Decimal]

    @classmethod
    def of(cls, result: Mapping[str, Any]) -> Side:
        """The figures of an engine result (``CompiledVersion.score``)."""
        return cls(
            bool(result["eligible"]),
            result["total"],
            {c["code"]: c["points"] for c in result["categories"]},
            {i["code"]: i["points"] for i in result["indicators"]},
        )


@dataclass(frozen=True, slots=True)
class Frame:
    """What every share of one analysis has in common: the codes compared and the cutoffs.

    Each code comes with what the report says of it: a category its ``name`` and ``kind`` (add or deduct), an
    indicator its ``name`` and ``category``.
    """

    categories: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    indicators: tuple[tuple[str, tuple[tuple[str, str], ...]], ...]
    cutoffs: tuple[Decimal, ...]

    @classmethod
    def of(cls, base: RulesetVersion, version: RulesetVersion, cutoffs: Iterable[Decimal] = ()) -> Frame:
        """The codes of ``version`` in its order, then those only ``base`` has; cutoffs once each, as given.

        >>> # Frame.of(v2025, v2026).indicators[0] == ("P1", (("name", "年龄"), ("category", "provincial")))
        """

        def categories(v: RulesetVersion) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
            return [(c.code, (("name", c.name), ("kind", c.kind))) for c in v.categories]

        def indicators(v: RulesetVersion) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
            return [(i.code, (("name", i.name), ("category", i.category))) for i in v.indicators]

        return cls(
            _union(categories(version), categories(base)),
            _union(indicators(version), indicators(base)),
            tuple(dict.fromkeys(cutoffs)),
        )


def _union(
    first: list[tuple[str, tuple[tuple[str, str], ...]]], then: list[tuple[str, tuple[tuple[str, str], ...]]]
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    seen = {code for code, _ in first}
    return tuple(first + [(code, about) for code, about in then if code not in seen])


@dataclass(slots=True)
class _Change:
    changed: int = 0
    sum: Decimal = ZERO


@dataclass(slots=True)
class _Cutoff:
    up: int = 0
    down: int = 0
    crossings: list[dict[str, Any]] = field(default_factory=list)


def histogram_bin(total: Decimal) -> int:
    """The lower bound of the bin of a total (totals are never negative).

    >>> histogram_bin(Decimal("9.75")), histogram_bin(Decimal(10)), histogram_bin(Decimal(300))
    (0, 10, 300)
    """
    return int(total // BIN_WIDTH) * BIN_WIDTH


def _mean(total: Decimal, count: int) -> Decimal | None:
    if count == 0:
        return None
    with localcontext() as ctx:
        ctx.prec = 60  # far beyond any sum of two-decimal points: the quotient is exact where rounding looks
        return (total / count).quantize(_CENT, rounding=ROUND_HALF_UP)


def median(counts: Mapping[Decimal, int]) -> Decimal | None:
    """The median of values given as a count per value; for an even count the mean of the two middle values.

    >>> median({Decimal(1): 1, Decimal("2.5"): 2}), median({Decimal(0): 2, Decimal("0.25"): 2})
    (Decimal('2.5'), Decimal('0.125'))
    """
    n = sum(counts.values())
    if n == 0:
        return None
    wanted = sorted({(n - 1) // 2, n // 2})
    found: list[Decimal] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
        if not wanted:
            break
    with localcontext() as ctx:
        ctx.prec = 60
        return found[0] if len(found) == 1 else (found[0] + found[1]) / 2


class Tally:
    """The running figures of an impact analysis over a share of a population; shares merge in order."""

    def __init__(self, frame: Frame) -> None:
        self.frame = frame
        self.applications = 0
        self.scored = 0
        self.eligible = [0, 0]
        self.changed = self.gained = self.lost = 0
        self.deltas: Counter[Decimal] = Counter()
        self.bins: tuple[Counter[int], Counter[int]] = (Counter(), Counter())
        self.categories = {code: _Change() for code, _ in frame.categories}
        self.indicators = {code: _Change() for code, _ in frame.indicators}
        self.cutoffs = {cutoff: _Cutoff() for cutoff in frame.cutoffs}
        self.errors: list[dict[str, Any]] = []

    def add(self, position: int, ref: Any, base: Side, new: Side) -> None:
        """Count one application scored under both versions."""
        self.applications += 1
        self.scored += 1
        self.eligible[0] += base.eligible
        self.eligible[1] += new.eligible
        delta = new.total - base.total
        self.deltas[delta] += 1
        if delta:
            self.changed += 1
            if delta > 0:
                self.gained += 1
            else:
                self.lost += 1
        self.bins[0][histogram_bin(base.total)] += 1
        self.bins[1][histogram_bin(new.total)] += 1
        _count_changes(self.categories, base.categories, new.categories)
        moved = _count_changes(self.indicators, base.indicators, new.indicators)
        for cutoff, tally in self.cutoffs.items():
            if base.total < cutoff <= new.total:
                tally.up += 1
            elif new.total < cutoff <= base.total:
                tally.down += 1
            else:
                continue
            tally.crossings.append(
                {
                    "position": position,
                    "application_ref": ref,
                    "direction": "up" if delta > 0 else "down",
                    "base": base.total,
                    "version": new.total,
                    "eligible": {"base": base.eligible, "version": new.eligible},
                    "indicators": [
                        {
                            "code": code,
                            "base": base.indicators.get(code, ZERO),
                            "version": new.indicators.get(code, ZERO),
                            "change": new.indicators.get(code, ZERO) - base.indicators.get(code, ZERO),
                        }
                        for code in moved
                    ],
                }
            )

    def refuse(
        self,
        position: int,
        ref: Any,
        reasons: Mapping[str, Mapping[str, list[str]]],
        reasons_zh: Mapping[str, Mapping[str, list[str]]] | None = None,
    ) -> None:
        """Count an application that cannot be compared: ``reasons`` maps ``base``, ``version`` (or ``input``,
        for an entry that cannot be read) to its field errors; ``reasons_zh`` the same in Chinese."""
        self.applications += 1
        error: dict[str, Any] = {
            "position": position,
            "application_ref": ref,
            "refused_by": list(reasons),
            "reasons": {side: dict(errors) for side, errors in reasons.items()},
        }
        if reasons_zh is not None:
            error["reasons_zh"] = {side: dict(errors) for side, errors in reasons_zh.items()}
        self.errors.append(error)

    def merge(self, other: Tally) -> None:
        """Add a later share of the population (its lists come after this one's)."""
        self.applications += other.applications
        self.scored += other.scored
        self.eligible = [a + b for a, b in zip(self.eligible, other.eligible)]
        self.changed += other.changed
        self.gained += other.gained
        self.lost += other.lost
        self.deltas.update(other.deltas)
        for mine, theirs in zip(self.bins, other.bins):
            mine.update(theirs)
        for own, more in ((self.categories, other.categories), (self.indicators, other.indicators)):
            for code, change in more.items():
                own[code].changed += change.changed
                own[code].sum += change.sum
        for cutoff, tally in other.cutoffs.items():
            self.cutoffs[cutoff].up += tally.up
            self.cutoffs[cutoff].down += tally.down
            self.cutoffs[cutoff].crossings += tally.crossings
        self.errors += other.errors

    def report(self) -> dict[str, Any]:
        """The figures as one JSON-ready mapping (Decimals stay Decimals; ``engine.dumps`` writes them)."""
        deltas = self.deltas
        scored = self.scored
        total_delta = sum((value * count for value, count in deltas.items()), ZERO)
        return {
            "applications": self.applications,
            "scored": scored,
            "errors": self.errors,
            "eligible": {"base": self.eligible[0], "version": self.eligible[1]},
            "changed": self.changed,
            "gained": self.gained,
            "lost": self.lost,
            "unchanged": scored - self.changed,
            "delta": {
                "mean": _mean(total_delta, scored),
                "median": median(deltas),
                "min": min(deltas) if deltas else None,
                "max": max(deltas) if deltas else None,
            },
            "histogram": self._histogram(),
            "categories": _changes(self.frame.categories, self.categories, scored),
            "indicators": _changes(self.frame.indicators, self.indicators, scored),
            "cutoffs": {
                _number_key(cutoff): {"cutoff": cutoff, "up": t.up, "down": t.down, "crossings": t.crossings}
                for cutoff, t in self.cutoffs.items()
            },
        }

    def _histogram(self) -> list[dict[str, Any]]:
        base, new = self.bins
        if not base and not new:
            return []
        top = max(max(base, default=0), max(new, default=0))
        return [
            {
                "from": low,
                "to": low + BIN_WIDTH,
                "label": f"[{low},{low + BIN_WIDTH})",
                "base": base[low],
                "version": new[low],
            }
            for low in range(0, top + BIN_WIDTH, BIN_WIDTH)
        ]


def _count_changes(tallies: dict[str, _Change], base: Mapping[str, Decimal], new: Mapping[str, Decimal]) -> list[str]:
    """Count the codes whose points differ; return them in the frame's order."""
    moved = []
    for code, tally in tallies.items():
        change = new.get(code, ZERO) - base.get(code, ZERO)
        if change:
            tally.changed += 1
            tally.sum += change
            moved.append(code)
    return moved


def _changes(
    codes: Sequence[tuple[str, tuple[tuple[str, str], ...]]], tallies: Mapping[str, _Change], scored: int
) -> dict[str, Any]:
    return {
        code: {
            **dict(about),
            "changed": tallies[code].changed,
            "sum": tallies[code].sum,
            "mean": _mean(tallies[code].sum, tallies[code].changed),
            "mean_all": _mean(tallies[code].sum, scored),
        }
        for code, about in codes
    }


def _number_key(value: Decimal) -> str:
    """A cutoff as the text of its JSON number: ``120``, ``120.5``."""
    return str(plain_number(value))


def identity(version: RulesetVersion) -> dict[str, Any]:
    """How a report names a version."""
    return {"ref": version.ref, "status": version.status, "content_hash": version.content_hash}


def header(base: RulesetVersion, version: RulesetVersion, on: dt.date, population: str) -> dict[str, Any]:
    """The report's first keys: what was compared, on which date, over which population."""
    return {"version": identity(version), "base": identity(base), "date": on.isoformat(), "population": population}
