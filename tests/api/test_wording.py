"""One wording for field errors: no marshmallow default message reaches a client, whichever schema refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from marshmallow import Schema, ValidationError

from api.schemas import BatchItemSchema, flatten_errors

# marshmallow's own English ("Missing data for required field.", "Not a valid integer.", "Must be greater than
# or equal to 1.", "Length must be between 1 and 64.", "Unknown field.", …)
MARSHMALLOW = re.compile(
    r"Missing data|Not a valid|Must be|Length must|Shorter than|Longer than|Unknown field|Field may not|"
    r"Invalid (value|input|type)|String does not match|cannot be formatted|Number too large|One or more"
)
ODD_VALUES: list[Any] = [None, "x", "", 1.5, -1, 0, 10**12, True, [], {}, [1], {"a": 1}, "9" * 300, "2026-02-30"]


def _request_schemas(app: Any) -> dict[str, type[Schema]]:
    """Every schema an operation of the API reads a body or a query with."""
    found: dict[str, type[Schema]] = {"BatchItemSchema": BatchItemSchema}
    for view in app.view_functions.values():
        declared = getattr(view, "api_doc", None) or {}
        for key in ("body", "query"):
            if declared.get(key) is not None:
                found[declared[key].__name__] = declared[key]
    return found


def _messages(schema: Schema, data: Any) -> list[str]:
    try:
        schema.load(data)
    except ValidationError as exc:
        return [m for messages in flatten_errors(exc.messages).values() for m in messages]
    return []


def test_no_marshmallow_default_message_reaches_a_client(app: Any) -> None:
    schemas = _request_schemas(app)
    assert {"ScoreRequestSchema", "BatchRequestSchema", "ScoreListQuerySchema", "InForceQuerySchema"} <= set(schemas)
    leaked: dict[str, set[str]] = {}
    for name, cls in schemas.items():
        schema = cls()
        seen = _messages(schema, {}) + _messages(schema, {"no_such_field": 1}) + _messages(schema, [])
        for field in schema.load_fields:
            for value in ODD_VALUES:
                seen += _messages(schema, {field: value})
        assert seen, name
        bad = {m for m in seen if MARSHMALLOW.search(m)}
        if bad:
            leaked[name] = bad
    assert leaked == {}


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({}, {"application_ref": ["required field is missing"], "year": ["required field is missing"],
              "facts": ["required field is missing"]}),
        ({"application_ref": "A", "year": 2026, "facts": {}, "supersedes": "nope"},
         {"supersedes": ["expected a UUID, got the string 'nope'"]}),
        ({"application_ref": "A", "year": 2026, "facts": {}, "idempotency_key": "a b"},
         {"idempotency_key": ["expected 1 to 255 visible ASCII characters, got the string 'a b'"]}),
        ({"application_ref": 7, "year": 2026, "facts": {}}, {"application_ref": ["expected a string, got 7"]}),
    ],
)  # fmt: skip
def test_batch_item_errors_in_the_service_words(body: dict[str, Any], errors: dict[str, list[str]]) -> None:
    with pytest.raises(ValidationError) as caught:
        BatchItemSchema().load(body)
    assert flatten_errors(caught.value.messages) == errors
