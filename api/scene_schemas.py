"""The answers about scenes (场景): a scene, its list a page at a time, one applicant's entitlement."""

from __future__ import annotations

from marshmallow import Schema, fields

from api import fields as f
from api.enums import OpenEnum
from api.schemas import MAX_INT32, YEARS
from jifen.scenes.definition import SCENE_STATES, TIES
from jifen.scenes.ranking import OUTCOMES

PER_PAGE_DEFAULT, PER_PAGE_MAX = 100, 1000


class SceneQuerySchema(f.ApiSchema):
    year = f.QueryInteger(validate=YEARS, metadata={"description": "Only this year's scenes (default: every year)"})


class ScenePageQuerySchema(f.ApiSchema):
    page = f.QueryInteger(
        load_default=1, validate=f.Range(1, MAX_INT32), metadata={"description": "Page number, from 1 (default 1)"}
    )
    per_page = f.QueryInteger(
        load_default=PER_PAGE_DEFAULT,
        validate=f.Range(1, PER_PAGE_MAX),
        metadata={"description": f"Applicants per page, 1 to {PER_PAGE_MAX} (default {PER_PAGE_DEFAULT})"},
    )


class SceneSchema(Schema):
    """A scene: its definition (as its file says it), whether it is published, and its list's hash once it is."""

    code = fields.String(required=True, metadata={"description": "The scene's code, with its year its name"})
    name = fields.String(required=True, metadata={"description": "Its Chinese name, e.g. 积分入学（小学一年级）"})
    year = fields.Integer(required=True, metadata={"description": "The scoring year whose scores it uses"})
    department = fields.String(required=True, metadata={"description": "The department that runs it"})
    cutoff_date = fields.Date(
        required=True, metadata={"description": "Scores published after this day are not in the basis"}
    )
    threshold = fields.Decimal(as_string=False, required=True, metadata={"description": "The minimum total"})
    quota = fields.Integer(required=True, allow_none=True, metadata={"description": "Places; null: no quota"})
    ranking = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "total, then tie-breakers: category:CODE, indicator:CODE (descending), "
                  "received_on (ascending); the application reference ascending decides the order last"},
    )  # fmt: skip
    ties = OpenEnum(
        "SceneTies",
        TIES,
        required=True,
        metadata={"description": "A tie at the last place: admit_all (all admitted, the quota exceeded) or flag "
                  "(all left undecided, entitled null, for the department's decision)"},
    )  # fmt: skip
    status = OpenEnum(
        "SceneStatus",
        SCENE_STATES,
        required=True,
        metadata={"description": "draft (its list computed when read) or published"},
    )
    published_at = fields.DateTime(required=True, allow_none=True)
    list_hash = fields.String(
        required=True, allow_none=True, metadata={"description": "sha256 of the published list's canonical JSON"}
    )
    signature = fields.String(
        required=True, allow_none=True, metadata={"description": "The list hash signed; null where not signed"}
    )
    applicants = fields.Integer(required=True, metadata={"description": "How many applicants the list names"})


class SceneListSchema(Schema):
    items = fields.List(fields.Nested(SceneSchema), required=True, metadata={"description": "Latest year first"})


class LineSchema(Schema):
    """One applicant of a list."""

    application_ref = fields.String(required=True)
    entitled = fields.Boolean(
        required=True, allow_none=True, metadata={"description": "null: tied at the last place, for a decision"}
    )
    rank = fields.Integer(required=True, allow_none=True, metadata={"description": "null: not in the basis"})
    total = fields.Decimal(as_string=False, required=True, allow_none=True)
    outcome = OpenEnum(
        "SceneOutcome",
        OUTCOMES,
        required=True,
        metadata={"description": "admitted, admitted_tie, tie_flagged, over_quota, below_threshold; out of the "
                  "basis: voided, expired, not_published, published_late, re_reviewing, ineligible"},
    )  # fmt: skip
    reason = fields.String(
        required=True, metadata={"description": "The outcome in words, e.g. 未达到分数线（差3.5分）"}
    )
    flags = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "What changed since the list was published (a void, a re-review), in words"},
    )


class SceneWithListSchema(SceneSchema):
    """A scene and a page of its list."""

    items = fields.List(fields.Nested(LineSchema), required=True, metadata={"description": "In the list's order"})
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "How many applicants the list names"})


class EntitlementSchema(LineSchema):
    scene = fields.String(required=True, metadata={"description": "The scene's code"})
    year = fields.Integer(required=True)
    status = OpenEnum(
        "SceneStatus", SCENE_STATES, required=True, metadata={"description": "The scene's: draft or published"}
    )
