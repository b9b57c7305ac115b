"""Populations for scene tests, written straight into the tables (an application and the chain of its scores), so
that a test of a few hundred applicants takes a moment; the application's life itself is tested elsewhere."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.store.models import Application, RulesetVersionRow, ScoreRow

YEAR = 2026


@dataclass
class Person:
    """One applicant: ``totals`` the chain of scores (a re-review adds one), the parts its result names."""

    ref: str
    total: Decimal
    received_on: dt.date = dt.date(2026, 3, 2)
    state: str = "published"
    published_on: dt.date | None = dt.date(2026, 4, 1)
    voided_on: dt.date | None = None
    void_reason: str | None = None
    objection_filed_on: dt.date | None = None
    eligible: bool = True
    categories: dict[str, Decimal] = field(default_factory=dict)
    indicators: dict[str, Decimal] = field(default_factory=dict)
    scored: bool = True


def _result(person: Person, total: Decimal) -> str:
    return json.dumps({
        "total": float(total),
        "eligible": person.eligible,
        "categories": [{"code": c, "points": float(p)} for c, p in person.categories.items()],
        "indicators": [{"code": c, "points": float(p)} for c, p in person.indicators.items()],
    })  # fmt: skip


def version_id(session: Session) -> int:
    found = session.scalar(select(RulesetVersionRow.id).where(RulesetVersionRow.year == YEAR))
    assert found is not None, "the seeded database has the 2026 sample"
    return found


def add_score(session: Session, person: Person, total: Decimal, previous: ScoreRow | None = None) -> ScoreRow:
    row = ScoreRow(
        id=str(uuid.uuid4()), application_ref=person.ref, year=YEAR, as_of=person.received_on,
        version_id=version_id(session), content_hash="sha256:test", facts="{}", derived="{}",
        result=_result(person, total), total=total, eligible=person.eligible, client_name="test",
        supersedes_id=None if previous is None else previous.id, seq=1 if previous is None else previous.seq + 1,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def add(session: Session, people: list[Person]) -> dict[str, Application]:
    """The applications of ``people`` with their first scores; commit is the caller's."""
    made = {}
    for person in people:
        score = add_score(session, person, person.total) if person.scored else None
        app = Application(
            application_ref=person.ref, year=YEAR, channel="window", state=person.state,
            received_on=person.received_on, claimed_facts={}, score_id=None if score is None else score.id,
            published_on=person.published_on, voided_on=person.voided_on, void_reason=person.void_reason,
            objection_filed_on=person.objection_filed_on, created_by="test",
        )  # fmt: skip
        session.add(app)
        made[person.ref] = app
    session.flush()
    return made


def rescore(session: Session, app: Application, person: Person, total: Decimal) -> None:
    """A re-review's new score, published: the chain's next score becomes the application's."""
    previous = session.get(ScoreRow, app.score_id)
    person.total = total
    row = add_score(session, person, total, previous)
    app.score_id, app.state, app.republished_on = row.id, "published", dt.date(2026, 5, 20)


def scene_document(**changes: Any) -> dict[str, Any]:
    return {
        "code": "school-entry-primary", "name": "积分入学（小学一年级）", "year": YEAR, "department": "市教育局",
        "cutoff_date": "2026-06-30", "threshold": 100, "quota": 3, "ranking": ["total"], "ties": "flag",
    } | changes  # fmt: skip
