"""Scoring requests: score under the version in force (or a pinned one), store, fetch, list, verify.

A stored score keeps its facts, derived facts and result as the JSON text that was answered, so that an
auditor reads back exactly what the requesting system received.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import FactsError, dumps
from engine.result import dumps_bytes
from jifen.db import begin_write, get_db
from jifen.errors import NotFound, Refused
from jifen.models import RulesetVersionRow, ScoreRow
from jifen.services import scoring
from jifen.services.api_clients import Caller
from jifen.services.scoring import VersionRef

_STORE_ATTEMPTS = 3


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


@dataclass(frozen=True, slots=True)
class Scored:
    """The answer to a scoring request, as JSON bytes ready to send (and, unless a dry run, as stored)."""

    body: bytes
    stored_id: str | None


def _version_for(session: Session, request: ScoreRequest, as_of: dt.date) -> VersionRef:
    try:
        version = scoring.select_version(session, request.year, as_of, request.version)
    except NotFound as exc:  # only a pinned version can be missing: a field of the request
        raise FieldErrors({"version": [str(exc)]}) from None
    if version.year != request.year:
        raise FieldErrors({"version": [f"{version.ref} is a version for {version.year}, not {request.year}"]})
    if version.status == "draft" and not request.dry_run:
        raise FieldErrors(
            {"version": [f"{version.ref} is a draft: score under it with dry_run only (nothing is stored)"]}
        )
    return version


def evaluate(session: Session, request: ScoreRequest) -> tuple[VersionRef, dict[str, Any]]:
    """The version used and the engine's result; FieldErrors for facts that do not fit its catalogue."""
    as_of = request.as_of or dt.date.today()
    version = _version_for(session, request, as_of)
    try:
        result = scoring.score(session, version, request.facts, as_of)
    except FactsError as exc:
        raise FieldErrors({("facts" if k == "facts" else f"facts.{k}"): v for k, v in exc.errors.items()}) from None
    result["version"]["id"] = version.id
    return version, result


def score(session: Session, request: ScoreRequest, caller: Caller) -> Scored:
    """Score one application; stored (in its own short write transaction) unless it is a dry run."""
    version, result = evaluate(session, request)
    if request.dry_run:
        return Scored(dumps_bytes({"application_ref": request.application_ref, "dry_run": True, **result}), None)
    result_json = dumps_bytes(result)
    score_id, created_at = _store(session, request, version, result, result_json, caller)
    head = {"id": score_id, "created_at": created_at, "application_ref": request.application_ref, "client": caller.name}
    # the stored result with its storage fields in front, without serializing the result twice
    return Scored(dumps_bytes(head)[:-1] + b"," + result_json[1:], score_id)


_SCORES = ScoreRow.__table__
_INSERT = _SCORES.insert()
# The newest score of an application and year, which a new score supersedes (复核).
_HEAD = (
    select(_SCORES.c.id)
    .where(_SCORES.c.application_ref == bindparam("application_ref"), _SCORES.c.year == bindparam("year"))
    .order_by(_SCORES.c.created_at.desc(), _SCORES.c.id.desc())
    .limit(1)
)


def _store(
    session: Session,
    request: ScoreRequest,
    version: VersionRef,
    result: dict[str, Any],
    result_json: bytes,
    caller: Caller,
) -> tuple[str, dt.datetime]:
    row = {
        "application_ref": request.application_ref,
        "year": request.year,
        "as_of": dt.date.fromisoformat(result["as_of"]),
        "version_id": version.id,
        "content_hash": version.content_hash,
        "facts": dumps(request.facts),
        "derived": dumps(result["derived"]),
        "result": result_json.decode("utf-8"),
        "total": result["total"],
        "eligible": result["eligible"],
        "client_id": caller.id,
        "client_name": caller.name,
    }
    for attempt in range(_STORE_ATTEMPTS):
        session.commit()  # end the reads: the write transaction below is as short as it can be
        with get_db().writing():
            begin_write(session)
            # plain Core statements on the session's connection: the ORM has nothing to track here
            connection = session.connection()
            score_id, created_at = str(uuid.uuid4()), dt.datetime.now(dt.UTC)
            supersedes = connection.execute(
                _HEAD, {"application_ref": request.application_ref, "year": request.year}
            ).scalar()
            try:
                connection.execute(
                    _INSERT, {**row, "id": score_id, "created_at": created_at, "supersedes_id": supersedes}
                )
                session.commit()
                return score_id, created_at
            except IntegrityError:
                # another request superseded the same score first (PostgreSQL): chain after it instead
                session.rollback()
                if attempt == _STORE_ATTEMPTS - 1:
                    raise
    raise AssertionError("unreachable")


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
            .order_by(ScoreRow.created_at.desc(), ScoreRow.id.desc())
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
    try:
        result = scoring.score(session, version, json.loads(record.facts), record.as_of)
    except FactsError as exc:
        problems.append(f"the stored facts no longer validate: {exc}")
        result = None
    if result is not None:
        result["version"]["id"] = version.id
        problems += _differences(stored, json.loads(dumps_bytes(result)))
    return {
        "id": record.id,
        "reproduced": not problems,
        "version": stored["version"],
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
