"""A scene's list as its readers get it: a draft's computed at each reading, a published one's as frozen, each line
with its reason in words and, on a published list, what has changed since (flags, derived when read)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from engine.canonical import number_text
from jifen.errors import CodedError
from jifen.scenes import basis, reasons
from jifen.scenes.definition import Definition
from jifen.scenes.drafts import definition_of
from jifen.scenes.ranking import RANKED, Entry, rank
from jifen.store.models import Application, ScoreRow
from jifen.store.scene_models import Scene, SceneEntry


@dataclass(slots=True)
class Line:
    """One applicant of a list, as shown: ``flags`` say what changed after publication (never on a draft)."""

    position: int
    application_ref: str
    entitled: bool | None
    rank: int | None
    total: Decimal | None
    outcome: str
    reason: str
    in_basis: bool
    flags: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        return {
            "application_ref": self.application_ref,
            "entitled": self.entitled,
            "rank": self.rank,
            "total": self.total,
            "reason": self.reason,
            "outcome": self.outcome,
            "flags": self.flags,
        }


def compute(session: Session, definition: Definition) -> list[Entry]:
    """The list of ``definition`` from the applications and scores as they are now."""
    candidates, left = basis.read(session, definition)
    return rank(candidates, left, definition.threshold, definition.quota, definition.ties)


def _entry(row: Any) -> Entry:
    return Entry(row.position, row.application_ref, row.score_id, row.total, row.rank, row.entitled, row.outcome,
                 dict(row.params))  # fmt: skip


_ENTRIES = cast(Table, SceneEntry.__table__)


def stream(
    session: Session, scene: Scene, offset: int = 0, limit: int | None = None, out_only: bool = False
) -> Iterator[Entry]:
    """The published list as stored, in its order (a slice of it; only those out of the basis), a line at a time."""
    query = select(_ENTRIES).where(_ENTRIES.c.scene_id == scene.id).order_by(_ENTRIES.c.position).offset(offset)
    if out_only:
        query = query.where(_ENTRIES.c.rank.is_(None))
    if limit is not None:
        query = query.limit(limit)
    for row in session.connection().execute(query.execution_options(yield_per=5000)):
        yield _entry(row)


def frozen(session: Session, scene: Scene, offset: int = 0, limit: int | None = None) -> list[Entry]:
    """The published list as stored, in its order (a slice of it: ``offset``, ``limit``)."""
    return list(stream(session, scene, offset, limit))


def entries(session: Session, scene: Scene) -> list[Entry]:
    """The whole list: frozen once published, computed now while a draft."""
    return frozen(session, scene) if scene.status == "published" else compute(session, definition_of(scene))


def size(session: Session, scene: Scene) -> int:
    if scene.status == "published":
        return session.scalar(select(func.count()).where(SceneEntry.scene_id == scene.id)) or 0
    return len(compute(session, definition_of(scene)))


def _current(session: Session, scene: Scene, refs: list[str]) -> dict[str, Any]:
    """The applications of the scene's year named by ``refs``, as they are now, with their current totals."""
    query = (
        select(Application.application_ref, Application.state, Application.score_id, Application.voided_on,
               Application.void_reason, Application.objection_filed_on, Application.published_on, ScoreRow.total)
        .outerjoin(ScoreRow, ScoreRow.id == Application.score_id)
        .where(Application.year == scene.year)
    )  # fmt: skip
    if len(refs) <= 1000:
        query = query.where(Application.application_ref.in_(refs))
    return {row.application_ref: row for row in session.execute(query)}


def changes(entry: Entry, now: Any) -> list[tuple[str, dict[str, Any]]]:
    """What changed for an applicant of a published list since it was frozen (kind, values): a void, an objection
    under re-review, a new score after a re-review, a score published since."""
    if now is None or entry.outcome in ("voided", "expired"):
        return []
    if now.voided_on is not None:
        return [("voided", {"on": now.voided_on.isoformat(), "why": now.void_reason})]
    if entry.outcome in RANKED:
        if now.state == "re_reviewing":
            filed = now.objection_filed_on.isoformat() if now.objection_filed_on else ""
            return [("re_reviewing", {"on": filed})]
        if now.score_id != entry.score_id:
            return [("rescored", {"before": points_text(entry.total), "after": points_text(now.total)})]
        return []
    if now.state == "published" and now.published_on is not None:
        return [("published", {"after": points_text(now.total)})]
    return []


def points_text(value: Decimal | None) -> str:
    """Points as written: 86, 87.5; nothing for None."""
    return "" if value is None else number_text(value)


def lines(session: Session, scene: Scene, chosen: list[Entry]) -> list[Line]:
    """The lines of ``chosen`` entries with their reasons, and for a published scene their flags."""
    now = _current(session, scene, [e.application_ref for e in chosen]) if scene.status == "published" else {}
    return [
        Line(
            e.position,
            e.application_ref,
            e.entitled,
            e.rank,
            e.total,
            e.outcome,
            reasons.reason(e.outcome, e.params),
            e.rank is not None,
            [reasons.flag(k, p) for k, p in changes(e, now.get(e.application_ref))],
        )
        for e in chosen
    ]


def page(session: Session, scene: Scene, number: int, per_page: int) -> tuple[list[Line], int]:
    """One page of the list (1 first) and the list's length."""
    offset = (max(number, 1) - 1) * per_page
    if scene.status == "published":
        return lines(session, scene, frozen(session, scene, offset, per_page)), size(session, scene)
    every = compute(session, definition_of(scene))
    return lines(session, scene, every[offset : offset + per_page]), len(every)


def entitlement(session: Session, scene: Scene, application_ref: str) -> Line:
    """One applicant's line; 404 ``not_on_list`` when the list does not name them."""
    if scene.status == "published":
        row = (
            session.connection()
            .execute(
                select(_ENTRIES).where(_ENTRIES.c.scene_id == scene.id, _ENTRIES.c.application_ref == application_ref)
            )
            .first()
        )
        found = None if row is None else _entry(row)
    else:
        found = next((e for e in entries(session, scene) if e.application_ref == application_ref), None)
    if found is None:
        raise CodedError(404, "not_on_list", f"{application_ref} is not on the list of scene {scene.code} for "
                         f"{scene.year} (no application of {scene.year} by that reference when it was drawn)")  # fmt: skip
    return lines(session, scene, [found])[0]
