"""Scoring requests: score under the version in force (or a pinned one), and store (read back: ``records``).

A stored score keeps its facts, derived facts and result as the JSON text that was answered, so that an
auditor reads back exactly what the requesting system received.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from engine import FactsError, dumps
from engine.recognition import Recognised, recognise
from engine.result import JsonScore, dumps_bytes
from jifen.access.api_clients import Caller
from jifen.errors import ChainConflict, IdempotencyKeyReused, NotFound, Refused, ServiceError
from jifen.scoring import compiled, score_sql
from jifen.scoring.compiled import VersionRef
from jifen.store.models import ScoreRow as ScoreRow  # the type of the answers, named here for the faces
from jifen.store.unit_of_work import UnitOfWork


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
    # a re-review names the score it replaces; the first score of an application and year names none
    supersedes: str | None = None
    idempotency_key: str | None = None
    # another city's provincial points, verified (jifen/statements/recognition.py), and the row that keeps them
    recognised: Recognised | None = None
    recognition_id: int | None = None

    def fingerprint(self) -> str:
        """sha256 of what the request asks for: a retry with the same idempotency key must ask the same."""
        asked = {
            "application_ref": self.application_ref,
            "year": self.year,
            "facts": self.facts,
            "as_of": self.as_of,
            "version": self.version,
            "supersedes": self.supersedes,
        }
        if self.recognition_id is not None:  # only then: the fingerprints stored before recognition stay the same
            asked["recognition_id"] = self.recognition_id
        return hashlib.sha256(orjson.dumps(asked, default=str, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass(frozen=True, slots=True)
class Scored:
    """The answer to a scoring request, as JSON bytes ready to send (and, unless a dry run, as stored)."""

    body: bytes
    stored_id: str | None
    replayed: bool = False


@dataclass(frozen=True, slots=True)
class Pending:
    """A request scored and ready to be stored: the row without its place in the chain."""

    request: ScoreRequest
    row: dict[str, Any]
    result_json: bytes


def _version_for(session: Session, request: ScoreRequest, as_of: dt.date) -> VersionRef:
    try:
        version = compiled.select_version(session, request.year, as_of, request.version)
    except NotFound as exc:  # only a pinned version can be missing: a field of the request
        raise FieldErrors({"version": [str(exc)]}) from None
    if version.year != request.year:
        raise FieldErrors({"version": [f"{version.ref} is a version for {version.year}, not {request.year}"]})
    if version.status == "draft" and not request.dry_run:
        raise FieldErrors(
            {"version": [f"{version.ref} is a draft: score under it with dry_run only (nothing is stored)"]}
        )
    return version


def _facts_errors(exc: FactsError) -> FieldErrors:
    return FieldErrors({("facts" if k == "facts" else f"facts.{k}"): v for k, v in exc.errors.items()})


def evaluate(session: Session, request: ScoreRequest) -> tuple[VersionRef, dict[str, Any]]:
    """The version used and the engine's result; FieldErrors for facts that do not fit its catalogue."""
    as_of = request.as_of or dt.date.today()
    version = _version_for(session, request, as_of)
    try:
        result = compiled.score(session, version, request.facts, as_of)
    except FactsError as exc:
        raise _facts_errors(exc) from None
    result["version"]["id"] = version.id
    if request.recognised is not None:
        result = recognise(result, request.recognised)
    return version, result


def evaluate_json(session: Session, request: ScoreRequest) -> tuple[VersionRef, JsonScore]:
    """As ``evaluate``, the result written as JSON at once (its bytes are what is answered and stored)."""
    if request.recognised is not None:  # a step applied to the result: written once it is done
        version, result = evaluate(session, request)
        body = dumps_bytes(result)
        on = dt.date.fromisoformat(result["as_of"])
        return version, JsonScore(body, result["total"], result["eligible"], on, dumps_bytes(result["derived"]))
    as_of = request.as_of or dt.date.today()
    version = _version_for(session, request, as_of)
    try:
        return version, compiled.score_json(session, version, request.facts, as_of)
    except FactsError as exc:
        raise _facts_errors(exc) from None


def dry_run(session: Session, request: ScoreRequest) -> Scored:
    """Score without storing anything."""
    _version, scored = evaluate_json(session, request)
    head = b'{"application_ref":' + orjson.dumps(request.application_ref) + b',"dry_run":true,'
    return Scored(head + scored.body[1:], None)


def prepare(session: Session, request: ScoreRequest, caller: Caller) -> Pending:
    """Score a request that is to be stored; FieldErrors and the like when it cannot be scored."""
    version, scored = evaluate_json(session, request)
    row = {
        "application_ref": request.application_ref,
        "year": request.year,
        "as_of": scored.as_of,
        "version_id": version.id,
        "content_hash": version.content_hash,
        "facts": dumps(request.facts),
        "derived": scored.derived_json.decode("utf-8"),
        "result": scored.body,  # as bytes: the INSERT decodes them if its driver needs text (score_sql.insert_score)
        "total": scored.total,
        "eligible": scored.eligible,
        "client_id": caller.id,
        "client_name": caller.name,
        "idempotency_key": request.idempotency_key,
        "request_hash": request.fingerprint() if request.idempotency_key else None,
        "recognition_id": request.recognition_id,
    }
    return Pending(request, row, scored.body)


def score(uow: UnitOfWork, request: ScoreRequest, caller: Caller) -> Scored:
    """Score one application and store it (unless a dry run) in its own short write transaction.

    A retry with an idempotency key already stored answers the stored score again without scoring.
    """
    session = uow.session
    if request.dry_run:
        return dry_run(session, request)
    if (replayed := replay(session, request, caller)) is not None:
        return replayed
    pending = prepare(session, request, caller)
    if session.in_transaction():  # its reads end here: on PostgreSQL another thread may write the score (Database)
        session.commit()
    grouped = uow.database.scores_grouped
    outcome = store(uow, [pending])[0] if grouped is None else grouped.write(pending, lambda group: store(uow, group))
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


# PostgreSQL: a deadlock or serialization failure ends the transaction; it is safe to try it again
_RETRYABLE = {"40P01", "40001"}
_STORE_ATTEMPTS = 3


def replay(session: Session, request: ScoreRequest, caller: Caller) -> Scored | None:
    """The stored answer to an earlier request with the same idempotency key, if there is one."""
    if not request.idempotency_key:
        return None
    return _replayed(session.connection(), request, caller.id)


def _replayed(connection: Connection, request: ScoreRequest, client_id: int | None) -> Scored | None:
    stored = connection.execute(score_sql.BY_KEY, {"client_id": client_id, "key": request.idempotency_key}).first()
    if stored is None:
        return None
    if stored.request_hash != request.fingerprint():
        raise IdempotencyKeyReused(
            f"the idempotency key {request.idempotency_key!r} already stored score {stored.id} "
            "for a different request; use a new key for a new request"
        )
    return Scored(_answer(stored._mapping, stored.result.encode("utf-8")), stored.id, replayed=True)


def _answer(row: Mapping[Any, Any], result_json: bytes) -> bytes:
    """The 201 body of a stored score: its storage fields in front of the result, serialized once."""
    head = {
        "id": row["id"],
        "created_at": row["created_at"],
        "application_ref": row["application_ref"],
        "client": row["client_name"],
        "supersedes": row["supersedes_id"],
    }
    return dumps_bytes(head)[:-1] + b"," + result_json[1:]


def store(uow: UnitOfWork, pendings: list[Pending]) -> list[Scored | ServiceError]:
    """Store scored requests in ONE write transaction of ``uow``, each in its place in its chain, and commit.

    Each item gets its own outcome: stored (or replayed), or the refusal of that item alone (already
    scored, stale supersedes, reused key). A failure of the server or the database raises and stores
    nothing. Items are written in (application_ref, year) order so that concurrent batches take the
    database's locks in one order and cannot deadlock one another on the chain index.

    Each score is one INSERT, its SQL written once per dialect: its place in the chain and its key are checked by
    the unique indexes, and read only when one of them turns it away. On SQLite a single score is that one statement
    alone, its own transaction: no BEGIN nor COMMIT around it.
    """
    order = sorted(range(len(pendings)), key=lambda k: (pendings[k].request.application_ref, pendings[k].request.year))
    for attempt in range(_STORE_ATTEMPTS):
        try:
            # the reads are ended first: the write is as short as it can be
            with uow.write_connection(one_statement=len(pendings) == 1) as connection:
                outcomes: list[Scored | ServiceError | None] = [None] * len(pendings)
                if _apart(pendings):
                    _store_apart(connection, pendings, order, outcomes)
                else:
                    for k in order:
                        outcomes[k] = _store_one(connection, pendings[k])
            return [o for o in outcomes if o is not None]
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _RETRYABLE or attempt == _STORE_ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def store_within(session: Session, pending: Pending) -> Scored:
    """Store one scored request in the caller's write transaction, which the caller commits.

    For a change that must be committed together with its score or not at all (an application becoming
    ``scored`` with the score of its verified facts). Raises the chain's refusal (ChainConflict, reused key).
    """
    outcome = _store_one(session.connection(), pending)
    if isinstance(outcome, ServiceError):
        raise outcome
    return outcome


def _apart(pendings: list[Pending]) -> bool:
    """Whether no two of several scores share an application and year, or a client's key: then none of their
    INSERTs changes what another finds, and they can all be sent before any answer is read."""
    requests = [p.request for p in pendings]
    keys = [(p.row["client_id"], p.request.idempotency_key) for p in pendings if p.request.idempotency_key]
    return (
        len(requests) > 1
        and len({(r.application_ref, r.year) for r in requests}) == len(requests)
        and len(set(keys)) == len(keys)
    )


def _store_apart(
    connection: Connection, pendings: list[Pending], order: list[int], outcomes: list[Scored | ServiceError | None]
) -> None:
    """``_store_one`` of each score, their INSERTs sent together (one round trip on PostgreSQL), then the refusals
    read: as one by one, since no INSERT of one touches another's chain or key (``_apart``)."""
    rows = {k: _row(pendings[k]) for k in order}
    counts = score_sql.insert_scores(connection, [(pendings[k].request.supersedes is None, rows[k]) for k in order])
    for k, count in zip(order, counts):
        outcomes[k] = _stored(pendings[k], rows[k]) if count == 1 else _refusal_of(connection, pendings[k])


def _store_one(connection: Connection, pending: Pending) -> Scored | ServiceError:
    """INSERT one score at the end of its chain; if an index turned it away, why (``_refusal_of``)."""
    row = _row(pending)
    if _insert(connection, pending.request, row):
        return _stored(pending, row)
    return _refusal_of(connection, pending)


def _stored(pending: Pending, row: dict[str, Any]) -> Scored:
    return Scored(_answer(row, pending.result_json), row["id"])


def _row(pending: Pending) -> dict[str, Any]:
    """The row of a score to insert: a new id, the time now, its place if it is a first score."""
    row = {**pending.row, "id": _ids.next(), "created_at": dt.datetime.now(dt.UTC)}
    row["supersedes_id"] = pending.request.supersedes
    if pending.request.supersedes is None:
        row["seq"] = 1  # a re-review's place is the one after the score it names, read by its INSERT
    return row


def _insert(connection: Connection, request: ScoreRequest, row: dict[str, Any]) -> bool:
    """Whether the score was inserted: not when its place (or its key) is taken, nor when the score it names is
    not of its application and year."""
    return score_sql.insert_score(connection, request.supersedes is None, row) == 1


def _refusal_of(connection: Connection, pending: Pending) -> Scored | ServiceError:
    """Why a score was not inserted: the chain's refusal, or the earlier answer to the same key (replayed, or
    refused as reused). Another transaction took the place or the key first; it has committed by now."""
    request, client_id = pending.request, pending.row["client_id"]
    try:
        answer = _head_or_replay(connection, request, client_id)
        if isinstance(answer, Scored):
            return answer
        if request.idempotency_key and (replayed := _replayed(connection, request, client_id)) is not None:
            return replayed
    except ServiceError as refusal:
        return refusal
    # nothing explains it: a fault, not a refusal
    raise RuntimeError(f"score of {request.application_ref} in {request.year} not stored, and no index says why")


def _head_or_replay(connection: Connection, request: ScoreRequest, client_id: int | None) -> Any:
    """The application's current score if the request may supersede it; the earlier answer if another request
    with the same idempotency key stored it; else the chain's refusal (ChainConflict, FieldErrors)."""
    head = connection.execute(
        score_sql.HEAD, {"application_ref": request.application_ref, "year": request.year}
    ).first()
    try:
        _check_chain(connection, request, head)
    except ChainConflict:
        # On PostgreSQL a concurrent request with the same key may have committed between the key lookup and
        # the head read: whatever the head read saw committed, this lookup sees too.
        if request.idempotency_key and (replayed := _replayed(connection, request, client_id)) is not None:
            return replayed
        raise
    return head


class _Ids:
    """Random (version 4) UUIDs from a buffer of the system's randomness, read 256 at a time: the same ids as
    ``uuid.uuid4``, without a system call each (which, under load, waits for the GIL to come back)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._buffer = b""
        self._at = 0

    def next(self) -> str:
        with self._lock:
            if self._at >= len(self._buffer) or self._pid != os.getpid():  # a forked worker draws its own
                self._buffer, self._at, self._pid = os.urandom(16 * 256), 0, os.getpid()
            chunk = self._buffer[self._at : self._at + 16]
            self._at += 16
        return uuid4_text(chunk)


_NOT_VERSION_VARIANT = ~(0xF000 << 64) & ~(0xC000 << 48)
_VERSION_4_VARIANT_10 = (0x4000 << 64) | (0x8000 << 48)


def uuid4_text(chunk: bytes) -> str:
    """``str(uuid.UUID(bytes=chunk, version=4))`` in a third of the time: the version and variant bits set."""
    h = (int.from_bytes(chunk) & _NOT_VERSION_VARIANT | _VERSION_4_VARIANT_10).to_bytes(16).hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_ids = _Ids()


def _check_chain(connection: Connection, request: ScoreRequest, head: Any) -> None:
    """Refuse a score that does not continue the application's chain at its current end."""
    ref, year = request.application_ref, request.year
    if request.supersedes is None:
        if head is not None:
            raise ChainConflict(
                "already_scored",
                f"application {ref} already has a score for {year} ({head.id}); "
                "a re-review must name the score it replaces in 'supersedes'",
                head.id,
            )
        return
    if head is not None and request.supersedes == head.id:
        return
    owner = connection.execute(score_sql.OWNER, {"id": request.supersedes}).first()
    if owner is None or (owner.application_ref, owner.year) != (ref, year):
        raise FieldErrors({"supersedes": [f"no stored score {request.supersedes} of application {ref} in {year}"]})
    raise ChainConflict(
        "stale_supersedes",
        f"score {request.supersedes} has been superseded; the current score of {ref} in {year} is {head.id}",
        head.id,
    )
