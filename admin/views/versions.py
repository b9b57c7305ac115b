"""Ruleset versions in the console: the standard as a readable table, its test cases, and the lifecycle actions.

Editing a draft is in ``drafts.py``; both read a version's content from its one document.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml
from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.auth import RoleMixin, requires
from admin.forms import writing
from admin.problems import described
from engine import Problem, RulesetError, RulesetVersion, run_cases
from engine.describe import condition_sentence, version_sentences
from jifen.access.users import get_user
from jifen.errors import Conflict, ImmutableVersion, NotFound, PermissionDenied, ServiceError
from jifen.standard import rulesets
from jifen.store.db import get_session
from jifen.store.models import RulesetVersionRow
from jifen.workbook import MIMETYPE, CellProblem, is_workbook, read_workbook, version_workbook

STATUS_NAMES = {"draft": "草稿", "published": "已发布", "retired": "已停用"}


# what a refusal from outside the catalogue (jifen/messages.py) says, by its kind
_GENERIC = ((PermissionDenied, "没有权限执行此操作"), (NotFound, "没有找到要操作的内容"),
            (ImmutableVersion, "已发布或已停用的版本不能修改"), (Conflict, "与已有的内容冲突，未能完成"))  # fmt: skip
_CJK = re.compile(r"[\u4e00-\u9fff]")


def _message(exc: Exception, doc: dict[str, Any] | None = None) -> str:
    """A service's refusal in Chinese, from the catalogues: its message and its reasons."""
    if isinstance(exc, RulesetError):
        return "；".join(described(p, doc) for p in exc.problems)
    said = getattr(exc, "said", None)
    if said is None:
        text = str(exc).split("\n")[0]
        if _CJK.search(text):  # a service that words its refusals in Chinese itself
            return text
        return next((zh for kind, zh in _GENERIC if isinstance(exc, kind)), "请求未能完成，请检查填写的内容")
    why = [described(w, doc) if isinstance(w, Problem) else w.text("zh") for w in getattr(exc, "why", [])]
    return said.text("zh") + ("：" + "；".join(why) if why else "")


def problem_text(p: Problem, doc: Any = None) -> str:
    """A problem of an imported file in Chinese: a workbook's at its cell (「本市基础分指标!F12」), a YAML file's at
    its place in ``doc``, the file's content as read."""
    if isinstance(p, CellProblem):
        return f"{p.path or '文件'}：{p.text('zh')}"
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
            flash(f"年度 {request.form.get('year', '')[:10]} 无效：年度应在2000至2100之间", "error")
            return redirect(url_for(".detail", vid=vid))
        published = rulesets.list_versions(get_session(), ruleset=row.ruleset.code, year=target, status="published")
        if published and request.form.get("confirmed") != "1":
            refs = "、".join(v.ref for v in published)
            return self.render(
                "admin/versions/confirm.html", title=f"克隆 {row.ref} 到 {target} 年度", action=url_for(".clone", vid=vid),
                lines=[f"{target} 年度已有已发布的版本：{refs}。",
                       f"克隆得到的是 {target} 年度的一个新修订（草稿）；它在发布前不会生效，发布后按生效日期取代或接续已发布的版本。"],
                timelines=[], hidden={"year": target}, note=None, button="确认克隆", back=url_for(".detail", vid=vid),
            )  # fmt: skip
        try:
            with writing() as session:
                new = rulesets.clone(session, vid, current_user.username, year=target)
                new_id, ref = new.id, new.ref
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".detail", vid=vid))
        flash(f"已创建草稿 {ref}", "success")
        return redirect(url_for(".detail", vid=new_id))

    @expose("/<int:vid>/validate")
    def validate(self, vid: int) -> Any:
        row = version_or_404(vid)
        _, problems = loaded(row)
        if problems:
            flash(f"校验发现 {len(problems)} 个问题：" + "；".join(problems), "error")
        else:
            flash(f"{row.ref} 校验通过", "success")
        return redirect(url_for(".detail", vid=vid))

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
        note = request.form.get("note", "")
        if request.form.get("confirmed") != "1":
            row = version_or_404(vid)
            before, after = rulesets.in_force_timeline(get_session(), row, "published", dt.date.today())
            return self._confirm(
                row, f"发布 {row.ref}", "published", url_for(".publish", vid=vid),
                [f"发布后 {row.ref} 不能再修改；它自 {row.effective_from} 起适用于 {row.year} 年度的积分（同一年度取生效日期"
                 "不晚于评分日期的最新版本）。", "发布前会再次校验并运行全部测试用例；未通过则不发布。"],
                (before, after), {"label": "发布说明（说明此版本改了什么、为什么）", "value": note}, "确认发布", "success",
            )  # fmt: skip
        try:
            with writing() as session:
                row = rulesets.publish(session, vid, get_user(session, current_user.username), note)
                flash(f"已发布 {row.ref}，自 {row.effective_from} 起生效", "success")
        except (ServiceError, RulesetError) as exc:
            flash(_message(exc), "error")
        return redirect(url_for(".detail", vid=vid))

    @expose("/<int:vid>/retire", methods=["POST"])
    @requires("publisher")
    def retire(self, vid: int) -> Any:
        note = request.form.get("note", "")
        if request.form.get("confirmed") != "1":
            row = version_or_404(vid)
            before, after = rulesets.in_force_timeline(get_session(), row, "retired", dt.date.today())
            return self._confirm(
                row, f"停用 {row.ref}", "retired", url_for(".retire", vid=vid),
                [f"停用后 {row.ref} 仍可查看，但不再对任何日期生效；已存档的积分不受影响。停用不能撤销。"],
                (before, after), {"label": "停用原因（必填）", "value": note}, "确认停用", "danger",
            )  # fmt: skip
        try:
            with writing() as session:
                row = rulesets.retire(session, vid, get_user(session, current_user.username), note)
                flash(f"已停用 {row.ref}", "success")
        except ServiceError as exc:
            flash(_message(exc), "error")
        return redirect(url_for(".detail", vid=vid))

    def _confirm(self, row: RulesetVersionRow, title: str, status: str, action: str, lines: list[str],
                 timelines: tuple[Any, Any], note: dict[str, str], button: str, style: str) -> Any:  # fmt: skip
        """The page that asks before publishing or retiring, showing which version is in force from which date."""
        before, after = timelines
        if before == after:
            lines = [*lines, f"{row.year} 年度生效的版本不会因此改变。"]
        return self.render("admin/versions/confirm.html", title=title, action=action, lines=lines,
                           timelines=[("现在", before), ("发布后" if status == "published" else "停用后", after)],
                           hidden={}, note=note, button=button, style=style,
                           back=url_for(".detail", vid=row.id))  # fmt: skip

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
