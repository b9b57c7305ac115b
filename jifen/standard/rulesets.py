"""Ruleset versions: import and export, drafts, clone, validate, test, publish, retire, in force, diff."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Collection
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from engine import (
    FactsError,
    RulesetError,
    RulesetVersion,
    compile_version,
    parse_yaml,
    run_cases,
    to_document,
)
from engine.diff import ChangeRow, change_rows, diff_versions
from engine.errors import VersionNotFound
from engine.lint import lint, unacknowledged
from engine.selection import in_force as select_in_force
from jifen.access import audit
from jifen.access.users import require_role
from jifen.errors import Conflict, ImmutableVersion, NoVersionInForce, Refused
from jifen.messages import case_reason, lint_reason, refusal, say
from jifen.scoring.compiled import published_cache
from jifen.standard import drafts

# A version as stored, named here too: the standard's services are called as rulesets.get_version(…) and so on.
from jifen.standard.stored import (
    DEFAULT_RULESET as DEFAULT_RULESET,
)
from jifen.standard.stored import (
    MAX_ID as MAX_ID,
)
from jifen.standard.stored import (
    describe as describe,
)
from jifen.standard.stored import (
    document as document,
)
from jifen.standard.stored import (
    export_model as export_model,
)
from jifen.standard.stored import (
    export_yaml as export_yaml,
)
from jifen.standard.stored import (
    get_version as get_version,
)
from jifen.standard.stored import (
    list_versions as list_versions,
)
from jifen.standard.stored import (
    load_model as load_model,
)
from jifen.standard.stored import (
    parse_ref as parse_ref,
)
from jifen.standard.stored import (
    query_versions,
)
from jifen.standard.stored import (
    store_invalid as store_invalid,
)
from jifen.standard.stored import (
    store_model as store_model,
)
from jifen.standard.stored import (
    validate as validate,
)
from jifen.store.models import Ruleset, RulesetVersionRow, User


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ruleset(session: Session, code: str) -> Ruleset:
    ruleset = session.scalar(select(Ruleset).where(Ruleset.code == code))
    if ruleset is None:
        ruleset = Ruleset(code=code)
        session.add(ruleset)
        session.flush()
    return ruleset


def _existing(session: Session, code: str, year: int, revision: int) -> RulesetVersionRow | None:
    return session.scalar(
        query_versions().where(
            Ruleset.code == code, RulesetVersionRow.year == year, RulesetVersionRow.revision == revision
        )
    )


def _insert_draft(
    session: Session, model: RulesetVersion, actor: str, cloned_from: int | None = None
) -> RulesetVersionRow:
    row = RulesetVersionRow(
        ruleset=_ruleset(session, model.ruleset),
        year=model.year,
        revision=model.revision,
        status="draft",
        created_by=actor,
        cloned_from_id=cloned_from,
    )
    store_model(row, model)
    session.add(row)
    session.flush()
    return row


def import_text(session: Session, text: str, source: str, actor: str) -> tuple[RulesetVersionRow, bool]:
    """Import a ruleset file; returns ``(version, created)``.

    The same content again is a no-op; the same identity with different content is refused. A file marked
    published is published only if all its test cases pass (as for any publication).
    """
    model = parse_yaml(text, source)
    existing = _existing(session, model.ruleset, model.year, model.revision)
    if existing is not None:
        if existing.content_hash == model.content_hash:
            return existing, False
        raise refusal(Conflict, "other_content", ref=model.ref, existing=existing.content_hash, status=existing.status,
                      source=source, found=model.content_hash)  # fmt: skip
    if model.status != "draft":
        _check_publishable(model)
    row = _insert_draft(session, model, actor)
    if model.status in ("published", "retired"):
        row.status = "published"
        row.published_at = _now()
        row.published_by = actor
        row.publish_note = f"由 {source} 导入"  # notes are read in the console, in Chinese
        session.flush()
    if model.status == "retired":
        row.status = "retired"
        row.retired_at = _now()
        row.retired_by = actor
        session.flush()
    _published_changed(session)
    audit.record(session, actor, "import", "version", object_id=row.id, object_ref=row.ref,
                 after=describe(row), note=f"来自 {source}")  # fmt: skip
    return row, True


def clone(session: Session, ref: str | int, actor: str, year: int | None = None) -> RulesetVersionRow:
    """A new draft with the content of ``ref``: for ``year`` (next year) or, by default, the next revision."""
    source = get_version(session, ref)
    try:
        model = load_model(source)
    except RulesetError as exc:
        raise refusal(Refused, "not_valid_clone", ref=source.ref, reasons=exc.problems) from None
    target_year = year or source.year
    if not 2000 <= target_year <= 2100:
        raise refusal(Refused, "year_out_of_range", year=target_year, reasons=[say("years_allowed")])
    latest = session.scalar(
        select(func.max(RulesetVersionRow.revision)).where(
            RulesetVersionRow.ruleset_id == source.ruleset_id, RulesetVersionRow.year == target_year
        )
    )
    revision = (latest or 0) + 1
    effective = source.effective_from if target_year == source.year else dt.date(target_year, 1, 1)
    title = model.title.replace(str(source.year), str(target_year)) if target_year != source.year else model.title
    draft = dataclasses.replace(
        model, year=target_year, revision=revision, effective_from=effective, status="draft", title=title
    )
    row = _insert_draft(session, draft, actor, cloned_from=source.id)
    audit.record(session, actor, "clone", "version", object_id=row.id, object_ref=row.ref,
                 after=describe(row), note=f"克隆自 {source.ref}")  # fmt: skip
    return row


def save_draft(session: Session, ref: str | int, document: Any, expected_lock: int, actor: str) -> RulesetVersionRow:
    """Replace a draft's whole content with ``document`` (a ruleset document or model); see ``drafts.edit``."""
    doc = to_document(document) if isinstance(document, RulesetVersion) else document
    return drafts.replace_document(session, ref, doc, expected_lock, actor)


def _published_changed(session: Session) -> None:
    """Scoring in this process must see the change as soon as it is committed (see scoring.published_cache)."""
    published_cache.clear()  # now, so that nothing reads the old list while the transaction is open
    event.listen(session, "after_commit", lambda _s: published_cache.clear(), once=True)


# -- lifecycle -------------------------------------------------------------------------------------------


def _check_publishable(model: RulesetVersion, note: str | None = None, acknowledged: Collection[str] = ()) -> None:
    """Test cases pass and lint finds no error; with a ``note`` (not for an imported file, which was reviewed
    when it was first published), every lint warning is acknowledged: its code among ``acknowledged`` (ticked in
    the console) or named in the note."""
    if not model.cases:
        raise refusal(Refused, "cannot_publish", ref=model.ref, reasons=[say("no_cases")])
    failures = [o for o in run_cases(model) if not o.passed]
    if failures:
        reasons = [case_reason(o.name, o.mismatches) for o in failures]
        raise refusal(Refused, "cases_fail", ref=model.ref, count=len(failures), reasons=reasons)
    findings = lint(model)
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        reasons = [lint_reason(f) for f in errors]
        raise refusal(Refused, "lint_errors", ref=model.ref, count=len(errors), reasons=reasons)
    pending = unacknowledged(findings, note, acknowledged) if note is not None else []
    if pending:
        codes = "、".join(dict.fromkeys(f.code for f in pending))
        reasons = [lint_reason(f) for f in pending]
        raise refusal(Refused, "lint_unacknowledged", ref=model.ref, count=len(pending), codes=codes, reasons=reasons)


def publish(
    session: Session, ref: str | int, user: User, note: str, acknowledged: Collection[str] = ()
) -> RulesetVersionRow:
    """Publish a draft: needs the publisher role, a note, a clean validation, every test case passing, no lint
    error, and each lint warning acknowledged (its code in ``acknowledged`` or named in the note)."""
    require_role(user, "publisher")
    row = get_version(session, ref)
    if row.status != "draft":
        raise refusal(Refused, "not_a_draft", ref=row.ref, status=row.status, reasons=[say("only_drafts_publish")])
    if not note or not note.strip():
        raise refusal(Refused, "without_note", ref=row.ref, reasons=[say("say_why")])
    try:
        model = load_model(row)
    except RulesetError as exc:
        raise refusal(Refused, "publish_invalid", ref=row.ref, reasons=exc.problems) from None
    _check_publishable(model, note, acknowledged)
    before = describe(row)
    row.content_hash = model.content_hash
    row.status = "published"
    row.published_at = _now()
    row.published_by = user.username
    row.publish_note = note.strip()
    session.flush()
    _published_changed(session)
    audit.record(session, user.username, "publish", "version", object_id=row.id, object_ref=row.ref,
                 before=before, after=describe(row), note=note.strip())  # fmt: skip
    return row


def retire(session: Session, ref: str | int, user: User, note: str | None = None) -> RulesetVersionRow:
    """Retire a published version, saying why (``note``): it stays readable but is never in force again."""
    require_role(user, "publisher")
    row = get_version(session, ref)
    if row.status != "published":
        raise refusal(Refused, "not_a_draft", ref=row.ref, status=row.status, reasons=[say("only_published_retire")])
    if not note or not note.strip():
        raise refusal(Refused, "retire_without_reason", ref=row.ref, reasons=[say("say_retire_why")])
    before = describe(row)
    row.status = "retired"
    row.retired_at = _now()
    row.retired_by = user.username
    row.retire_note = note.strip()
    session.flush()
    _published_changed(session)
    audit.record(session, user.username, "retire", "version", object_id=row.id, object_ref=row.ref,
                 before=before, after=describe(row), note=note)  # fmt: skip
    return row


def delete_draft(session: Session, ref: str | int, actor: str) -> None:
    """Delete a draft (published and retired versions are kept for ever)."""
    row = get_version(session, ref)
    if row.status != "draft":
        raise refusal(ImmutableVersion, "cannot_delete", ref=row.ref, status=row.status)
    before = describe(row)
    session.delete(row)
    session.flush()
    audit.record(session, actor, "delete", "version", object_id=before["id"], object_ref=before["ref"], before=before)


@dataclasses.dataclass(frozen=True)
class _Candidate:
    """A version as it would be after publishing or retiring it (what ``engine.selection.in_force`` reads)."""

    ref: str
    year: int
    revision: int
    status: str
    effective_from: dt.date


def in_force_timeline(
    session: Session, row: RulesetVersionRow, status: str, today: dt.date
) -> tuple[list[tuple[dt.date, str | None]], list[tuple[dt.date, str | None]]]:
    """Which version of ``row``'s year is in force from which date, now and once ``row`` has ``status``
    (``published`` or ``retired``): ``(before, after)``, each a list of ``(from date, ref or None)`` starting today
    or at the first date in the year that matters, whichever is earlier."""
    siblings = [
        _Candidate(v.ref, v.year, v.revision, v.status, v.effective_from)
        for v in list_versions(session, ruleset=row.ruleset.code, year=row.year)
    ]
    changed = [dataclasses.replace(v, status=status) if v.ref == row.ref else v for v in siblings]

    def timeline(versions: list[_Candidate]) -> list[tuple[dt.date, str | None]]:
        dates = sorted({today, *(v.effective_from for v in siblings)})
        dates = [d for d in dates if d >= min(today, *(v.effective_from for v in siblings))]
        out: list[tuple[dt.date, str | None]] = []
        for day in dates:
            try:
                ref: str | None = select_in_force(versions, row.year, day).ref
            except VersionNotFound:
                ref = None
            if not out or out[-1][1] != ref:
                out.append((day, ref))
        return out

    return timeline(siblings), timeline(changed)


def in_force(session: Session, year: int, on: dt.date, ruleset: str = DEFAULT_RULESET) -> RulesetVersionRow:
    """The version in force for ``year`` on ``on`` (see ``engine.selection.in_force``)."""
    rows = list_versions(session, ruleset=ruleset, year=year, status="published")
    try:
        return select_in_force(rows, year, on)
    except VersionNotFound:
        raise refusal(NoVersionInForce, "no_version_in_force", year=year, on=on.isoformat()) from None


# -- diff ------------------------------------------------------------------------------------------------


def _case_total(model: RulesetVersion, facts: dict[str, Any], as_of: dt.date | None) -> dict[str, Any]:
    try:
        result = compile_version(model).score(facts, as_of=as_of)
    except FactsError as exc:
        return {"total": None, "eligible": None, "errors": exc.errors}
    return {"total": result["total"], "eligible": result["eligible"]}


def diff(session: Session, a_ref: str | int, b_ref: str | int) -> dict[str, Any]:
    """Structural differences from A to B, plus each test case's total under both."""
    return _diff_models(session, a_ref, b_ref)[0]


def compare(session: Session, a_ref: str | int, b_ref: str | int) -> tuple[dict[str, Any], list[ChangeRow]]:
    """``diff`` of A and B, and its changes in sentences: what the console and the CLI show auditors."""
    result, a, b = _diff_models(session, a_ref, b_ref)
    return result, change_rows(a, b, result["changes"])


def _diff_models(
    session: Session, a_ref: str | int, b_ref: str | int
) -> tuple[dict[str, Any], RulesetVersion, RulesetVersion]:
    a_row, b_row = get_version(session, a_ref), get_version(session, b_ref)
    models = []
    for row in (a_row, b_row):
        try:
            models.append(load_model(row))
        except RulesetError as exc:
            raise refusal(Refused, "not_valid_compare", ref=row.ref, reasons=exc.problems) from None
    a, b = models
    result = diff_versions(a, b)
    seen: set[tuple[str, str]] = set()
    impact = []
    for origin, model in (("a", a), ("b", b)):
        for case in model.cases:
            key = (case.name, json.dumps(case.facts, sort_keys=True, default=str))
            if key in seen:
                continue
            seen.add(key)
            under_a = _case_total(a, case.facts, case.as_of)
            under_b = _case_total(b, case.facts, case.as_of)
            delta = (
                under_b["total"] - under_a["total"]
                if under_a["total"] is not None and under_b["total"] is not None
                else None
            )
            impact.append({"case": case.name, "from": origin, "a": under_a, "b": under_b, "delta": delta,
                           "changed": under_a["total"] != under_b["total"]})  # fmt: skip
    result["cases"] = impact
    return result, a, b
