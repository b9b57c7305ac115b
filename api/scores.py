"""/api/v1/scores: score one or many applications, fetch and list stored scores, verify one."""

from __future__ import annotations

import json
from typing import Any

import orjson
from flask import Blueprint, Response, request

from api.auth import current_caller, require
from api.errors import ApiError, as_api_error
from api.http import json_body, json_response, raw_json_response
from api.openapi import doc
from api.schemas import (
    MAX_BATCH,
    BatchItemSchema,
    BatchRequestSchema,
    BatchResponseSchema,
    ScoreListQuerySchema,
    ScoreListSchema,
    ScoreRequestSchema,
    ScoreResultSchema,
    StoredScoreSchema,
    VerifySchema,
)
from jifen.db import get_session
from jifen.services import scores

bp = Blueprint("scores", __name__)
_request_schema = ScoreRequestSchema()
_batch_schema = BatchRequestSchema()
_item_schema = BatchItemSchema()
_list_schema = ScoreListQuerySchema()


@bp.post("/scores")
@doc(
    "Score one application (stored unless dry_run)",
    tag="scores",
    body=ScoreRequestSchema,
    responses={201: ("Stored score", ScoreResultSchema), 200: ("Dry run: the score, not stored", ScoreResultSchema)},
    errors=(400, 409, 415, 422),
)
@require("score")
def create_score() -> Response:
    request_ = scores.ScoreRequest(**_request_schema.load(json_body()))
    session = get_session()
    scored = scores.score(session, request_, current_caller())
    session.commit()
    return raw_json_response(scored.body, 200 if request_.dry_run else 201)


@bp.post("/scores/batch")
@doc(
    f"Score up to {MAX_BATCH} applications; each gets its own outcome, in input order",
    tag="scores",
    body=BatchRequestSchema,
    responses={200: ("One outcome per application; the valid ones are stored", BatchResponseSchema)},
    errors=(400, 413, 415, 422),
)
@require("score")
def create_batch() -> Response:
    body = json_body()
    applications = body.get("applications")
    if isinstance(applications, list) and len(applications) > MAX_BATCH:
        raise ApiError(413, "batch_too_large", f"{len(applications)} applications in one batch; at most {MAX_BATCH}")
    data = _batch_schema.load(body)
    session, caller = get_session(), current_caller()
    outcomes: list[dict[str, Any]] = []
    stored = 0
    for index, item in enumerate(data["applications"]):
        ref = (
            item.get("application_ref")
            if isinstance(item, dict) and isinstance(item.get("application_ref"), str)
            else None
        )
        try:
            if not isinstance(item, dict):
                raise ApiError(
                    422, "invalid_fields", "an application must be a JSON object", {"_schema": ["expected an object"]}
                )
            request_ = scores.ScoreRequest(**_item_schema.load(item), dry_run=data["dry_run"])
            scored = scores.score(session, request_, caller)
        except Exception as exc:
            error = as_api_error(exc)
            if error.status >= 500:
                raise
            outcome = {
                "index": index,
                "application_ref": ref,
                "status": error.status,
                "code": error.code,
                "message": error.message,
            }
            if error.errors:
                outcome["errors"] = error.errors
            outcomes.append(outcome)
            continue
        stored += not request_.dry_run
        status = 200 if request_.dry_run else 201
        outcomes.append(
            {"index": index, "application_ref": ref, "status": status, "result": orjson.Fragment(scored.body)}
        )
    session.commit()
    return json_response({"results": outcomes, "stored": stored, "failed": sum("code" in o for o in outcomes)})


@bp.get("/scores/<score_id>")
@doc("A stored score, with the facts as sent and its re-review chain", tag="scores",
     responses={200: ("The stored score", StoredScoreSchema)}, errors=(404,))  # fmt: skip
@require("read")
def get_score(score_id: str) -> Response:
    session = get_session()
    record = scores.get(session, score_id)
    return json_response({**scores.view(record), **scores.chain(session, record), "facts": json.loads(record.facts)})


@bp.get("/scores")
@doc("Stored scores of an application, newest first (paginated)", tag="scores", query=ScoreListQuerySchema,
     responses={200: ("A page of scores", ScoreListSchema)}, errors=(422,))  # fmt: skip
@require("read")
def list_scores() -> Response:
    query = _list_schema.load(request.args.to_dict())
    result = scores.list_scores(
        get_session(), query["application_ref"], query.get("year"), query["page"], query["per_page"]
    )
    return json_response(result)


@bp.post("/scores/<score_id>/verify")
@doc("Re-evaluate a stored score under its stored version: is it reproduced exactly?", tag="scores",
     responses={200: ("The verdict, with any differences", VerifySchema)}, errors=(404,))  # fmt: skip
@require("read")
def verify_score(score_id: str) -> Response:
    return json_response(scores.verify(get_session(), score_id))
