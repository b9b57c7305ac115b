"""Read a ruleset file (YAML) into a :class:`RulesetVersion`, reporting every problem with its path.

Paths look like ``indicators[3].items[1].when.field``: what a person reading the file can find.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from engine.errors import CodedProblem, FactsError, Problem, RulesetError, coded
from engine.facts import FactsValidator, Invalid, converter, parse_date
from engine.model import (
    CATEGORY_KINDS,
    DERIVATIONS,
    FIELD_TYPES,
    LIST_OPERATORS,
    NUMERIC_TYPES,
    OPERATORS,
    ORDERING_OPERATORS,
    PRESENCE_OPERATORS,
    STATUSES,
    Category,
    Clause,
    Condition,
    Derivation,
    Expected,
    FactField,
    FactValue,
    Fixed,
    Group,
    Indicator,
    Item,
    PerUnit,
    PointsRule,
    Requirement,
    RulesetVersion,
    TestCase,
)

_NAME_RE = re.compile(r"[a-z][a-z0-9_]*")
_CODE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
_MAX_PLACES = 2  # points, rates and caps: results are served with at most two decimals
# the largest magnitude of a number in a ruleset: JSON's safe integers, the bound facts are held to as well
_MAX_MAGNITUDE = Decimal(2**53)
# Bounds of this domain: no points, rate or cap goes beyond the 300-point total; codes are short and printable
# (they name items in sentences, URLs and workbook cells); labels fit a table cell, notes a paragraph.
POINTS_LIMIT = Decimal(300)
CODE_MAX = 16
NAME_MAX = 64
LABEL_MAX = 200
NOTE_MAX = 2000


class _Problems:
    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, path: str, code: str, /, **params: Any) -> None:
        """A problem of the catalogue (``engine.problems``) at ``path``."""
        self.items.append(coded(path, code, **params))


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class _Reader:
    """Walks the raw document, converting values and recording problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems = _Problems()

    def mapping(self, node: Any, path: str, required: tuple[str, ...], optional: tuple[str, ...]) -> dict[str, Any]:
        if not isinstance(node, Mapping):
            self.problems.add(path, "not_mapping", got=node)
            return {}
        known = set(required) | set(optional)
        for key in node:
            if key not in known:
                self.problems.add(_join(path, str(key)), "unknown_key", expected=list(required + optional))
        for key in required:
            if key not in node:
                self.problems.add(_join(path, key), "missing")
        return {k: v for k, v in node.items() if k in known}

    def seq(self, node: Any, path: str, allow_empty: bool = True) -> list[Any]:
        if node is None and allow_empty:
            return []
        if not isinstance(node, list):
            self.problems.add(path, "not_list", got=node)
            return []
        if not node and not allow_empty:
            self.problems.add(path, "empty_list")
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
            self.problems.add(path, "empty_text", what=what, got=node)
            return None
        if len(node) > limit:
            self.problems.add(path, "too_long", limit=limit, length=len(node))
            return None
        allowed = "\n\r\t" if limit >= NOTE_MAX else ""
        if any(unicodedata.category(c) == "Cc" and c not in allowed for c in node):
            self.problems.add(path, "control_characters_but_lines" if allowed else "control_characters")
            return None
        if pattern is not None and not pattern.fullmatch(node):
            self.problems.add(path, bad, what=what, got=node)
            return None
        return node

    def integer(self, node: Any, path: str, low: int, high: int) -> int | None:
        if type(node) is not int or not low <= node <= high:
            self.problems.add(path, "not_integer_between", low=low, high=high, got=node)
            return None
        return node

    def boolean(self, node: Any, path: str) -> bool | None:
        if node is not True and node is not False:
            self.problems.add(path, "not_boolean", got=node)
            return None
        return node

    def number(
        self,
        node: Any,
        path: str,
        *,
        non_negative: bool = False,
        positive: bool = False,
        limit: Decimal = _MAX_MAGNITUDE,
    ) -> Decimal | None:
        if isinstance(node, bool) or not isinstance(node, (int, float)):
            self.problems.add(path, "not_number", got=node)
            return None
        value = Decimal(repr(node)) if isinstance(node, float) else Decimal(node)
        if not value.is_finite():
            self.problems.add(path, "not_finite", got=node)
            return None
        if abs(value) > limit:
            low = 0 if non_negative or positive else -limit
            self.problems.add(path, "out_of_range", low=low, high=limit, got=node)
            return None
        if positive and value <= 0:
            self.problems.add(path, "not_positive", got=node)
            return None
        if non_negative and value < 0:
            self.problems.add(path, "negative", got=node)
            return None
        if value != value.quantize(Decimal(1).scaleb(-_MAX_PLACES), rounding="ROUND_DOWN"):
            self.problems.add(path, "too_many_places", places=_MAX_PLACES, got=node)
            return None
        return value

    def date(self, node: Any, path: str) -> dt.date | None:
        try:
            return parse_date(node)
        except Invalid as exc:
            self.problems.items.append(exc.at(path))
            return None

    def unique(self, codes: list[tuple[str | None, str]], what: str) -> None:
        seen: dict[str, str] = {}
        for code, path in codes:
            if code is None:
                continue
            if code in seen:
                self.problems.add(path, "duplicate", what=what, code=code, first_at=seen[code])
            else:
                seen[code] = path


_TOP_REQUIRED = (
    "ruleset",
    "year",
    "revision",
    "effective_from",
    "status",
    "title",
    "facts",
    "categories",
    "indicators",
)
_TOP_OPTIONAL = ("sample", "legal_basis", "description", "eligibility", "cases")


def parse_document(doc: Any, source: str = "<ruleset>") -> RulesetVersion:
    """Build a version from a parsed document; raise RulesetError listing every problem."""
    r = _Reader()
    top = r.mapping(doc, "", _TOP_REQUIRED, _TOP_OPTIONAL)
    ruleset = (
        r.text(
            top.get("ruleset"), "ruleset", pattern=_NAME_RE, what="a lowercase code such as 'tongxiang'", limit=NAME_MAX
        )
        if "ruleset" in top
        else None
    )
    year = r.integer(top.get("year"), "year", 2000, 2100) if "year" in top else None
    revision = r.integer(top.get("revision"), "revision", 1, 999) if "revision" in top else None
    effective_from = r.date(top.get("effective_from"), "effective_from") if "effective_from" in top else None
    status = top.get("status")
    if "status" in top and status not in STATUSES:
        r.problems.add("status", "unknown_status", expected=list(STATUSES), got=status)
    title = r.text(top.get("title"), "title") if "title" in top else None
    sample = r.boolean(top["sample"], "sample") if "sample" in top else False
    legal_basis = _optional_text(r, top, "legal_basis", "", limit=NOTE_MAX)
    description = _optional_text(r, top, "description", "", limit=NOTE_MAX)

    facts = tuple(_fact_fields(r, top.get("facts")))
    catalogue = {f.name: f for f in facts}
    _check_derivations(r, facts, catalogue)
    eligibility = tuple(_requirements(r, top.get("eligibility"), catalogue))
    categories = tuple(_categories(r, top.get("categories")))
    indicators = tuple(_indicators(r, top.get("indicators"), catalogue, {c.code: c for c in categories}))
    cases_node = r.seq(top.get("cases"), "cases")
    cases = tuple(_cases(r, cases_node, facts, categories, indicators))

    if r.problems.items:
        raise RulesetError(source, r.problems.items)
    assert ruleset and year and revision and effective_from and title is not None and sample is not None
    return RulesetVersion(
        ruleset=ruleset,
        year=year,
        revision=revision,
        effective_from=effective_from,
        status=str(status),
        title=title,
        facts=facts,
        categories=categories,
        indicators=indicators,
        eligibility=eligibility,
        cases=cases,
        legal_basis=legal_basis,
        description=description,
        sample=sample,
    )


def read_catalogue(doc: Any) -> tuple[FactField, ...]:
    """The fields of a document's fact catalogue that are valid, even when other parts of it are not (an editor
    still needs the catalogue to repair them).

    >>> [f.name for f in read_catalogue({"facts": [{"name": "age", "type": "int", "label": "年龄"}, {"name": 1}]})]
    ['age']
    """
    return tuple(_fact_fields(_Reader(), doc.get("facts") if isinstance(doc, Mapping) else None))


def _optional_text(
    r: _Reader, node: Mapping[str, Any], key: str, default: str, path: str = "", limit: int = LABEL_MAX
) -> str:
    if key not in node:
        return default
    return r.text(node[key], _join(path, key), limit=limit) or default


def _code(r: _Reader, m: Mapping[str, Any], path: str) -> str | None:
    if "code" not in m:
        return None
    return r.text(m.get("code"), _join(path, "code"), pattern=_CODE_RE, what="a code", limit=CODE_MAX)


def _points(r: _Reader, m: Mapping[str, Any], path: str, key: str, *, non_negative: bool = False) -> Decimal | None:
    """An optional number of points (a cap): within the 300-point total, at most two decimals."""
    if m.get(key) is None:
        return None
    return r.number(m[key], _join(path, key), non_negative=non_negative, limit=POINTS_LIMIT)


# -- fact catalogue ---------------------------------------------------------------------------------------


def _fact_fields(r: _Reader, node: Any) -> list[FactField]:
    fields: list[FactField] = []
    names: list[tuple[str | None, str]] = []
    for i, raw in enumerate(r.seq(node, "facts", allow_empty=False)):
        path = f"facts[{i}]"
        m = r.mapping(
            raw,
            path,
            ("name", "type", "label"),
            ("required", "values", "value_labels", "min", "max", "derived", "department", "description"),
        )
        name = (
            r.text(m.get("name"), _join(path, "name"), pattern=_NAME_RE, what="a lowercase field name", limit=NAME_MAX)
            if "name" in m
            else None
        )
        names.append((name, _join(path, "name")))
        kind = m.get("type")
        if "type" in m and kind not in FIELD_TYPES:
            r.problems.add(_join(path, "type"), "unknown_type", expected=list(FIELD_TYPES), got=kind)
            kind = None
        label = r.text(m.get("label"), _join(path, "label")) if "label" in m else None
        required = r.boolean(m["required"], _join(path, "required")) if "required" in m else False
        values: tuple[str, ...] = ()
        value_labels: tuple[str, ...] = ()
        if kind == "enum":
            raw_values = r.seq(m.get("values"), _join(path, "values"), allow_empty=False)
            values = tuple(
                v
                for j, v in enumerate(raw_values)
                if r.text(v, f"{path}.values[{j}]", pattern=_NAME_RE, what="a lowercase value", limit=NAME_MAX)
            )
            r.unique([(v, f"{path}.values[{j}]") for j, v in enumerate(values)], "value")
            if "value_labels" in m:
                value_labels = tuple(r.seq(m["value_labels"], _join(path, "value_labels")))
                for j, value_label in enumerate(value_labels):
                    r.text(value_label, f"{path}.value_labels[{j}]", what="the option's name")
                if len(value_labels) != len(raw_values):
                    r.problems.add(
                        _join(path, "value_labels"), "labels_count", values=len(raw_values), labels=len(value_labels)
                    )
        else:
            for key in ("values", "value_labels"):
                if key in m:
                    r.problems.add(_join(path, key), "values_not_enum")
        low = high = None
        for key in ("min", "max"):
            if key in m:
                if kind not in NUMERIC_TYPES:
                    r.problems.add(_join(path, key), "range_not_numeric")
                else:
                    bound = r.number(m[key], _join(path, key))
                    if kind == "int" and bound is not None and bound != bound.to_integral_value():
                        r.problems.add(_join(path, key), "bound_not_whole", got=m[key])
                    low, high = (bound, high) if key == "min" else (low, bound)
        if low is not None and high is not None and low > high:
            r.problems.add(_join(path, "max"), "max_below_min", min=low)
        derived = None
        if "derived" in m:
            dpath = _join(path, "derived")
            d = r.mapping(m["derived"], dpath, ("function", "source", "at"), ())
            if "function" in d and d["function"] not in DERIVATIONS:
                r.problems.add(
                    _join(dpath, "function"), "unknown_function", expected=list(DERIVATIONS), got=d["function"]
                )
            if len(d) == 3:
                derived = Derivation(str(d["function"]), str(d["source"]), str(d["at"]))
        department = _optional_text(r, m, "department", "", path) or None
        description = _optional_text(r, m, "description", "", path, limit=NOTE_MAX) or None
        if name and kind and label:
            fields.append(
                FactField(
                    name, kind, label, bool(required), department, values, value_labels, low, high, derived, description
                )
            )
    r.unique(names, "field")
    return fields


def _check_derivations(r: _Reader, facts: tuple[FactField, ...], catalogue: dict[str, FactField]) -> None:
    for i, f in enumerate(facts):
        if f.derived is None:
            continue
        path = f"facts[{i}].derived"
        if f.type != "int":
            r.problems.add(f"facts[{i}].type", "derived_not_int")
        if f.required:
            r.problems.add(f"facts[{i}].required", "derived_required")
        for key in ("source", "at"):
            target = catalogue.get(getattr(f.derived, key))
            if target is None or target.type != "date" or target.derived is not None:
                r.problems.add(f"{path}.{key}", "derived_not_date", got=getattr(f.derived, key))


# -- conditions --------------------------------------------------------------------------------------------


def _condition(r: _Reader, node: Any, path: str, catalogue: dict[str, FactField]) -> Condition | None:
    if isinstance(node, Mapping) and len(node) == 1 and next(iter(node)) in ("all", "any"):
        mode = next(iter(node))
        children = r.seq(node[mode], _join(path, mode), allow_empty=False)
        parsed = [_condition(r, c, f"{path}.{mode}[{j}]", catalogue) for j, c in enumerate(children)]
        if any(c is None for c in parsed):
            return None
        return Group(mode, tuple(c for c in parsed if c is not None))
    if isinstance(node, Mapping) and ("all" in node or "any" in node):
        r.problems.add(path, "group_keys")
        return None
    m = r.mapping(node, path, ("field", "op"), ("value",))
    if len(m) < 2:
        return None
    name, op = m["field"], m["op"]
    field = catalogue.get(name) if isinstance(name, str) else None
    if field is None:
        r.problems.add(_join(path, "field"), "unknown_field", quoted=name)
    if op not in OPERATORS:
        r.problems.add(_join(path, "op"), "unknown_operator", quoted=op, expected=list(OPERATORS))
        return None
    if field is None:
        return None
    vpath = _join(path, "value")
    if op in PRESENCE_OPERATORS:
        if "value" in m:
            r.problems.add(vpath, "takes_no_value", op=op)
            return None
        return Clause(field.name, op)
    if "value" not in m:
        r.problems.add(vpath, "needs_value", op=op)
        return None
    if op in ORDERING_OPERATORS and field.type not in ("int", "number", "date"):
        r.problems.add(
            _join(path, "op"), "ordering_needs_number", op=op, field=field.name, label=field.label, type=field.type
        )
        return None
    if op in LIST_OPERATORS:
        raw_values = r.seq(m["value"], vpath, allow_empty=False)
        values = [_condition_value(r, v, f"{vpath}[{j}]", field) for j, v in enumerate(raw_values)]
        if not raw_values or any(v is None for v in values):
            return None
        return Clause(field.name, op, tuple(v for v in values if v is not None))
    value = _condition_value(r, m["value"], vpath, field)
    return None if value is None else Clause(field.name, op, value)


def _condition_value(r: _Reader, node: Any, path: str, field: FactField) -> FactValue | None:
    check = converter(field if field.type != "int" else FactField(field.name, "int", field.label))
    try:
        return check(node)  # ranges are not checked: "skill_level <= 2" is fine for a field of 1..5
    except Invalid as exc:
        r.problems.items.append(exc.at(path))
        return None


def _requirements(r: _Reader, node: Any, catalogue: dict[str, FactField]) -> list[Requirement]:
    out: list[Requirement] = []
    codes: list[tuple[str | None, str]] = []
    for i, raw in enumerate(r.seq(node, "eligibility")):
        path = f"eligibility[{i}]"
        m = r.mapping(raw, path, ("code", "when", "reason"), ())
        code = _code(r, m, path)
        codes.append((code, _join(path, "code")))
        when = _condition(r, m.get("when"), _join(path, "when"), catalogue) if "when" in m else None
        reason = r.text(m.get("reason"), _join(path, "reason"), limit=NOTE_MAX) if "reason" in m else None
        if code and when and reason:
            out.append(Requirement(code, when, reason))
    r.unique(codes, "eligibility code")
    return out


# -- categories, indicators, items ---------------------------------------------------------------------------


def _categories(r: _Reader, node: Any) -> list[Category]:
    out: list[Category] = []
    codes: list[tuple[str | None, str]] = []
    for i, raw in enumerate(r.seq(node, "categories", allow_empty=False)):
        path = f"categories[{i}]"
        m = r.mapping(raw, path, ("code", "name", "kind"), ("cap",))
        code = _code(r, m, path)
        codes.append((code, _join(path, "code")))
        name = r.text(m.get("name"), _join(path, "name")) if "name" in m else None
        kind = m.get("kind")
        if "kind" in m and kind not in CATEGORY_KINDS:
            r.problems.add(_join(path, "kind"), "unknown_kind", expected=list(CATEGORY_KINDS), got=kind)
            kind = None
        cap = _points(r, m, path, "cap", non_negative=True)
        if code and name and kind:
            out.append(Category(code, name, kind, cap))
    r.unique(codes, "category code")
    return out


def _indicators(
    r: _Reader, node: Any, catalogue: dict[str, FactField], categories: dict[str, Category]
) -> list[Indicator]:
    out: list[Indicator] = []
    codes: list[tuple[str | None, str]] = []
    item_codes: list[tuple[str | None, str]] = []
    for i, raw in enumerate(r.seq(node, "indicators", allow_empty=False)):
        path = f"indicators[{i}]"
        m = r.mapping(raw, path, ("code", "name", "category", "departments", "reference", "items"), ("cap",))
        code = _code(r, m, path)
        codes.append((code, _join(path, "code")))
        name = r.text(m.get("name"), _join(path, "name")) if "name" in m else None
        category = m.get("category")
        if "category" in m and category not in categories:
            r.problems.add(_join(path, "category"), "unknown_category", quoted=category, expected=list(categories))
            category = None
        cap = _points(r, m, path, "cap", non_negative=True)
        if cap is not None and category and categories[category].cap is not None and cap > categories[category].cap:  # type: ignore[operator]
            parent = categories[category]
            r.problems.add(_join(path, "cap"), "over_category_cap", category=category, name=parent.name, cap=parent.cap)
        departments = tuple(
            d
            for j, d in enumerate(r.seq(m.get("departments"), _join(path, "departments"), allow_empty=False))
            if r.text(d, f"{path}.departments[{j}]")
        )
        reference = (
            r.text(
                m.get("reference"),
                _join(path, "reference"),
                what="the clause or table row this indicator implements",
                limit=NOTE_MAX,
            )
            if "reference" in m
            else None
        )
        items = []
        for j, raw_item in enumerate(r.seq(m.get("items"), _join(path, "items"), allow_empty=False)):
            item = _item(r, raw_item, f"{path}.items[{j}]", catalogue, cap, item_codes)
            if item is not None:
                items.append(item)
        if code and name and category and reference:
            out.append(Indicator(code, name, category, tuple(items), cap, departments, reference))
    r.unique(codes, "indicator code")
    r.unique(item_codes, "item code")
    return out


def _item(
    r: _Reader,
    node: Any,
    path: str,
    catalogue: dict[str, FactField],
    indicator_cap: Decimal | None,
    codes: list[tuple[str | None, str]],
) -> Item | None:
    m = r.mapping(node, path, ("code", "label"), ("when", "fixed", "per_unit", "cap", "group", "reference"))
    code = _code(r, m, path)
    codes.append((code, _join(path, "code")))
    label = r.text(m.get("label"), _join(path, "label")) if "label" in m else None
    when = _condition(r, m["when"], _join(path, "when"), catalogue) if "when" in m else None
    points: PointsRule | None = None
    if ("fixed" in m) == ("per_unit" in m):
        r.problems.add(path, "one_points_rule")
    elif "fixed" in m:
        value = r.number(m["fixed"], _join(path, "fixed"), non_negative=True, limit=POINTS_LIMIT)
        points = Fixed(value) if value is not None else None
        if "when" not in m:
            r.problems.add(_join(path, "when"), "fixed_needs_condition")
    else:
        points = _per_unit(r, m["per_unit"], _join(path, "per_unit"), catalogue)
    cap = _points(r, m, path, "cap", non_negative=True)
    if cap is not None and indicator_cap is not None and cap > indicator_cap:
        r.problems.add(_join(path, "cap"), "over_indicator_cap", cap=indicator_cap)
    group = (
        r.text(m["group"], _join(path, "group"), pattern=_CODE_RE, what="a group code", limit=CODE_MAX)
        if "group" in m
        else None
    )
    reference = _optional_text(r, m, "reference", "", path, limit=NOTE_MAX) or None
    if code and label and points is not None and ("when" not in m or when is not None):
        return Item(code, label, points, when, cap, group, reference)
    return None


def _per_unit(r: _Reader, node: Any, path: str, catalogue: dict[str, FactField]) -> PerUnit | None:
    m = r.mapping(node, path, ("field", "rate"), ("unit", "offset"))
    name = m.get("field")
    field = catalogue.get(name) if isinstance(name, str) else None
    if "field" in m and (field is None or field.type not in NUMERIC_TYPES):
        if field is None:
            r.problems.add(_join(path, "field"), "per_unit_unknown_field", quoted=name)
        else:
            r.problems.add(
                _join(path, "field"), "per_unit_not_numeric", quoted=name, label=field.label, type=field.type
            )
    rate = r.number(m["rate"], _join(path, "rate"), limit=POINTS_LIMIT) if "rate" in m else None
    unit = r.number(m["unit"], _join(path, "unit"), positive=True) if "unit" in m else Decimal(1)
    offset = r.number(m["offset"], _join(path, "offset"), limit=POINTS_LIMIT) if "offset" in m else Decimal(0)
    if field is None or rate is None or unit is None or offset is None:
        return None
    return PerUnit(field.name, rate, unit, offset)


# -- test cases ---------------------------------------------------------------------------------------------


def _cases(
    r: _Reader,
    node: list[Any],
    facts: tuple[FactField, ...],
    categories: tuple[Category, ...],
    indicators: tuple[Indicator, ...],
) -> list[TestCase]:
    validator = FactsValidator(facts)
    category_codes = {c.code for c in categories}
    indicator_codes = {i.code for i in indicators}
    out: list[TestCase] = []
    names: list[tuple[str | None, str]] = []
    for i, raw in enumerate(node):
        path = f"cases[{i}]"
        m = r.mapping(raw, path, ("name", "facts", "expected"), ("as_of",))
        name = r.text(m.get("name"), _join(path, "name")) if "name" in m else None
        names.append((name, _join(path, "name")))
        as_of = r.date(m["as_of"], _join(path, "as_of")) if "as_of" in m else None
        case_facts = _case_facts(r, m.get("facts"), _join(path, "facts"))
        if case_facts is not None:
            try:
                validator.validate(case_facts, as_of or dt.date.today())
            except FactsError as exc:
                for field, found in exc.problems.items():
                    r.problems.items.extend(_moved(p, f"{path}.facts.{field}") for p in found)
        expected = (
            _expected(r, m.get("expected"), _join(path, "expected"), category_codes, indicator_codes)
            if "expected" in m
            else None
        )
        if name and case_facts is not None and expected is not None:
            out.append(TestCase(name, case_facts, expected, as_of))
    r.unique(names, "case name")
    return out


def _moved(p: Problem, path: str) -> Problem:
    """A problem of a case's facts, at its place in the document."""
    if isinstance(p, CodedProblem):
        return CodedProblem(path, p.message, p.code, p.params)
    return Problem(path, p.message)


def _case_facts(r: _Reader, node: Any, path: str) -> dict[str, object] | None:
    if not isinstance(node, Mapping):
        r.problems.add(path, "case_facts_not_mapping", got=node)
        return None
    # YAML reads an unquoted 1990-01-01 as a date; a client sends text, so keep the text form.
    return {str(k): (v.isoformat() if isinstance(v, dt.date) else v) for k, v in node.items()}


def _expected(r: _Reader, node: Any, path: str, category_codes: set[str], indicator_codes: set[str]) -> Expected | None:
    m = r.mapping(node, path, (), ("eligible", "total", "categories", "indicators"))
    eligible = r.boolean(m["eligible"], _join(path, "eligible")) if "eligible" in m else None
    total = r.number(m["total"], _join(path, "total"), non_negative=True, limit=POINTS_LIMIT) if "total" in m else None
    parts: dict[str, dict[str, Decimal]] = {}
    for key, known in (("categories", category_codes), ("indicators", indicator_codes)):
        parts[key] = {}
        if key not in m:
            continue
        sub = m[key]
        if not isinstance(sub, Mapping):
            r.problems.add(_join(path, key), "points_not_mapping", got=sub)
            continue
        for code, value in sub.items():
            if code not in known:
                r.problems.add(f"{path}.{key}.{code}", "unknown_code", code=code, expected=sorted(known))
            number = r.number(value, f"{path}.{key}.{code}")
            if number is not None:
                parts[key][str(code)] = number
    if not m:
        r.problems.add(path, "nothing_expected")
    return Expected(eligible, total, parts["categories"], parts["indicators"])


# -- files -----------------------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys instead of silently keeping the last one."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, source: str = "<ruleset>") -> RulesetVersion:
    """Parse YAML text into a version; a YAML syntax error is reported like any other problem."""
    try:
        doc = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesetError(source, [coded(where, "not_yaml", detail=problem)]) from None
    return parse_document(doc, source)


def load_file(path: str | Path) -> RulesetVersion:
    """Read one ruleset file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesetError(str(p), [coded("", "unreadable", detail=str(exc))]) from None
    return parse_yaml(text, p.name)
