"""Every request and response schema of the API (marshmallow); the OpenAPI document is generated from them."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, ValidationError, fields, validate

from api import fields as f
from api.enums import OpenEnum
from api.fields import ApiSchema
from api.results import schema_of
from engine.result import ScoreResult, VersionIdentity
from jifen.applications import references

MAX_BATCH = 1000
# Revisions (and pages) are bounded like the INTEGER columns they are compared with: a larger number would make
# the database driver fail instead of finding nothing.
MAX_INT32 = 2**31 - 1
PER_PAGE_DEFAULT, PER_PAGE_MAX = 20, 100
_REF = r"[a-z][a-z0-9_]*/\d{4}/\d+"
YEARS = f.Range(2000, 2100)


def _check_revision(value: str) -> None:
    revision = value.rpartition("/")[2]
    if revision.isdigit() and (len(revision) > 10 or not 1 <= int(revision) <= MAX_INT32):
        raise ValidationError(f"the revision must be between 1 and {MAX_INT32}")


class ApplicationRef(validate.Length):
    """An application's reference, checked by its one rule (jifen.applications.references); a Length to the
    document, which shows its limits."""

    def __init__(self) -> None:
        super().__init__(1, references.MAX_LENGTH)

    def __call__(self, value: Any) -> Any:
        problems = references.reference_problems(value)
        if problems:
            raise ValidationError(problems)
        return value


def application_ref_field(**kwargs: Any) -> f.String:
    """An application reference: 1–64 visible characters, not blank."""
    return f.String(validate=ApplicationRef(), **kwargs)


def _not_empty(value: list[Any]) -> None:
    if not value:
        raise ValidationError("give at least one application")


class ScoreRequestSchema(ApiSchema):
    """One application to score."""

    application_ref = application_ref_field(
        required=True,
        metadata={
            "description": "The caller's reference of the application: 1–64 characters, not blank, without control, "
            "format (e.g. bidirectional) or line-separator characters",
            "example": "TX-2026-000123",
        },
    )
    year = f.Integer(required=True, validate=YEARS, metadata={"description": "Scoring year", "example": 2026})
    facts = f.Object(
        required=True,
        metadata={
            "description": "The application's facts, checked against the fact catalogue of the version used: "
            "null means absent, age is derived from birth_date and refused, counts and months are whole numbers"
        },
    )
    as_of = f.Date(
        validate=f.Range(dt.date(2000, 1, 1), dt.date(2100, 12, 31)),
        metadata={
            "description": "Scoring date (default: today); picks the version in force and is the default application date"
        },
    )
    version = f.String(
        validate=[f.Pattern(_REF, "RULESET/YEAR/REVISION, e.g. tongxiang/2026/1"), _check_revision],
        metadata={"description": "Pin a version (audits) instead of the one in force", "example": "tongxiang/2026/1"},
    )
    dry_run = f.Boolean(load_default=False, metadata={"description": "Score without storing (200 instead of 201)"})
    supersedes = f.UUID(
        allow_none=True,
        load_default=None,
        metadata={
            "description": "A re-review (复核): the id of the application's current score, which this score replaces. "
            "Must be absent or null for the first score of an application and year; required for every later one."
        },
    )


IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")
IDEMPOTENCY_KEY_RULE = "1 to 255 visible ASCII characters"


class BatchItemSchema(ScoreRequestSchema):
    """One application of a batch: as for POST /scores, without dry_run (the batch has one)."""

    class Meta(ApiSchema.Meta):
        exclude = ("dry_run",)

    idempotency_key = f.String(
        validate=f.Pattern(IDEMPOTENCY_KEY.pattern, IDEMPOTENCY_KEY_RULE),
        metadata={
            "description": "Makes a retry of this item safe: the same key (per API client) with the same item "
            "answers the stored score again instead of storing another"
        },
    )


class BatchRequestSchema(ApiSchema):
    """Many applications at once. Each is checked on its own, so that one bad application fails alone: the
    list may hold anything, and what is not a valid BatchItem gets its own 422 outcome."""

    applications = f.List(
        f.Anything(),
        required=True,
        validate=_not_empty,
        metadata={
            "description": f"1 to {MAX_BATCH} applications, scored in order; each one that is not a valid "
            "BatchItem gets its own 422 outcome, and the others are scored"
        },
    )
    dry_run = f.Boolean(load_default=False, metadata={"description": "Score without storing anything"})


# -- answers ----------------------------------------------------------------------------------------------
# Every property an answer always holds is required, and a property that can be null is nullable, so that a
# generated client needs neither guesses nor checks. The result of a score is generated from the engine's types.


# Schemas generated at import time are bases the type checker cannot follow: it sees them as what they are, Schemas.
if TYPE_CHECKING:
    _Version = Schema
    _Result = Schema
else:
    _Version = schema_of(VersionIdentity)


class ScoreVersionSchema(_Version):
    """The ruleset version a score was computed under, with its database id."""

    id = fields.Integer(required=True, metadata={"description": "The version's id in this service"})


if not TYPE_CHECKING:
    _Result = schema_of(ScoreResult, replace={VersionIdentity: ScoreVersionSchema})
_SCORE_ID = {"description": "The score's id (a UUID)", "example": "3f1c2b1e-5a4d-4c3b-9e8f-1a2b3c4d5e6f"}


class ScoreSchema(_Result):
    """A stored score: the total with its full explanation (SPEC §6), and where it stands in its chain."""

    id = fields.UUID(required=True, metadata=_SCORE_ID)
    created_at = fields.DateTime(required=True, metadata={"description": "When it was stored (UTC)"})
    application_ref = fields.String(required=True, metadata={"description": "The application's reference, as sent"})
    client = fields.String(required=True, metadata={"description": "The API client that stored it"})
    supersedes = fields.UUID(
        required=True,
        allow_none=True,
        metadata={"description": "The score this one replaces (复核); null for the first score of the application"},
    )


class DryRunSchema(_Result):
    """A score that was not stored (dry_run): the total with its full explanation."""

    application_ref = fields.String(required=True, metadata={"description": "The application's reference, as sent"})
    dry_run = fields.Boolean(required=True, validate=validate.Equal(True), metadata={"description": "Always true"})


class StoredScoreSchema(ScoreSchema):
    """A stored score as read back: with the facts as sent and what superseded it."""

    superseded_by = fields.UUID(
        required=True, allow_none=True, metadata={"description": "The score that replaced this one; null while current"}
    )
    facts = fields.Dict(
        required=True,
        allow_none=True,
        metadata={
            "description": "The facts exactly as they were sent; null without the `facts` scope "
            "(`Jifen-Facts: withheld`), `{}` once retention erased them (facts_erased_on)"
        },
    )
    facts_erased_on = fields.Date(
        required=True, allow_none=True, metadata={"description": "The day retention erased the facts, or null"}
    )


class AnyOf(fields.Field):
    """A value of one of several component schemas (documented as ``anyOf`` of their references)."""

    def __init__(self, *names: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.names = names


class BatchOutcomeSchema(Schema):
    """One application of a batch: its score, or why it was refused (the members of a Problem)."""

    index = fields.Integer(required=True, metadata={"description": "Its place in applications, from 0"})
    application_ref = fields.String(
        required=True, allow_none=True, metadata={"description": "As sent; null when it was not a text"}
    )
    status = fields.Integer(
        required=True,
        metadata={"description": "201 stored (or replayed), 200 dry run, else the status of its problem (409, 422…)"},
    )
    replayed = fields.Boolean(
        metadata={"description": "Present (true) when its idempotency_key answered the score stored before"}
    )
    result = AnyOf("Score", "DryRun", metadata={"description": "With 201 and 200: the score"})
    type = fields.String(metadata={"description": "A refused application: the members of its Problem"})
    title = fields.String()
    detail = fields.String()
    code = fields.String()
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    current_id = fields.UUID(metadata={"description": "With already_scored and stale_supersedes"})


class BatchResponseSchema(Schema):
    results = fields.List(fields.Nested(BatchOutcomeSchema), required=True, metadata={"description": "In input order"})
    stored = fields.Integer(required=True, metadata={"description": "How many were stored now (not replayed)"})
    failed = fields.Integer(required=True, metadata={"description": "How many were refused"})


class ScoreSummarySchema(Schema):
    """A stored score in a list: its total and its place in the application's chain."""

    id = fields.UUID(required=True, metadata=_SCORE_ID)
    created_at = fields.DateTime(required=True)
    application_ref = fields.String(required=True)
    year = fields.Integer(required=True)
    as_of = fields.Date(required=True)
    total = fields.Decimal(as_string=False, required=True)
    eligible = fields.Boolean(required=True)
    version = fields.Nested(ScoreVersionSchema, required=True)
    client = fields.String(required=True)
    supersedes = fields.UUID(
        required=True, allow_none=True, metadata={"description": "The earlier score this one replaces (复核)"}
    )
    superseded_by = fields.UUID(required=True, allow_none=True, metadata={"description": "null while current"})


class ScoreListQuerySchema(ApiSchema):
    application_ref = application_ref_field(required=True, metadata={"description": "The application's reference"})
    year = f.QueryInteger(validate=YEARS, metadata={"description": "Only this scoring year (default: every year)"})
    page = f.QueryInteger(
        load_default=1, validate=f.Range(1, MAX_INT32), metadata={"description": "Page number, from 1 (default 1)"}
    )
    per_page = f.QueryInteger(
        load_default=PER_PAGE_DEFAULT,
        validate=f.Range(1, PER_PAGE_MAX),
        metadata={"description": f"Scores per page, 1 to {PER_PAGE_MAX} (default {PER_PAGE_DEFAULT})"},
    )


class ScoreListSchema(Schema):
    items = fields.List(fields.Nested(ScoreSummarySchema), required=True, metadata={"description": "Newest first"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "How many scores match, on every page"})


class VerifySchema(Schema):
    id = fields.UUID(required=True, metadata=_SCORE_ID)
    reproduced = fields.Boolean(
        required=True,
        allow_none=True,
        metadata={
            "description": "True when re-evaluating gives exactly the stored result; null when the facts "
            "were erased (facts_erased_on): the result and its content hash remain, nothing can be re-evaluated"
        },
    )
    version = fields.Nested(ScoreVersionSchema, required=True)
    stored_total = fields.Decimal(as_string=False, required=True)
    recomputed_total = fields.Decimal(
        as_string=False,
        required=True,
        allow_none=True,
        metadata={"description": "null when the facts no longer validate"},
    )
    differences = fields.List(
        fields.String(), required=True, metadata={"description": "What differs, one line each (empty when reproduced)"}
    )
    facts_erased_on = fields.Date(
        required=True, allow_none=True, metadata={"description": "The day retention erased the score's facts, or null"}
    )


class InForceQuerySchema(ApiSchema):
    year = f.QueryInteger(required=True, validate=YEARS, metadata={"description": "Scoring year"})
    date = f.Date(metadata={"description": "The date the version must be in force on (default: today)"})
    ruleset = f.String(
        load_default="tongxiang",
        validate=f.Pattern(r"[a-z][a-z0-9_]{0,63}", "a ruleset code (lower-case letters, digits, _)"),
        metadata={"description": "Ruleset code (default tongxiang)"},
    )


class ProblemSchema(Schema):
    """An error, as an RFC 9457 problem detail (application/problem+json) with the service's own members."""

    type = fields.String(
        required=True,
        metadata={
            "description": "The problem type: a URI reference to this code's entry on the API reference page "
            "(/api/v1/docs#problem-CODE), the same on every deployment",
            "example": "/api/v1/docs#problem-invalid_fields",
        },
    )
    title = fields.String(required=True, metadata={"description": "The problem type in a few words (per code)"})
    status = fields.Integer(required=True, metadata={"description": "The HTTP status, as sent"})
    detail = fields.String(required=True, metadata={"description": "What went wrong with this request"})
    code = fields.String(required=True, metadata={"description": "The problem as a stable machine code"})
    message = fields.String(
        required=True, metadata={"description": "The same text as detail (kept for clients of earlier /api/v1)"}
    )
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={
            "description": "invalid_fields and a few 400s: each field path (e.g. facts.insurance_months) → its messages"
        },
    )
    current_id = fields.UUID(
        metadata={"description": "already_scored and stale_supersedes: the id of the application's current score"}
    )


class HealthWarningSchema(Schema):
    """Something to do soon that does not stop the service yet."""

    code = OpenEnum("HealthWarningCode", ("calendar_not_entered",), required=True,
                    metadata={"description": "calendar_not_entered: a year's working days (this year, or from 1 "
                              "October the next) are not entered; deadlines into it are refused (no_calendar_data)"})  # fmt: skip
    message = fields.String(required=True, metadata={"description": "What to do, in English"})


class HealthSchema(Schema):
    status = fields.String(required=True, validate=validate.Equal("ok"), metadata={"description": "Always ok"})
    database = fields.String(
        required=True, validate=validate.Equal("ok"), metadata={"description": "ok: it took a write just now"}
    )
    warnings = fields.List(fields.Nested(HealthWarningSchema), required=True,
                           metadata={"description": "Empty when there is nothing to do; the status stays 200"})  # fmt: skip


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error messages as ``{"field.path": [messages]}``."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": list(messages)}
        out: dict[str, list[str]] = {}
        for item in messages:
            out.update(flatten_errors(item, prefix))
        return out
    if isinstance(messages, dict):
        out = {}
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                path = prefix or "_schema"
            out.update(flatten_errors(value, path))
        return out
    return {prefix or "_schema": [str(messages)]}
