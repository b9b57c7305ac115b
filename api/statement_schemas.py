"""Schemas of the signed statements: a published result's statement, and the verification of one."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api import fields as f
from api.enums import OpenEnum
from jifen.applications import STATES, VOID_REASONS
from jifen.statements.keys import ACTIVE, RETIRED
from jifen.statements.status import STATUSES
from jifen.statements.verify import MAX_LENGTH

KEY_STATUSES = (ACTIVE, RETIRED)


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


class StatementCurrentSchema(Schema):
    """What the service says of the stated result today."""

    status = OpenEnum(
        "StatementStatus",
        STATUSES,
        required=True,
        metadata={"description": "valid; superseded (a re-review changed the result: superseded_by is the newer "
                  "statement); voided (the permit was suspended or cancelled: from voided_on); expired (after "
                  "valid_until); unknown (this service has no such result)"},
    )  # fmt: skip
    state = OpenEnum("ApplicationState", STATES, required=True, allow_none=True,
                     metadata={"description": "The application's state now (null: unknown)"})  # fmt: skip
    voided_on = fields.Date(required=True, allow_none=True, metadata={"description": "When voided: from which day"})
    void_reason = OpenEnum("VoidReason", VOID_REASONS, required=True, allow_none=True)
    superseded_by = fields.Nested(
        NewerStatementSchema, required=True, allow_none=True, metadata={"description": "When superseded"}
    )


class SignatureSchema(Schema):
    valid = fields.Boolean(required=True, metadata={"description": "Whether a key of this service signed it as is"})
    kid = fields.String(allow_none=True, required=True, metadata={"description": "The key that signed it"})
    key_status = OpenEnum(
        "SigningKeyStatus", KEY_STATUSES, allow_none=True, required=True,
        metadata={"description": "active or retired (a retired key's statements still verify)"},
    )  # fmt: skip
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
    current = fields.Nested(
        StatementCurrentSchema, allow_none=True, required=True,
        metadata={"description": "When the signature is valid: the result's status today"},
    )  # fmt: skip


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
    current = fields.Nested(
        StatementCurrentSchema, required=True, metadata={"description": "The result's status today"}
    )


class VerifyRequestSchema(f.ApiSchema):
    statement = f.String(
        required=True,
        validate=validate.Length(1, MAX_LENGTH),
        metadata={
            "description": "The statement: a compact JWS (three base64url parts separated by dots). One that "
            "is not is answered as not valid (malformed_statement), not refused"
        },
    )


# What the recorded examples (tests/api/test_examples.py) show for what differs from run to run: the statement, the
# key that signed it and when
EXAMPLE_KID = "bPjXg35RFGmB4m0kB3IYpJruzOMaWclw53DegegghwI"
EXAMPLE_STATEMENT = (
    "eyJhbGciOiJFZERTQSIsImtpZCI6ImJQalhnMzVSRkdtQjRtMGtCM0lZcEpydXpPTWFXY2x3NTNEZWdlZ2dod0kiLCJ0eXAiOiJqaWZlbi1zdGF0"
    "ZW1lbnQrand0In0.eyJpc3MiOiJjbi16ai10b25neGlhbmcifQ.FZ6j94MlxD91bjPtrspph-3_e4bWRYGdWR0epPt3WGsrPlVygRhV3rG-rda1IBl"
    "WDEYp1gbBysuD0bliBXgeAg"
)
EXAMPLE_IAT = 1775032200
