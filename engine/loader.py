"""Read a ruleset file (YAML) into a :class:`RulesetVersion`, reporting every problem with its path.

Paths look like ``indicators[3].items[1].when.field``: what a person reading the file can find.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from engine.adapter import item_condition, refusal
from engine.bounds import check_caps, check_per_unit, read_fixed
from engine.cases_reader import read_cases
from engine.conditions import read_condition
from engine.errors import RulesetError, coded
from engine.model import (
    NUMERIC_TYPES,
    Category,
    Condition,
    Derivation,
    FactField,
    Fixed,
    Indicator,
    Item,
    PerUnit,
    PointsRule,
    Requirement,
    RulesetVersion,
)
from engine.reader import NAME_RE, Reader, join
from engine.schema import (
    CATEGORY,
    DERIVATION,
    FACT,
    INDICATOR,
    ITEM,
    NAME_MAX,
    PER_UNIT,
    REQUIREMENT,
    VERSION,
)

# re-exported: the limits are the schema's
__all__ = ["load_file", "parse_document", "parse_yaml", "read_catalogue"]


def parse_document(doc: Any, source: str = "<ruleset>") -> RulesetVersion:
    """Build a version from a parsed document; raise RulesetError listing every problem."""
    r = Reader()
    top, v = r.part(doc, "", VERSION)
    facts = tuple(_fact_fields(r, top.get("facts")))
    catalogue = {f.name: f for f in facts}
    _check_derivations(r, facts, catalogue)
    eligibility = tuple(_requirements(r, top.get("eligibility"), catalogue))
    categories = tuple(_categories(r, top.get("categories")))
    indicators = tuple(_indicators(r, top.get("indicators"), catalogue, {c.code: c for c in categories}))
    cases = tuple(read_cases(r, r.seq(top.get("cases"), "cases"), facts, categories, indicators))

    if r.problems:
        raise RulesetError(source, r.problems)
    return RulesetVersion(
        ruleset=v["ruleset"],
        year=v["year"],
        revision=v["revision"],
        effective_from=v["effective_from"],
        status=str(v["status"]),
        title=v["title"],
        facts=facts,
        categories=categories,
        indicators=indicators,
        eligibility=eligibility,
        cases=cases,
        legal_basis=v.get("legal_basis") or "",
        description=v.get("description") or "",
        sample=bool(v.get("sample", False)),
    )


def read_catalogue(doc: Any) -> tuple[FactField, ...]:
    """The fields of a document's fact catalogue that are valid, even when other parts of it are not (an editor
    still needs the catalogue to repair them).

    >>> [f.name for f in read_catalogue({"facts": [{"name": "age", "type": "int", "label": "年龄"}, {"name": 1}]})]
    ['age']
    """
    return tuple(_fact_fields(Reader(), doc.get("facts") if isinstance(doc, Mapping) else None))


# -- fact catalogue ---------------------------------------------------------------------------------------


def _fact_fields(r: Reader, node: Any) -> list[FactField]:
    fields: list[FactField] = []
    names: list[tuple[str | None, str]] = []
    for i, raw in enumerate(r.seq(node, "facts", allow_empty=False)):
        path = f"facts[{i}]"
        m, v = r.part(raw, path, FACT, skip=("values", "value_labels", "min", "max"))
        names.append((v.get("name"), join(path, "name")))
        kind = v.get("type")
        values, value_labels = _options(r, m, path, kind)
        low, high = _range(r, m, path, kind)
        derived = None
        if "derived" in m:
            d, dv = r.part(m["derived"], join(path, "derived"), DERIVATION, skip=("source", "at"))
            if len(d) == 3 and dv.get("function"):
                derived = Derivation(str(d["function"]), str(d["source"]), str(d["at"]))
        if v.get("name") and kind and v.get("label"):
            fields.append(
                FactField(
                    v["name"], kind, v["label"], bool(v.get("required")), v.get("department") or None, values,
                    value_labels, low, high, derived, v.get("description") or None,
                )
            )  # fmt: skip
    r.unique(names, "field")
    return fields


def _options(r: Reader, m: Mapping[str, Any], path: str, kind: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """An option field's values and their names; other types have none."""
    if kind != "enum":
        for key in ("values", "value_labels"):
            if key in m:
                r.add(join(path, key), "values_not_enum")
        return (), ()
    raw_values = r.seq(m.get("values"), join(path, "values"), allow_empty=False)
    values = tuple(
        v for j, v in enumerate(raw_values)
        if r.text(v, f"{path}.values[{j}]", pattern=NAME_RE, what="a lowercase value", limit=NAME_MAX)
    )  # fmt: skip
    r.unique([(v, f"{path}.values[{j}]") for j, v in enumerate(values)], "value")
    value_labels: tuple[str, ...] = ()
    if "value_labels" in m:
        value_labels = tuple(r.seq(m["value_labels"], join(path, "value_labels")))
        for j, value_label in enumerate(value_labels):
            r.text(value_label, f"{path}.value_labels[{j}]", what="the option's name")
        if len(value_labels) != len(raw_values):
            r.add(join(path, "value_labels"), "labels_count", values=len(raw_values), labels=len(value_labels))
    return values, value_labels


def _range(r: Reader, m: Mapping[str, Any], path: str, kind: str | None) -> tuple[Decimal | None, Decimal | None]:
    """A number field's min and max, whole for an int field."""
    bounds: dict[str, Decimal | None] = {"min": None, "max": None}
    for key in bounds:
        if key not in m:
            continue
        if kind not in NUMERIC_TYPES:
            r.add(join(path, key), "range_not_numeric")
            continue
        bound = r.number(m[key], join(path, key))
        if kind == "int" and bound is not None and bound != bound.to_integral_value():
            r.add(join(path, key), "bound_not_whole", got=m[key])
        bounds[key] = bound
    low, high = bounds["min"], bounds["max"]
    if low is not None and high is not None and low > high:
        r.add(join(path, "max"), "max_below_min", min=low)
    return low, high


def _check_derivations(r: Reader, facts: tuple[FactField, ...], catalogue: dict[str, FactField]) -> None:
    for i, f in enumerate(facts):
        if f.derived is None:
            continue
        path = f"facts[{i}].derived"
        if f.type != "int":
            r.add(f"facts[{i}].type", "derived_not_int")
        if f.required:
            r.add(f"facts[{i}].required", "derived_required")
        for key in ("source", "at"):
            target = catalogue.get(getattr(f.derived, key))
            if target is None or target.type != "date" or target.derived is not None:
                r.add(f"{path}.{key}", "derived_not_date", got=getattr(f.derived, key))


def _requirements(r: Reader, node: Any, catalogue: dict[str, FactField]) -> list[Requirement]:
    out: list[Requirement] = []
    codes: list[tuple[str | None, str]] = []
    for i, raw in enumerate(r.seq(node, "eligibility")):
        path = f"eligibility[{i}]"
        m, v = r.part(raw, path, REQUIREMENT)
        codes.append((v.get("code"), join(path, "code")))
        when = read_condition(r, m["when"], join(path, "when"), catalogue) if "when" in m else None
        if when is not None and not _engine_takes(r, when, join(path, "when"), catalogue):
            continue
        if v.get("code") and when and v.get("reason"):
            out.append(Requirement(v["code"], when, v["reason"]))
    r.unique(codes, "eligibility code")
    return out


# -- categories, indicators, items ---------------------------------------------------------------------------


def _categories(r: Reader, node: Any) -> list[Category]:
    out: list[Category] = []
    codes: list[tuple[str | None, str]] = []
    paths: dict[str, str] = {}
    for i, raw in enumerate(r.seq(node, "categories", allow_empty=False)):
        path = f"categories[{i}]"
        _, v = r.part(raw, path, CATEGORY)
        codes.append((v.get("code"), join(path, "code")))
        if v.get("code") and v.get("name") and v.get("kind"):
            out.append(Category(v["code"], v["name"], v["kind"], v.get("cap")))
            paths.setdefault(v["code"], path)
    r.unique(codes, "category code")
    check_caps(r, out, paths)
    return out


def _indicators(
    r: Reader, node: Any, catalogue: dict[str, FactField], categories: dict[str, Category]
) -> list[Indicator]:
    out: list[Indicator] = []
    codes: list[tuple[str | None, str]] = []
    item_codes: list[tuple[str | None, str]] = []
    for i, raw in enumerate(r.seq(node, "indicators", allow_empty=False)):
        path = f"indicators[{i}]"
        m, v = r.part(raw, path, INDICATOR, skip=("category",))
        codes.append((v.get("code"), join(path, "code")))
        category = _category_of(r, m, path, categories)
        cap = v.get("cap")
        parent = categories.get(category) if category else None
        if cap is not None and parent is not None and parent.cap is not None and cap > parent.cap:
            r.add(join(path, "cap"), "over_category_cap", category=category, name=parent.name, cap=parent.cap)
        items = []
        kind = parent.kind if parent is not None else None
        for j, raw_item in enumerate(r.seq(m.get("items"), join(path, "items"), allow_empty=False)):
            item = _item(r, raw_item, f"{path}.items[{j}]", catalogue, (cap, kind), item_codes)
            if item is not None:
                items.append(item)
        if v.get("code") and v.get("name") and category and v.get("reference"):
            out.append(
                Indicator(v["code"], v["name"], category, tuple(items), cap, v.get("departments") or (), v["reference"])
            )
    r.unique(codes, "indicator code")
    r.unique(item_codes, "item code")
    return out


def _category_of(r: Reader, m: Mapping[str, Any], path: str, categories: dict[str, Category]) -> str | None:
    category = m.get("category")
    if "category" in m and category not in categories:
        r.add(join(path, "category"), "unknown_category", quoted=category, expected=list(categories))
        return None
    return category if isinstance(category, str) else None


def _item(
    r: Reader,
    node: Any,
    path: str,
    catalogue: dict[str, FactField],
    indicator: tuple[Decimal | None, str | None],
    codes: list[tuple[str | None, str]],
) -> Item | None:
    """An item; ``indicator`` is its indicator's cap and the kind of its category (add, deduct; None: unknown)."""
    indicator_cap, kind = indicator
    m, v = r.part(node, path, ITEM, skip=("fixed",))
    if "fixed" in m:
        v["fixed"] = read_fixed(r, m["fixed"], join(path, "fixed"), kind)
    codes.append((v.get("code"), join(path, "code")))
    when = read_condition(r, m["when"], join(path, "when"), catalogue) if "when" in m else None
    points = _points_rule(r, m, v, path, catalogue, kind)
    cap = v.get("cap")
    if cap is not None and indicator_cap is not None and cap > indicator_cap:
        r.add(join(path, "cap"), "over_indicator_cap", cap=indicator_cap)
    if v.get("code") and v.get("label") and points is not None and ("when" not in m or when is not None):
        item = Item(
            v["code"], v["label"], points, when, cap, v.get("group"), v.get("reference") or None,
            v.get("materials") or (),
        )  # fmt: skip
        if _engine_takes(r, item_condition(item), join(path, "when"), catalogue):
            return item
    return None


def _engine_takes(r: Reader, cond: Condition | None, path: str, catalogue: Mapping[str, FactField]) -> bool:
    """Whether durable_rules takes a rule of this condition (it refuses one of too many groups within groups)."""
    if refusal(cond, {name: f.type for name, f in catalogue.items()}) is None:
        return True
    r.add(path, "condition_too_complex")
    return False


def _points_rule(
    r: Reader,
    m: Mapping[str, Any],
    v: Mapping[str, Any],
    path: str,
    catalogue: dict[str, FactField],
    kind: str | None,
) -> PointsRule | None:
    """An item's way to score: fixed points (which need a condition) or points per unit, exactly one."""
    if ("fixed" in m) == ("per_unit" in m):
        r.add(path, "one_points_rule")
        return None
    if "per_unit" in m:
        rule = _per_unit(r, m["per_unit"], join(path, "per_unit"), catalogue)
        if rule is not None and not check_per_unit(r, rule.rate, rule.offset, join(path, "per_unit"), kind):
            return None
        return rule
    if "when" not in m:
        r.add(join(path, "when"), "fixed_needs_condition")
    return Fixed(v["fixed"]) if v.get("fixed") is not None else None


def _per_unit(r: Reader, node: Any, path: str, catalogue: dict[str, FactField]) -> PerUnit | None:
    m, v = r.part(node, path, PER_UNIT, skip=("field",))
    name = m.get("field")
    field = catalogue.get(name) if isinstance(name, str) else None
    if "field" in m and field is None:
        r.add(join(path, "field"), "per_unit_unknown_field", quoted=name)
    elif field is not None and field.type not in NUMERIC_TYPES:
        r.add(join(path, "field"), "per_unit_not_numeric", quoted=name, label=field.label, type=field.type)
        field = None
    rate, unit, offset = v.get("rate"), v.get("unit", Decimal(1)), v.get("offset", Decimal(0))
    if field is None or rate is None or unit is None or offset is None:
        return None
    return PerUnit(field.name, rate, unit, offset)


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
