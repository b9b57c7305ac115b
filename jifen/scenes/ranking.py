"""The ranked list of a scene, from its basis: pure, exact, deterministic (no database, no floats).

Order: total descending, then the scene's tie-breakers (a category's or an indicator's points descending,
``received_on`` ascending), then — so that the order never depends on the database — the application reference
ascending (the *final key*, which never decides a place: see ties). Every applicant of the basis gets a distinct
rank in that order. Those whose total reaches the threshold are entitled in rank order up to the quota. When the
applicants just inside and just outside the quota are equal on every configured key (total and tie-breakers), the
whole tied group is treated alike: ``admit_all`` admits all of them (the quota is exceeded, and each says so),
``flag`` leaves each of them undecided (``entitled`` None) for the bureau's decision — never cut by the final key.

>>> from decimal import Decimal as D
>>> import datetime as dt
>>> day = dt.date(2026, 3, 1)
>>> basis = [Candidate("A", "s1", D("90"), day, ()), Candidate("B", "s2", D("80"), day, ()),
...          Candidate("C", "s3", D("80"), day, ()), Candidate("D", "s4", D("70"), day, ())]
>>> [(e.application_ref, e.rank, e.entitled, e.outcome) for e in rank(basis, [], D("75"), 2, "flag")]
[('A', 1, True, 'admitted'), ('B', 2, None, 'tie_flagged'), ('C', 3, None, 'tie_flagged'), ('D', 4, False, 'below_threshold')]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.canonical import number_text

# What the list says of each applicant: in the basis (ranked) or out of it, and why
RANKED = ("admitted", "admitted_tie", "tie_flagged", "over_quota", "below_threshold")
OUT = ("voided", "expired", "not_published", "published_late", "re_reviewing", "ineligible")
OUTCOMES = RANKED + OUT


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ is twice as slow, and lists hold 100,000
class Candidate:
    """An applicant of the basis: the current score's total and the values of the scene's tie-breakers (in the
    ranking's order, each already oriented so that the smaller value ranks first)."""

    application_ref: str
    score_id: str
    total: Decimal
    received_on: dt.date
    keys: tuple[Any, ...]


@dataclass(slots=True)
class Left:
    """An applicant left out of the basis, with the outcome that says why and the values its reason names."""

    application_ref: str
    score_id: str | None
    total: Decimal | None
    outcome: str
    params: dict[str, Any]


@dataclass(slots=True)
class Entry:
    """One line of a scene's list."""

    position: int
    application_ref: str
    score_id: str | None
    total: Decimal | None
    rank: int | None
    entitled: bool | None
    outcome: str
    params: dict[str, Any]

    def document(self) -> dict[str, Any]:
        """The line as the list's canonical JSON holds it (and its hash covers)."""
        return {
            "position": self.position,
            "application_ref": self.application_ref,
            "score_id": self.score_id,
            "total": None if self.total is None else number_text(self.total),
            "rank": self.rank,
            "entitled": self.entitled,
            "outcome": self.outcome,
            "params": self.params,
        }


def order_key(candidate: Candidate) -> tuple[Any, ...]:
    return (-candidate.total, *candidate.keys, candidate.application_ref)


def _tied(a: Candidate, b: Candidate) -> bool:
    """Equal on every configured key (the final key aside)."""
    return a.total == b.total and a.keys == b.keys


def _tie_group(ranked: Sequence[Candidate], passing: int, quota: int) -> tuple[int, int] | None:
    """[start, end) of the group tied across the quota's edge, or None when the edge falls between two applicants
    who differ on a configured key."""
    if passing <= quota or not _tied(ranked[quota - 1], ranked[quota]):
        return None
    start, end = quota - 1, quota + 1
    while start > 0 and _tied(ranked[start - 1], ranked[quota - 1]):
        start -= 1
    while end < passing and _tied(ranked[end], ranked[quota - 1]):
        end += 1
    return start, end


def _outcomes(ranked: Sequence[Candidate], threshold: Decimal, quota: int | None, ties: str) -> list[tuple[Any, ...]]:
    """(entitled, outcome, params) for each ranked candidate."""
    passing = sum(1 for c in ranked if c.total >= threshold)  # the passing ones are a prefix: total ranks first
    places = passing if quota is None else min(quota, passing)
    group = None if quota is None else _tie_group(ranked, passing, quota)
    answers: list[tuple[Any, ...]] = []
    for k, candidate in enumerate(ranked):
        rank = k + 1
        if group is not None and group[0] <= k < group[1]:
            tied, place = group[1] - group[0], group[0] + 1
            if ties == "admit_all":
                answers.append((True, "admitted_tie", {"place": place, "tied": tied, "quota": quota,
                                                       "admitted": group[1]}))  # fmt: skip
            else:
                answers.append((None, "tie_flagged", {"place": place, "tied": tied, "left": (quota or 0) - group[0]}))
        elif k < places and (group is None or k < group[0]):
            answers.append((True, "admitted", {"rank": rank}))
        elif candidate.total >= threshold:
            answers.append((False, "over_quota", {"rank": rank, "quota": quota}))
        else:
            answers.append((False, "below_threshold", {"gap": number_text(threshold - candidate.total)}))
    return answers


def rank(
    basis: Iterable[Candidate], left: Iterable[Left], threshold: Decimal, quota: int | None, ties: str
) -> list[Entry]:
    """The list: the basis ranked (rank 1 first), then those left out by reference."""
    ranked = sorted(basis, key=order_key)
    entries = [
        Entry(k + 1, c.application_ref, c.score_id, c.total, k + 1, entitled, outcome, params)
        for k, (c, (entitled, outcome, params)) in enumerate(zip(ranked, _outcomes(ranked, threshold, quota, ties)))
    ]
    start = len(entries)
    for k, out in enumerate(sorted(left, key=lambda o: o.application_ref)):
        entries.append(Entry(start + k + 1, out.application_ref, out.score_id, out.total, None, False, out.outcome,
                             out.params))  # fmt: skip
    return entries
