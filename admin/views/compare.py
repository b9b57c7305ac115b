"""Compare two versions for auditors: each change before → after in sentences, and the test cases under both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose

from admin.application_actions import today
from admin.auth import RoleMixin
from admin.views.versions import _message, download
from admin.words import word
from jifen.errors import NotFound, NoVersionInForce, ServiceError
from jifen.standard import rulesets
from jifen.standard.stored import RulesetVersionRow
from jifen.unit_of_work import Session, get_session
from jifen.workbook import comparison_workbook
from jifen.workbook.compare import CHANGE_NAMES, marked_lines, shown
from jifen.workbook.layout import STATUS_NAMES

_MAX_DIGITS = 18  # more is no version id (and int() of thousands of digits is refused)


class BadChoice(Exception):
    """A version parameter that is not a version id; its text is the page's Chinese message."""


@dataclass(frozen=True)
class Pair:
    """The two versions to compare, and why these when the page chose them itself."""

    a: int | None
    b: int | None
    note: str | None = None


class CompareView(RoleMixin, BaseView):  # type: ignore[misc]
    @expose("/")
    def index(self) -> Any:
        session = get_session()
        versions = rulesets.list_versions(session)
        status, error, result, rows = 200, None, None, None
        try:
            pair = _chosen(session, versions)
        except BadChoice as exc:
            pair, status, error = Pair(None, None), 400, str(exc)
        note = pair.note
        if pair.a is not None and pair.b is not None:
            if pair.a == pair.b:
                ref = next((v.ref for v in versions if v.id == pair.a), None)
                if ref is None:
                    status, error = 404, word("views_compare.no_version", a=pair.a)
                else:
                    note = word("views_compare.same_version", ref=ref)
            else:
                try:
                    result, rows = rulesets.compare(session, pair.a, pair.b)
                except ServiceError as exc:
                    status, error = (404 if isinstance(exc, NotFound) else 422), _message(exc)
        by_id = {v.id: v for v in versions}
        page = self.render(
            "admin/compare.html", versions=versions, a=pair.a, b=pair.b, result=result, rows=rows, note=note,
            error=error, names=CHANGE_NAMES, shown=shown, marked_lines=marked_lines, statuses=STATUS_NAMES,
            sides={"a": by_id.get(pair.a or 0), "b": by_id.get(pair.b or 0)}, in_force=_in_force_today(session),
        )  # fmt: skip
        return page, status

    @expose("/export.xlsx")
    def export(self) -> Any:
        session = get_session()
        try:
            pair = _chosen(session, rulesets.list_versions(session))
        except BadChoice as exc:
            flash(str(exc), "error")
            return redirect(url_for(".index"))
        if pair.a is None or pair.b is None:
            return redirect(url_for(".index"))
        try:
            result, rows = rulesets.compare(session, pair.a, pair.b)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index", a=pair.a, b=pair.b))
        names = "-".join(ref.replace("/", "-") for ref in (result["a"]["ref"], result["b"]["ref"]))
        return download(comparison_workbook(result, rows), f"compare-{names}.xlsx")


def _version_id(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > _MAX_DIGITS:
        shown_raw = raw if len(raw) <= 20 else raw[:20] + "…"
        raise BadChoice(word("views_compare.not_a_version", upper=name.upper(), shown_raw=shown_raw))
    return int(raw)


def _chosen(session: Session, versions: list[RulesetVersionRow]) -> Pair:
    """The versions the request names; with none named, the version in force today against the newest draft."""
    a, b = _version_id("a"), _version_id("b")
    if a is not None and b is not None:
        return Pair(a, b)
    if a is not None or b is not None:
        return Pair(a, b, word("views_compare.choose_both"))
    return _defaults(session, versions)


def _defaults(session: Session, versions: list[RulesetVersionRow]) -> Pair:
    """The version in force today (else the newest published one) against the newest draft (else the newest
    published version, when that is another one), with a sentence saying which these are."""
    if not versions:
        return Pair(None, None, word("views_compare.no_versions"))
    on = today()
    base = _in_force_today(session)
    published = [v for v in versions if v.status == "published"]
    if base is None and not published:
        return Pair(None, None, word("views_compare.none_published"))
    said = word("views_compare.in_force_today", isoformat=on.isoformat())
    if base is None:
        base, said = published[0], word("views_compare.none_in_force_today", isoformat=on.isoformat())
    # the newest later version (by year and revision): a draft left behind by a later publication is not it
    later = (base.year, base.revision)
    others = [v for v in versions if v.ruleset_id == base.ruleset_id and (v.year, v.revision) > later
              and v.status != "retired"]  # fmt: skip
    newest = max(others, key=lambda v: (v.year, v.revision), default=None)
    if newest is not None and newest.status == "draft":
        return Pair(
            base.id, newest.id, word("views_compare.default_against_draft", said=said, ref=base.ref, ref2=newest.ref)
        )
    if newest is not None:
        return Pair(
            base.id, newest.id, word("views_compare.default_against_newest", said=said, ref=base.ref, ref2=newest.ref)
        )
    return Pair(base.id, None, word("views_compare.nothing_to_compare", said=said, ref=base.ref))  # fmt: skip


def _in_force_today(session: Session) -> RulesetVersionRow | None:
    on = today()
    try:
        return rulesets.in_force(session, on.year, on)
    except NoVersionInForce:
        return None
