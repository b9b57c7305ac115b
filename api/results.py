"""marshmallow schemas generated from the engine's typed results, so that the document cannot drift from them.

``schema_of(ItemResult)`` is a Schema with one field per key of the TypedDict: required unless the key is
``NotRequired``, nullable when its type admits None, described by its ``Annotated`` text. Nested TypedDicts
become nested schemas (each generated once, under the TypedDict's name); ``replace`` puts an API schema in place
of an engine type where the API adds to it (a stored score's version also carries its database id).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, Literal, NotRequired, Union, get_args, get_origin, get_type_hints

from marshmallow import Schema, fields, validate

import engine.model
from engine.result import IsoDate

_cache: dict[tuple[type, tuple[tuple[type, type[Schema]], ...]], type[Schema]] = {}


def is_typed_dict(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, dict) and hasattr(tp, "__annotations__") and hasattr(tp, "__total__")


def keys(td: type) -> dict[str, tuple[Any, bool]]:
    """Each key of a TypedDict with its type (Annotated kept) and whether it is always present, in order.

    Read from the type hints rather than ``__required_keys__``, which Python 3.11 gets wrong for a NotRequired key
    declared under ``from __future__ import annotations``.
    """
    out: dict[str, tuple[Any, bool]] = {}
    # the names engine.model's type aliases use (FactValue names dt.date)
    for name, hint in get_type_hints(td, localns=vars(engine.model), include_extras=True).items():
        required = True
        if get_origin(hint) is NotRequired:
            hint, required = get_args(hint)[0], False
        out[name] = (hint, required)
    return out


def schema_of(td: type, replace: Mapping[type, type[Schema]] | None = None) -> type[Schema]:
    """The marshmallow Schema of a TypedDict (named after it), built once per replacement set."""
    key = (td, tuple(sorted((replace or {}).items(), key=lambda kv: kv[0].__name__)))
    if key not in _cache:
        attrs: dict[str, Any] = {}
        for name, (hint, required) in keys(td).items():
            attrs[name] = _field(hint, required, dict(replace or {}))
        schema = Schema.from_dict(attrs, name=td.__name__)
        schema.__doc__ = td.__doc__
        _cache[key] = schema
    return _cache[key]


def _field(hint: Any, required: bool, replace: dict[type, type[Schema]]) -> fields.Field:
    description = None
    if get_origin(hint) is Annotated:
        hint, *extras = get_args(hint)
        description = next((e for e in extras if isinstance(e, str)), None)
    nullable = False
    if get_origin(hint) in (Union, types.UnionType):
        members = [m for m in get_args(hint) if m is not type(None)]
        nullable = len(members) < len(get_args(hint))
        hint = members[0] if len(members) == 1 else members
    kwargs: dict[str, Any] = {"required": required, "allow_none": nullable}
    if description:
        kwargs["metadata"] = {"description": description}
    return _typed(hint, kwargs, replace)


def _typed(hint: Any, kwargs: dict[str, Any], replace: dict[type, type[Schema]]) -> fields.Field:
    origin = get_origin(hint)
    if isinstance(hint, list):  # a union of several types: any JSON value
        return fields.Raw(**kwargs)
    if hint is IsoDate:
        return fields.Date(**kwargs)
    if hint is bool:
        return fields.Boolean(**kwargs)
    if hint is int:
        return fields.Integer(**kwargs)
    if hint is Decimal:
        return fields.Decimal(as_string=False, **kwargs)
    if hint is str:
        return fields.String(**kwargs)
    if origin is Literal:
        return fields.String(validate=validate.OneOf(get_args(hint)), **kwargs)
    if is_typed_dict(hint):
        return fields.Nested(replace.get(hint) or schema_of(hint, replace), **kwargs)
    if origin in (list, Sequence, typing.Sequence):
        (item,) = get_args(hint)
        return fields.List(_typed(item, {}, replace), **kwargs)
    if origin in (dict, Mapping, typing.Mapping):
        return fields.Dict(keys=fields.String(), **kwargs)
    raise TypeError(f"no schema for {hint!r}")
