"""What an applicant sees of their own application (积分查询): its state, each department's progress and due date,
the provisional or published score with its breakdown and the items that counted, the objection deadline and the
validity — read from the same view the API answers (``views.view``), nothing more."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from jifen.applications.state import OBJECTION_DAYS
from jifen.applications.views import view
from jifen.store.models import Application


@dataclass(frozen=True, slots=True)
class Progress:
    """One department's task: ``kind`` verification or re_review, ``status`` open, done or cancelled."""

    department: str
    kind: str
    status: str
    due: dt.date
    done_on: dt.date | None


@dataclass(frozen=True, slots=True)
class Counted:
    """An item that counted: its indicator's name, its label and its points (deducted in a deduct category)."""

    indicator: str
    label: str
    points: Any
    deducted: bool


@dataclass(frozen=True, slots=True)
class Score:
    """A score as the applicant reads it: ``kind`` provisional (the claims, not yet verified), scored (verified,
    not yet published) or published."""

    kind: str
    total: Any
    eligible: bool
    ineligible_reasons: list[str]
    categories: list[tuple[str, Any, Any, bool]]  # (name, points, cap, deducted)
    counted: list[Counted] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Status:
    """The answer of a lookup."""

    application_ref: str
    year: int
    state: str  # verifying, scored, published, re_reviewing, voided, or expired after its validity
    received_on: dt.date
    progress: list[Progress]
    score: Score | None
    published_on: dt.date | None
    objection_deadline: dt.date | None
    objection_open: bool
    objection_filed_on: dt.date | None
    re_review_due: dt.date | None
    republished_on: dt.date | None
    valid_until: dt.date
    voided_on: dt.date | None
    void_reason: str | None
    objection_days: int = OBJECTION_DAYS


def _score(kind: str, result: dict[str, Any]) -> Score:
    deduct = {c["code"] for c in result.get("categories", []) if c.get("kind") == "deduct"}
    counted = [
        Counted(indicator["name"], item["label"], item["points"], indicator["category"] in deduct)
        for indicator in result.get("indicators", [])
        for item in indicator["items"]
        if item.get("counted") and item.get("points")
    ]
    return Score(
        kind=kind,
        total=result["total"],
        eligible=bool(result.get("eligible")),
        ineligible_reasons=[r["reason"] for r in result.get("ineligible_reasons", [])],
        categories=[(c["name"], c["points"], c["cap"], c["code"] in deduct) for c in result.get("categories", [])],
        counted=counted,
    )


def _current_score(app: Application, seen: dict[str, Any]) -> Score | None:
    """The score to show: the claims' dry run while verifying, the stored score once scored; none once voided."""
    if app.state == "voided":
        return None
    if seen["score"] is not None:
        return _score("scored" if app.state == "scored" else "published", seen["score"])
    provisional = seen["provisional"]
    return _score("provisional", provisional) if "total" in provisional else None


def status(session: Session, app: Application, today: dt.date) -> Status:
    """What the applicant of ``app`` sees today."""
    seen = view(session, app, today)
    expired = app.state != "voided" and seen["invalid_reason"] == "expired"
    deadline = app.objection_deadline
    return Status(
        application_ref=app.application_ref,
        year=app.year,
        state="expired" if expired else app.state,
        received_on=app.received_on,
        progress=[Progress(t["department"], t["kind"], t["status"], t["due"], t["done_on"]) for t in seen["tasks"]],
        score=_current_score(app, seen),
        published_on=app.published_on,
        objection_deadline=deadline,
        objection_open=(
            app.state == "published" and app.objection_filed_on is None and deadline is not None and today <= deadline
        ),
        objection_filed_on=app.objection_filed_on,
        re_review_due=seen["deadlines"]["re_review"],
        republished_on=app.republished_on,
        valid_until=seen["valid_until"],
        voided_on=app.voided_on,
        void_reason=app.void_reason,
    )
