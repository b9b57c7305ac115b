"""Structural differences between two versions, with Chinese labels, as data the API and console render.

Objects are matched by their code (fields by name, cases by name); an attribute path such as
``per_unit.rate`` names what changed inside an object. ``affects_points`` tells an auditor whether a change
can move a score (a condition, a rate, a cap…) or only the wording (a label, a reference, a department).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from engine.canonical import to_document
from engine.describe import (
    category_sentence,
    expected_sentence,
    fact_sentence,
    facts_sentence,
    indicator_sentence,
    item_sentence,
    requirement_sentence,
    value_text,
)
from engine.model import Indicator, Item, RulesetVersion
from engine.schema import CASE, CATEGORY, FACT, INDICATOR, ITEM, REQUIREMENT, VERSION, Part, field_labels, label

# the objects a comparison lists, each a part of the declared document
OBJECT_PARTS: dict[str, Part] = {
    "version": VERSION, "fact": FACT, "requirement": REQUIREMENT, "category": CATEGORY, "indicator": INDICATOR,
    "item": ITEM, "case": CASE,
}  # fmt: skip
OBJECT_LABELS = {kind: part.zh for kind, part in OBJECT_PARTS.items()}
# an item's indicator is compared as one of its attributes (an item moved to another indicator)
_EXTRA_LABELS = {"indicator": ("所属指标项", "indicator")}


def attribute_label(kind: str, attribute: str, language: str = "zh") -> str:
    """The label of an attribute of a compared object, from the schema (``per_unit.rate`` → 每单位分值)."""
    if kind == "item" and attribute in _EXTRA_LABELS:
        return _EXTRA_LABELS[attribute][0 if language == "zh" else 1]
    try:
        return label(OBJECT_PARTS[kind].name, attribute, language)
    except KeyError:
        return attribute


ATTRIBUTE_LABELS = field_labels()  # by key alone, for those who name an attribute without its object

# Attributes that change only wording: a change to them cannot move any score.
WORDING = frozenset(f.key for part in OBJECT_PARTS.values() for f in part.fields if f.wording)
_NOT_SCORING_OBJECTS = frozenset({"case"})
_VERSION_KEYS = ("ruleset", "year", "revision", "effective_from", "title", "sample", "legal_basis", "description")


def _plain(value: Any) -> Any:
    """Flow markers and tuples of the document as plain JSON-like values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _flatten(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "per_unit" and isinstance(value, dict):
            value = {"unit": 1, "offset": 0, **value}
            for sub, sub_value in value.items():
                out[f"per_unit.{sub}"] = sub_value
        else:
            out[key] = _plain(value)
    return out


def _objects(version: RulesetVersion) -> dict[tuple[str, str], tuple[dict[str, Any], str, str | None]]:
    """Every comparable object: (kind, code) → (attributes, label, parent code)."""
    doc = to_document(version)
    objects: dict[tuple[str, str], tuple[dict[str, Any], str, str | None]] = {}
    objects[("version", "")] = ({k: _plain(doc[k]) for k in _VERSION_KEYS if k in doc}, version.title, None)
    for f in doc["facts"]:
        objects[("fact", f["name"])] = (_flatten(f), f["label"], None)
    for r in doc["eligibility"]:
        objects[("requirement", r["code"])] = (_flatten(r), r["reason"], None)
    for c in doc["categories"]:
        objects[("category", c["code"])] = (_flatten(c), c["name"], None)
    for ind in doc["indicators"]:
        attrs = _flatten({k: v for k, v in ind.items() if k != "items"})
        objects[("indicator", ind["code"])] = (attrs, ind["name"], ind["category"])
        for item in ind["items"]:
            objects[("item", item["code"])] = (_flatten({**item, "indicator": ind["code"]}), item["label"], ind["code"])
    for case in doc["cases"]:
        objects[("case", case["name"])] = (_flatten(case), case["name"], None)
    return objects


def _affects_points(kind: str, attributes: list[str]) -> bool:
    if kind in _NOT_SCORING_OBJECTS or kind == "version":
        return False
    return any(a not in WORDING for a in attributes)


def diff_versions(a: RulesetVersion, b: RulesetVersion) -> dict[str, Any]:
    """What changed from ``a`` to ``b``: a list of added, removed and changed objects, in document order."""
    before, after = _objects(a), _objects(b)
    changes: list[dict[str, Any]] = []
    keys = list(before) + [k for k in after if k not in before]
    for kind, code in keys:
        entry = {"object": kind, "object_label": OBJECT_LABELS[kind], "code": code}
        if (kind, code) not in after:
            attrs, label, parent = before[(kind, code)]
            changes.append({"change": "removed", **entry, "label": label, "parent": parent, "before": attrs,
                            "affects_points": kind not in _NOT_SCORING_OBJECTS})  # fmt: skip
            continue
        if (kind, code) not in before:
            attrs, label, parent = after[(kind, code)]
            changes.append({"change": "added", **entry, "label": label, "parent": parent, "after": attrs,
                            "affects_points": kind not in _NOT_SCORING_OBJECTS})  # fmt: skip
            continue
        old, _, _ = before[(kind, code)]
        new, label, parent = after[(kind, code)]
        names = list(old) + [k for k in new if k not in old]
        changed = [n for n in names if old.get(n) != new.get(n)]
        attributes = [
            {"attribute": n, "attribute_label": attribute_label(kind, n), "before": old.get(n), "after": new.get(n)}
            for n in changed
        ]
        if attributes:
            changes.append({"change": "changed", **entry, "label": label, "parent": parent, "attributes": attributes,
                            "affects_points": _affects_points(kind, changed)})  # fmt: skip
    return {
        "a": {"ref": a.ref, "content_hash": a.content_hash},
        "b": {"ref": b.ref, "content_hash": b.content_hash},
        "changes": changes,
    }


# -- the changes as sentences ----------------------------------------------------------------------------------------
# An auditor reads each change as the object's sentences in A and in B. An object reads as a few lines (its rule,
# its name, its departments…); a changed object shows its rule line and every line whose attributes changed, an
# added or removed one shows all its lines but the one its name already says.


@dataclass(frozen=True, slots=True)
class Line:
    """One line of an object as it reads in A (``before``) and in B (``after``); None where it is absent."""

    key: str
    before: str | None
    after: str | None


@dataclass(frozen=True, slots=True)
class ChangeRow:
    """One change of a comparison (an entry of ``diff_versions``' changes) in sentences."""

    change: str
    object: str
    object_label: str
    code: str
    label: str
    parent: str | None
    parent_label: str | None
    affects_points: bool
    lines: tuple[Line, ...]


Render = Callable[[Any, RulesetVersion], "str | None"]


@dataclass(frozen=True, slots=True)
class _Part:
    """A line of an object: ``render`` gives its text (None: not set); ``title`` is the attribute it is titled with
    (「责任部门：…」), None for the object's rule, which reads as a sentence of its own."""

    key: str
    attributes: frozenset[str]
    render: Render
    title: str | None = None
    name: bool = False  # what the row already says (name, parent): not repeated for an added or removed object
    kind: str = ""  # the object's kind, whose labels title the line

    def text(self, obj: Any, version: RulesetVersion, unset: str | None = None) -> str | None:
        text = self.render(obj, version)
        if self.title is None or (text in (None, "") and unset is None):
            return text or None
        return f"{attribute_label(self.kind, self.title)}：{text or unset}"


def _rule(attributes: str, render: Render) -> _Part:
    return _Part("rule", frozenset(attributes.split()), render)


def _titled(attribute: str, render: Render, *, name: bool = False) -> _Part:
    return _Part(attribute, frozenset({attribute}), render, attribute, name)


def _of(kind: str, parts: tuple[_Part, ...]) -> tuple[_Part, ...]:
    """The lines of an object of ``kind`` (their titles are that part's labels)."""
    return tuple(replace(p, kind=kind) for p in parts)


def _item_rule(found: tuple[Item, Indicator], version: RulesetVersion) -> str:
    item, indicator = found
    deducting = {c.code for c in version.categories if c.kind == "deduct"}
    return item_sentence(item, version.catalogue, indicator.category in deducting, indicator.items)


def _indicator_name(code: str, version: RulesetVersion) -> str:
    found = next((i for i in version.indicators if i.code == code), None)
    return f"{code} {found.name}" if found else code


def _version_value(attribute: str) -> Render:
    def render(v: RulesetVersion, _: RulesetVersion) -> str | None:
        value = getattr(v, attribute)
        return value_text(value, None) if value not in ("", None) else None

    return render


_LINES: dict[str, tuple[_Part, ...]] = {
    "version": tuple(_titled(k, _version_value(k)) for k in _VERSION_KEYS),
    "fact": (
        _rule("type required values value_labels min max derived", lambda f, v: fact_sentence(f, v.catalogue)),
        _titled("label", lambda f, v: f.label, name=True),
        _titled("department", lambda f, v: f.department),
        _titled("description", lambda f, v: f.description),
    ),
    "requirement": (
        _rule("when", lambda r, v: requirement_sentence(r, v.catalogue)),
        _titled("reason", lambda r, v: r.reason, name=True),
    ),
    "category": (
        _rule("kind cap", lambda c, v: category_sentence(c)),
        _titled("name", lambda c, v: c.name, name=True),
    ),
    "indicator": (
        _rule("category cap", lambda i, v: indicator_sentence(i, {c.code: c for c in v.categories})),
        _titled("name", lambda i, v: i.name, name=True),
        _titled("departments", lambda i, v: "、".join(i.departments)),
        _titled("reference", lambda i, v: i.reference),
    ),
    "item": (
        _rule("when fixed per_unit.field per_unit.rate per_unit.unit per_unit.offset cap group", _item_rule),
        _titled("label", lambda f, v: f[0].label, name=True),
        _titled("indicator", lambda f, v: _indicator_name(f[1].code, v), name=True),
        _titled("reference", lambda f, v: f[0].reference),
        _titled("materials", lambda f, v: "、".join(f[0].materials)),
    ),
    "case": (
        _titled("as_of", lambda c, v: c.as_of.isoformat() if c.as_of else None),
        _titled("facts", lambda c, v: facts_sentence(c.facts, v.catalogue)),
        _titled("expected", lambda c, v: expected_sentence(c.expected, v)),
    ),
}
_PARTS = {kind: _of(kind, lines) for kind, lines in _LINES.items()}


def _find(version: RulesetVersion, kind: str, code: str) -> Any:
    """The model object a change names, or None; an item comes with its indicator."""
    if kind == "version":
        return version
    if kind == "fact":
        return version.catalogue.get(code)
    if kind == "item":
        return next(((item, ind) for ind in version.indicators for item in ind.items if item.code == code), None)
    found: Sequence[Any] = {"requirement": version.eligibility, "category": version.categories,
                            "indicator": version.indicators, "case": version.cases}[kind]  # fmt: skip
    key = "name" if kind == "case" else "code"
    return next((obj for obj in found if getattr(obj, key) == code), None)


def _parent_label(kind: str, parent: str | None, version: RulesetVersion) -> str | None:
    if parent is None:
        return None
    if kind == "indicator":
        # categories are known by their names; their codes (base, bonus) are the file's
        return next((c.name for c in version.categories if c.code == parent), parent)
    return _indicator_name(parent, version)


def _plain_text(value: Any) -> str:
    """A document value no part describes (kept, so that no change goes unshown)."""
    if value is None:
        return "（无）"
    if isinstance(value, dict):
        return "，".join(f"{k} {_plain_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_plain_text(v) for v in value)
    return value_text(value, None)


def change_rows(a: RulesetVersion, b: RulesetVersion, changes: Sequence[Mapping[str, Any]]) -> list[ChangeRow]:
    """``diff_versions(a, b)["changes"]`` in sentences, one row per change, in the same order.

    A changed object shows its rule and each line whose attributes changed; an added (removed) one shows its
    lines on B's (A's) side only.
    """
    rows = []
    for change in changes:
        kind, code = change["object"], change["code"]
        side = a if change["change"] == "removed" else b
        rows.append(ChangeRow(
            change=change["change"], object=kind, object_label=change["object_label"], code=code,
            label=change["label"], parent=change["parent"], parent_label=_parent_label(kind, change["parent"], side),
            affects_points=change["affects_points"], lines=tuple(_change_lines(a, b, change)),
        ))  # fmt: skip
    return rows


def _change_lines(a: RulesetVersion, b: RulesetVersion, change: Mapping[str, Any]) -> list[Line]:
    """The lines of one change: a changed object's rule and changed lines; an added or removed one's on one side."""
    kind, code = change["object"], change["code"]
    old, new = _find(a, kind, code), _find(b, kind, code)
    parts = _PARTS[kind]
    if change["change"] == "added":
        return [Line(p.key, None, text) for p in parts if not p.name and (text := p.text(new, b))]
    if change["change"] == "removed":
        return [Line(p.key, text, None) for p in parts if not p.name and (text := p.text(old, a))]
    return _changed_lines(a, b, change, old, new)


def _changed_lines(a: RulesetVersion, b: RulesetVersion, change: Mapping[str, Any], old: Any, new: Any) -> list[Line]:
    parts = _PARTS[change["object"]]
    changed = {attr["attribute"] for attr in change["attributes"]}
    lines = [Line(p.key, p.text(old, a, "（无）"), p.text(new, b, "（无）"))
             for p in parts if p.title is None or p.attributes & changed]  # fmt: skip
    covered = frozenset().union(*(p.attributes for p in parts))
    lines += [Line(attr["attribute"], _raw(attr, "before"), _raw(attr, "after"))
              for attr in change["attributes"] if attr["attribute"] not in covered]  # fmt: skip
    return lines


def _raw(attribute: Mapping[str, Any], side: str) -> str:
    return f"{attribute['attribute_label']}：{_plain_text(attribute[side])}"
