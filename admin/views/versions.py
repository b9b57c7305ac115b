"""Ruleset versions in the console: the standard as a readable table, its test cases, and the lifecycle actions.

Editing a draft is in ``drafts.py``; both read a version's content from its one document.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from flask import Response, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.auth import RoleMixin, requires
from admin.forms import writing
from admin.i18n import zh
from admin.problems import described
from engine import Problem, RulesetError, RulesetVersion, run_cases
from engine.describe import condition_sentence, item_sentence
from jifen.db import get_session
from jifen.errors import ServiceError
from jifen.models import RulesetVersionRow
from jifen.services import rulesets
from jifen.services.users import get_user
from jifen.workbook import MIMETYPE, CellProblem, is_workbook, read_workbook, version_workbook

STATUS_NAMES = {"draft": "草稿", "published": "已发布", "retired": "已停用"}


def _message(exc: Exception) -> str:
    """A service's refusal in Chinese: its message and reasons."""
    if isinstance(exc, RulesetError):
        return "；".join(described(p, None) for p in exc.problems)
    reasons = getattr(exc, "reasons", [])
    head = zh(str(exc).split("\n")[0])
    return head + ("：" + "；".join(zh(r) for r in reasons) if reasons else "")


def problem_text(p: Problem, doc: Any = None) -> str:
    """A problem of an imported file in Chinese: a workbook's at its cell (「本市基础分指标!F12」), a YAML file's at
    its place in ``doc``, the file's content as read."""
    if isinstance(p, CellProblem):
        return f"{p.path or '文件'}：{p.zh_message or zh(p.message)}"
    text = described(p, doc if isinstance(doc, dict) else None)
    return text if p.path else f"文件：{text}"


def _read_yaml(text: str) -> Any:
    """A YAML file's content, to name the places of its problems (None when it is not YAML at all)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


def range_text(fact: dict[str, Any]) -> str:
    """A catalogue field's range in words: 「1至5」, 「不小于0」, 「不大于100」."""
    low, high = fact.get("min"), fact.get("max")
    if low is not None and high is not None:
        return f"{low}至{high}"
    if low is not None:
        return f"不小于{low}"
    return f"不大于{high}" if high is not None else ""


def download(data: bytes, name: str) -> Response:
    """An Excel workbook as an attachment."""
    return Response(data, mimetype=MIMETYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def loaded(row: RulesetVersionRow) -> tuple[RulesetVersion | None, list[str]]:
    """The version's model, or None and its problems in Chinese (a draft from before drafts had to be valid)."""
    try:
        return rulesets.load_model(row), []
    except RulesetError as exc:
        doc = rulesets.document(row)
        return None, [described(p, doc) for p in exc.problems]


class VersionsView(RoleMixin, BaseView):  # type: ignore[misc]
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
        row = rulesets.get_version(get_session(), vid)
        model, problems = loaded(row)
        doc = rulesets.document(row)
        sentences: dict[str, str] = {}
        requirements: dict[str, str] = {}
        if model is not None:
            sentences = {
                item.code: item_sentence(item, model.catalogue) for ind in model.indicators for item in ind.items
            }
            requirements = {r.code: condition_sentence(r.when, model.catalogue) for r in model.eligibility}
        return self.render("admin/versions/detail.html", row=row, doc=doc, problems=problems, sentences=sentences,
                           requirements=requirements, range_text=range_text, statuses=STATUS_NAMES,
                           this_year=dt.date.today().year)  # fmt: skip

    # -- lifecycle ---------------------------------------------------------------------------------------

    @expose("/<int:vid>/clone", methods=["POST"])
    @requires("editor")
    def clone(self, vid: int) -> Any:
        year = request.form.get("year", type=int)
        try:
            with writing() as session:
                row = rulesets.clone(session, vid, current_user.username, year=year)
                new_id, ref = row.id, row.ref
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".detail", vid=vid))
        flash(f"已创建草稿 {ref}", "success")
        return redirect(url_for(".detail", vid=new_id))

    @expose("/<int:vid>/validate")
    def validate(self, vid: int) -> Any:
        row = rulesets.get_version(get_session(), vid)
        _, problems = loaded(row)
        if problems:
            flash(f"校验发现 {len(problems)} 个问题：" + "；".join(problems), "error")
        else:
            flash(f"{row.ref} 校验通过", "success")
        return redirect(url_for(".detail", vid=vid))

    @expose("/<int:vid>/cases")
    def cases(self, vid: int) -> Any:
        row = rulesets.get_version(get_session(), vid)
        model, problems = loaded(row)
        outcomes = run_cases(model) if model is not None else []
        positions = {c.name: i for i, c in enumerate(model.cases)} if model is not None else {}
        return self.render("admin/versions/cases.html", row=row, outcomes=outcomes, problems=problems,
                           positions=positions, zh=zh)  # fmt: skip

    @expose("/<int:vid>/publish", methods=["POST"])
    @requires("publisher")
    def publish(self, vid: int) -> Any:
        try:
            with writing() as session:
                row = rulesets.publish(
                    session, vid, get_user(session, current_user.username), request.form.get("note", "")
                )
                flash(f"已发布 {row.ref}，自 {row.effective_from} 起生效", "success")
        except (ServiceError, RulesetError) as exc:
            flash(_message(exc), "error")
        return redirect(url_for(".detail", vid=vid))

    @expose("/<int:vid>/retire", methods=["POST"])
    @requires("publisher")
    def retire(self, vid: int) -> Any:
        try:
            with writing() as session:
                row = rulesets.retire(
                    session, vid, get_user(session, current_user.username), request.form.get("note") or None
                )
                flash(f"已停用 {row.ref}", "success")
        except ServiceError as exc:
            flash(_message(exc), "error")
        return redirect(url_for(".detail", vid=vid))

    @expose("/<int:vid>/delete", methods=["POST"])
    @requires("editor")
    def delete(self, vid: int) -> Any:
        try:
            with writing() as session:
                rulesets.delete_draft(session, vid, current_user.username)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".detail", vid=vid))
        flash("草稿已删除", "success")
        return redirect(url_for(".index"))

    @expose("/<int:vid>/export")
    def export(self, vid: int) -> Any:
        row = rulesets.get_version(get_session(), vid)
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
        row = rulesets.get_version(get_session(), vid)
        try:
            data = version_workbook(rulesets.export_model(row))
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".detail", vid=vid))
        return download(data, f"{row.ruleset.code}-{row.year}-r{row.revision}.xlsx")

    @expose("/import", methods=["GET", "POST"])
    @requires("editor")
    def import_(self) -> Any:
        problems: list[str] = []
        content: Any = None
        if request.method == "POST":
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                problems.append("请选择一个 YAML 文件或 Excel 工作簿（.xlsx）")
            else:
                try:
                    if is_workbook(upload.filename):  # a workbook comes back from circulation as a draft
                        model = read_workbook(upload.read(), upload.filename)
                        with writing() as session:
                            row, created = rulesets.import_draft(session, model, upload.filename, current_user.username)
                            vid, ref = row.id, row.ref
                        if created and ref != model.ref:
                            flash(f"{model.ref} 已有不同内容，工作簿已导入为新的草稿 {ref}", "success")
                            return redirect(url_for(".detail", vid=vid))
                    else:
                        text = upload.read().decode("utf-8")
                        content = _read_yaml(text)
                        with writing() as session:
                            row, created = rulesets.import_text(session, text, upload.filename, current_user.username)
                            vid, ref = row.id, row.ref
                    flash(f"{'已导入' if created else '内容相同，未改变：'} {ref}", "success")
                    return redirect(url_for(".detail", vid=vid))
                except UnicodeDecodeError:
                    problems.append("文件不是 UTF-8 编码的文本")
                except RulesetError as exc:
                    problems = [problem_text(p, content) for p in exc.problems]
                except ServiceError as exc:
                    problems.append(_message(exc))
        return self.render("admin/versions/import.html", problems=problems)
