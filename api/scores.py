"""/api/v1/scores: score one or many applications, fetch and list stored scores, verify one."""

from __future__ import annotations

import json
import uuid
from typing import Any

import orjson
from flask import Blueprint, Response, request, url_for

from api.auth import current_caller, require
from api.errors import ApiError, as_api_error
from api.http import json_body, json_response, raw_json_response
from api.openapi import JSON_BODY_ERRORS, doc
from api.schemas import (
    IDEMPOTENCY_KEY,
    IDEMPOTENCY_KEY_RULE,
    MAX_BATCH,
    BatchItemSchema,
    BatchRequestSchema,
    BatchResponseSchema,
    DryRunSchema,
    ScoreListQuerySchema,
    ScoreListSchema,
    ScoreRequestSchema,
    ScoreSchema,
    StoredScoreSchema,
    VerifySchema,
)
from jifen import unit_of_work
from jifen.privacy import need
from jifen.proxied import request_object
from jifen.scoring import records, scores
from jifen.unit_of_work import get_session

bp = Blueprint("scores", __name__)
_request_schema = ScoreRequestSchema()
_batch_schema = BatchRequestSchema()
_item_schema = BatchItemSchema()
_list_schema = ScoreListQuerySchema()


def _score_request(data: dict[str, Any], **more: Any) -> scores.ScoreRequest:
    supersedes = data.pop("supersedes", None)
    return scores.ScoreRequest(**data, supersedes=None if supersedes is None else str(supersedes), **more)


def _idempotency_key() -> str | None:
    key = request_object().headers.get("Idempotency-Key")
    if key is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            422,
            "invalid_fields",
            "the request has invalid fields",
            {"Idempotency-Key": [f"expected {IDEMPOTENCY_KEY_RULE}"]},
        )
    return key


# A stored score's Location, as url_for writes it for a placeholder id, per script root (building the URL through the
# routing map for every stored score cost as much as a tenth of its INSERT)
_PLACEHOLDER = "00000000-0000-4000-8000-000000000000"
_locations: dict[str, str] = {}


def _location(score_id: str) -> str:
    root = request_object().script_root
    template = _locations.get(root)
    if template is None:
        template = _locations[root] = url_for("api.scores.get_score", score_id=_PLACEHOLDER)
    return template.replace(_PLACEHOLDER, score_id)


def _stored_response(scored: scores.Scored) -> Response:
    response = raw_json_response(scored.body, 201)
    assert scored.stored_id is not None
    response.headers["Location"] = _location(scored.stored_id)
    if scored.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.post("/scores")
@doc(
    "Score one application (stored unless dry_run)",
    tag="scores",
    body=ScoreRequestSchema,
    description="The version in force for the year on as_of (or a pinned version) scores the facts. The first "
    "score of an application and year is stored as the head of its chain; a re-review names the current score "
    "in supersedes. A retry with the same Idempotency-Key answers the stored score again.",
    headers={
        "Idempotency-Key": {
            "description": f"Makes a retry safe: {IDEMPOTENCY_KEY_RULE}, per API client. A key that already stored "
            "a score answers that score again (Idempotent-Replayed: true); with another request it is refused (422).",
            "required": False,
            "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[\\x21-\\x7e]+$"},
        }
    },
    responses={
        201: ("Stored (or, with an Idempotency-Key already used, the score stored before)", ScoreSchema),
        200: ("Dry run: the score, not stored", DryRunSchema),
    },
    response_headers={
        201: {
            "Idempotent-Replayed": {
                "description": "true when an Idempotency-Key answered the score stored before",
                "required": False,
                "schema": {"type": "string", "enum": ["true"]},
            }
        }
    },
    errors=(*JSON_BODY_ERRORS, "invalid_fields", "idempotency_key_reused", "refused", "no_version_in_force",
            "already_scored", "stale_supersedes", "engine_failure"),
)  # fmt: skip
@require("score")
def create_score() -> Response:
    key = _idempotency_key()
    request_ = _score_request(_request_schema.load(json_body()), idempotency_key=key)
    uow = unit_of_work.current()
    scored = scores.score(uow, request_, current_caller())
    uow.session.commit()  # a dry run's reads end here
    if request_.dry_run:
        return raw_json_response(scored.body, 200)
    return _stored_response(scored)


@bp.post("/scores/batch")
@doc(
    f"Score up to {MAX_BATCH} applications; each gets its own outcome, in input order. The valid ones are stored "
    "together in one transaction: a failure of the server stores none of them.",
    tag="scores",
    body=BatchRequestSchema,
    description="Each item is checked and scored on its own: an item that is not a valid BatchItem, or that "
    "cannot be scored, gets its own outcome with the status and the members of its Problem, and the others go on.",
    responses={200: ("One outcome per application; the valid ones are stored", BatchResponseSchema)},
    errors=(*JSON_BODY_ERRORS, "invalid_fields", "batch_too_large", "engine_failure"),
)
@require("score")
def create_batch() -> Response:
    body = json_body()
    applications = body.get("applications")
    if isinstance(applications, list) and len(applications) > MAX_BATCH:
        raise ApiError(413, "batch_too_large", f"{len(applications)} applications in one batch; at most {MAX_BATCH}")
    data = _batch_schema.load(body)
    uow = unit_of_work.current()
    outcomes, pending = _score_items(data["applications"], data["dry_run"])
    if pending:
        for (index, item), stored in zip(pending, scores.store(uow, [p for _i, p in pending])):
            ref = item.request.application_ref
            outcomes[index] = (
                _refused(index, ref, stored) if isinstance(stored, Exception) else _outcome(index, ref, stored)
            )
    uow.session.commit()
    results = [o for o in outcomes if o is not None]
    return json_response(
        {
            "results": results,
            "stored": sum(o["status"] == 201 and not o.get("replayed") for o in results),
            "failed": sum("code" in o for o in results),
        }
    )


def _score_items(
    items: list[Any], dry_run: bool
) -> tuple[list[dict[str, Any] | None], list[tuple[int, scores.Pending]]]:
    """Each application's outcome (None for those still to be stored), and those to store, with their places."""
    outcomes: list[dict[str, Any] | None] = []
    pending: list[tuple[int, scores.Pending]] = []
    for index, item in enumerate(items):
        ref = item.get("application_ref") if isinstance(item, dict) else None
        ref = ref if isinstance(ref, str) else None
        try:
            scored = _score_item(item, dry_run)
        except Exception as exc:
            outcomes.append(_refused(index, ref, exc))
            continue
        if isinstance(scored, scores.Pending):
            pending.append((index, scored))
            outcomes.append(None)  # filled in once stored
        else:
            outcomes.append(_outcome(index, ref, scored))
    return outcomes, pending


def _score_item(item: Any, dry_run: bool) -> scores.Scored | scores.Pending:
    """One application of a batch, scored now (a dry run, a replay) or ready to be stored with the others."""
    if not isinstance(item, dict):
        raise ApiError(
            422, "invalid_fields", "an application must be a JSON object", {"_schema": ["expected an object"]}
        )
    request_ = _score_request(_item_schema.load(item), dry_run=dry_run)
    uow, caller = unit_of_work.current(), current_caller()
    session = uow.session
    if request_.dry_run:
        return scores.dry_run(session, request_)
    replayed = scores.replay(session, request_, caller)
    return replayed if replayed is not None else scores.prepare(session, request_, caller)


def _outcome(index: int, ref: str | None, scored: scores.Scored) -> dict[str, Any]:
    outcome: dict[str, Any] = {"index": index, "application_ref": ref}
    outcome["status"] = 201 if scored.stored_id else 200
    if scored.replayed:
        outcome["replayed"] = True
    outcome["result"] = orjson.Fragment(scored.body)
    return outcome


def _refused(index: int, ref: str | None, exc: Exception) -> dict[str, Any]:
    error = as_api_error(exc)
    if error.status >= 500:
        raise exc
    return {"index": index, "application_ref": ref, "status": error.status, **error.body()}


@bp.get("/scores/<uuid:score_id>")
@doc("A stored score, with the facts as sent (with the facts scope) and its re-review chain", tag="scores",
     responses={200: ("The stored score", StoredScoreSchema)}, errors=("not_found",),
     response_headers={200: need.HEADER_DOC},
     description="`facts` is null unless the client has the `facts` scope (the answer then carries "
     "`Jifen-Facts: withheld`); every answer that shows facts is recorded in the facts access log.")  # fmt: skip
@require("read")
def get_score(score_id: uuid.UUID) -> Response:
    session = get_session()
    record = records.get(session, str(score_id))
    chain = records.chain(session, record)  # every read first: the log's write then ends the request's reads
    reader = need.Reader.of_client(current_caller())
    lens = need.reading(unit_of_work.current(), reader, "api_score", record.application_ref, record.year,
                        score_id=record.id)  # fmt: skip
    body = {**records.view(record), **chain, "facts": lens.facts(json.loads(record.facts)),
            "facts_erased_on": record.facts_erased_on}  # fmt: skip
    return _facts_header(json_response(body), lens)


def _facts_header(response: Response, lens: need.Lens) -> Response:
    value = need.header(lens)
    if value is not None:
        response.headers[need.FACTS_HEADER] = value
    return response


@bp.get("/scores")
@doc("Stored scores of an application, newest first (paginated)", tag="scores", query=ScoreListQuerySchema,
     responses={200: ("A page of scores", ScoreListSchema)}, errors=("invalid_fields",))  # fmt: skip
@require("read")
def list_scores() -> Response:
    query = _list_schema.load(request.args.to_dict())
    result = records.list_scores(
        get_session(), query["application_ref"], query.get("year"), query["page"], query["per_page"]
    )
    return json_response(result)


@bp.post("/scores/<uuid:score_id>/verify")
@doc("Re-evaluate a stored score under its stored version: is it reproduced exactly?", tag="scores",
     responses={200: ("The verdict, with any differences", VerifySchema)},
     errors=("not_found", "refused", "engine_failure"))  # fmt: skip
@require("read")
def verify_score(score_id: uuid.UUID) -> Response:
    return json_response(records.verify(get_session(), str(score_id)))
