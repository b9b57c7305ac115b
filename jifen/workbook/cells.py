"""Values typed into the workbook's editable cells, read back into the ruleset document's values.

Each reader takes what openpyxl gives for a cell (text, a number, a date, nothing) and returns the value for the
document, ``ABSENT`` for "leave the key out", or raises :class:`Unreadable` with a catalogued problem code.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.canonical import number_text, plain_number
from engine.schema import LABEL_MAX, Field

ABSENT = object()  # the document leaves this key out (no cap, no reference, not required…)


class Unreadable(Exception):
    """A cell's value cannot be read; ``code`` and ``params`` name the problem (see problems.TEXTS)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def normal(value: Any) -> str:
    """A cell's value as text, for comparing it with what was exported (numbers, dates and text alike)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | Decimal):
        return number_text(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def decimal(value: Any) -> Decimal | None:
    """A number from a numeric cell or from text such as ``20``, ``0.5``, ``２０``, ``−1`` or ``20分``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return number if number.is_finite() else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).replace("−", "-").strip().removesuffix("分").strip()
    if not _NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid numbers
        return None


def _plain(number: Decimal) -> int | float:
    return plain_number(number)


def text(value: Any) -> Any:
    """Required text: a name, a label, a code (a number typed as a code is taken as its text)."""
    return normal(value)


def optional_text(value: Any) -> Any:
    return normal(value) or ABSENT


LIMIT = 10**12  # no point, rate, unit or cap of a standard comes near; the loader's arithmetic needs a bound


def _bounded(number: Decimal, value: Any) -> Decimal:
    if abs(number) >= LIMIT:
        raise Unreadable("number_out_of_range", limit=LIMIT, got=normal(value))
    return number


def cap(value: Any) -> Any:
    """A number such as a cap: empty for none."""
    if normal(value) == "":
        return ABSENT
    number = decimal(value)
    if number is None:
        raise Unreadable("not_a_number", got=normal(value))
    return _plain(_bounded(number, value))


def entries(value: Any, f: Field, joiner: str = "\n") -> Any:
    """A list: one entry a line (Alt+Enter), or short names such as departments in 「公安局、法院」, 「公安局，法院」 or
    one per line; within the field's limits (how many, how long each)."""
    separators = r"\n" if joiner == "\n" else r"[、,，;；\n]"
    found = [part.strip() for part in re.split(separators, normal(value)) if part.strip()]
    if f.limit is not None and len(found) > f.limit:
        raise Unreadable("too_many_entries", label=f.zh, label_en=f.en, limit=f.limit, count=len(found))
    longest = f.entry_limit or LABEL_MAX
    for n, entry in enumerate(found, start=1):
        if len(entry) > longest:
            raise Unreadable("entry_too_long", label=f.zh, label_en=f.en, n=n, limit=longest, length=len(entry))
    return found if found or f.required else ABSENT


def yes_no(value: Any) -> Any:
    """是 → true; 否 or empty → false (left out, as the document does)."""
    answer = normal(value).lower()
    if answer in ("是", "true", "y", "yes", "1", "√"):
        return True
    if answer in ("否", "", "false", "n", "no", "0"):
        return ABSENT
    raise Unreadable("not_yes_no", got=normal(value))


def date(value: Any) -> Any:
    """A date cell, or text the loader reads as ``YYYY-MM-DD`` (and reports otherwise)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return normal(value)


# -- points -------------------------------------------------------------------------------------------------
# The three forms engine.describe.points_sentence writes, read back: 「20」 (or 「得20分」), 「<field>每满1得0.5分」,
# 「得（60 − <field>）分」 and 「得（60 − 2×<field>÷5（取整））分」.

_N = r"[-−－]?[0-9０-９]+(?:[.．][0-9０-９]+)?"
_PER_UNIT = re.compile(rf"(?P<field>.+?)每满\s*(?P<unit>{_N})\s*得\s*(?P<rate>{_N})\s*分")
_OFFSET = re.compile(
    rf"得[（(]\s*(?P<offset>{_N})\s*(?P<sign>[-+−－＋])\s*(?:(?P<rate>{_N})\s*[×xX*]\s*)?"
    rf"(?P<field>.+?)(?:\s*÷\s*(?P<unit>{_N})\s*[（(]取整[）)])?\s*[）)]分"
)


def points(value: Any, fields: Mapping[str, set[str]], catalogue_sheet: str) -> dict[str, Any]:
    """The points rule of an item: ``{"fixed": n}`` or ``{"per_unit": {...}}``.

    ``fields`` maps each name a fact is known by (its label as exported or as edited, and its field name) to the
    fact names it may mean.
    """
    shown = normal(value)
    number = decimal(value)
    if number is None and shown.startswith("得"):
        number = decimal(shown.removeprefix("得"))
    if number is not None:
        return {"fixed": _plain(_bounded(number, value))}
    match = _PER_UNIT.fullmatch(shown) or _OFFSET.fullmatch(shown)
    if match is None:
        raise Unreadable("not_points", got=shown)
    parts = match.groupdict()
    rule: dict[str, Any] = {"field": _field(parts["field"].strip(), fields, catalogue_sheet)}
    rate = _number(parts["rate"]) if parts["rate"] else Decimal(1)
    if "offset" in parts:
        rule["offset"] = _plain(_number(parts["offset"]))
        rate = -rate if parts["sign"] in "-−－" else rate
    rule["rate"] = _plain(rate)
    if parts["unit"]:
        rule["unit"] = _plain(_number(parts["unit"]))
    return {"per_unit": rule}


def _number(text: str) -> Decimal:
    number = decimal(text)
    assert number is not None  # the patterns admit numbers only
    return _bounded(number, text)


def _field(label: str, fields: Mapping[str, set[str]], catalogue_sheet: str) -> str:
    names = fields.get(label, set())
    if not names:
        raise Unreadable("unknown_field_label", label=label, sheet=catalogue_sheet)
    if len(names) > 1:
        raise Unreadable("ambiguous_field_label", label=label, names="、".join(sorted(names)))
    return next(iter(names))


Reader = Callable[[Any], Any]


def reader(f: Field, joiner: str = "\n") -> Reader:
    """How a cell of field ``f`` is read back (the kinds of layout.READABLE_KINDS)."""
    if f.kind in ("points", "number"):
        return cap
    if f.kind == "boolean":
        return yes_no
    if f.kind == "date":
        return date
    if f.kind == "texts":
        return lambda value: entries(value, f, joiner)
    return text if f.required else optional_text
