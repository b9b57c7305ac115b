"""Signed statements: a published result's statement, verification of any statement, and the public keys (JWKS)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, url_for

from api.applications import PATH, READERS, _checked_path, today
from api.auth import require
from api.http import json_body, json_response
from api.openapi import doc
from api.statement_schemas import StatementSchema, StatementVerificationSchema, VerifyRequestSchema
from jifen.access.api_clients import SCOPES
from jifen.applications import find
from jifen.errors import NotFound
from jifen.statements import status
from jifen.statements.signing import signer_for
from jifen.unit_of_work import get_session

bp = Blueprint("statements", __name__)
JWKS_PATH = "/.well-known/jwks.json"


def verify_url(token: str) -> str:
    """The public page that verifies ``token`` (what the receipt's QR code encodes)."""
    return url_for("public.verify_page", s=token, _external=True)


@bp.get(PATH + "/statement")
@doc(
    "The signed statement of an application's published result, with its claims and their status today",
    tag="statements",
    responses={200: ("The statement", StatementSchema)},
    errors=("not_found",),
    description="A compact JWS (RFC 7515) signed with Ed25519 (`EdDSA`) when the result was published, and again "
    "when a re-review republished it: this is the statement of the current score. Anyone can check it offline "
    f"against `{JWKS_PATH}`, or online with `POST /api/v1/statements/verify` or the public page `/verify`. 404 "
    "before publication.",
)
@require(*READERS)
def get_statement(application_ref: str, year: int) -> Response:
    _checked_path(application_ref, year)
    session = get_session()
    app = find(session, application_ref, year)
    row = status.of_score(session, app.score_id)
    if row is None:
        raise NotFound(f"{application_ref} ({year}) has no signed statement: its result is not published")
    signer = signer_for(current_app)
    claims = status.claims_of(row.jws)
    body = {
        "application_ref": app.application_ref,
        "year": app.year,
        "score_id": row.score_id,
        "kid": row.kid,
        "issued_at": row.issued_at,
        "statement": row.jws,
        "verify_url": verify_url(row.jws),
        "claims": claims,
        "current": status.current_status(session, claims, signer.issuer, today()),
    }
    return json_response(body)


@bp.post("/statements/verify")
@doc(
    "Verify a statement: its signature (with which key), its claims in words, and the result's status today",
    tag="statements",
    body=VerifyRequestSchema,
    responses={
        200: ("The verification (a statement that is not valid is answered, not refused)", StatementVerificationSchema)
    },
    errors=(400, 415, "invalid_fields"),
    description="Any API key may verify. `signature.valid` says whether a key of this service (active or retired, "
    f"see `{JWKS_PATH}`) signed the statement exactly as it is: a single changed byte makes it false "
    "(`bad_signature`). When it holds, `status` says what the service knows today: `valid`, `superseded` (a "
    "re-review changed the result; `superseded_by` is the newer statement), `voided` (from `voided_on`), `expired` "
    "(after `valid_until`) or `unknown`.",
)
@require(*SCOPES)
def verify_statement() -> Response:
    data = VerifyRequestSchema().load(json_body())
    signer = signer_for(current_app)
    checked = status.check(get_session(), data["statement"], signer.keys, signer.issuer, today())
    return json_response(answer(checked))


def answer(checked: dict[str, Any]) -> dict[str, Any]:
    """A verification as the API answers it: the claims also in words."""
    claims = checked["claims"]
    return {
        "signature": checked["signature"],
        "claims": claims,
        "summary": None if claims is None else status.described(claims),
        "current": checked["status"],
    }


def jwks() -> Response:
    """The public keys that sign the statements (RFC 7517 JWK Set), retired ones included and marked."""
    response = json_response(signer_for(current_app).keys.jwks(), mimetype="application/jwk-set+json")
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
