"""Request and response schemas of /api/v1/applications (marshmallow), and the error codes its operations answer."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from api.enums import OpenEnum
from api.fields import ApiSchema
from api.results import schema_of
from api.schemas import AnyOf, ScoreSchema, ScoreSummarySchema, ScoreVersionSchema, application_ref_field
from engine.result import ScoreResult, VersionIdentity
from jifen.applications import CHANNELS, STATES, VOID_REASONS

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
        "(共性指标得分跨区互认) and no department verifies the facts only they need; null or absent: none",
        max_length=8192,
        allow_none=True,
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


TASK_KINDS = ("verification", "re_review")
TASK_STATUSES = ("open", "done", "cancelled")
OUTCOMES = ("confirmed", "corrected", "not_proven", "none")
EVENT_TYPES = ("received", "supplemented", "verified", "re_reviewed", "extended", "scored", "published",
               "objected", "republished", "voided")  # fmt: skip
INVALID_REASONS = ("voided", "expired", "not_scored", "not_published")


def _always(field: fields.Field) -> fields.Field:
    """A property the server always sends (null where ``allow_none``)."""
    field.required = True
    return field


class FactResultSchema(Schema):
    """What the department found for one fact of its task."""

    claimed = fields.Raw(required=True, allow_none=True, metadata={"description": "The applicant's claim (null: none)"})
    verified = fields.Raw(
        required=True, allow_none=True, metadata={"description": "The verified value (null: not proven)"}
    )
    outcome = OpenEnum(
        "VerificationOutcome", OUTCOMES, required=True,
        metadata={"description": "confirmed (as claimed), corrected (another value, or a value where nothing was "
                  "claimed), not_proven (claimed, verified as null) or none (neither claimed nor found)"},
    )  # fmt: skip


class TaskSchema(Schema):
    """A department's task of one round: verify the facts of the application it checks, by its due date."""

    department = _always(fields.String(metadata={"description": "As the fact catalogue names it"}))
    kind = OpenEnum("TaskKind", TASK_KINDS, required=True,
                    metadata={"description": "verification (15 working days) or re_review (7)"})  # fmt: skip
    status = OpenEnum("TaskStatus", TASK_STATUSES, required=True,
                      metadata={"description": "open, done or cancelled (by a void)"})  # fmt: skip
    facts = _always(fields.List(fields.String(), metadata={"description": "The facts to verify"}))
    claims = _always(fields.Dict(metadata={"description": "What the applicant claims for each fact of the task"}))
    opened_on = _always(fields.Date())
    due = _always(fields.Date(metadata={"description": "The last working day of the task (China's calendar)"}))
    overdue = _always(
        fields.Boolean(metadata={"description": "Open after its due date (today by the service's clock)"})
    )
    extended_on = _always(fields.Date(allow_none=True))
    extension_reason = _always(fields.String(allow_none=True))
    done_on = _always(fields.Date(allow_none=True))
    done_by = _always(fields.String(allow_none=True))
    late = _always(fields.Boolean(metadata={"description": "Done after its due date"}))
    results = _always(fields.Dict(keys=fields.String(), values=fields.Nested(FactResultSchema), allow_none=True,
                                  metadata={"description": "Once done: each fact's claim, verified value and outcome"}))  # fmt: skip
    note = _always(fields.String(allow_none=True))


class DeadlinesSchema(Schema):
    verification = _always(
        fields.Date(allow_none=True, metadata={"description": "The verification tasks' last due date"})
    )
    objection = _always(
        fields.Date(allow_none=True, metadata={"description": "The last day to object, once published"})
    )
    re_review = _always(fields.Date(allow_none=True, metadata={"description": "The re-review tasks' last due date"}))
    valid_until = _always(fields.Date(metadata={"description": "31 December of the application's year"}))


if TYPE_CHECKING:
    _Result = Schema
else:
    _Result = schema_of(ScoreResult, replace={VersionIdentity: ScoreVersionSchema})


class ProvisionalSchema(_Result):
    """The claimed facts scored as a dry run under the version in force on the day of receipt (not stored)."""

    dry_run = fields.Boolean(required=True, validate=validate.Equal(True), metadata={"description": "Always true"})


class ProvisionalRefusedSchema(Schema):
    """The claims no longer fit the version in force (one published since): why."""

    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)


class CurrentScoreSchema(ScoreSchema):
    """The application's current stored score (GET /api/v1/scores/{id} without the facts)."""

    superseded_by = fields.UUID(
        required=True, allow_none=True, metadata={"description": "Always null: the current one"}
    )


class RecognitionSchema(Schema):
    """Another city's statement an application carried at receipt, as verified then (共性指标得分跨区互认)."""

    issuer = _always(fields.String(metadata={"description": "The issuer that signed it (its iss), a trusted issuer"}))
    kid = _always(fields.String(metadata={"description": "The issuer's key that signed it"}))
    application_ref = _always(fields.String(metadata={"description": "The application's reference there (its sub)"}))
    year = _always(fields.Integer())
    score_id = _always(fields.String(metadata={"description": "The stored score's id there"}))
    points = _always(fields.Decimal(as_string=False, metadata={"description": "The provincial points recognised"}))
    indicators = _always(
        fields.Dict(keys=fields.String(), values=fields.Decimal(as_string=False),
                    metadata={"description": "Each provincial indicator's points, by code"})
    )  # fmt: skip
    provincial_hash = _always(
        fields.String(metadata={"description": "The hash of the provincial part of the standard, as here"})
    )
    valid_until = _always(fields.Date())
    statement = _always(fields.String(metadata={"description": "The statement as received (a compact JWS)"}))


class ApplicationSchema(Schema):
    """An application: its state, tasks, deadlines, provisional and current score, and validity."""

    application_ref = _always(fields.String())
    year = _always(fields.Integer())
    channel = OpenEnum("Channel", CHANNELS, required=True, metadata={"description": "online or window"})
    state = OpenEnum("ApplicationState", STATES, required=True,
                     metadata={"description": "verifying, scored, published, re_reviewing or voided"})  # fmt: skip
    received_on = _always(fields.Date())
    claimed_facts = _always(
        fields.Dict(metadata={"description": "The facts the applicant claims (after a supplement)"})
    )
    supplemented_on = _always(fields.Date(allow_none=True))
    tasks = _always(fields.List(fields.Nested(TaskSchema), metadata={"description": "Every round's tasks"}))
    overdue_departments = _always(fields.List(fields.String()))
    deadlines = _always(fields.Nested(DeadlinesSchema))
    published_on = _always(fields.Date(allow_none=True))
    objection_filed_on = _always(fields.Date(allow_none=True))
    republished_on = _always(fields.Date(allow_none=True))
    statement = _always(fields.String(allow_none=True, metadata={
        "description": "The signed statement of the current result (compact JWS, EdDSA) once published, else null: "
        "GET …/statement has it with its claims and status; verify it against /.well-known/jwks.json"}))  # fmt: skip
    provisional = AnyOf("Provisional", "ProvisionalRefused", required=True,
                        metadata={"description": "The claimed facts scored as a dry run (not stored)"})  # fmt: skip
    score = _always(fields.Nested(CurrentScoreSchema, allow_none=True,
                                  metadata={"description": "The current stored score; null before scoring"}))  # fmt: skip
    valid = _always(fields.Boolean(metadata={"description": "Whether the points count today"}))
    invalid_reason = OpenEnum("InvalidReason", INVALID_REASONS, required=True, allow_none=True,
                              metadata={"description": "voided, expired, not_scored or not_published"})  # fmt: skip
    valid_until = _always(fields.Date())
    voided_on = _always(fields.Date(allow_none=True))
    void_reason = OpenEnum("VoidReason", VOID_REASONS, required=True, allow_none=True)
    today = _always(
        fields.Date(metadata={"description": "The service's date (China), against which overdue is computed"})
    )
    recognition = _always(
        fields.Nested(
            RecognitionSchema,
            allow_none=True,
            metadata={"description": "The other city's statement the provincial points were recognised from; null "
                      "when they are scored here"},
        )
    )  # fmt: skip


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


class ActorSchema(Schema):
    kind = OpenEnum("ActorKind", ("client", "user"), required=True,
                    metadata={"description": "client (an API key) or user (the console)"})  # fmt: skip
    name = fields.String(required=True, metadata={"description": "The API client's or the user's name"})
    department = fields.String(required=True, allow_none=True, metadata={"description": "The department acted for"})


class EventSchema(Schema):
    """One transition of an application: who, when, what changed (kept forever, never changed)."""

    id = fields.Integer(required=True, metadata={"description": "Increasing within the service"})
    at = fields.DateTime(required=True, metadata={"description": "When it happened (UTC, ISO 8601)"})
    action = OpenEnum("EventType", EVENT_TYPES, required=True, metadata={"description": "What happened"})
    actor = fields.Nested(ActorSchema, required=True)
    state_before = OpenEnum("ApplicationState", STATES, required=True, allow_none=True)
    state_after = OpenEnum("ApplicationState", STATES, required=True)
    score_id = fields.UUID(required=True, allow_none=True, metadata={"description": "The score it stored or concerns"})
    changes = fields.Dict(required=True, metadata={"description": "What changed, by the action (dates as YYYY-MM-DD)"})


class HistoryScoreSchema(ScoreSummarySchema):
    """A score of the application's chain with the verified facts that produced it."""

    facts = fields.Dict(required=True, metadata={"description": "The verified facts scored"})
    derived = fields.Dict(required=True, metadata={"description": "What the engine derived from them (age…)"})
    scored_by_event = fields.Integer(required=True, allow_none=True,
                                     metadata={"description": "The id of the event that stored it"})  # fmt: skip


class HistorySchema(Schema):
    application = fields.Nested(ApplicationSchema, required=True)
    events = fields.List(
        fields.Nested(EventSchema), required=True, metadata={"description": "Every transition, in order"}
    )
    scores = fields.List(fields.Nested(HistoryScoreSchema), required=True,
                         metadata={"description": "The score chain, oldest first, each with its verified facts"})  # fmt: skip
