"""工作日历: the bureau's table of holidays and make-up working days (``calendar_days``) that corrects the holiday
package and extends it to the years it does not know; which years have holiday data at all. Publishers and
admins add and remove entries (each change is in the audit log); auditors look."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.application_actions import today
from admin.application_words import CALENDAR_KIND_NAMES, control_problem, day_text, local_time
from admin.auth import RoleMixin, allowed, requires
from admin.views.versions import _message
from admin.words import word
from jifen import unit_of_work
from jifen.applications import workdays
from jifen.errors import NotFound, ServiceError
from jifen.unit_of_work import get_session

NOTE_LENGTH = 200  # calendar_days.note
EDITORS = ("publisher", "admin")


def _year(raw: Any, default: int) -> int:
    try:
        year = int(raw)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _source_text(source: str | None) -> str:
    if source == workdays.PACKAGE:
        return word("views_calendar.state_council", PACKAGE=workdays.PACKAGE)
    if source is not None:
        return word("views_calendar.bureau_calendar")
    return ""


def _entry_errors(first: dt.date | None, last: dt.date | None, values: dict[str, str]) -> dict[str, str]:
    """What is wrong with a calendar entry as typed, by field."""
    errors: dict[str, str] = {}
    if first is None:
        errors["first"] = word("views_calendar.first_missing")
    if last is None:
        errors["last"] = word("views_calendar.last_invalid")
    elif first is not None and last < first:
        errors["last"] = word("views_calendar.last_before_first")
    elif first is not None and (last - first).days > 366:
        errors["last"] = word("views_calendar.at_most_a_year")
    if values["kind"] not in workdays.KINDS:
        errors["kind"] = word("views_calendar.choose_kind")
    if len(values["note"]) > NOTE_LENGTH:
        errors["note"] = word("views_calendar.note_too_long", NOTE_LENGTH=NOTE_LENGTH)
    elif control_problem(values["note"]):
        errors["note"] = word("views_calendar.note_problem", control_problem=control_problem(values["note"]))
    return errors


class CalendarView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("publisher", "auditor", "admin")

    @expose("/")
    def index(self) -> Any:
        return self._page(request.args.get("year"))

    def _page(self, year_text: Any, errors: dict[str, str] | None = None, values: dict[str, str] | None = None) -> Any:
        session, day = get_session(), today()
        year = _year(year_text, day.year + 1 if day.month == 12 else day.year)
        calendar = workdays.load(session)
        entries = []
        for entry in workdays.entries(session, year):
            package = None
            if calendar.source(entry.day.year) == workdays.PACKAGE:
                package = workdays.Calendar().is_workday(entry.day)
            entries.append({"day": entry.day, "day_text": day_text(entry.day), "kind": entry.kind,
                            "kind_name": CALENDAR_KIND_NAMES.get(entry.kind, entry.kind), "note": entry.note,
                            "by": entry.created_by, "at": local_time(entry.created_at), "package": package})  # fmt: skip
        first, last = workdays.PACKAGE_YEARS
        years = sorted({day.year - 1, day.year, day.year + 1, day.year + 2, year} | set(calendar.table_years))
        return self.render(
            "admin/applications/calendar.html",
            year=year,
            source=_source_text(calendar.source(year)),
            years=[(y, _source_text(calendar.source(y)), len(workdays.entries(session, y))) for y in years],
            entries=entries,
            package=workdays.PACKAGE,
            package_years=(first, last),
            may_edit=allowed(*EDITORS),
            calendar_missing=workdays.missing_years(calendar, day),
            kinds=CALENDAR_KIND_NAMES,
            errors=errors or {},
            values=values or {"first": "", "last": "", "kind": "holiday", "note": ""},
        )

    @expose("/add", methods=["POST"])
    @requires(*EDITORS)
    def add(self) -> Any:
        form = request.form
        values = {k: form.get(k, "").strip() for k in ("first", "last", "kind", "note", "year")}
        first = _date(values["first"])
        last = _date(values["last"]) if values["last"] else first
        errors = _entry_errors(first, last, values)
        if not errors:
            assert first is not None
            try:
                with unit_of_work.current().write() as session:
                    added = workdays.add_entries(session, first, last, values["kind"], values["note"],
                                                 current_user.username)  # fmt: skip
            except ServiceError as exc:
                errors["first"] = word("views_calendar.not_entered", _message=_message(exc))
            else:
                span = f"{first}" if first == last else word("views_calendar.span", first=first, last=last)
                flash(
                    word(
                        "views_calendar.entered",
                        len=len(added),
                        span=span,
                        CALENDAR_KIND_NAMES=CALENDAR_KIND_NAMES[values["kind"]],
                    ),
                    "success",
                )
                return redirect(url_for(".index", year=first.year))
        return self._page(first.year if first else values["year"], errors, values)

    @expose("/remove", methods=["POST"])
    @requires(*EDITORS)
    def remove(self) -> Any:
        day = _date(request.form.get("day", ""))
        if day is None:
            flash(word("views_calendar.invalid_day"), "error")
            return redirect(url_for(".index"))
        try:
            with unit_of_work.current().write() as session:
                workdays.remove_entries(session, day, None, current_user.username)
        except NotFound:
            flash(word("views_calendar.no_entry", day=day), "error")
        else:
            flash(word("views_calendar.removed", day_text=day_text(day)), "success")
        return redirect(url_for(".index", year=day.year))
