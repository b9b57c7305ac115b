"""Scoring with versions from the database: compiled once per content hash per process.

Scoring asks little of the database: one small query finds the version (in force, or pinned) as a
``VersionRef``; its rows are read only the first time this process meets its content hash.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from engine import CompiledVersion, RulesetError, RulesetVersion, compile_version
from engine.errors import VersionNotFound
from engine.evaluator import compiled_if_cached
from engine.result import JsonScore
from engine.selection import in_force
from jifen.errors import NotFound, NoVersionInForce, Refused
from jifen.messages import refusal
from jifen.standard import stored
from jifen.store.models import Ruleset, RulesetVersionRow


@dataclass(frozen=True, slots=True)
class VersionRef:
    """What scoring needs to know of a version (the fields ``engine.selection.in_force`` reads, and its identity)."""

    id: int
    ruleset: str
    year: int
    revision: int
    status: str
    effective_from: dt.date
    content_hash: str

    @property
    def ref(self) -> str:
        return f"{self.ruleset}/{self.year}/{self.revision}"


_COLUMNS = (
    RulesetVersionRow.id, Ruleset.code, RulesetVersionRow.year, RulesetVersionRow.revision, RulesetVersionRow.status,
    RulesetVersionRow.effective_from, RulesetVersionRow.content_hash,
)  # fmt: skip


class _PublishedCache:
    """The published versions of a (ruleset, year) — or of every year (year None) — remembered briefly by each process.

    Scoring asks which version is in force on every request; the answer changes only when a version is
    published or retired. This process forgets at once when it does that itself; other processes (gunicorn
    workers) notice within ``TTL`` seconds. Every score records the exact version it used either way.
    """

    TTL = 1.0

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str, int | None], tuple[float, list[VersionRef]]] = {}

    def get(self, key: tuple[str, str, int | None]) -> list[VersionRef] | None:
        with self._lock:
            hit = self._entries.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, key: tuple[str, str, int | None], versions: list[VersionRef]) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + self.TTL, versions)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


published_cache = _PublishedCache()


def _versions() -> Select[tuple[Any, ...]]:
    """The versions' columns with their ruleset's, built only when a query runs (not when the cache answers)."""
    return select(*_COLUMNS).join(Ruleset, Ruleset.id == RulesetVersionRow.ruleset_id)


def select_version(
    session: Session, year: int | None, on: dt.date, ref: str | None = None, ruleset: str = stored.DEFAULT_RULESET
) -> VersionRef:
    """A pinned version, or the one in force for ``year`` on ``on``."""
    if ref:
        code, pinned_year, revision = stored.parse_ref(ref)
        query = _versions().where(
            Ruleset.code == code, RulesetVersionRow.year == pinned_year, RulesetVersionRow.revision == revision
        )
        row = session.execute(query).first()
        if row is None:
            raise refusal(NotFound, "no_version", ref=ref)
        return VersionRef(*row)
    if year is None:
        raise Refused("no year given", ["give the scoring year (or pin a version)"])
    key = (str(session.get_bind().engine.url), ruleset, year)
    published = published_cache.get(key)
    if published is None:
        query = _versions().where(
            Ruleset.code == ruleset, RulesetVersionRow.year == year, RulesetVersionRow.status == "published"
        )
        published = [VersionRef(*row) for row in session.execute(query)]
        published_cache.put(key, published)
    try:
        return in_force(published, year, on)
    except VersionNotFound:
        raise refusal(NoVersionInForce, "no_version_in_force", year=year, on=on.isoformat()) from None


def model_for(session: Session, version: VersionRef | RulesetVersionRow) -> RulesetVersion:
    """A version as the engine's model, read from its rows; Refused when it is not valid."""
    row = version if isinstance(version, RulesetVersionRow) else session.get(RulesetVersionRow, version.id)
    assert row is not None
    try:
        return stored.load_model(row)
    except RulesetError as exc:
        raise refusal(Refused, "not_valid_score", ref=row.ref, reasons=exc.problems) from None


def compiled_for(session: Session, version: VersionRef | RulesetVersionRow) -> CompiledVersion:
    """The compiled form of a version; its rows are read only when this process has not compiled it yet."""
    compiled = compiled_if_cached(version.content_hash) if version.content_hash else None
    if compiled is not None:
        return compiled
    return compile_version(model_for(session, version))


def score(session: Session, version: VersionRef | RulesetVersionRow, facts: Any, as_of: dt.date) -> dict[str, Any]:
    """Score facts under a version (FactsError on bad facts)."""
    # a plain dict to the callers, who add what the store knows (the version's id)
    return cast(dict[str, Any], compiled_for(session, version).score(facts, as_of=as_of))


def score_json(session: Session, version: VersionRef | RulesetVersionRow, facts: Any, as_of: dt.date) -> JsonScore:
    """As ``score`` with the version's id added, written as JSON at once (FactsError on bad facts)."""
    return compiled_for(session, version).score_json(facts, as_of=as_of, version_id=version.id)
