"""Open enumerations: an answer's set of values that a later minor version may extend (api.contract's policy)."""

from __future__ import annotations

from typing import Any

from marshmallow import fields


class OpenEnum(fields.String):
    """A string of a known set of values that a later version of the API may extend (documented as ``anyOf`` of the
    named enum and a plain string): a client generated today maps a known value to its enum and keeps an unknown
    one as a string, instead of failing. Requests keep closed enums: the server refuses a value it does not know."""

    def __init__(self, name: str, values: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.enum_name, self.enum_values = name, values
        OPEN_ENUMS[name] = values


OPEN_ENUMS: dict[str, tuple[str, ...]] = {}  # every open enum's component name and its values today
