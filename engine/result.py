"""The engine's result, typed (SPEC §6), and its JSON: numbers with at most two decimals, never floats' noise.

A result is a plain dict typed by the TypedDicts below, so that it is built, stored and sent as it always was
(a stored score's JSON is exactly the text that was answered) while mypy checks every key the evaluator writes
and every reader uses. The API's response schemas are generated from these types (``api/results.py``), and a
test scores real facts and holds each result to them key for key, so that a key dropped, renamed or added on
either side fails.

Each key's ``Annotated`` text is its description in the API's document. Keys are in the order the JSON has.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, NewType, NotRequired, TypedDict

import orjson

from engine.canonical import plain_number
from engine.model import FactValue

IsoDate = NewType("IsoDate", str)
"""A date as ``YYYY-MM-DD`` text."""


class VersionIdentity(TypedDict):
    """The ruleset version a score was computed under."""

    ruleset: Annotated[str, "Ruleset code, e.g. tongxiang"]
    year: Annotated[int, "The version's year"]
    revision: Annotated[int, "Revision within the year (1, 2, …)"]
    content_hash: Annotated[str, "sha256 of the version's canonical content, e.g. sha256:35980f52…"]


class Reason(TypedDict):
    """An eligibility requirement the application does not meet."""

    code: Annotated[str, "The requirement's code"]
    reason: Annotated[str, "Why the application is not eligible (Chinese)"]


class CategoryResult(TypedDict):
    """A category of the standard with its points (every category of the version is listed)."""

    code: str
    name: Annotated[str, "Chinese name"]
    kind: Annotated[Literal["add", "deduct"], "add: its points count towards the total; deduct: they are taken off"]
    raw: Annotated[Decimal, "The sum of its indicators' points, before the category cap"]
    cap: Annotated[Decimal | None, "The category cap (null: none)"]
    points: Annotated[Decimal, "After the category cap"]


class ItemResult(TypedDict):
    """An item of an indicator: whether its condition held and what it counted."""

    code: str
    label: Annotated[str, "The item as the standard words it (Chinese)"]
    fired: Annotated[bool, "Whether the item's condition held"]
    raw: Annotated[Decimal, "Its points before the item cap (0 when it did not fire)"]
    cap: Annotated[Decimal | None, "The item cap (null: none)"]
    points: Annotated[Decimal, "After the item cap"]
    counted: Annotated[bool, "Whether it counted towards the indicator (of an exclusive group only the highest does)"]
    excluded_by: NotRequired[
        Annotated[str, "Present when an item of the same exclusive group counted instead: its code"]
    ]


class IndicatorResult(TypedDict):
    """An indicator with its points and every one of its items (also those with 0 points)."""

    code: str
    name: Annotated[str, "Chinese name"]
    category: Annotated[str, "The code of its category"]
    raw: Annotated[Decimal, "The sum of its counted items' points, before the indicator cap"]
    cap: Annotated[Decimal | None, "The indicator cap (null: none)"]
    points: Annotated[Decimal, "After the indicator cap"]
    departments: Annotated[Sequence[str], "The departments that vouch for its facts"]
    reference: Annotated[str, "The clause or table row this indicator implements"]
    items: list[ItemResult]


class Explanation(TypedDict):
    """The total with its full explanation, as ``CompiledVersion.explain`` makes it."""

    year: Annotated[int, "The scoring year"]
    version: VersionIdentity
    eligible: Annotated[bool, "Whether every eligibility requirement is met"]
    ineligible_reasons: Annotated[list[Reason], "The requirements not met (empty when eligible)"]
    total: Annotated[Decimal, "The points: never below 0, and 0 when not eligible"]
    points_before_floor: Annotated[Decimal, "Added minus deducted points, before the floor at 0"]
    valid_until: Annotated[IsoDate, "The last day the score is valid (the end of the scoring year)"]
    categories: list[CategoryResult]
    indicators: list[IndicatorResult]


class ScoreResult(Explanation):
    """A scored application: the explanation, the scoring date and the facts derived from those sent."""

    as_of: Annotated[IsoDate, "The scoring date: it picked the version in force and is the default application date"]
    derived: Annotated[Mapping[str, FactValue], 'Facts computed from those sent, e.g. {"age": 35}']


@dataclass(frozen=True, slots=True)
class JsonScore:
    """A score written as JSON (``CompiledVersion.score_json``), with what storing it needs to know."""

    body: bytes  # the ScoreResult's JSON
    total: Decimal
    eligible: bool
    as_of: dt.date
    derived_json: bytes


_NUMBERS: dict[str, bytes] = {}


def number_json(value: Decimal) -> bytes:
    """A Decimal's JSON text as ``dumps_bytes`` writes it (remembered: a version's caps and points recur).

    >>> number_json(Decimal("20.00")), number_json(Decimal("2.5"))
    (b'20', b'2.5')
    """
    # keyed by the decimal's text: hashing a Decimal costs ten times as much, and equal texts are equal values
    key = str(value)
    text = _NUMBERS.get(key)
    if text is None:
        # values carry at most two decimals, so the shortest float repr is the decimal text itself
        text = orjson.dumps(plain_number(value))
        if len(_NUMBERS) < 100_000:
            _NUMBERS[key] = text
    return text


_PLAIN: dict[str, int | float] = {}


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        key = str(value)  # as in number_json: a text is cheaper to hash than a Decimal
        number = _PLAIN.get(key)
        if number is None:
            number = plain_number(value)
            if len(_PLAIN) < 100_000:
                _PLAIN[key] = number
        return number
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
