"""申请时间: the periods in which new applications of a year are received, as the centre publishes them (policy
§四(一)). Publishers and admins add and remove periods (each change in the audit log); auditors look."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.application_actions import today
from admin.application_words import local_time, period_text
from admin.auth import RoleMixin, allowed, requires
from admin.words import names, word
from jifen import unit_of_work
from jifen.applications import periods
from jifen.unit_of_work import get_session

EDITORS = ("publisher", "admin")
PROBLEMS = names("periods_problems")
FIELDS = ("year", "starts_on", "ends_on", "note")


def _year(raw: Any, default: int) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return default
    return year if periods.FIRST_YEAR <= year <= periods.LAST_YEAR else default


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None


def problem(exc: periods.PeriodRefused) -> str:
    """The service's refusal in Chinese, by its code."""
    params = dict(exc.params)
    if "starts_on" in params and "ends_on" in params:
        params["period"] = period_text(params["starts_on"], params["ends_on"])
    return PROBLEMS.get(exc.code, word("periods_console.not_saved")).format(**params)


def _typed_errors(values: dict[str, str]) -> dict[str, str]:
    """What the form's fields lack before the service is asked, by field."""
    errors: dict[str, str] = {}
    if not values["year"].isdigit() or _year(values["year"], 0) == 0:
        errors["year"] = word("periods_console.year_invalid", first=periods.FIRST_YEAR, last=periods.LAST_YEAR)
    for name in ("starts_on", "ends_on"):
        if _date(values[name]) is None:
            errors[name] = word("periods_console.date_invalid")
    return errors


def _row(period: periods.Period) -> dict[str, Any]:
    return {"id": period.id, "text": period_text(period.starts_on, period.ends_on), "span": period.span(),
            "note": period.note, "by": period.created_by, "at": local_time(period.created_at)}  # fmt: skip


class PeriodsView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("publisher", "auditor", "admin")

    @expose("/")
    def index(self) -> Any:
        return self._page(request.args.get("year"))

    def _page(self, year_text: Any, errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Any:
        session, day = get_session(), today()
        year = _year(year_text, day.year)
        every = periods.by_year(periods.listed(session))
        shown = sorted({day.year - 1, day.year, day.year + 1, year} | set(every))
        years = [(y, [period_text(p.starts_on, p.ends_on) for p in every.get(y, [])]) for y in shown]
        return self.render(
            "admin/periods.html",
            year=year,
            this_year=day.year,
            years=years,
            rows=[_row(p) for p in every.get(year, [])],
            may_edit=allowed(*EDITORS),
            errors=errors or {},
            values=values or {"year": str(year), "starts_on": "", "ends_on": "", "note": ""},
        )

    @expose("/add", methods=["POST"])
    @requires(*EDITORS)
    def add(self) -> Any:
        values = {k: request.form.get(k, "").strip() for k in FIELDS}
        errors = _typed_errors(values)
        if not errors:
            starts_on, ends_on = _date(values["starts_on"]), _date(values["ends_on"])
            assert starts_on is not None and ends_on is not None
            try:
                with unit_of_work.current().write() as session:
                    added = periods.add(session, int(values["year"]), starts_on, ends_on, values["note"],
                                        current_user.username)  # fmt: skip
            except periods.PeriodRefused as exc:
                field = next((f for f in FIELDS if f in exc.errors), "starts_on")
                errors[field] = problem(exc)
            else:
                flash(word("periods_console.added", year=added.year, period=period_text(added.starts_on,
                                                                                         added.ends_on)), "success")  # fmt: skip
                return redirect(url_for(".index", year=added.year))
        return self._page(values["year"], errors, values)

    @expose("/remove/<int:period_id>", methods=["GET"])
    @requires(*EDITORS)
    def confirm_remove(self, period_id: int) -> Any:
        """Ask before a period is withdrawn (a page of its own: it works without scripts)."""
        found = next((p for p in periods.listed(get_session()) if p.id == period_id), None)
        if found is None:
            abort(404)
        return self.render("admin/periods_remove.html", period=_row(found), year=found.year)

    @expose("/remove/<int:period_id>", methods=["POST"])
    @requires(*EDITORS)
    def remove(self, period_id: int) -> Any:
        try:
            with unit_of_work.current().write() as session:
                gone = periods.remove(session, period_id, current_user.username)
        except periods.PeriodRefused as exc:
            flash(problem(exc), "error")
            return redirect(url_for(".index", year=request.form.get("year")))
        flash(word("periods_console.removed", year=gone.year, period=period_text(gone.starts_on, gone.ends_on)),
              "success")  # fmt: skip
        return redirect(url_for(".index", year=gone.year))
