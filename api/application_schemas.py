"""Request and response schemas of /api/v1/applications (marshmallow), and the error codes its operations answer."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import Schema, fields, validate

from api.fields import ApiSchema
from api.schemas import application_ref_field
from jifen.applications import CHANNELS, VOID_REASONS

DATES = validate.Range(dt.date(2000, 1, 1), dt.date(2100, 12, 31), error="must be between 2000-01-01 and 2100-12-31")
REQUIRED = {"required": "required field is missing", "null": "must not be null"}


def _date(description: str, **kwargs: Any) -> fields.Date:
    return fields.Date(
        validate=DATES,
        error_messages={**REQUIRED, "invalid": "expected a date YYYY-MM-DD"},
        metadata={"description": description},
        **kwargs,
    )


def _facts(description: str) -> fields.Dict:
    return fields.Dict(
        keys=fields.String(),
        required=True,
        error_messages={**REQUIRED, "invalid": "expected an object"},
        metadata={"description": description},
    )


def _text(description: str, required: bool = False, max_length: int = 2000, **kwargs: Any) -> fields.String:
    return fields.String(
        required=required,
        validate=validate.Length(1 if required else 0, max_length),
        error_messages={**REQUIRED, "invalid": "expected a string"},
        metadata={"description": description},
        **kwargs,
    )


class ApplicationRequestSchema(ApiSchema):
    """A new application, as received by the intake platform."""

    application_ref = application_ref_field(
        required=True, metadata={"description": "The intake platform's reference: 1–64 visible characters"}
    )
    year = fields.Integer(
        strict=True,
        required=True,
        validate=validate.Range(2000, 2100),
        error_messages={**REQUIRED, "invalid": "expected an integer"},
        metadata={"description": "The application year (the year of received_on)"},
    )
    received_on = _date("The day the application was received (not in the future)", required=True)
    channel = fields.String(
        required=True,
        validate=validate.OneOf(CHANNELS, error="must be one of: {choices}"),
        error_messages=REQUIRED,
        metadata={"description": "online (浙里新市民) or window (镇（街道）积分窗口)"},
    )
    facts = _facts("The facts the applicant claims, checked against the catalogue of the version in force")
    # recognition of another city's provincial points (issue 21)
    recognised_statement = _text(
        "Another Zhejiang city's signed statement of the applicant's published score (a compact JWS, as its "
        "service issued it): once verified against the trusted issuers, the provincial points are taken from it "
        "(共性指标得分跨区互认) and no department verifies the facts only they need",
        max_length=8192,
    )


class SupplementSchema(ApiSchema):
    facts = _facts("The supplemented facts: each replaces the claim of that fact; null withdraws a claim")
    received_on = _date("The day the supplement was received (default: today)")


class VerificationSchema(ApiSchema):
    department = _text("The department verifying: the one the API key is bound to", required=True, max_length=100)
    facts = _facts(
        "Each of the department's facts in its task with its verified value: equal to the claim = confirmed, "
        "another value = corrected, null = not proven (for a fact not claimed: nothing found)"
    )
    note = _text("What was checked, against which records", load_default="")


class ExtensionSchema(ApiSchema):
    department = _text("The department whose task is extended (the key's)", required=True, max_length=100)
    reason = _text("Why the verification needs 3 more working days", required=True)


class PublishSchema(ApiSchema):
    published_on = _date("The day the result is published (not in the future)", required=True)


class ObjectionSchema(ApiSchema):
    filed_on = _date("The day the objection was filed (not in the future)", required=True)
    facts = _facts("The disputed facts, each with the value the applicant claims")


class VoidSchema(ApiSchema):
    reason = fields.String(
        required=True,
        validate=validate.OneOf(VOID_REASONS, error="must be one of: {choices}"),
        error_messages=REQUIRED,
        metadata={"description": "permit_suspended or permit_cancelled"},
    )
    date = _date("The day the permit was suspended or cancelled: the points are void from then", required=True)


class TaskSchema(Schema):
    department = fields.String(metadata={"description": "As the fact catalogue names it"})
    kind = fields.String(metadata={"description": "verification (15 working days) or re_review (7)"})
    status = fields.String(metadata={"description": "open, done or cancelled (by a void)"})
    facts = fields.List(fields.String())
    claims = fields.Dict(metadata={"description": "What the applicant claims for each fact of the task"})
    opened_on = fields.Date()
    due = fields.Date()
    overdue = fields.Boolean(metadata={"description": "Open after its due date (today by the service's clock)"})
    extended_on = fields.Date(allow_none=True)
    extension_reason = fields.String(allow_none=True)
    done_on = fields.Date(allow_none=True)
    done_by = fields.String(allow_none=True)
    late = fields.Boolean(metadata={"description": "Done after its due date"})
    results = fields.Dict(allow_none=True, metadata={"description": "{fact: {claimed, verified, outcome}}"})
    note = fields.String(allow_none=True)


class DeadlinesSchema(Schema):
    verification = fields.Date(allow_none=True)
    objection = fields.Date(allow_none=True)
    re_review = fields.Date(allow_none=True)
    valid_until = fields.Date()


class ApplicationSchema(Schema):
    """An application: its state, tasks, deadlines, provisional and current score, and validity."""

    application_ref = fields.String()
    year = fields.Integer()
    channel = fields.String()
    state = fields.String(metadata={"description": "verifying, scored, published, re_reviewing or voided"})
    received_on = fields.Date()
    claimed_facts = fields.Dict()
    supplemented_on = fields.Date(allow_none=True)
    tasks = fields.List(fields.Nested(TaskSchema))
    overdue_departments = fields.List(fields.String())
    deadlines = fields.Nested(DeadlinesSchema)
    published_on = fields.Date(allow_none=True)
    objection_filed_on = fields.Date(allow_none=True)
    republished_on = fields.Date(allow_none=True)
    provisional = fields.Dict(metadata={"description": "The claimed facts scored as a dry run (not stored)"})
    score = fields.Dict(allow_none=True, metadata={"description": "The current stored score (GET /scores/{id})"})
    valid = fields.Boolean()
    invalid_reason = fields.String(
        allow_none=True, metadata={"description": "voided, expired, not_scored or not_published"}
    )
    valid_until = fields.Date()
    voided_on = fields.Date(allow_none=True)
    void_reason = fields.String(allow_none=True)
    today = fields.Date(metadata={"description": "The service's date (China), against which overdue is computed"})
    recognition = fields.Dict(
        allow_none=True,
        metadata={
            "description": "The other city's statement the provincial points were recognised from (issuer, kid, "
            "application_ref, year, score_id, points, indicators, provincial_hash, valid_until, statement); null "
            "when they are scored here"
        },
    )


class MaterialSchema(Schema):
    name = fields.String(required=True, metadata={"description": "The proof material (证明材料) to bring"})
    items = fields.List(
        fields.String(), required=True, metadata={"description": "The codes of the items this material proves"}
    )


class DepartmentMaterialsSchema(Schema):
    department = fields.String(required=True, metadata={"description": "The department that checks the materials"})
    materials = fields.List(fields.Nested(MaterialSchema), required=True)


LOOKUP_CODE = (
    "The applicant's lookup code for the public lookup (积分查询), 12 characters of 23456789ABCDEFGHJKMNPQRSTUVWXYZ "
    "grouped by four (accepted with or without hyphens, in any case). Shown in this answer only: print it on the "
    "receipt"
)


class ReceiptSchema(ApplicationSchema):
    """The application as received, with what the window gives the applicant once: the lookup code and the
    materials notice."""

    lookup_code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"),
        metadata={"description": LOOKUP_CODE, "example": "7KQM-WD4X-P9HT"},
    )
    materials_notice = fields.List(
        fields.Nested(DepartmentMaterialsSchema),
        required=True,
        metadata={
            "description": "一次性告知: for the claimed facts, every proof material of the items they fire under the "
            "version in force on received_on, grouped by department, each material once"
        },
    )


class LookupCodeSchema(Schema):
    """A new lookup code; the application's old code no longer works."""

    application_ref = fields.String(required=True)
    year = fields.Integer(required=True)
    lookup_code = fields.String(
        required=True,
        validate=validate.Regexp(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$"),
        metadata={"description": LOOKUP_CODE, "example": "7KQM-WD4X-P9HT"},
    )


class HistorySchema(Schema):
    application = fields.Nested(ApplicationSchema)
    events = fields.List(fields.Dict(), metadata={"description": "Every transition: who, when, what changed"})
    scores = fields.List(fields.Dict(), metadata={"description": "The score chain, each with its verified facts"})
