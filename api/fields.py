"""marshmallow fields and validators that speak the service's one wording for field errors.

A request's field errors read the same whether marshmallow (the request's envelope) or the engine (its facts)
found them: "required field is missing", "expected a whole number, got 12.5", "must be between 1 and 100, got
1000". The request schemas of api/schemas.py are built from the fields here, which also name what was sent.
Importing this module (``import api`` does) also replaces marshmallow's own default messages, so that a schema
built from marshmallow's fields speaks the same way; no marshmallow default message ("Missing data for required
field.", "Not a valid integer.") reaches a client. ``tests/api/test_wording.py`` holds every request schema of
the API to that.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from engine.facts import Invalid, describe_value, parse_date

MESSAGES = {"required": "required field is missing", "null": "must not be null", "validator_failed": "is not valid"}


def _use_service_wording() -> None:
    """marshmallow's default messages, in the service's words (see the module's docstring)."""
    fields.Field.default_error_messages.update(MESSAGES)
    for cls, invalid in (
        (fields.String, "expected a string"), (fields.Number, "expected a number"),
        (fields.Integer, "expected an integer"), (fields.Boolean, "expected true or false"),
        (fields.Date, "expected a date as YYYY-MM-DD"), (fields.DateTime, "expected a date and time (ISO 8601)"),
        (fields.Mapping, "expected an object"), (fields.List, "expected a list"), (fields.Tuple, "expected a list"),
    ):  # fmt: skip
        cls.default_error_messages["invalid"] = invalid
    fields.Number.default_error_messages["too_large"] = "is too large"
    fields.UUID.default_error_messages["invalid_uuid"] = "expected a UUID"
    fields.Nested.default_error_messages["type"] = "expected an object"
    Schema._default_error_messages.update(unknown="unknown field", type="expected an object")
    validate.Range.message_gte, validate.Range.message_gt = "at least", "more than"
    validate.Range.message_lte, validate.Range.message_lt = "at most", "less than"
    validate.Range.message_min = "must be {min_op} {{min}}, got {{input}}"
    validate.Range.message_max = "must be {max_op} {{max}}, got {{input}}"
    validate.Range.message_all = "must be {min_op} {{min}} and {max_op} {{max}}, got {{input}}"
    validate.Length.message_min = "must have a length of at least {min}"
    validate.Length.message_max = "must have a length of at most {max}"
    validate.Length.message_all = "must have a length between {min} and {max}"
    validate.Length.message_equal = "must have a length of {equal}"
    validate.OneOf.default_message = "must be one of: {choices}"
    validate.Regexp.default_message = "does not have the expected form"
    validate.Equal.default_message = "must be {other}"


_use_service_wording()


class ApiSchema(Schema):
    """A request schema: unknown fields are refused, in the service's words."""

    class Meta:
        unknown = RAISE

    error_messages: dict[str, str] = {"unknown": "unknown field", "type": "expected an object"}


class String(fields.String):
    default_error_messages: dict[str, str] = {
        **MESSAGES,
        "invalid": "expected a string",
        "invalid_utf8": "expected UTF-8 text",
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str):
            raise ValidationError(f"expected a string, got {describe_value(value)}")
        return super()._deserialize(value, attr, data, **kwargs)


class Integer(fields.Integer):
    """A JSON integer: ``12.5``, ``12.0``, ``"12"`` and ``true`` are refused (a count is a whole number)."""

    default_error_messages: dict[str, str] = {
        **MESSAGES,
        "invalid": "expected an integer",
        "too_large": "is too large",
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if type(value) is int:
            return value
        if isinstance(value, float):
            raise ValidationError(f"expected a whole number, got {value!r}")
        raise ValidationError(f"expected an integer, got {describe_value(value)}")


class QueryInteger(fields.Integer):
    """An integer in a query string (always text there): digits, optionally signed."""

    default_error_messages: dict[str, str] = {
        **MESSAGES,
        "invalid": "expected a whole number",
        "too_large": "is too large",
    }

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        text = value.strip() if isinstance(value, str) else ""
        digits = text[1:] if text[:1] in "+-" else text
        if not (digits.isascii() and digits.isdigit()) or len(digits) > 18:
            raise ValidationError(f"expected a whole number, got {value!r}")
        return int(text)


class Boolean(fields.Boolean):
    """true or false only (marshmallow would also take "yes", 1, 0, …)."""

    default_error_messages: dict[str, str] = {**MESSAGES, "invalid": "expected true or false"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if value is True or value is False:
            return value
        raise ValidationError(f"expected true or false, got {describe_value(value)}")


class Date(fields.Date):
    """A date written ``YYYY-MM-DD`` (read as the engine reads the dates of facts)."""

    default_error_messages: dict[str, str] = {**MESSAGES, "invalid": "expected a date as YYYY-MM-DD"}

    # marshmallow types Date as a DateTime whose value is a datetime; a Date's value is a date
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> dt.date:  # type: ignore[override]
        try:
            return parse_date(value)
        except Invalid as exc:
            raise ValidationError(str(exc)) from None


class UUID(fields.UUID):
    default_error_messages: dict[str, str] = {**MESSAGES, "invalid_uuid": "expected a UUID"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> uuid.UUID | None:
        if not isinstance(value, str):
            raise ValidationError(f"expected a UUID as text, got {describe_value(value)}")
        try:
            return uuid.UUID(value)
        except ValueError:
            raise ValidationError(f"expected a UUID, got {describe_value(value)}") from None


class Object(fields.Dict):
    """A JSON object, kept as it was sent (its members are checked elsewhere, e.g. facts by the engine)."""

    default_error_messages: dict[str, str] = {**MESSAGES, "invalid": "expected an object"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, Mapping):
            raise ValidationError(f"expected an object, got {describe_value(value)}")
        return value


class List(fields.List):
    default_error_messages: dict[str, str] = {**MESSAGES, "invalid": "expected a list"}

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, list):
            raise ValidationError(f"expected a list, got {describe_value(value)}")
        return super()._deserialize(value, attr, data, **kwargs)


class Anything(fields.Raw):
    """Any JSON value (a batch item is checked on its own, so that it can fail alone)."""

    default_error_messages: dict[str, str] = MESSAGES


# -- validators -------------------------------------------------------------------------------------------


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


class Range(validate.Range):
    """``min`` ≤ value ≤ ``max`` (either may be None), worded as the engine words a fact's range."""

    def __init__(self, min: Any = None, max: Any = None) -> None:
        super().__init__(min, max)

    def __call__(self, value: Any) -> Any:
        low, high = self.min, self.max
        if (low is not None and value < low) or (high is not None and value > high):
            if low is not None and high is not None:
                raise ValidationError(f"must be between {_shown(low)} and {_shown(high)}, got {_shown(value)}")
            if low is not None:
                raise ValidationError(f"must be at least {_shown(low)}, got {_shown(value)}")
            raise ValidationError(f"must be at most {_shown(high)}, got {_shown(value)}")
        return value


class Length(validate.Length):
    """A text of ``min`` to ``max`` characters."""

    def __init__(self, min: int, max: int) -> None:
        super().__init__(min, max)

    def __call__(self, value: Any) -> Any:
        if not self.min <= len(value) <= self.max:  # type: ignore[operator]
            raise ValidationError(f"must be {self.min} to {self.max} characters long, got {len(value)}")
        return value


class Pattern(validate.Regexp):
    """A text matching ``regex``; ``expected`` says in words what it must look like."""

    def __init__(self, regex: str, expected: str) -> None:
        # anchored, so that the document's pattern (ECMA, matched anywhere) accepts exactly what fullmatch does
        super().__init__(regex if regex.startswith("^") else rf"^(?:{regex})$", error=expected)
        self.expected = expected

    def __call__(self, value: Any) -> Any:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(f"expected {self.expected}, got {describe_value(value)}")
        return value
