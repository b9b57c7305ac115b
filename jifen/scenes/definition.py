"""A scene's definition (场景): what it is, whose it is, its basis, threshold, quota, ranking and ties.

One form: the mapping a bureau writes as a small YAML or JSON file, read by ``read`` (every problem named by its
field) and written back by ``document`` — the same keys the console's form, the API and the list's hash use.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.canonical import plain_number
from jifen.errors import CodedError

TIES = ("admit_all", "flag")
SCENE_STATES = ("draft", "published")
FIELDS = ("code", "name", "year", "department", "cutoff_date", "threshold", "quota", "ranking", "ties")
# a ranking key: total, received_on, category:CODE or indicator:CODE (codes as the standard writes them)
_KEY = re.compile(r"^(total|received_on|(category|indicator):[A-Za-z0-9_.-]{1,64})$")
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CENT = Decimal("0.01")
MAX_POINTS = Decimal(10000)
YEAR_MIN, YEAR_MAX = 2000, 2100


@dataclass(frozen=True, slots=True)
class Definition:
    """A scene as its bureau defines it; ``ranking`` always starts with ``total``."""

    code: str
    name: str
    year: int
    department: str
    cutoff_date: dt.date
    threshold: Decimal
    quota: int | None
    ranking: tuple[str, ...]
    ties: str

    def document(self) -> dict[str, Any]:
        """The definition as its file says it (JSON-ready: dates as ISO text, points as plain numbers)."""
        return {
            "code": self.code,
            "name": self.name,
            "year": self.year,
            "department": self.department,
            "cutoff_date": self.cutoff_date.isoformat(),
            "threshold": plain_number(self.threshold),
            "quota": self.quota,
            "ranking": list(self.ranking),
            "ties": self.ties,
        }

    @property
    def tie_breakers(self) -> tuple[str, ...]:
        return self.ranking[1:]


def invalid(errors: dict[str, list[str]]) -> CodedError:
    first = next(iter(errors.items()))
    return CodedError(422, "invalid_fields", f"the scene has invalid fields ({first[0]}: {first[1][0]})", errors)


def _text(raw: Mapping[str, Any], name: str, limit: int, errors: dict[str, list[str]]) -> str:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        errors[name] = ["required: a text"]
        return ""
    if len(value.strip()) > limit:
        errors[name] = [f"at most {limit} characters"]
    return value.strip()


def _year(raw: Mapping[str, Any], errors: dict[str, list[str]]) -> int:
    value = raw.get("year")
    if isinstance(value, bool) or not isinstance(value, int) or not YEAR_MIN <= value <= YEAR_MAX:
        errors["year"] = [f"required: a year from {YEAR_MIN} to {YEAR_MAX}"]
        return 0
    return value


def _date(raw: Mapping[str, Any], errors: dict[str, list[str]]) -> dt.date:
    value = raw.get("cutoff_date")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value  # YAML reads an unquoted date as one
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    errors["cutoff_date"] = ["required: a date written YYYY-MM-DD"]
    return dt.date(2000, 1, 1)


def _threshold(raw: Mapping[str, Any], errors: dict[str, list[str]]) -> Decimal:
    value = raw.get("threshold")
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise InvalidOperation
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
        if not number.is_finite() or number != number.quantize(_CENT) or not -MAX_POINTS < number < MAX_POINTS:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["threshold"] = ["required: points, at most two decimals (e.g. 120 or 87.5)"]
        return Decimal(0)
    return number.quantize(_CENT)


def _quota(raw: Mapping[str, Any], errors: dict[str, list[str]]) -> int | None:
    value = raw.get("quota")  # absent: no quota, as null
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10_000_000:
        errors["quota"] = ["a whole number of places from 1, or null for none"]
        return None
    return int(value)


def _ranking(raw: Mapping[str, Any], errors: dict[str, list[str]]) -> tuple[str, ...]:
    value = raw.get("ranking", ["total"])
    if not isinstance(value, list) or not all(isinstance(k, str) for k in value):
        errors["ranking"] = ['a list of keys: total, "category:CODE", "indicator:CODE", received_on']
        return ("total",)
    keys = [k.strip() for k in value]
    wrong = [k for k in keys if not _KEY.match(k)]
    if wrong:
        errors["ranking"] = [f'unknown key {wrong[0]!r}: use total, "category:CODE", "indicator:CODE", received_on']
    elif len(set(keys)) != len(keys):
        errors["ranking"] = ["a key is named twice"]
    elif keys and keys[0] != "total" and "total" in keys:
        errors["ranking"] = ["total comes first: the tie-breakers follow it"]
    return tuple(keys if keys[:1] == ["total"] else ["total", *keys])


def read(raw: Any) -> Definition:
    """The definition of a scene from its file's mapping; 422 ``invalid_fields`` naming every wrong field."""
    if not isinstance(raw, Mapping):
        raise invalid({"scene": ["a mapping with " + ", ".join(FIELDS)]})
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        errors[unknown[0]] = [f"unknown field (the fields: {', '.join(FIELDS)})"]
    code = _text(raw, "code", 64, errors)
    if code and not _CODE.match(code):
        errors["code"] = ["lower-case letters, digits, - and _ (e.g. school-entry-primary)"]
    ties = raw.get("ties", "flag")
    if ties not in TIES:
        errors["ties"] = [f"one of: {', '.join(TIES)}"]
    definition = Definition(
        code=code,
        name=_text(raw, "name", 200, errors),
        year=_year(raw, errors),
        department=_text(raw, "department", 100, errors),
        cutoff_date=_date(raw, errors),
        threshold=_threshold(raw, errors),
        quota=_quota(raw, errors),
        ranking=_ranking(raw, errors),
        ties=str(ties),
    )
    if errors:
        raise invalid(errors)
    return definition
