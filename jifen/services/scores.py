"""Scoring requests: score under the version in force (or a pinned one), store, fetch, list, verify."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import FactsError, dumps, to_plain
from jifen.errors import NotFound, Refused
from jifen.models import RulesetVersionRow, ScoreRow
from jifen.services import scoring
from jifen.services.api_clients import Caller


class FieldErrors(Refused):
    """The request's fields are wrong; ``errors`` maps each field path to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("the request has invalid fields", [f"{k}: {', '.join(v)}" for k, v in errors.items()])


@dataclass(frozen=True, slots=True)
class ScoreRequest:
    application_ref: str
    year: int
    facts: Any
    as_of: dt.date | None = None
    version: str | None = None
    dry_run: bool = False


def _version_for(session: Session, request: ScoreRequest, as_of: dt.date) -> RulesetVersionRow:
    try:
        row = scoring.select_version(session, request.year, as_of, request.version)
    except NotFound as exc:  # only a pinned version can be missing: a field of the request
        raise FieldErrors({"version": [str(exc)]}) from None
    if row.year != request.year:
        raise FieldErrors({"version": [f"{row.ref} is a version for {row.year}, not {request.year}"]})
    if row.status == "draft" and not request.dry_run:
        raise FieldErrors({"version": [f"{row.ref} is a draft: score under it with dry_run only (nothing is stored)"]})
    return row


def evaluate(session: Session, request: ScoreRequest) -> tuple[RulesetVersionRow, dict[str, Any]]:
    """The version used and the engine's result; FieldErrors for facts that do not fit its catalogue."""
    as_of = request.as_of or dt.date.today()
    row = _version_for(session, request, as_of)
    try:
        result = scoring.compiled_for(row).score(request.facts, as_of=as_of)
    except FactsError as exc:
        raise FieldErrors({("facts" if k == "facts" else f"facts.{k}"): v for k, v in exc.errors.items()}) from None
    result["version"]["id"] = row.id
    return row, result


def score(session: Session, request: ScoreRequest, caller: Caller) -> dict[str, Any]:
    """Score one application; stored unless it is a dry run. Returns the API representation."""
    row, result = evaluate(session, request)
    if request.dry_run:
        return {"application_ref": request.application_ref, "dry_run": True, **result}
    stored = _store(session, request, row, result, caller)
    return view(stored, result)


def _head(session: Session, application_ref: str, year: int) -> str | None:
    """The newest score of this application and year, which a new score supersedes (复核)."""
    return session.scalar(
        select(ScoreRow.id)
        .where(ScoreRow.application_ref == application_ref, ScoreRow.year == year)
        .order_by(ScoreRow.created_at.desc(), ScoreRow.id.desc())
        .limit(1)
    )


def _store(
    session: Session, request: ScoreRequest, row: RulesetVersionRow, result: dict[str, Any], caller: Caller
) -> ScoreRow:
    plain = to_plain(result)
    for attempt in range(3):
        record = ScoreRow(
            id=str(uuid.uuid4()),
            application_ref=request.application_ref,
            year=request.year,
            as_of=dt.date.fromisoformat(plain["as_of"]),
            version_id=row.id,
            content_hash=row.content_hash,
            facts=request.facts,
            derived=plain["derived"],
            result=plain,
            total=result["total"],
            eligible=result["eligible"],
            client_id=caller.id,
            client_name=caller.name,
            supersedes_id=_head(session, request.application_ref, request.year),
            created_at=dt.datetime.now(dt.UTC),
        )
        nested = session.begin_nested()
        session.add(record)
        try:
            nested.commit()
            return record
        except IntegrityError:
            # another request superseded the same score first: chain after it instead
            nested.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def view(record: ScoreRow, result: dict[str, Any] | None = None) -> dict[str, Any]:
    """A stored score as the API shows it: the result plus its storage fields."""
    body = dict(record.result) if result is None else result
    return {
        "id": record.id,
        "created_at": record.created_at.isoformat(),
        "application_ref": record.application_ref,
        "client": record.client_name,
        **body,
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
        "version": record.result["version"],
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
            .order_by(ScoreRow.created_at.desc(), ScoreRow.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    ids = [r.id for r in records]
    rows = session.execute(select(ScoreRow.supersedes_id, ScoreRow.id).where(ScoreRow.supersedes_id.in_(ids)))
    later = {earlier: newer for earlier, newer in rows}
    return {
        "items": [summary(r, later.get(r.id)) for r in records],
        "page": page,
        "per_page": per_page,
        "total": total,
    }


def verify(session: Session, score_id: str) -> dict[str, Any]:
    """Re-evaluate a stored score's facts under its stored version and compare with what was stored."""
    record = get(session, score_id)
    version = session.get(RulesetVersionRow, record.version_id)
    assert version is not None
    problems: list[str] = []
    if version.content_hash != record.content_hash:
        problems.append(
            f"the version's content hash is now {version.content_hash}, the score used {record.content_hash}"
        )
    try:
        result = scoring.compiled_for(version).score(record.facts, as_of=record.as_of)
    except FactsError as exc:
        problems.append(f"the stored facts no longer validate: {exc}")
        result = None
    if result is not None:
        result["version"]["id"] = version.id
        again = to_plain(result)
        problems += _differences(record.result, again)
    return {
        "id": record.id,
        "reproduced": not problems,
        "version": {**record.result["version"]},
        "stored_total": record.total,
        "recomputed_total": None if result is None else result["total"],
        "differences": problems,
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
