"""Schemas of the signed statements: a published result's statement, and the verification of one."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api import fields as f
from jifen.statements.status import STATUSES
from jifen.statements.verify import MAX_LENGTH


def _points(**kwargs: Any) -> fields.Decimal:
    """Points, as the result writes them: a JSON number with at most two decimals."""
    return fields.Decimal(as_string=False, **kwargs)


class StatementVersionSchema(Schema):
    ref = fields.String(required=True, metadata={"description": "The version's reference, e.g. tongxiang/2026/1"})
    content_hash = fields.String(required=True, metadata={"description": "sha256 of the version's canonical content"})


class ProvincialClaimsSchema(Schema):
    hash = fields.String(
        required=True,
        metadata={"description": "sha256 of the provincial part of the standard (engine.provincial): equal for every "
                  "city with the same provincial table"},
    )  # fmt: skip
    points = _points(required=True, metadata={"description": "The provincial category's points"})
    indicators = fields.Dict(
        keys=fields.String(), values=_points(), required=True,
        metadata={"description": "Each provincial indicator's points, by code"},
    )  # fmt: skip


class ClaimsSchema(Schema):
    """What a statement says (its JWS payload), in this order."""

    iss = fields.String(required=True, metadata={"description": "The issuer: the city's id (JIFEN_ISSUER)"})
    sub = fields.String(required=True, metadata={"description": "The application's reference"})
    year = fields.Integer(required=True, metadata={"description": "The scoring year"})
    score_id = fields.String(required=True, metadata={"description": "The stored score's id"})
    version = fields.Nested(StatementVersionSchema, required=True)
    total = _points(required=True, metadata={"description": "The total points, as the result wrote them"})
    categories = fields.Dict(
        keys=fields.String(), values=_points(), required=True,
        metadata={"description": "Each category's points, by code"},
    )  # fmt: skip
    provincial = fields.Nested(ProvincialClaimsSchema, required=True)
    valid_until = fields.String(required=True, metadata={"description": "The last day the points count (YYYY-MM-DD)"})
    published_on = fields.String(required=True, metadata={"description": "The day the result was published"})
    iat = fields.Integer(required=True, metadata={"description": "When it was signed (seconds since 1970, UTC)"})
    kid = fields.String(required=True, metadata={"description": "The id of the key that signed it (RFC 7638)"})


class NewerStatementSchema(Schema):
    score_id = fields.String(required=True, metadata={"description": "The re-review's score"})
    statement = fields.String(required=True, metadata={"description": "Its statement (compact JWS)"})
    issued_at = fields.DateTime(required=True)


class StatusSchema(Schema):
    """What the service says of the stated result today."""

    status = fields.String(
        required=True,
        validate=validate.OneOf(STATUSES),
        metadata={"description": "valid; superseded (a re-review changed the result: superseded_by is the newer "
                  "statement); voided (the permit was suspended or cancelled: from voided_on); expired (after "
                  "valid_until); unknown (this service has no such result)"},
    )  # fmt: skip
    state = fields.String(allow_none=True, required=True, metadata={"description": "The application's state now"})
    voided_on = fields.String(metadata={"description": "With voided: the day the points became void"})
    void_reason = fields.String(metadata={"description": "With voided: permit_suspended or permit_cancelled"})
    superseded_by = fields.Nested(NewerStatementSchema, metadata={"description": "With superseded"})


class SignatureSchema(Schema):
    valid = fields.Boolean(required=True, metadata={"description": "Whether a key of this service signed it as is"})
    kid = fields.String(allow_none=True, required=True, metadata={"description": "The key that signed it"})
    key_status = fields.String(
        allow_none=True, required=True, metadata={"description": "active or retired (retired keys' statements verify)"}
    )
    problem = fields.String(
        allow_none=True, required=True,
        metadata={"description": "When not valid: malformed_statement, unknown_kid or bad_signature"},
    )  # fmt: skip
    message = fields.String(allow_none=True, required=True, metadata={"description": "When not valid: why"})


class StatementVerificationSchema(Schema):
    """A statement checked: its signature, and when that holds its claims, in words, and their status today."""

    signature = fields.Nested(SignatureSchema, required=True)
    claims = fields.Nested(ClaimsSchema, allow_none=True, required=True)
    summary = fields.String(allow_none=True, required=True, metadata={"description": "The claims in words"})
    status = fields.Nested(StatusSchema, allow_none=True, required=True)


class StatementSchema(Schema):
    """A published result's signed statement, with its claims and their status today."""

    application_ref = fields.String(required=True)
    year = fields.Integer(required=True)
    score_id = fields.String(required=True, metadata={"description": "The score it states"})
    kid = fields.String(required=True, metadata={"description": "The key that signed it"})
    issued_at = fields.DateTime(required=True)
    statement = fields.String(
        required=True, metadata={"description": "The compact JWS (RFC 7515, EdDSA/Ed25519): verify it against "
                                 "/.well-known/jwks.json"},
    )  # fmt: skip
    verify_url = fields.String(required=True, metadata={"description": "The public /verify page for it (QR code)"})
    claims = fields.Nested(ClaimsSchema, required=True)
    status = fields.Nested(StatusSchema, required=True)


class VerifyRequestSchema(f.ApiSchema):
    statement = f.String(
        required=True,
        validate=validate.Length(1, MAX_LENGTH),
        metadata={
            "description": "The statement: a compact JWS (three base64url parts separated by dots). One that "
            "is not is answered as not valid (malformed_statement), not refused"
        },
    )


# The reference's example: a statement of the sample application, verified on a day it was valid
_CLAIMS = {
    "iss": "cn-zj-tongxiang", "sub": "TX-2026-000123", "year": 2026, "score_id": "0b6f6c1e-6f9a-4a8e-9d0c-2f4e1a7b3c55",
    "version": {"ref": "tongxiang/2026/1", "content_hash": "sha256:35980f52c122" + "0" * 52},
    "total": 86, "categories": {"provincial": 60, "base": 26, "bonus": 0, "deduction": 0},
    "provincial": {"hash": "sha256:" + "7" * 64, "points": 60, "indicators": {"P1": 20, "P2": 30, "P3": 10}},
    "valid_until": "2026-12-31", "published_on": "2026-06-10", "iat": 1781085600,
    "kid": "bPjXg35RFGmB4m0kB3IYpJruzOMaWclw53DegegghwI",
}  # fmt: skip
_STATEMENT = "eyJhbGciOiJFZERTQSIsImtpZCI6ImJQalhnMzVSRkdtQjRtMGtCM0lZcEpydXpPTWFXY2x3NTNEZWdlZ2dod0kiLCJ0eXAiOiJqaWZlbi1zdGF0ZW1lbnQrand0In0.eyJpc3MiOiJjbi16ai10b25neGlhbmcifQ.FZ6j94MlxD91bjPtrspph-3_e4bWRYGdWR0epPt3WGsrPlVygRhV3rG-rda1IBlWDEYp1gbBysuD0bliBXgeAg"
EXAMPLES = {
    "verifyStatement": {
        "request": {"statement": _STATEMENT},
        "responses": {
            200: {
                "signature": {"valid": True, "kid": _CLAIMS["kid"], "key_status": "active", "problem": None,
                              "message": None},
                "claims": _CLAIMS,
                "summary": "cn-zj-tongxiang states that application TX-2026-000123 of 2026 scored 86 points "
                "(provincial 60, base 26, bonus 0, deduction 0) under tongxiang/2026/1, published on 2026-06-10, "
                "valid until 2026-12-31; signed with key bPjXg35RFGmB4m0kB3IYpJruzOMaWclw53DegegghwI",
                "status": {"status": "valid", "state": "published"},
            }
        },
    },
}  # fmt: skip
