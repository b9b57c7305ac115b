"""Reading a raw document against its declared shape (``engine.schema``), recording every problem with its path.

The loader builds the model from what is read here; this module knows the kinds of fields, not what a
category or an item means.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from engine.canonical import written_decimal
from engine.errors import Problem, coded
from engine.facts import Invalid, parse_date
from engine.schema import (
    CODE_PATTERN,
    LABEL_MAX,
    MAX_MAGNITUDE,
    MAX_PLACES,
    NAME_PATTERN,
    NOTE_MAX,
    Field,
    Part,
)

NAME_RE = re.compile(NAME_PATTERN)
CODE_RE = re.compile(CODE_PATTERN)
# kinds read here; the others (conditions, nested parts, mappings of facts or points) are the loader's
SIMPLE_KINDS = frozenset(
    {"identifier", "code", "text", "note", "integer", "boolean", "number", "points", "date", "choice", "texts", "names"}
)


def join(path: str, key: str | int) -> str:
    """``join("items", 2) == "items[2]"``, ``join("items[2]", "cap") == "items[2].cap"``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Reader:
    """Walks the raw document, converting values and recording problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, path: str, code: str, /, **params: Any) -> None:
        """A problem of the catalogue (``engine.problems``) at ``path``."""
        self.problems.append(coded(path, code, **params))

    def mapping(self, node: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(node, Mapping):
            self.add(path, "not_mapping", got=node)
            return {}
        known = set(required) | set(optional)
        for key in node:
            if key not in known:
                self.add(join(path, str(key)), "unknown_key", expected=list(required + optional))
        for key in required:
            if key not in node:
                self.add(join(path, key), "missing")
        return {k: v for k, v in node.items() if k in known}

    def part(
        self, node: Any, path: str, part: Part, skip: tuple[str, ...] = ()
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """The part's mapping (known keys, raw) and its simple fields read: ``(raw, read)``.

        A field in ``read`` holds its value, or None where it was wrong (the problem is recorded); an absent
        optional field is not in ``read``; the fields of ``skip`` and of other kinds are left to the caller.
        """
        raw = self.mapping(node, path, part.required, part.optional)
        read: dict[str, Any] = {}
        for f in part.fields:
            if f.key in raw and f.key not in skip and f.kind in SIMPLE_KINDS:
                if f.nullable and raw[f.key] is None:
                    continue
                read[f.key] = self.field(raw[f.key], join(path, f.key), f)
        return raw, read

    def field(self, node: Any, path: str, f: Field) -> Any:
        """One value of a simple field, converted; None if it is wrong (the problem is recorded)."""
        kind = f.kind
        if kind in ("identifier", "code", "text", "note"):
            return self.text_field(node, path, f)
        if kind == "integer":
            assert f.low is not None and f.high is not None
            return self.integer(node, path, int(f.low), int(f.high))
        if kind == "boolean":
            return self.boolean(node, path)
        if kind in ("number", "points"):
            return self.number(node, path, non_negative=f.non_negative, positive=f.positive,
                               limit=f.high if f.high is not None else MAX_MAGNITUDE)  # fmt: skip
        if kind == "date":
            return self.date(node, path)
        if kind == "choice":
            if node not in f.choices:
                self.add(path, f.problem or "unknown_key", expected=list(f.choices), got=node)
                return None
            return node
        return self.texts(node, path, f)

    def text_field(self, node: Any, path: str, f: Field) -> str | None:
        pattern = NAME_RE if f.kind == "identifier" else CODE_RE if f.kind == "code" else None
        return self.text(node, path, pattern=pattern, what=f.what or "text", limit=f.text_limit,
                         bad=f.problem or "bad_name")  # fmt: skip

    def texts(self, node: Any, path: str, f: Field) -> tuple[str, ...]:
        """A list of texts (``texts``) or of lowercase names (``names``): the entries that are right."""
        entries = self.seq(node, path, allow_empty=not f.non_empty)
        if f.limit is not None and len(entries) > f.limit:
            self.add(path, "too_many", limit=f.limit, count=len(entries))
        pattern = NAME_RE if f.kind == "names" else None
        limit = f.entry_limit or (64 if f.kind == "names" else LABEL_MAX)
        return tuple(
            e for j, e in enumerate(entries)
            if self.text(e, f"{path}[{j}]", pattern=pattern, what=f.what or "text", limit=limit)
        )  # fmt: skip

    def seq(self, node: Any, path: str, allow_empty: bool = True) -> list[Any]:
        if node is None and allow_empty:
            return []
        if not isinstance(node, list):
            self.add(path, "not_list", got=node)
            return []
        if not node and not allow_empty:
            self.add(path, "empty_list")
        return node

    def text(
        self,
        node: Any,
        path: str,
        *,
        pattern: re.Pattern[str] | None = None,
        what: str = "text",
        limit: int = LABEL_MAX,
        bad: str = "bad_name",
    ) -> str | None:
        """Text within ``limit`` characters, without control characters (line breaks allowed in notes); matching
        ``pattern`` if given, else problem ``bad``."""
        if not isinstance(node, str) or not node.strip():
            self.add(path, "empty_text", what=what, got=node)
            return None
        if len(node) > limit:
            self.add(path, "too_long", limit=limit, length=len(node))
            return None
        allowed = "\n\r\t" if limit >= NOTE_MAX else ""
        if any(unicodedata.category(c) == "Cc" and c not in allowed for c in node):
            self.add(path, "control_characters_but_lines" if allowed else "control_characters")
            return None
        if pattern is not None and not pattern.fullmatch(node):
            self.add(path, bad, what=what, got=node)
            return None
        return node

    def integer(self, node: Any, path: str, low: int, high: int) -> int | None:
        if type(node) is not int or not low <= node <= high:
            self.add(path, "not_integer_between", low=low, high=high, got=node)
            return None
        return node

    def boolean(self, node: Any, path: str) -> bool | None:
        if node is not True and node is not False:
            self.add(path, "not_boolean", got=node)
            return None
        return node

    def number(
        self,
        node: Any,
        path: str,
        *,
        non_negative: bool = False,
        positive: bool = False,
        limit: Decimal = MAX_MAGNITUDE,
    ) -> Decimal | None:
        if isinstance(node, bool) or not isinstance(node, (int, float)):
            self.add(path, "not_number", got=node)
            return None
        value = written_decimal(node) if isinstance(node, float) else Decimal(node)
        if not value.is_finite():
            self.add(path, "not_finite", got=node)
            return None
        if abs(value) > limit:
            low = 0 if non_negative or positive else -limit
            self.add(path, "out_of_range", low=low, high=limit, got=node)
            return None
        if positive and value <= 0:
            self.add(path, "not_positive", got=node)
            return None
        if non_negative and value < 0:
            self.add(path, "negative", got=node)
            return None
        if value != value.quantize(Decimal(1).scaleb(-MAX_PLACES), rounding="ROUND_DOWN"):
            self.add(path, "too_many_places", places=MAX_PLACES, got=node)
            return None
        return value

    def date(self, node: Any, path: str) -> dt.date | None:
        try:
            return parse_date(node)
        except Invalid as exc:
            self.problems.append(exc.at(path))
            return None

    def unique(self, codes: list[tuple[str | None, str]], what: str) -> None:
        seen: dict[str, str] = {}
        for code, path in codes:
            if code is None:
                continue
            if code in seen:
                self.add(path, "duplicate", what=what, code=code, first_at=seen[code])
            else:
                seen[code] = path
