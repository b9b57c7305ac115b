"""Every request and response schema of the API (marshmallow); the OpenAPI document is generated from them."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from marshmallow import Schema, ValidationError, fields

from api import fields as f
from api.fields import ApiSchema

MAX_BATCH = 1000
# Revisions (and pages) are bounded like the INTEGER columns they are compared with: a larger number would make
# the database driver fail instead of finding nothing.
MAX_INT32 = 2**31 - 1
PER_PAGE_DEFAULT, PER_PAGE_MAX = 20, 100
_REF = r"[a-z][a-z0-9_]*/\d{4}/\d+"
# Control (Cc), format (Cf: bidirectional overrides, zero-width characters) and line/paragraph separators, and
# surrogates (Cs), which are not characters: a reference must read the same everywhere it is shown or stored.
_INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
YEARS = f.Range(2000, 2100)


def _check_application_ref(value: str) -> None:
    if value and not value.strip():  # an empty one is told by its length
        raise ValidationError("must not be blank")
    for position, char in enumerate(value, start=1):
        if unicodedata.category(char) in _INVISIBLE:
            raise ValidationError(
                f"must not contain control, format or separator characters: U+{ord(char):04X} at position {position}"
            )


def _check_revision(value: str) -> None:
    revision = value.rpartition("/")[2]
    if revision.isdigit() and (len(revision) > 10 or not 1 <= int(revision) <= MAX_INT32):
        raise ValidationError(f"the revision must be between 1 and {MAX_INT32}")


def application_ref_field(**kwargs: Any) -> f.String:
    """An application reference: 1–64 visible characters, not blank (the same rule wherever one is read)."""
    return f.String(validate=[f.Length(1, 64), _check_application_ref], **kwargs)


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


class VersionIdentitySchema(Schema):
    id = fields.Integer()
    ruleset = fields.String()
    year = fields.Integer()
    revision = fields.Integer()
    content_hash = fields.String(metadata={"example": "sha256:fb4ac99b…"})


class ItemResultSchema(Schema):
    code = fields.String()
    label = fields.String()
    fired = fields.Boolean(metadata={"description": "Whether the item's condition held"})
    raw = fields.Decimal(as_string=False)
    cap = fields.Decimal(as_string=False, allow_none=True)
    points = fields.Decimal(as_string=False, metadata={"description": "After the item cap"})
    counted = fields.Boolean(
        metadata={"description": "Whether it counted towards the indicator (exclusive groups keep the highest)"}
    )
    excluded_by = fields.String(metadata={"description": "The item of the same group that counted instead"})


class IndicatorResultSchema(Schema):
    code = fields.String()
    name = fields.String()
    category = fields.String()
    raw = fields.Decimal(as_string=False)
    cap = fields.Decimal(as_string=False, allow_none=True)
    points = fields.Decimal(as_string=False)
    departments = fields.List(fields.String())
    reference = fields.String(metadata={"description": "The clause or table row this indicator implements"})
    items = fields.List(fields.Nested(ItemResultSchema))


class CategoryResultSchema(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String(metadata={"description": "add or deduct"})
    raw = fields.Decimal(as_string=False)
    cap = fields.Decimal(as_string=False, allow_none=True)
    points = fields.Decimal(as_string=False)


class ReasonSchema(Schema):
    code = fields.String()
    reason = fields.String()


class ScoreResultSchema(Schema):
    """A score: the total with its full explanation (SPEC §6)."""

    id = fields.String(metadata={"description": "Absent for a dry run"})
    supersedes = fields.String(
        allow_none=True,
        metadata={"description": "Stored scores: the score this one replaces (复核), null for a first score"},
    )
    created_at = fields.DateTime()
    application_ref = fields.String()
    client = fields.String(metadata={"description": "The API client that asked for it"})
    dry_run = fields.Boolean()
    year = fields.Integer()
    version = fields.Nested(VersionIdentitySchema)
    eligible = fields.Boolean()
    ineligible_reasons = fields.List(fields.Nested(ReasonSchema))
    total = fields.Decimal(as_string=False, metadata={"description": "Floored at 0; 0 when not eligible"})
    points_before_floor = fields.Decimal(as_string=False)
    valid_until = fields.Date()
    as_of = fields.Date()
    derived = fields.Dict(metadata={"description": "Derived facts, e.g. age"})
    categories = fields.List(fields.Nested(CategoryResultSchema))
    indicators = fields.List(fields.Nested(IndicatorResultSchema))


class BatchOutcomeSchema(Schema):
    index = fields.Integer()
    replayed = fields.Boolean(metadata={"description": "True when an idempotency key answered an earlier stored score"})
    current_id = fields.String(
        allow_none=True, metadata={"description": "With 409 already_scored / stale_supersedes: the current score"}
    )
    application_ref = fields.String(allow_none=True)
    status = fields.Integer(metadata={"description": "201 stored, 200 dry run, 409 no version in force, 422 invalid"})
    result = fields.Nested(ScoreResultSchema)
    type = fields.String(metadata={"description": "A refused application: its problem type (as in Problem)"})
    title = fields.String()
    detail = fields.String()
    code = fields.String()
    message = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class BatchResponseSchema(Schema):
    results = fields.List(fields.Nested(BatchOutcomeSchema))
    stored = fields.Integer()
    failed = fields.Integer()


class ScoreSummarySchema(Schema):
    id = fields.String()
    created_at = fields.DateTime()
    application_ref = fields.String()
    year = fields.Integer()
    as_of = fields.Date()
    total = fields.Decimal(as_string=False)
    eligible = fields.Boolean()
    version = fields.Nested(VersionIdentitySchema)
    client = fields.String()
    supersedes = fields.String(allow_none=True, metadata={"description": "The earlier score this one replaces (复核)"})
    superseded_by = fields.String(allow_none=True)


class StoredScoreSchema(ScoreResultSchema):
    superseded_by = fields.String(allow_none=True)
    facts = fields.Dict(metadata={"description": "The facts as sent"})


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
    items = fields.List(fields.Nested(ScoreSummarySchema))
    page = fields.Integer()
    per_page = fields.Integer()
    total = fields.Integer()


class VerifySchema(Schema):
    id = fields.String()
    reproduced = fields.Boolean(metadata={"description": "True when re-evaluating gives exactly the stored result"})
    version = fields.Nested(VersionIdentitySchema)
    stored_total = fields.Decimal(as_string=False)
    recomputed_total = fields.Decimal(as_string=False, allow_none=True)
    differences = fields.List(fields.String())


class VersionSummarySchema(Schema):
    id = fields.Integer()
    ref = fields.String(metadata={"example": "tongxiang/2026/1"})
    ruleset = fields.String()
    year = fields.Integer()
    revision = fields.Integer()
    status = fields.String(metadata={"description": "draft, published or retired"})
    effective_from = fields.Date()
    title = fields.String()
    content_hash = fields.String()
    lock_version = fields.Integer()
    created_by = fields.String()
    published_at = fields.DateTime(allow_none=True)
    published_by = fields.String(allow_none=True)
    publish_note = fields.String(allow_none=True)
    retired_at = fields.DateTime(allow_none=True)
    retired_by = fields.String(allow_none=True)


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSummarySchema))


class RulesetSchema(Schema):
    code = fields.String()
    versions = fields.Integer()
    published = fields.List(fields.String())


class RulesetListSchema(Schema):
    items = fields.List(fields.Nested(RulesetSchema))


class VersionDetailSchema(VersionSummarySchema):
    """A whole version: catalogue, eligibility, categories, indicators with their items, test cases."""

    document = fields.Dict(metadata={"description": "The version in the ruleset file format (see rulesets/*.yaml)"})
    sentences = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "Each item as a Chinese sentence"}
    )


class InForceQuerySchema(ApiSchema):
    year = f.QueryInteger(required=True, validate=YEARS, metadata={"description": "Scoring year"})
    date = f.Date(metadata={"description": "The date the version must be in force on (default: today)"})
    ruleset = f.String(
        load_default="tongxiang",
        validate=f.Pattern(r"[a-z][a-z0-9_]{0,63}", "a ruleset code (lower-case letters, digits, _)"),
        metadata={"description": "Ruleset code (default tongxiang)"},
    )


class DiffSchema(Schema):
    a = fields.Dict()
    b = fields.Dict()
    changes = fields.List(
        fields.Dict(),
        metadata={"description": "added, removed or changed objects with before/after and Chinese labels"},
    )
    cases = fields.List(fields.Dict(), metadata={"description": "Each test case's total under A and under B"})


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
    current_id = fields.String(
        metadata={"description": "already_scored and stale_supersedes: the id of the application's current score"}
    )


class HealthSchema(Schema):
    status = fields.String()
    database = fields.String()


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
