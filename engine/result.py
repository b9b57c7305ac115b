"""Turn an engine result (Decimals, dates) into JSON: numbers with at most two decimals, never floats' noise."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson

from engine.canonical import plain_number


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # values carry at most two decimals, so the shortest float repr is the decimal text itself
        return plain_number(value)
    if isinstance(value, (tuple, frozenset, set)):
        return list(value)
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dumps_bytes(result: Any) -> bytes:
    """UTF-8 JSON of a result (dates as ISO text)."""
    return orjson.dumps(result, default=_default, option=orjson.OPT_NON_STR_KEYS)


def dumps(result: Any, *, indent: int | None = None) -> str:
    """JSON text of a result.

    >>> dumps({"total": Decimal("0.1") * 3})
    '{"total":0.3}'
    """
    option = orjson.OPT_NON_STR_KEYS | (orjson.OPT_INDENT_2 if indent else 0)
    return orjson.dumps(result, default=_default, option=option).decode("utf-8")


def to_plain(result: Any) -> Any:
    """The result with Decimals and dates replaced by JSON-ready numbers and text."""
    return json.loads(dumps_bytes(result))
