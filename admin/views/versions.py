"""Ruleset versions in the console: the standard as a readable table, its test cases, and the lifecycle actions.

Editing a draft is in ``drafts.py``; both read a version's content from its one document.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin import validation as validation_words
from admin.auth import RoleMixin, requires
from admin.problems import described, refused_text
from admin.views.imports import ImportsMixin
from admin.words import names, word
from engine import RulesetError, RulesetVersion, run_cases
from engine.describe import condition_sentence, version_sentences
from engine.lint import lint
from jifen import unit_of_work
from jifen.access.users import get_user
from jifen.errors import NotFound, ServiceError
from jifen.standard import rulesets, validation
from jifen.standard.stored import RulesetVersionRow
from jifen.unit_of_work import get_session
from jifen.workbook import MIMETYPE, version_workbook

_message = refused_text  # the other views say a refusal with this name

STATUS_NAMES = {
    "draft": word("views_versions.draft"),
    "published": word("views_versions.published_status"),
    "retired": word("views_versions.retired_status"),
}


def range_text(fact: dict[str, Any]) -> str:
    """A catalogue field's range in words: 「1至5」, 「不小于0」, 「不大于100」."""
    low, high = fact.get("min"), fact.get("max")
    if low is not None and high is not None:
        return word("views_versions.range", low=low, high=high)
    if low is not None:
        return word("views_versions.at_least", low=low)
    return word("views_versions.at_most", high=high) if high is not None else ""


def lint_warnings(row: RulesetVersionRow) -> list[dict[str, str]]:
    """A draft's lint warnings as the publisher ticks them: each with a key (stable while the draft is unchanged),
    its code, and its name, place and explanation in Chinese."""
    if row.status != "draft":
        return []
    model, _problems = loaded(row)
    if model is None:
        return []
    checks = names("lint_checks")
    return [{"key": f"{f.code}|{f.where}", "code": f.code, "name": checks[f.code], "where": f.where_zh,
             "message": f.message("zh")} for f in lint(model) if f.severity == "warning"]  # fmt: skip


def download(data: bytes, name: str) -> Response:
    """An Excel workbook as an attachment."""
    return Response(data, mimetype=MIMETYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def version_or_404(vid: int) -> RulesetVersionRow:
    """The version with database id ``vid``, or the console's page 404 (every view finds its version here)."""
    try:
        return rulesets.get_version(get_session(), vid)
    except NotFound:
        abort(404)


def loaded(row: RulesetVersionRow) -> tuple[RulesetVersion | None, list[str]]:
    """The version's model, or None and its problems in Chinese (a draft from before drafts had to be valid)."""
    try:
        return rulesets.load_model(row), []
    except RulesetError as exc:
        doc = rulesets.document(row)
        return None, [described(p, doc) for p in exc.problems]


class VersionsView(ImportsMixin, RoleMixin, BaseView):  # type: ignore[misc]
    @expose("/")
    def index(self) -> Any:
        year = request.args.get("year", type=int)
        status = request.args.get("status") if request.args.get("status") in STATUS_NAMES else None
        rows = rulesets.list_versions(get_session(), year=year, status=status)
        years = sorted({r.year for r in rulesets.list_versions(get_session())}, reverse=True)
        return self.render(
            "admin/versions/list.html", rows=rows, years=years, year=year, status=status, statuses=STATUS_NAMES
        )

    @expose("/<int:vid>")
    def detail(self, vid: int) -> Any:
        row = version_or_404(vid)
        model, problems = loaded(row)
        doc = rulesets.document(row)
        sentences: dict[str, str] = {}
        requirements: dict[str, str] = {}
        if model is not None:
            sentences = version_sentences(model)
            requirements = {r.code: condition_sentence(r.when, model.catalogue) for r in model.eligibility}
        return self.render("admin/versions/detail.html", row=row, doc=doc, problems=problems, sentences=sentences,
                           requirements=requirements, range_text=range_text, statuses=STATUS_NAMES,
                           this_year=dt.date.today().year)  # fmt: skip

    # -- lifecycle ---------------------------------------------------------------------------------------

    @expose("/<int:vid>/clone", methods=["POST"])
    @requires("editor")
    def clone(self, vid: int) -> Any:
        typed = request.form.get("year", "").strip()
        row = version_or_404(vid)
        target = row.year if typed == "" else int(typed) if re.fullmatch(r"-?\d{1,9}", typed) else 0
        if not 2000 <= target <= 2100:
            flash(word("views_versions.year_invalid", value=request.form.get("year", "")[:10]), "error")
            return redirect(url_for(".detail", vid=vid))
        published = rulesets.list_versions(get_session(), ruleset=row.ruleset.code, year=target, status="published")
        if published and request.form.get("confirmed") != "1":
            refs = "、".join(v.ref for v in published)
            return self.render(
                "admin/versions/confirm.html", title=word("views_versions.clone_title", ref=row.ref, target=target), action=url_for(".clone", vid=vid),
                lines=[word("views_versions.year_has_published", target=target, refs=refs),
                       word("views_versions.clone_explained", target=target)],
                timelines=[], hidden={"year": target}, note=None, button=word("views_versions.clone_button"), back=url_for(".detail", vid=vid),
            )  # fmt: skip
        try:
            with unit_of_work.current().write() as session:
                new = rulesets.clone(session, vid, current_user.username, year=target)
                new_id, ref = new.id, new.ref
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".detail", vid=vid))
        flash(word("views_versions.draft_created", ref=ref), "success")
        return redirect(url_for(".detail", vid=new_id))

    @expose("/<int:vid>/validate")
    def validate(self, vid: int) -> Any:
        """校验: structure, static checks and test cases in one sentence, then each in detail."""
        row = version_or_404(vid)
        verdict = validation.check(row)
        doc = rulesets.document(row)
        return self.render("admin/versions/validate.html", row=row, verdict=verdict,
                           sentence=validation_words.sentence(row.ref, verdict),
                           problems=[described(p, doc) for p in verdict.problems],
                           shown=[f for f in verdict.findings if f.severity != "info"],
                           check_names=names("lint_checks"), severity_names=names("lint_severities"))  # fmt: skip

    @expose("/<int:vid>/cases")
    def cases(self, vid: int) -> Any:
        row = version_or_404(vid)
        model, problems = loaded(row)
        outcomes = run_cases(model) if model is not None else []
        positions = {c.name: i for i, c in enumerate(model.cases)} if model is not None else {}
        return self.render("admin/versions/cases.html", row=row, outcomes=outcomes, problems=problems,
                           positions=positions)  # fmt: skip

    @expose("/<int:vid>/publish", methods=["POST"])
    @requires("publisher")
    def publish(self, vid: int) -> Any:
        """Asks first (which version is in force when, each lint warning to tick); a refusal asks again, with what
        was typed and ticked kept."""
        row = version_or_404(vid)
        note = request.form.get("note", "")
        warnings = lint_warnings(row)
        ticked = set(request.form.getlist("ack"))
        if request.form.get("confirmed") != "1":
            return self._confirm_publish(row, note, warnings, ticked)
        pending = [f for f in warnings if f["key"] not in ticked]
        if pending:
            return self._confirm_publish(
                row, note, warnings, ticked, word("views_versions.tick_each", count=len(pending))
            )
        try:
            with unit_of_work.current().write() as session:
                user = get_user(session, current_user.username)
                done = rulesets.publish(session, vid, user, note, acknowledged={f["code"] for f in warnings})
                flash(word("views_versions.published", ref=done.ref, effective_from=done.effective_from), "success")
        except (ServiceError, RulesetError) as exc:
            return self._confirm_publish(version_or_404(vid), note, warnings, ticked, _message(exc))
        return redirect(url_for(".detail", vid=vid))

    def _confirm_publish(self, row: RulesetVersionRow, note: str, warnings: list[dict[str, str]], ticked: set[str],
                         error: str | None = None) -> Any:  # fmt: skip
        before, after = rulesets.in_force_timeline(get_session(), row, "published", dt.date.today())
        lines = [word("views_versions.publish_applies", ref=row.ref, effective_from=row.effective_from, year=row.year),
                 word("views_versions.publish_checks")]  # fmt: skip
        return self._confirm(
            row, word("views_versions.publish_title", ref=row.ref), "published", url_for(".publish", vid=row.id),
            lines, (before, after), {"label": word("views_versions.publish_note"), "value": note},
            word("views_versions.publish_button"), "success", error=error, warnings=warnings, ticked=ticked,
        )  # fmt: skip

    @expose("/<int:vid>/retire", methods=["POST"])
    @requires("publisher")
    def retire(self, vid: int) -> Any:
        """Asks first; a refusal asks again with the reason as typed."""
        row = version_or_404(vid)
        note = request.form.get("note", "")
        if request.form.get("confirmed") == "1":
            try:
                with unit_of_work.current().write() as session:
                    done = rulesets.retire(session, vid, get_user(session, current_user.username), note)
                    flash(word("views_versions.retired", ref=done.ref), "success")
                return redirect(url_for(".detail", vid=vid))
            except ServiceError as exc:
                error: str | None = _message(exc)
                row = version_or_404(vid)
        else:
            error = None
        before, after = rulesets.in_force_timeline(get_session(), row, "retired", dt.date.today())
        return self._confirm(
            row, word("views_versions.retire_title", ref=row.ref), "retired", url_for(".retire", vid=vid),
            [word("views_versions.retire_remains", ref=row.ref)], (before, after),
            {"label": word("views_versions.retire_reason"), "value": note}, word("views_versions.retire_button"),
            "danger", error=error,
        )  # fmt: skip

    def _confirm(self, row: RulesetVersionRow, title: str, status: str, action: str, lines: list[str],
                 timelines: tuple[Any, Any], note: dict[str, str], button: str, style: str, *, error: str | None = None,
                 warnings: list[dict[str, str]] | None = None, ticked: set[str] | None = None) -> Any:  # fmt: skip
        """The page that asks before publishing or retiring, showing which version is in force from which date."""
        if timelines[0] == timelines[1]:
            lines = [*lines, word("views_versions.in_force_unchanged", year=row.year)]
        after = (
            word("views_versions.after_publishing") if status == "published" else word("views_versions.after_retiring")
        )
        page = self.render("admin/versions/confirm.html", title=title, action=action, lines=lines,
                           timelines=[(word("views_versions.now"), timelines[0]), (after, timelines[1])],
                           hidden={}, note=note, button=button, style=style, error=error, warnings=warnings or [],
                           ticked=ticked or set(), back=url_for(".detail", vid=row.id))  # fmt: skip
        return page, 422 if error else 200

    @expose("/<int:vid>/delete", methods=["POST"])
    @requires("editor")
    def delete(self, vid: int) -> Any:
        try:
            with unit_of_work.current().write() as session:
                rulesets.delete_draft(session, vid, current_user.username)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".detail", vid=vid))
        flash(word("views_versions.draft_deleted"), "success")
        return redirect(url_for(".index"))

    @expose("/<int:vid>/export")
    def export(self, vid: int) -> Any:
        row = version_or_404(vid)
        try:
            text = rulesets.export_yaml(row)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".detail", vid=vid))
        name = f"{row.ruleset.code}-{row.year}-r{row.revision}.yaml"
        return Response(
            text, mimetype="application/x-yaml", headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )

    @expose("/<int:vid>/export.xlsx")
    def export_workbook(self, vid: int) -> Any:
        row = version_or_404(vid)
        try:
            data = version_workbook(rulesets.export_model(row))
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".detail", vid=vid))
        return download(data, f"{row.ruleset.code}-{row.year}-r{row.revision}.xlsx")
