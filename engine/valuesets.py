"""Exact sets of fact values: unions of intervals of numbers, and sets of options.

:class:`Numbers` is a union of intervals with open or closed ends (whole numbers only for int and date facts,
dates as day numbers); :class:`Options` is a set of enum values or booleans, or, for text, every string but a
few; :class:`FieldSet` adds whether the fact may be absent. Each supports intersection (``&``), union
(``|``) and difference (``-``), so that the lint can reason about conditions exactly instead of sampling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from engine.canonical import number_text

_STEPS = (Decimal(1), Decimal("0.5"), Decimal("0.1"), Decimal("0.01"))


def _floor(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_FLOOR)


def _ceil(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_CEILING)


@dataclass(frozen=True, slots=True)
class Interval:
    """From ``lo`` to ``hi`` (None: unbounded), each end open or closed."""

    lo: Decimal | None
    hi: Decimal | None
    lo_open: bool = False
    hi_open: bool = False

    def __contains__(self, value: Decimal) -> bool:
        above = self.lo is None or value > self.lo or (value == self.lo and not self.lo_open)
        below = self.hi is None or value < self.hi or (value == self.hi and not self.hi_open)
        return above and below


def _whole(part: Interval) -> Interval | None:
    """The whole numbers of ``part`` as a closed interval, or None when there are none."""
    lo = part.lo if part.lo is None else (_floor(part.lo) + 1 if part.lo_open else _ceil(part.lo))
    hi = part.hi if part.hi is None else (_ceil(part.hi) - 1 if part.hi_open else _floor(part.hi))
    if lo is not None and hi is not None and lo > hi:
        return None
    return Interval(lo, hi)


def _proper(part: Interval) -> Interval | None:
    lo, hi = part.lo, part.hi
    if lo is not None and hi is not None and (lo > hi or (lo == hi and (part.lo_open or part.hi_open))):
        return None
    return part


def _touches(left: Interval, right: Interval, integer: bool) -> bool:
    """Whether ``right`` (which does not start before ``left``) overlaps or adjoins ``left``."""
    if left.hi is None or right.lo is None:
        return True
    if integer:
        return right.lo <= left.hi + 1
    return right.lo < left.hi or (right.lo == left.hi and not (left.hi_open and right.lo_open))


def _later_end(a: Interval, b: Interval) -> tuple[Decimal | None, bool]:
    if a.hi is None or b.hi is None:
        return None, False
    if a.hi != b.hi:
        return (a.hi, a.hi_open) if a.hi > b.hi else (b.hi, b.hi_open)
    return a.hi, a.hi_open and b.hi_open


class Numbers:
    """A union of disjoint intervals in increasing order; whole numbers only when ``integer``.

    >>> Numbers([Interval(None, Decimal(40))], True) | Numbers([Interval(Decimal(41), None)], True)
    Numbers('any', integer=True)
    """

    __slots__ = ("integer", "parts")

    def __init__(self, parts: Iterable[Interval], integer: bool) -> None:
        self.integer = integer
        proper = [p for p in ((_whole if integer else _proper)(p) for p in parts) if p is not None]
        proper.sort(key=lambda p: (p.lo is not None, p.lo or 0, p.lo_open))
        merged: list[Interval] = []
        for part in proper:
            if merged and _touches(merged[-1], part, integer):
                last = merged[-1]
                hi, hi_open = _later_end(last, part)
                merged[-1] = Interval(last.lo, hi, last.lo_open, hi_open)
            else:
                merged.append(part)
        self.parts = tuple(merged)

    @classmethod
    def everything(cls, integer: bool) -> Numbers:
        return cls([Interval(None, None)], integer)

    @classmethod
    def point(cls, value: Decimal, integer: bool) -> Numbers:
        return cls([Interval(value, value)], integer)

    @property
    def empty(self) -> bool:
        return not self.parts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Numbers) and (self.integer, self.parts) == (other.integer, other.parts)

    def __hash__(self) -> int:
        return hash((self.integer, self.parts))

    def __repr__(self) -> str:
        return f"Numbers({self.describe()!r}, integer={self.integer})"

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, Decimal) or (self.integer and value != _floor(value)):
            return False
        return any(value in part for part in self.parts)

    def __and__(self, other: Numbers) -> Numbers:
        out = []
        for a in self.parts:
            for b in other.parts:
                lo, lo_open = a.lo, a.lo_open
                if b.lo is not None and (lo is None or b.lo > lo or (b.lo == lo and b.lo_open)):
                    lo, lo_open = b.lo, b.lo_open
                hi, hi_open = a.hi, a.hi_open
                if b.hi is not None and (hi is None or b.hi < hi or (b.hi == hi and b.hi_open)):
                    hi, hi_open = b.hi, b.hi_open
                out.append(Interval(lo, hi, lo_open, hi_open))
        return Numbers(out, self.integer and other.integer)

    def __or__(self, other: Numbers) -> Numbers:
        return Numbers(self.parts + other.parts, self.integer and other.integer)

    def __invert__(self) -> Numbers:
        out: list[Interval] = []
        lo: Decimal | None = None
        lo_open = False
        for part in self.parts:
            if part.lo is not None:
                if self.integer:
                    out.append(Interval(lo, part.lo - 1))
                else:
                    out.append(Interval(lo, part.lo, lo_open, not part.lo_open))
            if part.hi is None:
                return Numbers(out, self.integer)
            lo, lo_open = (part.hi + 1, False) if self.integer else (part.hi, not part.hi_open)
        out.append(Interval(lo, None, lo_open, False))
        return Numbers(out, self.integer)

    def __sub__(self, other: Numbers) -> Numbers:
        return self & ~other

    def bottom(self) -> Decimal | None:
        """The least member, or a member near the open lower end; None when empty or unbounded below."""
        if not self.parts or self.parts[0].lo is None:
            return None
        part = self.parts[0]
        assert part.lo is not None
        if not part.lo_open:
            return part.lo
        return self._inside(part, [part.lo + step for step in _STEPS])

    def top(self) -> Decimal | None:
        """The greatest member, or a member near the open upper end; None when empty or unbounded above."""
        if not self.parts or self.parts[-1].hi is None:
            return None
        part = self.parts[-1]
        assert part.hi is not None
        if not part.hi_open:
            return part.hi
        return self._inside(part, [part.hi - step for step in _STEPS])

    @staticmethod
    def _inside(part: Interval, candidates: list[Decimal]) -> Decimal:
        for value in candidates:
            if value in part:
                return value
        assert part.lo is not None and part.hi is not None  # a narrow interval is bounded on both sides
        return (part.lo + part.hi) / 2

    def pick(self, floor: Decimal | None) -> Decimal | None:
        """A readable member: the bound a condition sets, i.e. the top of the first interval when it starts
        at ``floor`` (the fact's own lower end), else its bottom; 0 for a set without bounds."""
        if not self.parts:
            return None
        first = Numbers([self.parts[0]], self.integer)
        part = self.parts[0]
        if part.hi is not None and (part.lo is None or (floor is not None and part.lo <= floor)):
            return first.top()
        if part.lo is not None:
            return first.bottom()
        return Decimal(0)

    def describe(self, as_date: bool = False) -> str:
        """``41–54``, ``≥ 61``, ``(40, 41)``, ``40, 42``; ``any`` for every number."""
        if not self.parts:
            return "none"
        return ", ".join(self._part_text(p, as_date) for p in self.parts)

    def _part_text(self, part: Interval, as_date: bool) -> str:
        def text(value: Decimal) -> str:
            return dt.date.fromordinal(int(value)).isoformat() if as_date else number_text(value)

        lo, hi = part.lo, part.hi
        if lo is None and hi is None:
            return "any"
        if lo is None:
            assert hi is not None
            return f"{'<' if part.hi_open else '≤'} {text(hi)}"
        if hi is None:
            return f"{'>' if part.lo_open else '≥'} {text(lo)}"
        if lo == hi:
            return text(lo)
        if part.lo_open or part.hi_open:
            return f"{'(' if part.lo_open else '['}{text(lo)}, {text(hi)}{')' if part.hi_open else ']'}"
        return f"{text(lo)}–{text(hi)}"


@dataclass(frozen=True, slots=True)
class Options:
    """A set of discrete values: exactly ``values``, or (``cofinite``) every value but them."""

    values: frozenset[object]
    cofinite: bool = False

    @property
    def empty(self) -> bool:
        return not self.cofinite and not self.values

    def __contains__(self, value: object) -> bool:
        return (value in self.values) != self.cofinite

    def __and__(self, other: Options) -> Options:
        if self.cofinite and other.cofinite:
            return Options(self.values | other.values, True)
        if self.cofinite:
            return Options(other.values - self.values)
        if other.cofinite:
            return Options(self.values - other.values)
        return Options(self.values & other.values)

    def __invert__(self) -> Options:
        return Options(self.values, not self.cofinite)

    def __or__(self, other: Options) -> Options:
        return ~(~self & ~other)

    def __sub__(self, other: Options) -> Options:
        return self & ~other

    def pick(self, order: tuple[object, ...]) -> object | None:
        """The first member in ``order``; for a cofinite set of text, a text it holds."""
        for value in order:
            if value in self:
                return value
        if self.cofinite:
            n = 1
            while f"x{n}" in self.values:
                n += 1
            return f"x{n}"
        return None

    def describe(self, order: tuple[object, ...]) -> str:
        def text(value: object) -> str:
            return str(value).lower() if isinstance(value, bool) else str(value)

        members = [v for v in order if v in self.values] + sorted((v for v in self.values if v not in order), key=str)
        listing = ", ".join(text(v) for v in members)
        if self.cofinite:
            return f"not {listing}" if listing else "any"
        return listing or "none"


Values = Numbers | Options


def _meet(a: Values, b: Values) -> Values:
    if isinstance(a, Numbers) and isinstance(b, Numbers):
        return a & b
    assert isinstance(a, Options) and isinstance(b, Options)
    return a & b


def _join(a: Values, b: Values) -> Values:
    if isinstance(a, Numbers) and isinstance(b, Numbers):
        return a | b
    assert isinstance(a, Options) and isinstance(b, Options)
    return a | b


def minus(a: Values, b: Values) -> Values:
    if isinstance(a, Numbers) and isinstance(b, Numbers):
        return a - b
    assert isinstance(a, Options) and isinstance(b, Options)
    return a - b


@dataclass(frozen=True, slots=True)
class FieldSet:
    """What one fact may be: absent (when ``absent``) or any of ``values``."""

    absent: bool
    values: Values

    @property
    def empty(self) -> bool:
        return not self.absent and self.values.empty

    @property
    def present(self) -> bool:
        """The fact must be present."""
        return not self.absent

    def __and__(self, other: FieldSet) -> FieldSet:
        return FieldSet(self.absent and other.absent, _meet(self.values, other.values))

    def __or__(self, other: FieldSet) -> FieldSet:
        return FieldSet(self.absent or other.absent, _join(self.values, other.values))

    def __sub__(self, other: FieldSet) -> FieldSet:
        return FieldSet(self.absent and not other.absent, minus(self.values, other.values))
