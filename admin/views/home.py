"""The console's first page: what is in force, what is being drafted, what the user may do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import redirect, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from admin.application_actions import today as clock
from admin.auth import RoleMixin
from jifen.applications import workdays
from jifen.errors import NoVersionInForce
from jifen.standard import rulesets
from jifen.unit_of_work import get_session


class HomeView(RoleMixin, AdminIndexView):  # type: ignore[misc]
    roles = (*RoleMixin.roles, "department")

    @expose("/")
    def index(self) -> Any:
        if current_user.has("department"):  # a department's work is its queue; nothing else here is theirs
            return redirect(url_for("queue.index"))
        session = get_session()
        today = dt.date.today()
        # (year, the version in force today or None, the published version that comes into force later or None)
        in_force: list[tuple[int, Any, Any]] = []
        for year in (today.year, today.year + 1):
            try:
                current = rulesets.in_force(session, year, today)
            except NoVersionInForce:
                current = None
            later = [
                v for v in rulesets.list_versions(session, year=year, status="published") if v.effective_from > today
            ]
            in_force.append((year, current, min(later, key=lambda v: (v.effective_from, v.revision), default=None)))
        drafts = rulesets.list_versions(session, status="draft")
        missing = workdays.missing_years(workdays.load(session), clock())
        return self.render("admin/home.html", in_force=in_force, drafts=drafts, today=today, calendar_missing=missing)
