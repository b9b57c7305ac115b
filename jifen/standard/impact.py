"""Impact of a version on a population: every application scored under a base version and the version.

The population streams through a process pool in chunks (``jifen.parallel``); each worker compiles both
versions once, in its own process, and tallies its chunks (``engine.batch.impact_chunk``); this process
merges the tallies in input order, so the report is the same whatever the number of jobs. The figures are
defined in ``engine.impact``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine import RulesetVersion
from engine.batch import Entry, impact_chunk, start_impact
from engine.impact import Frame, Tally, header
from jifen.errors import NoVersionInForce
from jifen.parallel import chunked, ordered_map
from jifen.scoring import compiled
from jifen.standard import rulesets
from jifen.standard.population import Source
from jifen.store.models import RulesetVersionRow

Progress = Callable[[int, int | None], None]


def load_version(session: Session, ref: str | int) -> RulesetVersion:
    """A version (draft or not) as the engine's model; Refused when a draft is not valid."""
    return compiled.model_for(session, rulesets.get_version(session, ref))


def analyse(
    base: RulesetVersion,
    version: RulesetVersion,
    population: Source,
    on: dt.date,
    cutoffs: Iterable[Decimal] = (),
    *,
    jobs: int = 1,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The impact report of ``version`` against ``base`` on a population, scored on ``on``.

    ``progress(done, total)`` is called after each chunk, in the population's unit (bytes or entries).
    """
    frame = Frame.of(base, version, cutoffs)
    total = Tally(frame)

    def tagged() -> Iterator[tuple[int, list[Entry]]]:
        for chunk in chunked(population):
            yield population.done, chunk

    shares = ordered_map(
        impact_chunk, tagged(), jobs=jobs, initializer=start_impact, initargs=(base, version, on, frame)
    )
    for done, share in shares:
        total.merge(share)
        if progress is not None:
            progress(done, population.total)
    return {**header(base, version, on, population.description), **total.report()}


@dataclass(frozen=True, slots=True)
class DefaultPair:
    """The versions an analysis compares when nobody chose: ``version`` (new) against ``base``, and why (``reason``:
    ``draft`` — the newest draft against the version in force; ``newest`` — the newest published version against
    the one in force; ``previous`` — against the version before it; ``single`` — only one version, no base)."""

    version: int | None
    base: int | None
    reason: str
    version_ref: str = ""
    base_ref: str = ""


def _order(row: RulesetVersionRow) -> tuple[int, int]:
    return row.year, row.revision


def default_pair(session: Session, today: dt.date) -> DefaultPair:
    """Never a version against itself: the newest draft against the version in force today (else the newest
    published one); without a draft, the newest published version against the one in force, or against the
    version before it."""
    versions = rulesets.list_versions(session)
    if not versions:
        return DefaultPair(None, None, "none")
    base = _in_force_or_newest(session, versions, today)
    if base is None:
        return DefaultPair(versions[0].id, None, "single", versions[0].ref)
    return _against(base, [v for v in versions if v.ruleset_id == base.ruleset_id])


def _in_force_or_newest(
    session: Session, versions: list[RulesetVersionRow], today: dt.date
) -> RulesetVersionRow | None:
    try:
        return rulesets.in_force(session, today.year, today)
    except NoVersionInForce:
        return max((v for v in versions if v.status == "published"), key=_order, default=None)


def _against(base: RulesetVersionRow, same: list[RulesetVersionRow]) -> DefaultPair:
    """What to compare with ``base`` among the versions of its ruleset."""
    draft = max((v for v in same if v.status == "draft"), key=_order, default=None)
    if draft is not None:
        return DefaultPair(draft.id, base.id, "draft", draft.ref, base.ref)
    newest = max((v for v in same if v.status == "published"), key=_order, default=base)
    if newest.id != base.id:
        return DefaultPair(newest.id, base.id, "newest", newest.ref, base.ref)
    previous = max((v for v in same if v.status != "draft" and _order(v) < _order(newest)), key=_order, default=None)
    if previous is None:
        return DefaultPair(newest.id, None, "single", newest.ref)
    return DefaultPair(newest.id, previous.id, "previous", newest.ref, previous.ref)
