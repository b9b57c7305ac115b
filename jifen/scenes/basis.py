"""A scene's basis: the applications of its year whose current score is published and valid at the cut-off date.

Read from the applications as they stand when the list is drawn (a draft's list at each reading, a published
scene's once, at its publication), each with the head of its score chain (``Application.score_id``):

- voided (the permit suspended or cancelled, §四(四)) → out, whatever the day: the points are void for good;
- the cut-off after 31 December of the year (the score's ``valid_until``) → out, expired;
- not yet scored or scored but not published → out, not published; published after the cut-off → out too;
- under re-review after an objection → out until the re-review publishes its score;
- ineligible (the score's ``eligible`` false: a condition of §二 not met) → out;
- else in, with the current score: after a re-review, the re-reviewed one.

Scores stored through ``POST /scores`` without an application are not published to anyone: they are not in any
basis. Nothing here writes; the caller's session reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.scenes.definition import Definition
from jifen.scenes.ranking import Candidate, Left
from jifen.store.models import Application, ScoreRow

_BATCH = 5000


def _parts(result: str, breakers: tuple[str, ...]) -> dict[str, Decimal]:
    """The points of the categories and indicators the tie-breakers name, from a stored result's JSON."""
    parsed = orjson.loads(result)
    found: dict[str, Decimal] = {}
    for kind in ("category", "indicator"):
        wanted = {key.split(":", 1)[1] for key in breakers if key.startswith(kind + ":")}
        if not wanted:
            continue
        for part in parsed.get("categories" if kind == "category" else "indicators", ()):
            if part.get("code") in wanted:
                points = part.get("points", 0)
                # two decimals at most: the shortest repr of the float read is the exact number written
                found[f"{kind}:{part['code']}"] = (
                    Decimal(repr(points)) if isinstance(points, float) else Decimal(points)
                )
    return found


def sort_keys(breakers: tuple[str, ...], received_on: dt.date, parts: dict[str, Decimal]) -> tuple[Any, ...]:
    """The tie-breakers' values, oriented so that the smaller ranks first (points descending, receipt ascending)."""
    return tuple(received_on.toordinal() if key == "received_on" else -parts.get(key, Decimal(0)) for key in breakers)


def left_out(row: Any, definition: Definition) -> tuple[str, dict[str, Any]] | None:
    """Why an application is not in the basis (outcome, the values its reason names), or None when it is."""
    valid_until = dt.date(definition.year, 12, 31)
    if row.voided_on is not None:
        return "voided", {"on": row.voided_on.isoformat(), "why": row.void_reason}
    if definition.cutoff_date > valid_until:
        return "expired", {"on": valid_until.isoformat()}
    if row.score_id is None or row.state in ("verifying", "scored") or row.published_on is None:
        return "not_published", {}
    if row.published_on > definition.cutoff_date:
        return "published_late", {"on": row.published_on.isoformat()}
    if row.state == "re_reviewing":
        return "re_reviewing", {"on": row.objection_filed_on.isoformat() if row.objection_filed_on else ""}
    if not row.eligible:
        return "ineligible", {}
    return None


def _query(definition: Definition) -> Any:
    columns = [
        Application.application_ref,
        Application.state,
        Application.received_on,
        Application.published_on,
        Application.objection_filed_on,
        Application.voided_on,
        Application.void_reason,
        Application.score_id,
        ScoreRow.total,
        ScoreRow.eligible,
    ]
    if any(k.startswith(("category:", "indicator:")) for k in definition.tie_breakers):
        columns.append(ScoreRow.result)
    return (
        select(*columns)
        .outerjoin(ScoreRow, ScoreRow.id == Application.score_id)
        .where(Application.year == definition.year)
        .order_by(Application.application_ref)
    )


def read(session: Session, definition: Definition) -> tuple[list[Candidate], list[Left]]:
    """The basis of ``definition`` (its candidates) and the applications of its year left out of it."""
    candidates: list[Candidate] = []
    left: list[Left] = []
    breakers = definition.tie_breakers
    for row in _rows(session, definition):
        out = left_out(row, definition)
        if out is not None:
            left.append(Left(row.application_ref, row.score_id, row.total, *out))
            continue
        parts = _parts(row.result, breakers) if "result" in row._fields else {}
        keys = sort_keys(breakers, row.received_on, parts)
        candidates.append(Candidate(row.application_ref, row.score_id, row.total, row.received_on, keys))
    return candidates, left


def _rows(session: Session, definition: Definition) -> Iterator[Any]:
    result = session.execute(_query(definition).execution_options(yield_per=_BATCH))
    yield from result
