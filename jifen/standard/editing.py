"""A draft's document, part by part: locating a part, its token, and the changes a form makes (put, add, remove).

A *part* is what one form edits: the version's information (``("meta", "")``), a category, an eligibility
requirement, a fact, an indicator (without its items), an item, a test case, an indicator with its items (its
decision table, ``("table", code)``), or the whole document. A part is named by its kind and code
(``("item", "T3-3")``); its *token* is a fingerprint of it as loaded, so that a save is refused only when that part
changed since. Everything here works on the document alone; storing it is jifen/standard/drafts.py's.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from engine.schema import PARTS, VERSION
from jifen.errors import Refused
from jifen.messages import refusal, say

Part = tuple[str, str]
DOCUMENT: Part = ("document", "")
META: Part = ("meta", "")
# the version's information: what "修改版本信息" edits
META_KEYS = ("title", "effective_from", "legal_basis", "description", "sample")
# kind → (its list in the document, the key that names it), as the schema declares them; a decision table is an
# indicator edited whole
LISTS = {f.part: (f.key, PARTS[f.part].key or "") for f in VERSION.fields if f.kind == "parts" and f.part}
LISTS["table"] = LISTS["indicator"]


class FactInUse(Refused):
    """A fact that rules or cases use cannot be removed; ``users`` names them."""

    def __init__(self, name: str, users: list[Part]) -> None:
        self.name, self.users = name, users
        self.said = say("fact_in_use", name=name)
        self.why = [say("used_by", kind=kind, key=key) for kind, key in users]
        super().__init__(str(self.said), [str(w) for w in self.why])


def _list(node: Any, key: str) -> list[Any]:
    value = node.get(key) if isinstance(node, dict) else None
    return value if isinstance(value, list) else []


def locate(doc: dict[str, Any], part: Part) -> tuple[str, Any]:
    """The loader path of a part and the part itself; ``("", None)`` when the document has no such part.

    >>> locate({"indicators": [{"code": "P1", "items": [{"code": "P1-1"}]}]}, ("item", "P1-1"))
    ('indicators[0].items[0]', {'code': 'P1-1'})
    """
    kind, key = part
    if kind == "document":
        return "", doc
    if kind == "meta":
        return "", {k: doc[k] for k in META_KEYS if k in doc}
    if kind == "item":
        for i, indicator in enumerate(_list(doc, "indicators")):
            for j, item in enumerate(_list(indicator, "items")):
                if isinstance(item, dict) and item.get("code") == key:
                    return f"indicators[{i}].items[{j}]", item
        return "", None
    name, field = LISTS[kind]
    for i, obj in enumerate(_list(doc, name)):
        if isinstance(obj, dict) and obj.get(field) == key:
            return f"{name}[{i}]", obj
    return "", None


def token(doc: dict[str, Any], part: Part) -> str:
    """A short fingerprint of a part as it is ("" when there is none); an indicator's items are parts of their own."""
    obj = locate(doc, part)[1]
    if obj is None:
        return ""
    if part[0] == "indicator":
        obj = {k: v for k, v in obj.items() if k != "items"}
    text = json.dumps(obj, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# -- changes of a document (used by the forms' ``apply`` functions) ---------------------------------------------


def put(doc: dict[str, Any], part: Part, obj: dict[str, Any]) -> Part:
    """Replace ``part`` with ``obj`` where it is; returns the part as ``obj`` names it."""
    kind = part[0]
    if kind == "meta":
        for key in META_KEYS:
            doc.pop(key, None)
        doc.update(obj)
        return META
    key_field = "code" if kind == "item" else LISTS[kind][1]
    new_part = (kind, str(obj.get(key_field, "")))
    old = locate(doc, part)[1]
    if old is None:
        raise refusal(Refused, "part_gone", kind="indicator" if kind == "table" else kind, key=part[1],
                      reasons=[say("reload")])  # fmt: skip
    old.clear()
    old.update(obj)
    return new_part


def add(doc: dict[str, Any], kind: str, obj: dict[str, Any], indicator: str | None = None) -> Part:
    """Add ``obj`` at the end of its list (an item at the end of ``indicator``'s items); returns the part it is."""
    key_field = "code" if kind == "item" else LISTS[kind][1]
    if kind == "item":
        target = locate(doc, ("indicator", indicator or ""))[1]
        if target is None:
            raise refusal(Refused, "part_gone", kind="indicator", key=indicator, reasons=[say("reload")])
        target.setdefault("items", []).append(obj)
    else:
        doc.setdefault(LISTS[kind][0], []).append(obj)
    return (kind, str(obj.get(key_field, "")))


def remove(doc: dict[str, Any], part: Part) -> None:
    """Take ``part`` out of the document (an indicator with its items)."""
    obj = locate(doc, part)[1]
    if obj is None:
        return
    lists = [_list(ind, "items") for ind in _list(doc, "indicators")] if part[0] == "item" else [
        _list(doc, LISTS[part[0]][0])
    ]  # fmt: skip
    for items in lists:
        if any(x is obj for x in items):
            items[:] = [x for x in items if x is not obj]


def _fields(cond: Any) -> Iterator[str]:
    if not isinstance(cond, dict):
        return
    for mode in ("all", "any"):
        for child in _list(cond, mode):
            yield from _fields(child)
    if isinstance(cond.get("field"), str):
        yield cond["field"]


def _item_uses(item: Any, name: str) -> bool:
    """Whether an item's condition or per-unit points read fact ``name``."""
    if not isinstance(item, dict):
        return False
    per_unit = item.get("per_unit")
    return name in _fields(item.get("when")) or (isinstance(per_unit, dict) and per_unit.get("field") == name)


def fact_users(doc: dict[str, Any], name: str) -> list[Part]:
    """Every part that uses fact ``name``: items (condition or points), requirements, derived facts, cases."""
    users: list[Part] = []
    for fact in _list(doc, "facts"):
        derived = fact.get("derived") if isinstance(fact, dict) else None
        if isinstance(derived, dict) and name in (derived.get("source"), derived.get("at")):
            users.append(("fact", str(fact.get("name"))))
    for req in _list(doc, "eligibility"):
        if isinstance(req, dict) and name in _fields(req.get("when")):
            users.append(("requirement", str(req.get("code"))))
    for indicator in _list(doc, "indicators"):
        users += [("item", str(item.get("code"))) for item in _list(indicator, "items") if _item_uses(item, name)]
    for case in _list(doc, "cases"):
        facts = case.get("facts") if isinstance(case, dict) else None
        if isinstance(facts, dict) and name in facts:
            users.append(("case", str(case.get("name"))))
    return users


def remove_fact(doc: dict[str, Any], name: str) -> None:
    """Take fact ``name`` out of the catalogue; FactInUse when a rule or case uses it."""
    users = fact_users(doc, name)
    if users:
        raise FactInUse(name, users)
    remove(doc, ("fact", name))
