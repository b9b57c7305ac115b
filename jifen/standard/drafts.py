"""Editing a draft: take its document, change one part, run the loader, store the result if it is valid.

A *part* is what one form edits: the version's information (``("meta", "")``), a category, an eligibility
requirement, a fact, an indicator (without its items), an item, a test case, an indicator with its items (its
decision table, ``("table", code)``), or the whole document. A part is
named by its kind and code (``("item", "T3-3")``); the form remembers the part's *token* (a fingerprint of it as
loaded). A save is refused only when that part changed since: two people editing different parts of one draft
do not stop each other, and the refusal carries the part as it is now.

The loader is the only judge of the result: a change that leaves the draft invalid is refused with the loader's
problems and nothing is stored. (A draft that was already invalid when drafts began to be checked, migrated as
it was, accepts changes that do not add problems, so that it can be repaired one step at a time.)
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import Problem, RulesetError, parse_document
from jifen.access import audit
from jifen.errors import Conflict, ImmutableVersion, Refused
from jifen.messages import Message, refusal, say
from jifen.standard import stored
from jifen.store.models import RulesetVersionRow

Part = tuple[str, str]
DOCUMENT: Part = ("document", "")
META: Part = ("meta", "")
# the version's information: what "修改版本信息" edits
META_KEYS = ("title", "effective_from", "legal_basis", "description", "sample")
# kind → (its list in the document, the key that names it)
LISTS = {
    "category": ("categories", "code"),
    "requirement": ("eligibility", "code"),
    "fact": ("facts", "name"),
    "indicator": ("indicators", "code"),
    "table": ("indicators", "code"),
    "case": ("cases", "name"),
}


class EditConflict(Conflict):
    """Someone else saved the same part since the form was loaded: ``current`` is the part now (None when it was
    removed) and ``token`` its token, for a form that saves again over it on purpose."""

    def __init__(self, said: Message, current: Any, token: str) -> None:
        self.current, self.token = current, token
        self.said, self.why = said, []
        super().__init__(str(said))


class DraftProblems(Refused):
    """The change would leave the draft invalid; nothing was stored. ``problems`` are the loader's for ``document``,
    the changed document; ``where`` is the loader path of the changed part in it (None when it was removed)."""

    def __init__(self, ref: str, problems: list[Problem], where: str | None, document: dict[str, Any]) -> None:
        self.problems, self.where, self.document = problems, where, document
        self.said, self.why = say("change_invalid", ref=ref, count=len(problems)), problems
        super().__init__(str(self.said), [str(p) for p in problems])


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
        for item in _list(indicator, "items"):
            if not isinstance(item, dict):
                continue
            per_unit = item.get("per_unit")
            if name in _fields(item.get("when")) or (isinstance(per_unit, dict) and per_unit.get("field") == name):
                users.append(("item", str(item.get("code"))))
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


# -- saving ---------------------------------------------------------------------------------------------------

Apply = Callable[[dict[str, Any]], Part | None]


def _problems(doc: dict[str, Any], ref: str) -> list[Problem]:
    try:
        parse_document({**doc, "status": "draft"}, ref)
    except RulesetError as exc:
        return exc.problems
    return []


def edit(
    session: Session,
    ref: str | int,
    actor: str,
    what: str,
    part: Part,
    base: str | None,
    apply: Apply,
    expected_lock: int | None = None,
) -> tuple[RulesetVersionRow, Part | None]:
    """Change ``part`` of a draft with ``apply`` (which changes the document and returns the part as now named,
    or None when it removed it); returns the draft and that part.

    ``base`` is the part's token when the form was loaded (None: not checked); ``expected_lock`` the draft's
    edit counter (None: not checked). EditConflict when either moved, DraftProblems when the result is not valid.
    """
    row = stored.get_version(session, ref)
    if row.status != "draft":
        raise refusal(ImmutableVersion, "only_drafts_edit", ref=row.ref, status=row.status)
    doc = stored.document(row)
    now = token(doc, part)
    if (base is not None and base != now) or (expected_lock is not None and expected_lock != row.lock_version):
        raise EditConflict(say("changed_meanwhile", ref=row.ref, what=what), locate(doc, part)[1], now)
    changed = copy.deepcopy(doc)
    after = apply(changed)
    where = locate(changed, after)[0] if after is not None else None
    try:
        model = parse_document({**changed, "status": "draft"}, row.ref)
    except RulesetError as exc:
        before = _problems(doc, row.ref)
        if not before or len(exc.problems) > len(before):
            raise DraftProblems(row.ref, exc.problems, where, changed) from None
        stored.store_invalid(row, changed)
    else:
        stored.store_model(row, model)
    row.updated_at = dt.datetime.now(dt.UTC)
    try:
        session.flush()
    except StaleDataError:
        raise EditConflict(say("changed_while_saving", ref=row.ref), None, "") from None
    audit.record(session, actor, "edit", "version", object_id=row.id, object_ref=row.ref,
                 before=locate(doc, part)[1], after=locate(changed, after)[1] if after else None,
                 note=what)  # fmt: skip
    return row, after


def replace_document(
    session: Session, ref: str | int, document: Any, expected_lock: int, actor: str
) -> RulesetVersionRow:
    """Replace a draft's whole content (a ruleset document); its identity must stay as it is."""
    row = stored.get_version(session, ref)
    if isinstance(document, dict):
        named = (document.get("ruleset"), document.get("year"), document.get("revision"))
        if named != (row.ruleset.code, row.year, row.revision):
            shown = "/".join(str(x) for x in named)
            raise refusal(Refused, "other_identity", found=shown, ref=row.ref, reasons=[say("keep_identity")])

    def apply(doc: dict[str, Any]) -> Part:
        doc.clear()
        doc.update({k: v for k, v in document.items() if k != "status"} if isinstance(document, dict) else {})
        return DOCUMENT

    return edit(session, ref, actor, "整个版本", DOCUMENT, None, apply, expected_lock)[0]
