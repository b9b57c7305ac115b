"""The console's first page: what is in force, what is being drafted, what the user may do."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask_admin import AdminIndexView, expose

from admin.auth import RoleMixin
from jifen.db import get_session
from jifen.errors import NoVersionInForce
from jifen.services import rulesets


class HomeView(RoleMixin, AdminIndexView):  # type: ignore[misc]
    @expose("/")
    def index(self) -> Any:
        session = get_session()
        today = dt.date.today()
        in_force = []
        for year in (today.year, today.year + 1):
            try:
                in_force.append((year, rulesets.in_force(session, year, today)))
            except NoVersionInForce:
                in_force.append((year, None))
        drafts = rulesets.list_versions(session, status="draft")
        return self.render("admin/home.html", in_force=in_force, drafts=drafts, today=today)
