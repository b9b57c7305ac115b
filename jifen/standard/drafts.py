"""Editing a draft: take its document, change one part, run the loader, store the result if it is valid.

A *part* is what one form edits (jifen/standard/editing.py locates it and applies the change); the form remembers
the part's *token* (a fingerprint of it as loaded). A save is refused only when that part changed since: two
people editing different parts of one draft do not stop each other, and the refusal carries the part as it is now.

The loader is the only judge of the result: a change that leaves the draft invalid is refused with the loader's
problems and nothing is stored. (A draft that was already invalid when drafts began to be checked, migrated as
it was, accepts changes that do not add problems, so that it can be repaired one step at a time.)
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from engine import Problem, RulesetError, RulesetVersion, parse_document
from jifen.access import audit
from jifen.errors import Conflict, ImmutableVersion, Refused
from jifen.messages import Message, refusal, say
from jifen.standard import stored
from jifen.standard.editing import (
    DOCUMENT,
    LISTS,
    META,
    META_KEYS,
    FactInUse,
    Part,
    add,
    fact_users,
    locate,
    put,
    remove,
    remove_fact,
    token,
)
from jifen.store.models import RulesetVersionRow

# the document's parts and the changes forms make are jifen/standard/editing.py's; named here too for the callers
__all__ = ["DOCUMENT", "LISTS", "META", "META_KEYS", "DraftProblems", "EditConflict", "Edited", "FactInUse", "Part",
           "add", "edit", "fact_users", "locate", "put", "remove", "remove_fact", "replace_document", "token"]  # fmt: skip


class EditConflict(Conflict):
    """Someone else saved the same part since the form was loaded: ``current`` is the part now (None when it was
    removed) and ``token`` its token, for a form that saves again over it on purpose."""

    def __init__(self, said: Message, current: Any, token: str) -> None:
        self.current, self.token = current, token
        self.said = said
        self.why: list[Message] = []
        super().__init__(str(said))


class DraftProblems(Refused):
    """The change would leave the draft invalid; nothing was stored. ``problems`` are the loader's for ``document``,
    the changed document; ``where`` is the loader path of the changed part in it (None when it was removed)."""

    def __init__(self, ref: str, problems: list[Problem], where: str | None, document: dict[str, Any]) -> None:
        self.problems, self.where, self.document = problems, where, document
        self.said, self.why = say("change_invalid", ref=ref, count=len(problems)), problems
        super().__init__(str(self.said), [str(p) for p in problems])


# -- saving ---------------------------------------------------------------------------------------------------

Apply = Callable[[dict[str, Any]], Part | None]


class Edited(NamedTuple):
    """What an edit stored: the draft, the part as now named (None: removed) and the draft as the loader read it
    (None when it is still invalid), for what a caller shows after the save without loading it again."""

    row: RulesetVersionRow
    after: Part | None
    model: RulesetVersion | None


def edit(
    session: Session,
    ref: str | int,
    actor: str,
    what: str,
    part: Part,
    base: str | None,
    apply: Apply,
    expected_lock: int | None = None,
) -> Edited:
    """Change ``part`` of a draft with ``apply`` (which changes the document and returns the part as now named,
    or None when it removed it); returns the draft, that part and the draft's model. The loader reads the changed
    document once; whether the draft was valid before (asked only when the change is not) is ``stored.validate``'s.

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
    model: RulesetVersion | None = None
    try:
        model = parse_document({**changed, "status": "draft"}, row.ref)
    except RulesetError as exc:
        before = stored.validate(row)
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
    return Edited(row, after, model)


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
