"""Impact of a version on a population: every application scored under a base version and the version.

The population streams through a process pool in chunks (``jifen.parallel``); each worker compiles both
versions once, in its own process, and tallies its chunks (``engine.batch.impact_chunk``); this process
merges the tallies in input order, so the report is the same whatever the number of jobs. The figures are
defined in ``engine.impact``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from engine import RulesetVersion
from engine.batch import Entry, impact_chunk, start_impact
from engine.impact import Frame, Tally, header
from jifen.parallel import chunked, ordered_map
from jifen.scoring import compiled
from jifen.standard import rulesets
from jifen.standard.population import Source

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
