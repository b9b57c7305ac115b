"""The answers about ruleset versions: lists, a whole version in the ruleset file format, the differences.

A version's ``document`` is the mapping a ruleset file holds (engine.canonical.to_document, the loader's
input); ``tests/api/test_document_types.py`` holds the sample rulesets and real differences to these schemas,
key for key (unknown keys are refused, always-present ones are required).
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from engine.diff import ATTRIBUTE_LABELS, OBJECT_LABELS
from engine.model import CATEGORY_KINDS, DERIVATIONS, FIELD_TYPES, OPERATORS, STATUSES


class VersionSummarySchema(Schema):
    """A version's identity and lifecycle."""

    id = fields.Integer(required=True, metadata={"description": "The version's id in this service"})
    ref = fields.String(required=True, metadata={"description": "RULESET/YEAR/REVISION", "example": "tongxiang/2026/1"})
    ruleset = fields.String(required=True)
    year = fields.Integer(required=True)
    revision = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    effective_from = fields.Date(
        required=True, metadata={"description": "In force from this date (if published, until a later one is)"}
    )
    title = fields.String(required=True)
    content_hash = fields.String(required=True, metadata={"example": "sha256:fb4ac99b…"})
    lock_version = fields.Integer(required=True, metadata={"description": "Edit counter of a draft"})
    created_by = fields.String(required=True)
    published_at = fields.DateTime(required=True, allow_none=True)
    published_by = fields.String(required=True, allow_none=True)
    publish_note = fields.String(required=True, allow_none=True)
    retired_at = fields.DateTime(required=True, allow_none=True)
    retired_by = fields.String(required=True, allow_none=True)


class VersionListSchema(Schema):
    items = fields.List(fields.Nested(VersionSummarySchema), required=True, metadata={"description": "Newest first"})


class RulesetSchema(Schema):
    code = fields.String(required=True)
    versions = fields.Integer(required=True, metadata={"description": "How many versions it has, drafts included"})
    published = fields.List(
        fields.String(), required=True, metadata={"description": "References of its published versions"}
    )


class RulesetListSchema(Schema):
    items = fields.List(fields.Nested(RulesetSchema), required=True)


# -- the ruleset file format --------------------------------------------------------------------------------


class Ref(fields.Field):
    """A value of another component schema, by reference (for the recursive Condition)."""

    def __init__(self, name: str, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.name = name


def _number(**kwargs: Any) -> fields.Decimal:
    """An exact number, written as a JSON number."""
    return fields.Decimal(as_string=False, **kwargs)


class DerivationSchema(Schema):
    function = fields.String(required=True, validate=validate.OneOf(DERIVATIONS))
    source = fields.String(required=True, metadata={"description": "The fact it is computed from"})
    at = fields.String(required=True, metadata={"description": "The date fact it is computed at"})


class FactDefinitionSchema(Schema):
    """A field of the fact catalogue: what ``facts`` may hold under the version."""

    name = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    label = fields.String(required=True, metadata={"description": "Chinese label"})
    required = fields.Boolean(metadata={"description": "Present (true) when the fact must be sent"})
    values = fields.List(fields.String(), metadata={"description": "enum: the allowed values"})
    value_labels = fields.List(fields.String(), metadata={"description": "enum: each value's Chinese label"})
    min = _number()
    max = _number()
    derived = fields.Nested(DerivationSchema, metadata={"description": "Computed, never sent (e.g. age)"})
    department = fields.String(metadata={"description": "The department that vouches for it"})
    description = fields.String()


class ClauseSchema(Schema):
    """A condition on one fact: ``{field, op, value}`` (no value for exists and not_exists)."""

    field = fields.String(required=True)
    op = fields.String(required=True, validate=validate.OneOf(OPERATORS))
    value = fields.Raw(metadata={"description": "A value of the fact's type, or a list of them for in and not_in"})


class AllConditionsSchema(Schema):
    """Holds when every one of its conditions holds."""

    all = fields.List(Ref("Condition"), required=True)


class AnyConditionsSchema(Schema):
    """Holds when at least one of its conditions holds."""

    any = fields.List(Ref("Condition"), required=True)


class RequirementSchema(Schema):
    code = fields.String(required=True)
    when = Ref("Condition", required=True)
    reason = fields.String(required=True, metadata={"description": "Why an application is not eligible without it"})


class CategorySchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(CATEGORY_KINDS))
    cap = _number()


class PerUnitSchema(Schema):
    """``offset + rate × floor(value / unit)`` of a numeric fact."""

    field = fields.String(required=True)
    rate = _number(required=True)
    unit = _number(metadata={"description": "Default 1"})
    offset = _number(metadata={"description": "Default 0"})


class ItemSchema(Schema):
    """An item: a condition and its points, fixed or per unit."""

    code = fields.String(required=True)
    label = fields.String(required=True)
    when = Ref("Condition")
    fixed = _number(metadata={"description": "Fixed points (or per_unit)"})
    per_unit = fields.Nested(PerUnitSchema)
    cap = _number()
    group = fields.String(metadata={"description": "Exclusive group (本项不累加): only its highest fired item counts"})
    reference = fields.String()


class IndicatorSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)
    category = fields.String(required=True)
    cap = _number()
    departments = fields.List(fields.String(), required=True)
    reference = fields.String(required=True, metadata={"description": "The clause or table row it implements"})
    items = fields.List(fields.Nested(ItemSchema), required=True)


class ExpectationSchema(Schema):
    eligible = fields.Boolean()
    total = _number()
    categories = fields.Dict(keys=fields.String(), values=_number())
    indicators = fields.Dict(keys=fields.String(), values=_number())


class TestCaseSchema(Schema):
    """A test case of the version: facts in, expected results out (all must pass before publishing)."""

    name = fields.String(required=True)
    as_of = fields.Date()
    facts = fields.Dict(required=True)
    expected = fields.Nested(ExpectationSchema, required=True)


class RulesetDocumentSchema(Schema):
    """A version in the ruleset file format (rulesets/*.yaml)."""

    ruleset = fields.String(required=True)
    year = fields.Integer(required=True)
    revision = fields.Integer(required=True)
    effective_from = fields.Date(required=True)
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    title = fields.String(required=True)
    sample = fields.Boolean(metadata={"description": "Present (true) for a sample standard"})
    legal_basis = fields.String()
    description = fields.String()
    facts = fields.List(fields.Nested(FactDefinitionSchema), required=True)
    eligibility = fields.List(fields.Nested(RequirementSchema), required=True)
    categories = fields.List(fields.Nested(CategorySchema), required=True)
    indicators = fields.List(fields.Nested(IndicatorSchema), required=True)
    cases = fields.List(fields.Nested(TestCaseSchema), required=True)


class VersionDetailSchema(VersionSummarySchema):
    """A whole version: catalogue, eligibility, categories, indicators with their items, test cases."""

    document = fields.Nested(RulesetDocumentSchema, required=True)
    sentences = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "Each item's code → the item as a Chinese sentence"},
    )


# -- differences --------------------------------------------------------------------------------------------


class VersionHashSchema(Schema):
    ref = fields.String(required=True)
    content_hash = fields.String(required=True)


class AttributeChangeSchema(Schema):
    attribute = fields.String(required=True, metadata={"description": "e.g. cap, when, per_unit.rate"})
    attribute_label = fields.String(
        required=True, metadata={"description": f"Chinese label, e.g. {ATTRIBUTE_LABELS['cap']}"}
    )
    before = fields.Raw(required=True, allow_none=True, metadata={"description": "null when it was not set"})
    after = fields.Raw(required=True, allow_none=True, metadata={"description": "null when it is not set"})


class DiffChangeSchema(Schema):
    """An object added, removed or changed from A to B."""

    change = fields.String(required=True, validate=validate.OneOf(("added", "removed", "changed")))
    object = fields.String(required=True, validate=validate.OneOf(tuple(OBJECT_LABELS)))
    object_label = fields.String(required=True, metadata={"description": "Chinese name of the kind of object"})
    code = fields.String(required=True, metadata={"description": "Its code (a fact's name, a case's name)"})
    label = fields.String(required=True)
    parent = fields.String(
        required=True, allow_none=True, metadata={"description": "An item's indicator, an indicator's category"}
    )
    before = fields.Dict(metadata={"description": "removed: its attributes in A"})
    after = fields.Dict(metadata={"description": "added: its attributes in B"})
    attributes = fields.List(fields.Nested(AttributeChangeSchema), metadata={"description": "changed: what changed"})
    affects_points = fields.Boolean(
        required=True, metadata={"description": "Whether it can move a score (not only wording)"}
    )


class CaseTotalSchema(Schema):
    total = fields.Decimal(
        as_string=False, required=True, allow_none=True, metadata={"description": "null when the facts do not fit"}
    )
    eligible = fields.Boolean(required=True, allow_none=True)
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Present when the case's facts do not fit the version's catalogue"},
    )


class CaseImpactSchema(Schema):
    """A test case (of A or of B) scored under both versions."""

    case = fields.String(required=True)
    from_ = fields.String(
        data_key="from", required=True, validate=validate.OneOf(("a", "b")), metadata={"description": "Whose case"}
    )
    a = fields.Nested(CaseTotalSchema, required=True)
    b = fields.Nested(CaseTotalSchema, required=True)
    delta = fields.Decimal(
        as_string=False, required=True, allow_none=True, metadata={"description": "B's total minus A's"}
    )
    changed = fields.Boolean(required=True)


class DiffSchema(Schema):
    a = fields.Nested(VersionHashSchema, required=True)
    b = fields.Nested(VersionHashSchema, required=True)
    changes = fields.List(fields.Nested(DiffChangeSchema), required=True, metadata={"description": "In document order"})
    cases = fields.List(fields.Nested(CaseImpactSchema), required=True)
