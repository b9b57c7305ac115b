"""待核查任务: a department user's queue (its open tasks, overdue first) and, per application, the claims beside
the verified values — confirm, correct or "not proven" each fact, with a note — or a request for 3 more working
days. Both call the service functions the API calls; a refusal is shown on the form in Chinese, typed values
kept."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose

from admin.application_actions import application_or_404, catalogue, department_of_user, problem_params, run, today
from admin.application_words import (
    KIND_NAMES,
    STATE_NAMES,
    control_problem,
    day_text,
    expected_text,
    fact_problem,
    label,
    problem_text,
)
from admin.auth import RoleMixin
from admin.views.access_log import reading
from admin.views.versions import _message
from admin.words import word
from engine.describe import value_text
from engine.model import FactField
from jifen import applications
from jifen.applications import Application, VerificationTask, queue, views
from jifen.errors import CodedError, ServiceError
from jifen.scoring import claims
from jifen.unit_of_work import get_session

CHOICES = ("confirm", "correct", "reject")
_INTEGER = re.compile(r"[+-]?\d{1,30}")
_DECIMAL = re.compile(r"[+-]?\d{1,30}(\.\d{1,30})?")


def form_value(field: FactField | None, raw: str) -> Any:
    """The value typed for a correction, as the API would receive it (``"12"`` → 12, ``"true"`` → true); text that
    is not of the field's type stays text, for the service to refuse."""
    text = raw.strip()
    kind = field.type if field is not None else "string"
    if kind == "bool":
        return {"true": True, "false": False}.get(text, text)
    if kind == "int" and _INTEGER.fullmatch(text):
        return int(text)
    if kind == "number" and _DECIMAL.fullmatch(text):
        try:
            return int(text) if _INTEGER.fullmatch(text) else Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
            return text
    return text


def _input_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value_text(value, None)


def _verified(tasks: list[VerificationTask], facts_of: Mapping[str, FactField], form: Mapping[str, str],
              ) -> tuple[dict[str, list[str]], dict[str, Any]]:  # fmt: skip
    """What the department found for each fact it checks (as claimed, refused, or corrected to a value), and the
    problems of what was chosen or typed, by fact."""
    errors: dict[str, list[str]] = {}
    verified: dict[str, Any] = {}
    for task in tasks:
        for name, claimed in task.claims.items():
            choice = form.get(f"choice_{name}", "confirm")
            raw = form.get(f"value_{name}", "")
            if choice == "correct" and control_problem(raw):
                errors.setdefault(name, []).append(control_problem(raw) or "")
            elif choice == "correct" and not raw.strip():
                errors.setdefault(
                    name, []
                ).append(  # named after the radio chosen: 更正 a claim, 查有记录 an unclaimed fact
                    word("views_department_queue.corrected_needs_value")
                    if claimed is not None
                    else word("views_department_queue.found_needs_value")
                )
            elif choice not in CHOICES:
                errors.setdefault(name, []).append(word("views_department_queue.choose_outcome"))
            verified[name] = {"confirm": claimed, "reject": None}.get(choice, form_value(facts_of.get(name), raw))
    return errors, verified


def _verify(app: Application, department: str | None, verified: dict[str, Any], note: str,
            facts_of: Mapping[str, FactField], errors: dict[str, list[str]], general: list[str],
            ) -> Application | None:  # fmt: skip
    """Record the department's findings; None when they are refused (the reasons put in ``errors``/``general``)."""
    ref, year = app.application_ref, app.year
    try:
        done: Application = run(lambda ctx: applications.verify(ctx, ref, year, department or "", verified, note))
    except CodedError as exc:
        general.append(problem_text(exc, problem_params(app, department)))
        for path in exc.errors:
            name = path.removeprefix("facts.")
            if path.startswith("facts.") and name in verified:
                errors.setdefault(name, []).append(fact_problem(facts_of.get(name), verified[name], True))
            elif path.startswith("facts."):
                general.append(f"{label(facts_of, name)}：{fact_problem(facts_of.get(name), None, False)}")
        return None
    except ServiceError as exc:
        general.append(word("views_department_queue.not_done", _message=_message(exc)))
        return None
    return done


class DepartmentQueueView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("department",)

    @expose("/")
    def index(self) -> Any:
        department, session, day = department_of_user(), get_session(), today()
        tasks = queue.department_queue(session, department, day) if department else []
        apps = views.applications_named(session, {t["application_ref"] for t in tasks})
        for key in sorted(apps):  # the queue shows the claims of the department's own tasks: each read is logged
            reading("console_queue", *key)
        for task in tasks:
            app = apps[(task["application_ref"], task["year"])]
            facts = catalogue(session, app)
            task["received_on"] = app.received_on
            task["claims_text"] = [
                (
                    label(facts, n),
                    value_text(v, facts.get(n)) if v is not None else word("views_department_queue.not_claimed"),
                )
                for n, v in task["claims"].items()
            ]
            task["overdue_days"] = (day - task["due"]).days if task["overdue"] else 0
        return self.render("admin/applications/queue.html", department=department, tasks=tasks, today=day,
                           kinds=KIND_NAMES, day_text=day_text)  # fmt: skip

    def _open_tasks(self, app: Application, department: str | None) -> list[VerificationTask]:
        """The department's tasks of the application's current round: 403 when it has none (another department's
        application), back to the queue when they are done."""
        mine = [t for t in app.tasks if t.round == app.round and department and claims.serves(t.department, department)]
        if not mine or app.state == "voided":
            abort(403)
        return [t for t in mine if t.status == "open"]

    @expose("/<int:year>/<path:application_ref>", methods=["GET", "POST"])
    def task(self, year: int, application_ref: str) -> Any:
        app = application_or_404(application_ref, year)
        department = department_of_user()
        tasks = self._open_tasks(app, department)
        if not tasks:
            kind = KIND_NAMES[views.ROUND_NAMES[app.round]]
            flash(word("views_department_queue.round_done", application_ref=application_ref, KIND_NAMES=kind), "info")
            return redirect(url_for(".index"))
        facts_of = catalogue(get_session(), app)
        form = request.form if request.method == "POST" else {}
        errors, verified = _verified(tasks, facts_of, form)
        general: list[str] = []
        note = form.get("note", "").strip()
        if control_problem(note):
            general.append(word("views_department_queue.note_problem", control_problem=control_problem(note)))
        if request.method == "POST" and not errors and not general:
            done = _verify(app, department, verified, note, facts_of, errors, general)
            if done is not None:
                flash(self._done_message(done), "success")
                return redirect(url_for(".index"))
        return self._render_task(app, tasks, facts_of, form, errors, general)

    @expose("/extend/<int:year>/<path:application_ref>", methods=["POST"])
    def extend(self, year: int, application_ref: str) -> Any:
        app = application_or_404(application_ref, year)
        department = department_of_user()
        tasks = self._open_tasks(app, department)
        if not tasks:
            return redirect(url_for(".index"))
        reason = request.form.get("reason", "").strip()
        extension_errors: list[str] = []
        if not reason:
            extension_errors.append(word("views_department_queue.reason_missing"))
        elif control_problem(reason):
            extension_errors.append(
                word("views_department_queue.reason_problem", control_problem=control_problem(reason))
            )
        else:
            try:
                extended = run(lambda ctx: applications.extend(ctx, application_ref, year, department or "", reason))
            except CodedError as exc:
                extension_errors.append(problem_text(exc, problem_params(app, department)))
            else:
                dues = "、".join(day_text(t.due) for t in extended.tasks if t.round == extended.round and t.extended_on)
                flash(word("views_department_queue.extended", application_ref=application_ref, dues=dues), "success")
                return redirect(url_for(".task", year=year, application_ref=application_ref))
        facts_of = catalogue(get_session(), app)
        return self._render_task(app, tasks, facts_of, {}, {}, [], extension_errors, reason)

    def _done_message(self, app: Application) -> str:
        text = word("views_department_queue.submitted", application_ref=app.application_ref)
        if app.state in ("scored", "published") and app.score_id:
            total = views.score_total(get_session(), app)
            points = value_text(total, None, "—") if total is not None else "—"
            text += word("views_department_queue.all_done_scored", points=points, STATE_NAMES=STATE_NAMES[app.state])
        else:
            pending = [t.department for t in app.tasks if t.round == app.round and t.status == "open"]
            text += word("views_department_queue.still_pending", join="、".join(pending))
        return text

    def _render_task(
        self,
        app: Application,
        tasks: list[VerificationTask],
        facts_of: Mapping[str, FactField],
        form: Mapping[str, str],
        errors: Mapping[str, list[str]],
        general: list[str],
        extension_errors: list[str] | None = None,
        reason: str = "",
    ) -> Any:
        day = today()
        reading("console_task", app.application_ref, app.year)
        rows = []
        for task in tasks:
            for name, claimed in task.claims.items():
                field = facts_of.get(name)
                options = None
                if field is not None and field.type == "enum":
                    options = list(zip(field.values, field.value_labels or field.values))
                elif field is not None and field.type == "bool":
                    options = [
                        ("true", word("views_department_queue.yes")),
                        ("false", word("views_department_queue.no")),
                    ]
                rows.append({
                    "name": name, "label": label(facts_of, name), "unit": task.department, "claimed": claimed,
                    "claimed_text": value_text(claimed, field, "—"), "choice": form.get(f"choice_{name}", "confirm"),
                    "value": form.get(f"value_{name}", _input_text(claimed)), "options": options,
                    "type": field.type if field else "string", "help": expected_text(field) if field else "",
                    "required": bool(field and field.required), "errors": errors.get(name, []),
                })  # fmt: skip
        kind = KIND_NAMES[views.ROUND_NAMES[app.round]]
        return self.render("admin/applications/task.html", app=app, tasks=tasks, rows=rows, kind=kind,
                           general=general, note=form.get("note", ""), extension_errors=extension_errors or [],
                           reason=reason, today=day, day_text=day_text,
                           channel=app.channel, state_names=STATE_NAMES)  # fmt: skip
