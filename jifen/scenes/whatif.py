"""What-if for a draft scene: how many of its basis pass at each threshold, and the same under a draft standard.

The histogram counts the basis's current totals in bins of 10 points (``engine.impact``'s bins), each with how many
reach the bin's lower edge — "with a threshold of 120, 812 pass". Under another version (a draft standard), the
basis's verified facts go through the impact analysis (``jifen.standard.impact.analyse``) against the version in
force on the cut-off date, with the scene's threshold as its cutoff: how many cross it up or down.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.batch import Entry
from engine.impact import BIN_WIDTH, histogram_bin
from jifen.scenes import basis
from jifen.scenes.definition import Definition
from jifen.scoring import compiled
from jifen.standard import impact
from jifen.standard.population import Source
from jifen.store.models import ScoreRow


def histogram(definition: Definition, totals: list[Decimal]) -> dict[str, Any]:
    """The basis's totals by bin of 10 points, with how many pass at each bin's lower edge and at the threshold."""
    bins = Counter(histogram_bin(t) for t in totals)
    top = max(bins, default=0)
    rows, passing = [], len(totals)
    for low in range(0, top + BIN_WIDTH, BIN_WIDTH):
        rows.append({"from": low, "to": low + BIN_WIDTH, "count": bins[low], "pass_at_from": passing})
        passing -= bins[low]
    below_zero = sum(1 for t in totals if t < 0)
    if below_zero and rows:
        rows[0]["pass_at_from"] -= below_zero  # negative totals (deductions) reach no lower edge
    at = sum(1 for t in totals if t >= definition.threshold)
    return {
        "basis": len(totals),
        "threshold": definition.threshold,
        "passing": at,
        "quota": definition.quota,
        "bins": rows,
    }


def of_basis(session: Session, definition: Definition) -> dict[str, Any]:
    """The histogram of the scene's basis as it is now."""
    candidates, _left = basis.read(session, definition)
    return histogram(definition, [c.total for c in candidates])


class _BasisSource(Source):
    """The verified facts of the basis's current scores, as the impact analysis reads a population."""

    def __init__(self, session: Session, score_ids: list[str], description: str) -> None:
        self._session = session
        self._ids = score_ids
        self.description = description
        self.total = len(score_ids)

    def __iter__(self) -> Iterator[Entry]:
        position = 0
        for start in range(0, len(self._ids), 900):
            query = select(ScoreRow.application_ref, ScoreRow.facts).where(
                ScoreRow.id.in_(self._ids[start : start + 900])
            )
            for ref, facts in self._session.execute(query.order_by(ScoreRow.application_ref)):
                position += 1
                self.done += 1
                yield (
                    position,
                    position,
                    b'{"application_ref":%s,"facts":%s}' % (orjson.dumps(ref), facts.encode()),
                    None,
                )


def under_version(session: Session, definition: Definition, version_ref: str | int) -> dict[str, Any]:
    """The basis scored under ``version_ref`` (a draft standard, say) against the version in force on the cut-off
    date: how many pass the threshold under each, and the impact report (histogram of both, who crosses it)."""
    candidates, _left = basis.read(session, definition)
    base_ref = compiled.select_version(session, definition.year, definition.cutoff_date)
    base = compiled.model_for(session, base_ref)
    version = impact.load_version(session, version_ref)
    source = _BasisSource(session, [c.score_id for c in candidates], f"basis of scene {definition.code}")
    report = impact.analyse(base, version, source, definition.cutoff_date, [definition.threshold])
    crossing = report["cutoffs"][next(iter(report["cutoffs"]))]
    passing = sum(1 for c in candidates if c.total >= definition.threshold)
    return {
        "basis": len(candidates),
        "threshold": definition.threshold,
        "passing": {"now": passing, "version": passing + crossing["up"] - crossing["down"]},
        "up": crossing["up"],
        "down": crossing["down"],
        "report": report,
    }
