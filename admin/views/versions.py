"""Ruleset versions in the console: the standard as a readable table, draft editing, and the lifecycle actions."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Any

from flask import Response, abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy.orm import Session

from admin.auth import RoleMixin, requires
from admin.forms import TYPE_NAMES, edit_draft, fact_inputs, form_number, parse_facts, split_list, writing
from admin.i18n import zh, zh_path
from engine import FactsError, Problem, RulesetError, RulesetVersion, compile_version, run_cases
from engine.describe import item_sentence
from engine.facts import Invalid, converter
from engine.model import NUMERIC_TYPES, OPERATORS, FactField
from jifen.db import get_session
from jifen.errors import Conflict, ServiceError
from jifen.models import ConditionNodeRow, FactFieldRow, IndicatorRow, ItemRow, RulesetVersionRow, TestCaseRow
from jifen.rows import condition_rows
from jifen.services import rulesets
from jifen.services.users import get_user
from jifen.workbook import MIMETYPE, CellProblem, is_workbook, read_workbook, version_workbook

STATUS_NAMES = {"draft": "草稿", "published": "已发布", "retired": "已停用"}
OP_NAMES = {"==": "等于", "!=": "不等于", "<": "小于", "<=": "小于等于", ">": "大于", ">=": "大于等于", "in": "属于（多个值用顿号或逗号分隔）",
            "not_in": "不属于", "exists": "已填写", "not_exists": "未填写"}  # fmt: skip
CLAUSE_ROWS = 6


def _message(exc: Exception) -> str:
    if isinstance(exc, RulesetError):
        return "；".join(f"{zh_path(p.path)}：{zh(p.message)}" for p in exc.problems)
    reasons = getattr(exc, "reasons", [])
    head = zh(str(exc).split("\n")[0])
    return head + ("：" + "；".join(zh(r) for r in reasons) if reasons else "")


def problem_text(p: Problem) -> str:
    """A problem of an imported file in Chinese: a workbook's at its cell (「本市基础分指标!F12」), a YAML file's at
    its path."""
    if isinstance(p, CellProblem):
        return f"{p.path or '文件'}：{p.zh_message or zh(p.message)}"
    return f"{zh_path(p.path) or '文件'}：{zh(p.message)}"


def download(data: bytes, name: str) -> Response:
    """An Excel workbook as an attachment."""
    return Response(data, mimetype=MIMETYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _model(row: RulesetVersionRow) -> tuple[RulesetVersion | None, list[str]]:
    try:
        return rulesets.load_model(row), []
    except RulesetError as exc:
        return None, [f"{zh_path(p.path)}：{zh(p.message)}" for p in exc.problems]


def _catalogue(row: RulesetVersionRow) -> list[FactField]:
    """The draft's catalogue as engine fields, even when another part of the draft is not valid."""
    fields = []
    for f in row.facts:
        derived = None
        if f.derived_function:
            from engine.model import Derivation

            derived = Derivation(f.derived_function, f.derived_source or "", f.derived_at or "")
        fields.append(FactField(f.name, f.type, f.label, f.required, f.department, tuple(f.values or ()),  # type: ignore[arg-type]
                                tuple(f.value_labels or ()), f.min, f.max, derived, f.description))  # fmt: skip
    return fields


def _draft(session: Session, vid: int) -> RulesetVersionRow:
    row = rulesets.get_version(session, vid)
    if row.status != "draft":
        flash(f"{row.ref} {STATUS_NAMES[row.status]}，只有草稿可以修改", "error")
        abort(redirect(url_for("versions.detail", vid=vid)))
    return row


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
        model, problems = _model(row)
        sentences: dict[str, str] = {}
        if model is not None:
            sentences = {
                item.code: item_sentence(item, model.catalogue) for ind in model.indicators for item in ind.items
            }
        categories = {c.code: c for c in row.categories}
        return self.render("admin/versions/detail.html", row=row, problems=problems, sentences=sentences, categories=categories,
                           statuses=STATUS_NAMES, this_year=dt.date.today().year)  # fmt: skip

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
        _, problems = _model(row)
        if problems:
            flash(f"校验发现 {len(problems)} 个问题：" + "；".join(problems), "error")
        else:
            flash(f"{row.ref} 校验通过", "success")
        return redirect(url_for(".detail", vid=vid))

    @expose("/<int:vid>/cases")
    def cases(self, vid: int) -> Any:
        row = rulesets.get_version(get_session(), vid)
        model, problems = _model(row)
        outcomes = []
        if model is not None:
            outcomes = run_cases(model)
        ids = {c.name: c.id for c in row.cases}
        return self.render("admin/versions/cases.html", row=row, outcomes=outcomes, problems=problems, ids=ids, zh=zh)

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
                        with writing() as session:
                            row, created = rulesets.import_text(session, text, upload.filename, current_user.username)
                            vid, ref = row.id, row.ref
                    flash(f"{'已导入' if created else '内容相同，未改变：'} {ref}", "success")
                    return redirect(url_for(".detail", vid=vid))
                except UnicodeDecodeError:
                    problems.append("文件不是 UTF-8 编码的文本")
                except RulesetError as exc:
                    problems = [problem_text(p) for p in exc.problems]
                except ServiceError as exc:
                    problems.append(_message(exc))
        return self.render("admin/versions/import.html", problems=problems)

    # -- editing drafts -----------------------------------------------------------------------------------

    def _save(self, vid: int, what: str, change: Any, form_page: Any) -> Any:
        try:
            edit_draft(vid, request.form.get("lock_version", type=int) or 0, current_user.username, what, change)
        except Conflict as exc:
            flash(_message(exc), "error")
            return form_page()  # the page again, with what the editor typed: nothing is lost
        flash(f"已保存：{what}", "success")
        return None

    def _delete(self, vid: int, model: type[Any], row_id: int, what: str) -> None:
        """Remove one row of a draft (an item, a case, an indicator with its items, a catalogue field)."""
        _draft(get_session(), vid)

        def change(s: Session, r: RulesetVersionRow) -> None:
            target = s.get(model, row_id)
            if target is None or target.version_id != r.id:
                abort(404)
            s.delete(target)

        self._save(vid, what, change, lambda: None)

    @expose("/<int:vid>/edit", methods=["GET", "POST"])
    @requires("editor")
    def edit_meta(self, vid: int) -> Any:
        row = _draft(get_session(), vid)
        errors: dict[str, list[str]] = {}
        values = dict(request.form) if request.method == "POST" else {
            "title": row.title, "effective_from": row.effective_from.isoformat(), "legal_basis": row.legal_basis,
            "description": row.description, "lock_version": row.lock_version}  # fmt: skip

        def page() -> Any:
            return self.render("admin/versions/edit_meta.html", row=row, values=values, errors=errors)

        if request.method == "GET":
            return page()
        title = values.get("title", "").strip()
        if not title:
            errors["title"] = ["请填写标题"]
        try:
            effective = dt.date.fromisoformat(values.get("effective_from", ""))
        except ValueError:
            errors["effective_from"] = ["日期无效（格式为 年-月-日）"]
        if errors:
            return page()

        def change(_s: Session, r: RulesetVersionRow) -> None:
            r.title, r.effective_from = title, effective
            r.legal_basis, r.description = values.get("legal_basis", ""), values.get("description", "")

        return self._save(vid, "版本信息", change, page) or redirect(url_for(".detail", vid=vid))

    @expose("/<int:vid>/indicators/<int:ind_id>", methods=["GET", "POST"])
    @requires("editor")
    def edit_indicator(self, vid: int, ind_id: int) -> Any:
        session = get_session()
        row = _draft(session, vid)
        ind = session.get(IndicatorRow, ind_id)
        if ind is None or ind.version_id != row.id:
            abort(404)
        errors: dict[str, list[str]] = {}
        values = dict(request.form) if request.method == "POST" else {
            "name": ind.name, "cap": "" if ind.cap is None else str(ind.cap.normalize()), "departments": "、".join(ind.departments),
            "reference": ind.reference, "lock_version": row.lock_version}  # fmt: skip

        def page() -> Any:
            return self.render("admin/versions/edit_indicator.html", row=row, ind=ind, values=values, errors=errors)

        if request.method == "GET":
            return page()
        columns = _indicator_columns(values, errors)
        if errors:
            return page()

        def change(s: Session, r: RulesetVersionRow) -> None:
            target = s.get(IndicatorRow, ind_id)
            assert target is not None
            for key, value in columns.items():
                setattr(target, key, value)

        return self._save(vid, f"指标项 {ind.code}", change, page) or redirect(url_for(".detail", vid=vid))

    @expose("/<int:vid>/indicators/new", methods=["GET", "POST"])
    @requires("editor")
    def new_indicator(self, vid: int) -> Any:
        row = _draft(get_session(), vid)
        errors: dict[str, list[str]] = {}
        values = (
            dict(request.form)
            if request.method == "POST"
            else {"lock_version": row.lock_version, "category": request.args.get("category", "")}
        )

        def page() -> Any:
            return self.render("admin/versions/new_indicator.html", row=row, values=values, errors=errors)

        if request.method == "GET":
            return page()
        code = values.get("code", "").strip()
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", code):
            errors["code"] = ["编号只能由字母、数字、点、下划线或连字符组成"]
        elif code in {i.code for i in row.indicators}:
            errors["code"] = [f"编号 {code} 已被其他指标项使用"]
        if values.get("category") not in {c.code for c in row.categories}:
            errors["category"] = ["请选择所属类别"]
        columns = _indicator_columns(values, errors)
        if errors:
            return page()

        def change(s: Session, r: RulesetVersionRow) -> None:
            s.add(
                IndicatorRow(
                    version_id=r.id, position=len(r.indicators), code=code, category=values["category"], **columns
                )
            )

        return self._save(vid, f"新增指标项 {code}（请再为它新增赋分细则）", change, page) or redirect(
            url_for(".detail", vid=vid) + f"#indicator-{code}"
        )

    @expose("/<int:vid>/indicators/<int:ind_id>/delete", methods=["POST"])
    @requires("editor")
    def delete_indicator(self, vid: int, ind_id: int) -> Any:
        self._delete(vid, IndicatorRow, ind_id, "删除指标项及其细则")
        return redirect(url_for(".detail", vid=vid))

    @expose("/<int:vid>/facts/new", methods=["GET", "POST"])
    @requires("editor")
    def new_fact(self, vid: int) -> Any:
        row = _draft(get_session(), vid)
        errors: dict[str, list[str]] = {}
        values = dict(request.form) if request.method == "POST" else {"lock_version": row.lock_version, "type": "int"}

        def page() -> Any:
            return self.render("admin/versions/new_fact.html", row=row, values=values, errors=errors, types=TYPE_NAMES)

        if request.method == "GET":
            return page()
        name, label, kind = values.get("name", "").strip(), values.get("label", "").strip(), values.get("type", "")
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            errors["name"] = ["字段名只能由小写字母、数字和下划线组成，并以字母开头"]
        elif name in {f.name for f in row.facts}:
            errors["name"] = [f"字段 {name} 已存在"]
        if not label:
            errors["label"] = ["请填写名称"]
        if kind not in TYPE_NAMES:
            errors["type"] = ["请选择类型"]
        low = form_number(values, "min", "最小值", errors) if kind in NUMERIC_TYPES else None
        high = form_number(values, "max", "最大值", errors) if kind in NUMERIC_TYPES else None
        options, labels = split_list(values.get("values")), split_list(values.get("value_labels"))
        if kind == "enum":
            if not options or not all(re.fullmatch(r"[a-z][a-z0-9_]*", o) for o in options):
                errors["values"] = ["请填写可选值（小写字母、数字、下划线），用顿号分隔"]
            elif labels and len(labels) != len(options):
                errors["value_labels"] = [f"应为每个可选值各一个名称（共 {len(options)} 个）"]
        if errors:
            return page()

        def change(s: Session, r: RulesetVersionRow) -> None:
            s.add(FactFieldRow(version_id=r.id, position=len(r.facts), name=name, type=kind, label=label, required=values.get("required") == "true",
                               department=values.get("department", "").strip() or None, values=options if kind == "enum" else None,
                               value_labels=labels if kind == "enum" and labels else None, min=low, max=high))  # fmt: skip

        return self._save(vid, f"新增事实字段 {name}", change, page) or redirect(url_for(".detail", vid=vid) + "#facts")

    @expose("/<int:vid>/facts/<int:fact_id>/delete", methods=["POST"])
    @requires("editor")
    def delete_fact(self, vid: int, fact_id: int) -> Any:
        self._delete(vid, FactFieldRow, fact_id, "删除事实字段（引用它的条件须一并修改，校验会指出）")
        return redirect(url_for(".detail", vid=vid) + "#facts")

    def _item_form(self, row: RulesetVersionRow, item: ItemRow | None, ind: IndicatorRow) -> Any:
        fields = _catalogue(row)
        catalogue = {f.name: f for f in fields}
        errors: dict[str, list[str]] = {}
        values = dict(request.form) if request.method == "POST" else _item_values(item, row)

        def page() -> Any:
            return self.render("admin/versions/edit_item.html", row=row, item=item, ind=ind, values=values, errors=errors,
                               fields=fields, numeric=[f for f in fields if f.type in NUMERIC_TYPES], ops=OP_NAMES,
                               rows=range(CLAUSE_ROWS))  # fmt: skip

        if request.method == "GET":
            return page()
        parsed = _parse_item(
            values, catalogue, errors, {i.code for i in _all_items(row) if item is None or i.id != item.id}
        )
        if errors:
            return page()

        def change(s: Session, r: RulesetVersionRow) -> None:
            target = (
                s.get(ItemRow, item.id)
                if item is not None
                else ItemRow(version_id=r.id, indicator_id=ind.id, position=len(ind.items))
            )
            assert target is not None
            for key, value in parsed["columns"].items():
                setattr(target, key, value)
            target.condition = [_condition_row(parsed["condition"], r.id)] if parsed["condition"] else []
            if item is None:
                s.add(target)

        code = parsed["columns"]["code"]
        return self._save(row.id, f"赋分细则 {code}", change, page) or redirect(
            url_for(".detail", vid=row.id) + f"#item-{code}"
        )

    @expose("/<int:vid>/items/<int:item_id>", methods=["GET", "POST"])
    @requires("editor")
    def edit_item(self, vid: int, item_id: int) -> Any:
        session = get_session()
        row = _draft(session, vid)
        item = session.get(ItemRow, item_id)
        if item is None or item.version_id != row.id:
            abort(404)
        return self._item_form(row, item, item.indicator)

    @expose("/<int:vid>/indicators/<int:ind_id>/new-item", methods=["GET", "POST"])
    @requires("editor")
    def new_item(self, vid: int, ind_id: int) -> Any:
        session = get_session()
        row = _draft(session, vid)
        ind = session.get(IndicatorRow, ind_id)
        if ind is None or ind.version_id != row.id:
            abort(404)
        return self._item_form(row, None, ind)

    @expose("/<int:vid>/items/<int:item_id>/delete", methods=["POST"])
    @requires("editor")
    def delete_item(self, vid: int, item_id: int) -> Any:
        self._delete(vid, ItemRow, item_id, "删除赋分细则")
        return redirect(url_for(".detail", vid=vid))

    @expose("/<int:vid>/facts/<int:fact_id>", methods=["GET", "POST"])
    @requires("editor")
    def edit_fact(self, vid: int, fact_id: int) -> Any:
        session = get_session()
        row = _draft(session, vid)
        fact = session.get(FactFieldRow, fact_id)
        if fact is None or fact.version_id != row.id:
            abort(404)
        errors: dict[str, list[str]] = {}
        values = dict(request.form) if request.method == "POST" else {
            "label": fact.label, "required": "true" if fact.required else "false", "department": fact.department or "",
            "min": "" if fact.min is None else str(fact.min.normalize()), "max": "" if fact.max is None else str(fact.max.normalize()),
            "value_labels": "、".join(fact.value_labels or []), "lock_version": row.lock_version}  # fmt: skip

        def page() -> Any:
            return self.render("admin/versions/edit_fact.html", row=row, fact=fact, values=values, errors=errors)

        if request.method == "GET":
            return page()
        label = values.get("label", "").strip()
        if not label:
            errors["label"] = ["请填写名称"]
        low = form_number(values, "min", "最小值", errors) if fact.type in NUMERIC_TYPES else None
        high = form_number(values, "max", "最大值", errors) if fact.type in NUMERIC_TYPES else None
        labels = split_list(values.get("value_labels"))
        if fact.type == "enum" and labels and len(labels) != len(fact.values or []):
            errors["value_labels"] = [f"应为每个可选值各一个名称（共 {len(fact.values or [])} 个）"]
        if errors:
            return page()

        def change(s: Session, r: RulesetVersionRow) -> None:
            target = s.get(FactFieldRow, fact_id)
            assert target is not None
            target.label, target.required = label, values.get("required") == "true"
            target.department = values.get("department", "").strip() or None
            target.min, target.max = low, high
            if fact.type == "enum":
                target.value_labels = labels or None

        return self._save(vid, f"事实字段 {fact.name}", change, page) or redirect(
            url_for(".detail", vid=vid) + "#facts"
        )

    def _case_form(self, row: RulesetVersionRow, case: TestCaseRow | None) -> Any:
        fields = _catalogue(row)
        errors: dict[str, list[str]] = {}
        if request.method == "POST":
            values = dict(request.form)
        else:
            values = {"name": case.name if case else "", "as_of": case.as_of.isoformat() if case and case.as_of else "",
                      "lock_version": row.lock_version}  # fmt: skip
            if case is not None:
                values.update({f"fact_{k}": v for k, v in case.facts.items()})
                exp = case.expected
                values["exp_eligible"] = "" if exp.get("eligible") is None else str(exp["eligible"]).lower()
                values["exp_total"] = "" if exp.get("total") is None else str(exp["total"])
                values.update({f"exp_cat_{k}": str(v) for k, v in exp.get("categories", {}).items()})
                values.update({f"exp_ind_{k}": str(v) for k, v in exp.get("indicators", {}).items()})

        def page() -> Any:
            return self.render("admin/versions/edit_case.html", row=row, case=case, values=values, errors=errors,
                               inputs=fact_inputs(fields, {k[5:]: v for k, v in values.items() if k.startswith("fact_")}, errors))  # fmt: skip

        if request.method == "GET":
            return page()
        name = values.get("name", "").strip()
        if not name:
            errors["name"] = ["请填写用例名称"]
        elif name in {c.name for c in row.cases if case is None or c.id != case.id}:
            errors["name"] = [f"已有同名用例“{name}”"]
        as_of = None
        if values.get("as_of", "").strip():
            try:
                as_of = dt.date.fromisoformat(values["as_of"].strip())
            except ValueError:
                errors["as_of"] = ["日期无效（格式为 年-月-日）"]
        facts, fact_errors = parse_facts(fields, values)
        errors.update(fact_errors)
        if not fact_errors:
            model, _ = _model(row)
            if model is not None:
                try:
                    compile_version(model).validate(facts, as_of or dt.date.today())
                except FactsError as exc:
                    for field, messages in exc.errors.items():
                        errors.setdefault(field, []).extend(zh(m) for m in messages)
        expected: dict[str, Any] = {}
        if values.get("exp_eligible") in ("true", "false"):
            expected["eligible"] = values["exp_eligible"] == "true"
        total = form_number(values, "exp_total", "预期总分", errors, non_negative=True)
        if total is not None:
            expected["total"] = _plain(total)
        for key, codes in (
            ("categories", [c.code for c in row.categories]),
            ("indicators", [i.code for i in row.indicators]),
        ):
            part = {}
            for code in codes:
                field = f"exp_{key[:3]}_{code}"
                number = form_number(values, field, f"{code} 预期得分", errors)
                if number is not None:
                    part[code] = _plain(number)
            if part:
                expected[key] = part
        if not expected:
            errors["expected"] = ["请至少填写一项预期结果"]
        if errors:
            return page()
        plain_facts = {k: (_plain(v) if isinstance(v, Decimal) else v) for k, v in facts.items()}

        def change(s: Session, r: RulesetVersionRow) -> None:
            target = (
                s.get(TestCaseRow, case.id) if case is not None else TestCaseRow(version_id=r.id, position=len(r.cases))
            )
            assert target is not None
            target.name, target.as_of, target.facts, target.expected = name, as_of, plain_facts, expected
            if case is None:
                s.add(target)

        return self._save(row.id, f"测试用例 {name}", change, page) or redirect(url_for(".cases", vid=row.id))

    @expose("/<int:vid>/cases/<int:case_id>", methods=["GET", "POST"])
    @requires("editor")
    def edit_case(self, vid: int, case_id: int) -> Any:
        session = get_session()
        row = _draft(session, vid)
        case = session.get(TestCaseRow, case_id)
        if case is None or case.version_id != row.id:
            abort(404)
        return self._case_form(row, case)

    @expose("/<int:vid>/cases/new", methods=["GET", "POST"])
    @requires("editor")
    def new_case(self, vid: int) -> Any:
        return self._case_form(_draft(get_session(), vid), None)

    @expose("/<int:vid>/cases/<int:case_id>/delete", methods=["POST"])
    @requires("editor")
    def delete_case(self, vid: int, case_id: int) -> Any:
        self._delete(vid, TestCaseRow, case_id, "删除测试用例")
        return redirect(url_for(".cases", vid=vid))


# -- item form ---------------------------------------------------------------------------------------------


def _plain(value: Decimal) -> int | float:
    from engine.canonical import plain_number

    return plain_number(value)


def _indicator_columns(values: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    """An indicator's name, cap, departments and reference from its form; problems go into ``errors``."""
    name = values.get("name", "").strip()
    if not name:
        errors["name"] = ["请填写名称"]
    departments = split_list(values.get("departments"))
    if not departments:
        errors["departments"] = ["请至少填写一个责任部门"]
    reference = values.get("reference", "").strip()
    if not reference:
        errors["reference"] = ["请填写政策依据条款"]
    cap = form_number(values, "cap", "上限", errors, non_negative=True)
    return {"name": name, "cap": cap, "departments": departments, "reference": reference}


def _all_items(row: RulesetVersionRow) -> list[ItemRow]:
    return [item for ind in row.indicators for item in ind.items]


def _clauses(node: ConditionNodeRow | None) -> tuple[str, list[ConditionNodeRow], bool]:
    """An item's condition as (all/any, clause rows, whether it nests deeper than one group)."""
    if node is None:
        return "all", [], False
    if node.kind == "clause":
        return "all", [node], False
    nested = any(child.kind != "clause" for child in node.children)
    return node.kind, [c for c in node.children if c.kind == "clause"], nested


def _item_values(item: ItemRow | None, row: RulesetVersionRow) -> dict[str, Any]:
    values: dict[str, Any] = {"lock_version": row.lock_version, "points_kind": "fixed", "mode": "all"}
    if item is None:
        return values

    def text(d: Decimal | None) -> str:
        return "" if d is None else str(_plain(d))

    values.update({"code": item.code, "label": item.label, "points_kind": item.points_kind, "fixed": text(item.fixed_points),
                   "unit_field": item.unit_field or "", "rate": text(item.rate), "unit": text(item.unit), "offset": text(item.offset),
                   "cap": text(item.cap), "group": item.group or "", "reference": item.reference or ""})  # fmt: skip
    mode, clauses, nested = _clauses(item.condition[0] if item.condition else None)
    values["mode"] = mode
    values["nested"] = nested
    for i, clause in enumerate(clauses):
        values[f"field_{i}"] = clause.field or ""
        values[f"op_{i}"] = clause.op or ""
        value = clause.value
        if isinstance(value, list):
            value = "、".join(str(v).lower() if isinstance(v, bool) else str(v) for v in value)
        values[f"value_{i}"] = "" if value is None else (str(value).lower() if isinstance(value, bool) else str(value))
    return values


def _parse_item(
    values: dict[str, Any], catalogue: dict[str, FactField], errors: dict[str, list[str]], taken: set[str]
) -> dict[str, Any]:
    code = values.get("code", "").strip()
    if not code:
        errors["code"] = ["请填写编号"]
    elif code in taken:
        errors["code"] = [f"编号 {code} 已被其他细则使用"]
    label = values.get("label", "").strip()
    if not label:
        errors["label"] = ["请填写名称"]
    kind = values.get("points_kind")
    columns: dict[str, Any] = {"code": code, "label": label, "points_kind": kind, "fixed_points": None, "unit_field": None,
                               "rate": None, "unit": None, "offset": None}  # fmt: skip
    if kind == "fixed":
        columns["fixed_points"] = form_number(values, "fixed", "固定分值", errors, required=True, non_negative=True)
    elif kind == "per_unit":
        unit_field = values.get("unit_field", "")
        if unit_field not in catalogue or catalogue[unit_field].type not in NUMERIC_TYPES:
            errors["unit_field"] = ["请选择一个数值型事实字段"]
        columns["unit_field"] = unit_field
        columns["rate"] = form_number(values, "rate", "每单位分值", errors, required=True)
        columns["unit"] = form_number(values, "unit", "单位", errors, positive=True) or Decimal(1)
        columns["offset"] = form_number(values, "offset", "基础分", errors) or Decimal(0)
    else:
        errors["points_kind"] = ["请选择计分方式"]
    columns["cap"] = form_number(values, "cap", "本项上限", errors, non_negative=True)
    columns["group"] = values.get("group", "").strip() or None
    columns["reference"] = values.get("reference", "").strip() or None
    clauses = []
    for i in range(CLAUSE_ROWS):
        name, op, raw = (
            values.get(f"field_{i}", ""),
            values.get(f"op_{i}", ""),
            (values.get(f"value_{i}") or "").strip(),
        )
        if not name and not raw:
            continue
        key = f"clause_{i}"
        field = catalogue.get(name)
        if field is None:
            errors[key] = ["请选择字段"]
            continue
        if op not in OPERATORS:
            errors[key] = ["请选择运算符"]
            continue
        if op in ("exists", "not_exists"):
            clauses.append({"field": name, "op": op})
            continue
        if op in ("<", "<=", ">", ">=") and field.type not in ("int", "number", "date"):
            errors[key] = [f"“{OP_NAMES[op]}”只适用于数字或日期字段"]
            continue
        parts = split_list(raw) if op in ("in", "not_in") else [raw]
        if not parts or parts == [""]:
            errors[key] = ["请填写比较的值"]
            continue
        converted = []
        for part in parts:
            try:
                converted.append(_clause_value(field, part))
            except Invalid as exc:
                errors.setdefault(key, []).append(f"{part}：{zh(str(exc))}")
        if key not in errors:
            clauses.append({"field": name, "op": op, "value": converted if op in ("in", "not_in") else converted[0]})
    if kind == "fixed" and not clauses and not any(k.startswith("clause_") for k in errors):
        errors["clause_0"] = ["固定分值的细则需要至少一个条件"]
    mode = values.get("mode") if values.get("mode") in ("all", "any") else "all"
    condition: dict[str, Any] | None = None
    if len(clauses) == 1:
        condition = clauses[0]
    elif clauses:
        condition = {mode: clauses}
    return {"columns": columns, "condition": condition}


def _clause_value(field: FactField, raw: str) -> Any:
    """A condition value typed from its text, checked against the field's type (ranges are not checked)."""
    if field.type == "bool":
        if raw in ("true", "是"):
            return True
        if raw in ("false", "否"):
            return False
        raise Invalid("expected true or false, got " + raw)
    if field.type == "int":
        try:
            return converter(FactField(field.name, "int", field.label))(int(raw))
        except ValueError:
            raise Invalid(f"expected an integer, got the string {raw!r}") from None
    if field.type == "number":
        number = json.loads(raw) if raw.replace(".", "", 1).lstrip("-").isdigit() else raw
        value = converter(FactField(field.name, "number", field.label))(number)
        return _plain(value)  # type: ignore[arg-type]
    if field.type == "enum" and field.value_labels and raw in field.value_labels:
        raw = field.values[field.value_labels.index(raw)]
    value = converter(field)(raw)
    return value.isoformat() if isinstance(value, dt.date) else value


def _condition_row(cond: dict[str, Any], version_id: int) -> ConditionNodeRow:
    return condition_rows(cond, version_id)
