"""Where ruleset versions come from as files: the YAML files of a directory, and workbooks back from circulation.

A workbook names the version it was exported from (its hidden index: identity, status and content hash then).
Importing one is decided first (``plan_workbook``) and done second (``apply_workbook``), so that the console can
show the changes in sentences (the compare page's) before anything is saved:

- exported from a draft unchanged since: the workbook's content replaces that draft's (``update``);
- exported from a draft that someone saved after the download: refused (``stale``), naming who saved when —
  importing it would silently undo their work; the clerk downloads the draft again, or imports the workbook as a
  new draft of its own and compares;
- exported from a published or retired version, or a draft deleted since: a new draft, the next revision of the
  year (``new_draft``), as a clone is — an edited copy never replaces the version it was made from;
- the same content as the draft it names, or as another version of its year: nothing to do (``unchanged``).

The audit entry of an import keeps, before and after, the parts of the document that changed (each list entry by
its code or name), so that the audit log shows what changed item by item, as it does for an edit.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import RulesetError, RulesetVersion, canonical_json, parse_document
from engine.diff import ChangeRow, change_rows, diff_versions
from jifen.access import audit
from jifen.errors import Conflict, Refused
from jifen.messages import refusal, say
from jifen.standard import stored
from jifen.standard.merging import Clash, merge
from jifen.store.models import AuditEntry, Ruleset, RulesetVersionRow
from jifen.workbook import Origin

Kind = Literal["update", "merge", "stale", "new_draft", "unchanged"]
# the audit actions that change a draft's content
_CHANGES = ("edit", "import", "clone")


def ruleset_files(directory: str | Path) -> list[Path]:
    """The ruleset files of a directory, in name order."""
    return sorted(Path(directory).glob("*.yaml"))


@dataclass(frozen=True)
class Save:
    """A save of a draft after its workbook was downloaded: who, when (UTC), what (an edit's note)."""

    actor: str
    at: dt.datetime
    action: str
    note: str | None


@dataclass(frozen=True)
class WorkbookPlan:
    """What importing a workbook would do.

    ``model`` is the content it would save, under the identity it would be saved as; ``target`` the version
    concerned (the draft it updates, the version it was exported from, the version with the same content), None for
    a new draft of a version that no longer exists, and its status now; ``lock`` the draft's edit counter when
    planned; ``rows`` the changes from ``target``'s content to ``model``; ``saves`` (merge, stale) the saves since
    the download; ``conflicts`` (stale) the parts both the workbook and those saves changed.
    """

    kind: Kind
    model: RulesetVersion
    origin: Origin
    target_id: int | None
    target_ref: str | None
    target_status: str | None
    lock: int | None = None
    rows: list[ChangeRow] = field(default_factory=list)
    saves: list[Save] = field(default_factory=list)
    conflicts: list[Clash] = field(default_factory=list)

    @property
    def affecting(self) -> int:
        """How many of the changes may change a score."""
        return sum(1 for row in self.rows if row.affects_points)


def _version(session: Session, code: str, year: int, revision: int) -> RulesetVersionRow | None:
    return session.scalar(
        stored.query_versions().where(
            Ruleset.code == code, RulesetVersionRow.year == year, RulesetVersionRow.revision == revision
        )
    )


def _changes(before: RulesetVersionRow, model: RulesetVersion) -> list[ChangeRow]:
    try:
        old = stored.load_model(before)
    except RulesetError:  # a draft from before drafts had to be valid: its changes cannot be read as sentences
        return []
    return change_rows(old, model, diff_versions(old, model)["changes"])


def _saves_since(session: Session, row: RulesetVersionRow, exported_at: str | None) -> list[Save]:
    query = select(AuditEntry).where(
        AuditEntry.object_type == "version", AuditEntry.object_id == row.id, AuditEntry.action.in_(_CHANGES)
    )
    if exported_at is not None:
        with contextlib.suppress(ValueError):
            query = query.where(AuditEntry.at > dt.datetime.fromisoformat(exported_at))
    entries = session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(20))
    return [Save(e.actor, e.at, e.action, e.note) for e in entries]


def plan_workbook(session: Session, model: RulesetVersion, origin: Origin, *, as_new: bool = False) -> WorkbookPlan:
    """What importing ``model`` (a workbook's content, read with its ``origin``) would do; nothing is saved.
    ``as_new``: a new draft even when the workbook came from a draft (the way out of a stale workbook)."""
    model = dataclasses.replace(model, status="draft")
    source = _version(session, model.ruleset, model.year, model.revision)
    if source is not None and source.status == "draft" and not as_new:
        return _into_draft(session, model, origin, source)
    if source is None:  # the version it came from is gone: a draft under the identity it names
        return WorkbookPlan("new_draft", model, origin, None, None, None)
    siblings = stored.list_versions(session, ruleset=model.ruleset, year=model.year)
    for row in siblings:
        same = dataclasses.replace(model, revision=row.revision)
        if row.content_hash == same.content_hash:
            return WorkbookPlan("unchanged", same, origin, row.id, row.ref, row.status)
    revision = max(row.revision for row in siblings) + 1
    if revision > 999:
        raise refusal(Refused, "no_new_revision", ref=model.ref, reasons=[say("at_most_999")])
    new = dataclasses.replace(model, revision=revision)
    return WorkbookPlan("new_draft", new, origin, source.id, source.ref, source.status, rows=_changes(source, new))


def _into_draft(session: Session, model: RulesetVersion, origin: Origin, source: RulesetVersionRow) -> WorkbookPlan:
    """A workbook of the draft ``source``: unchanged, an update, a merge with the saves since, or stale."""
    at = (source.id, source.ref, source.status, source.lock_version)
    if source.content_hash == model.content_hash:
        return WorkbookPlan("unchanged", model, origin, *at)
    if origin.status == "draft" and origin.content_hash == source.content_hash:
        return WorkbookPlan("update", model, origin, *at, rows=_changes(source, model))
    saves = _saves_since(session, source, origin.exported_at)
    merged, conflicts = _merged(origin, model, source)
    if merged is not None and merged.content_hash == source.content_hash:
        return WorkbookPlan("unchanged", merged, origin, *at)
    if merged is not None:
        return WorkbookPlan("merge", merged, origin, *at, rows=_changes(source, merged), saves=saves)
    return WorkbookPlan("stale", model, origin, *at, rows=_changes(source, model), saves=saves, conflicts=conflicts)


def _merged(
    origin: Origin, model: RulesetVersion, source: RulesetVersionRow
) -> tuple[RulesetVersion | None, list[Clash]]:
    """The workbook's changes (from the content it was exported with) over the draft as saved since; None when
    they cannot be told apart (a workbook without that content), when both changed a part (the conflicts), or when
    the merged draft would not be valid (the conflict ``("invalid", "")``)."""
    base = origin.base
    if base is None or "sha256:" + hashlib.sha256(base.encode("utf-8")).hexdigest() != origin.content_hash:
        return None, []
    try:
        theirs = stored.load_model(source)
    except RulesetError:
        return None, []
    doc, conflicts = merge(json.loads(base), _plain(model), _plain(theirs))
    if conflicts:
        return None, conflicts
    try:
        return parse_document({**doc, "status": "draft"}, source.ref), []
    except RulesetError:
        return None, [("invalid", "")]


def _plain(model: RulesetVersion) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(canonical_json(model))
    return doc


def moved(plan: WorkbookPlan) -> Exception:
    """The refusal of a confirmation whose draft was saved since its preview."""
    return refusal(Conflict, "workbook_draft_moved", ref=plan.target_ref or plan.origin.ref)


def apply_workbook(session: Session, plan: WorkbookPlan, actor: str, filename: str) -> tuple[RulesetVersionRow, bool]:
    """Do what ``plan`` says; returns ``(version, changed)``. A stale plan is refused, and so is an update of a
    draft saved since the plan was made (Conflict: plan again and look at the changes again)."""
    if plan.kind == "unchanged":
        return stored.get_version(session, plan.target_id or 0), False
    if plan.kind == "stale":
        raise refusal(Conflict, "workbook_stale", ref=plan.origin.ref, source=filename,
                      reasons=[say("workbook_download_again", ref=plan.origin.ref)])  # fmt: skip
    note = say("workbook_merged" if plan.kind == "merge" else "workbook_imported", source=filename,
               ref=plan.origin.ref).text("zh")  # fmt: skip
    if plan.kind in ("update", "merge"):
        row = stored.get_version(session, plan.target_id or 0)
        if row.status != "draft" or row.lock_version != plan.lock:
            raise moved(plan)
        before = stored.document(row)
        stored.store_model(row, plan.model)
        row.updated_at = dt.datetime.now(dt.UTC)
        session.flush()
        old, new = changed_parts(before, stored.document(row))
        audit.record(session, actor, "import", "version", object_id=row.id, object_ref=row.ref, before=old, after=new,
                     note=note)  # fmt: skip
        return row, True
    row = _insert(session, plan.model, actor, plan.target_id)
    old, new = changed_parts(stored.document(stored.get_version(session, plan.target_id)) if plan.target_id else {},
                             stored.document(row))  # fmt: skip
    audit.record(session, actor, "import", "version", object_id=row.id, object_ref=row.ref, before=old or None,
                 after={**stored.describe(row), **new}, note=note)  # fmt: skip
    return row, True


def _insert(session: Session, model: RulesetVersion, actor: str, cloned_from: int | None) -> RulesetVersionRow:
    ruleset = session.scalar(select(Ruleset).where(Ruleset.code == model.ruleset))
    if ruleset is None:
        ruleset = Ruleset(code=model.ruleset)
        session.add(ruleset)
    row = RulesetVersionRow(ruleset=ruleset, year=model.year, revision=model.revision, status="draft",
                            created_by=actor, cloned_from_id=cloned_from)  # fmt: skip
    stored.store_model(row, model)
    session.add(row)
    session.flush()
    return row


# -- what changed, for the audit log ---------------------------------------------------------------------------


def _key(entry: Any) -> Any:
    return entry.get("code") or entry.get("name") if isinstance(entry, dict) else None


def _list_parts(old: Sequence[Any], new: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """The entries of two lists that differ, matched by their code or name (a list of plain values, whole)."""
    if not all(_key(e) is not None for e in (*old, *new)):
        return list(old), list(new)
    before = {_key(e): e for e in old}
    after = {_key(e): e for e in new}
    return ([e for e in old if after.get(_key(e)) != e], [e for e in new if before.get(_key(e)) != e])


def changed_parts(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The parts of two documents that differ: each key whose value differs, and of a list only the entries that
    differ (so that ``audit_text.changes`` names each changed item by its code, as for an edit).

    >>> changed_parts({"title": "a", "facts": [{"name": "x", "label": "1"}, {"name": "y"}]},
    ...               {"title": "a", "facts": [{"name": "x", "label": "2"}, {"name": "y"}]})
    ({'facts': [{'name': 'x', 'label': '1'}]}, {'facts': [{'name': 'x', 'label': '2'}]})
    """
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for key in dict.fromkeys([*before, *after]):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        if isinstance(a, list) and isinstance(b, list):
            a, b = _list_parts(a, b)
        if a is not None:
            old[key] = a
        if b is not None:
            new[key] = b
    return old, new
