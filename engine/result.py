"""Turn an engine result (Decimals, dates) into JSON: numbers with at most two decimals, never floats' noise."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from engine.canonical import plain_number


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        # values carry at most two decimals, so the shortest float repr is the decimal text itself
        return plain_number(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__}")


def dumps(result: Any, *, indent: int | None = None) -> str:
    """JSON text of a result.

    >>> dumps({"total": Decimal("0.1") * 3})
    '{"total": 0.3}'
    """
    return json.dumps(result, default=_default, ensure_ascii=False, indent=indent)


def to_plain(result: Any) -> Any:
    """The result with Decimals and dates replaced by JSON-ready numbers and text."""
    return json.loads(dumps(result))
