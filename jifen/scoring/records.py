"""Stored scores read back: one by id with its chain, an application's a page at a time, and one verified again
under its stored version."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import FactsError, dumps
from engine.recognition import Recognised, recognise
from engine.result import dumps_bytes
from jifen.errors import NotFound
from jifen.scoring import compiled
from jifen.store.models import RulesetVersionRow, ScoreRow
from jifen.store.recognition_models import RecognisedStatement


def view(record: ScoreRow) -> dict[str, Any]:
    """A stored score as the API shows it: the result plus its storage fields."""
    return {
        "id": record.id,
        "created_at": record.created_at.isoformat(),
        "application_ref": record.application_ref,
        "client": record.client_name,
        **json.loads(record.result),
    }


def get(session: Session, score_id: str) -> ScoreRow:
    record = session.get(ScoreRow, score_id) if _is_uuid(score_id) else None
    if record is None:
        raise NotFound(f"no stored score {score_id}")
    return record


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def chain(session: Session, record: ScoreRow) -> dict[str, Any]:
    """What a score supersedes and what supersedes it."""
    later = session.scalar(select(ScoreRow.id).where(ScoreRow.supersedes_id == record.id))
    return {"supersedes": record.supersedes_id, "superseded_by": later}


def summary(record: ScoreRow, superseded_by: str | None) -> dict[str, Any]:
    return {
        "id": record.id,
        "created_at": record.created_at.isoformat(),
        "application_ref": record.application_ref,
        "year": record.year,
        "as_of": record.as_of.isoformat(),
        "total": record.total,
        "eligible": record.eligible,
        "version": json.loads(record.result)["version"],
        "client": record.client_name,
        "supersedes": record.supersedes_id,
        "superseded_by": superseded_by,
    }


def list_scores(session: Session, application_ref: str, year: int | None, page: int, per_page: int) -> dict[str, Any]:
    """Scores of an application (and year), newest first, a page at a time; the chain shows re-reviews."""
    conditions = [ScoreRow.application_ref == application_ref]
    if year is not None:
        conditions.append(ScoreRow.year == year)
    total = session.scalar(select(func.count()).select_from(ScoreRow).where(*conditions)) or 0
    records = list(
        session.scalars(
            select(ScoreRow)
            .where(*conditions)
            .order_by(ScoreRow.year.desc(), ScoreRow.seq.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    ids = [r.id for r in records]
    rows = session.execute(select(ScoreRow.supersedes_id, ScoreRow.id).where(ScoreRow.supersedes_id.in_(ids)))
    later = {earlier: newer for earlier, newer in rows}
    return {"items": [summary(r, later.get(r.id)) for r in records], "page": page, "per_page": per_page, "total": total}


def verify(session: Session, score_id: str) -> dict[str, Any]:
    """Re-evaluate a stored score's facts under its stored version and compare with what was stored."""
    record = get(session, score_id)
    version = session.get(RulesetVersionRow, record.version_id)
    assert version is not None
    stored = json.loads(record.result)
    problems: list[str] = []
    if version.content_hash != record.content_hash:
        problems.append(
            f"the version's content hash is now {version.content_hash}, the score used {record.content_hash}"
        )
    if record.facts_erased_on is not None:  # retention erased them: nothing to evaluate again, nothing failed
        return {"id": record.id, "reproduced": None, "version": stored["version"], "stored_total": record.total,
                "recomputed_total": None, "differences": problems, "facts_erased_on": record.facts_erased_on}  # fmt: skip
    try:
        result = compiled.score(session, version, json.loads(record.facts), record.as_of)
    except FactsError as exc:
        problems.append(f"the stored facts no longer validate: {exc}")
        result = None
    if result is not None:
        result["version"]["id"] = version.id
        if record.recognition_id is not None:  # provincial points recognised from another city: the same claims
            recognised = session.get(RecognisedStatement, record.recognition_id)
            assert recognised is not None
            result = recognise(result, Recognised.from_claims(recognised.claims))
        problems += _differences(stored, json.loads(dumps_bytes(result)))
    return {
        "id": record.id,
        "reproduced": not problems,
        "version": stored["version"],
        "stored_total": record.total,
        "recomputed_total": None if result is None else result["total"],
        "differences": problems,
        "facts_erased_on": None,
    }


def _differences(stored: Any, again: Any, path: str = "") -> list[str]:
    if isinstance(stored, dict) and isinstance(again, dict):
        out: list[str] = []
        for key in list(stored) + [k for k in again if k not in stored]:
            out += _differences(stored.get(key), again.get(key), f"{path}.{key}" if path else key)
        return out
    if isinstance(stored, list) and isinstance(again, list) and len(stored) == len(again):
        return [d for i, (a, b) in enumerate(zip(stored, again)) for d in _differences(a, b, f"{path}[{i}]")]
    return [] if dumps(stored) == dumps(again) else [f"{path}: stored {dumps(stored)}, now {dumps(again)}"]
