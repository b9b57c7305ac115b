"""Which version is in force: one function, used wherever a version is chosen by year and date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Protocol, TypeVar

from engine.errors import VersionNotFound


class Versioned(Protocol):
    @property
    def year(self) -> int: ...
    @property
    def revision(self) -> int: ...
    @property
    def status(self) -> str: ...
    @property
    def effective_from(self) -> dt.date: ...


V = TypeVar("V", bound=Versioned)


def in_force(versions: Iterable[V], year: int, on: dt.date) -> V:
    """The published version of ``year`` with the latest ``effective_from`` ≤ ``on``, then the highest revision.

    Raises VersionNotFound naming the year and date when there is none.
    """
    candidates = [v for v in versions if v.year == year and v.status == "published" and v.effective_from <= on]
    if not candidates:
        raise VersionNotFound(f"no version in force for {year} on {on.isoformat()}")
    return max(candidates, key=lambda v: (v.effective_from, v.revision))
