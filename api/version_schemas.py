"""The answers about ruleset versions: lists, a whole version in the ruleset file format, the differences.

A version's ``document`` is the mapping a ruleset file holds (engine.canonical.to_document, the loader's
input). Its shape is declared once, in engine.schema: the document's components are that schema's JSON Schema,
which is also served on its own (``RULESET_SCHEMA_URL``), so that a field added there appears here unedited.
"""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from api.enums import OpenEnum
from engine.diff import ATTRIBUTE_LABELS, OBJECT_LABELS
from engine.model import STATUSES
from engine.schema import JSON_SCHEMA_ID, json_schema

RULESET_SCHEMA_URL = JSON_SCHEMA_ID  # where GET serves engine.schema.json_schema()


class VersionSummarySchema(Schema):
    """A version's identity and lifecycle."""

    id = fields.Integer(required=True, metadata={"description": "The version's id in this service"})
    ref = fields.String(required=True, metadata={"description": "RULESET/YEAR/REVISION", "example": "tongxiang/2026/1"})
    ruleset = fields.String(required=True)
    year = fields.Integer(required=True)
    revision = fields.Integer(required=True)
    status = OpenEnum("VersionStatus", STATUSES, required=True, metadata={"description": "draft, published or retired"})
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


# -- the ruleset file format: generated from engine.schema --------------------------------------------------

# The components' names in the OpenAPI document, kept from when they were written by hand so that generated
# clients keep their class names; a part the schema gains is named after it (``per_unit`` → ``PerUnit``).
COMPONENT_NAMES = {
    "version": "RulesetDocument",
    "fact": "FactDefinition",
    "expected": "Expectation",
    "case": "TestCase",
}
_DEFS = "#/$defs/"


def component_name(part: str) -> str:
    return COMPONENT_NAMES.get(part) or "".join(word.title() for word in part.split("_"))


def document_components() -> dict[str, dict[str, Any]]:
    """Each part of a version's document as an OpenAPI component: the ``$defs`` of the JSON Schema served at
    ``RULESET_SCHEMA_URL``, under the names above, referring to each other as components."""
    components: dict[str, dict[str, Any]] = {}
    for name, part in json_schema()["$defs"].items():
        components[component_name(name)] = _as_component(part)
        components.update(_lift_choices(name, components[component_name(name)]))
    components["RulesetDocument"]["externalDocs"] = {
        "description": "The same document as a JSON Schema (draft 2020-12), to check a ruleset file with",
        "url": RULESET_SCHEMA_URL,
    }
    return components


def _as_component(node: Any) -> Any:
    """``node`` with its references to ``$defs`` made references to the document's components, and its titles
    labels."""
    if isinstance(node, list):
        return [_as_component(value) for value in node]
    if not isinstance(node, dict):
        return node
    # a title is what client generators name a class after: the Chinese label goes to x-label instead
    out = {("x-label" if key == "title" else key): _as_component(value) for key, value in node.items()}
    if isinstance(node.get("properties"), dict):  # names of properties, not keywords (a version has a title)
        out["properties"] = {key: _as_component(value) for key, value in node["properties"].items()}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith(_DEFS):
        out["$ref"] = "#/components/schemas/" + component_name(ref.removeprefix(_DEFS))
    return out


def _lift_choices(name: str, component: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The objects written inline among ``component``'s choices, made components of their own (named after their
    required keys: a condition's ``{all: […]}`` is ``AllConditions``), as client generators want a choice of
    named types; ``component`` is changed in place."""
    lifted: dict[str, dict[str, Any]] = {}
    if "properties" in component and "oneOf" in component:
        # an object's rule between its own keys (an item scores by fixed or per_unit): the same constraint under
        # allOf, where generators read the object as the object it is, not as a choice of types
        component.setdefault("allOf", []).append({"oneOf": component.pop("oneOf")})
    for choice in ("oneOf", "anyOf"):
        for index, option in enumerate(component.get(choice, ())):
            if option.get("type") == "object" and option.get("required"):
                option_name = component_name("_".join([*option["required"], name])) + "s"
                lifted[option_name] = option
                component[choice][index] = {"$ref": f"#/components/schemas/{option_name}"}
    return lifted


class Ref(fields.Field):
    """A value of another component schema, by reference (a version's document)."""

    def __init__(self, name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.name = name


class VersionDetailSchema(VersionSummarySchema):
    """A whole version: catalogue, eligibility, categories, indicators with their items, test cases."""

    document = Ref("RulesetDocument", required=True, metadata={"description": "The version in the ruleset file format"})
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

    change = OpenEnum("DiffChangeKind", ("added", "removed", "changed"), required=True)
    object = OpenEnum("DiffObject", tuple(OBJECT_LABELS), required=True)
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
