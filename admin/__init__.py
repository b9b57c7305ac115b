"""Administration console (Flask-Admin) for bureau staff, in Chinese, at /admin."""

from __future__ import annotations

from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect

from admin import auth, words
from admin.clock import local_time
from admin.views.access_log import AccessLogView
from admin.views.applications import ApplicationsView
from admin.views.calendar import CalendarView
from admin.views.compare import CompareView
from admin.views.department_queue import DepartmentQueueView
from admin.views.drafts import DraftsView
from admin.views.home import HomeView
from admin.views.impact import ImpactView
from admin.views.issuers import IssuersView
from admin.views.lint import LintView
from admin.views.periods import PeriodsView
from admin.views.records import ApiClientsView, AuditLogView, ScoresView, UsersView
from admin.views.scenes import ScenesView  # scenes
from admin.views.tables import TablesView
from admin.views.tryit import TryItView
from admin.views.versions import VersionsView
from admin.words import word
from jifen.security import csp_nonce
from jifen.unit_of_work import model_view_session

LOCALE = "zh_Hans_CN"


csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    app.config.update(WTF_CSRF_TIME_LIMIT=8 * 3600)  # cookie flags: jifen/security.py
    Babel(app, locale_selector=lambda: LOCALE, timezone_selector=lambda: "Asia/Shanghai")
    app.jinja_env.filters["pts"] = words.points
    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["w"] = words.markup
    csrf.init_app(app)
    for name, blueprint in app.blueprints.items():  # the JSON API authenticates with bearer keys, not cookies
        if name == "api" or name.startswith("api."):
            csrf.exempt(blueprint)
    auth.init_app(app)
    console = Admin(
        app,
        name=word("console.title"),
        index_view=HomeView(name=word("console.home"), url="/admin", endpoint="admin"),
        theme=Bootstrap4Theme(base_template="admin/jifen_base.html"),
        csp_nonce_generator=csp_nonce,
    )
    console.add_view(VersionsView(name=word("console.versions"), endpoint="versions", url="/admin/versions"))
    console.add_view(DraftsView(name=word("console.drafts"), endpoint="drafts", url="/admin/drafts"))
    console.add_view(TablesView(name=word("console.tables"), endpoint="tables", url="/admin/tables"))
    console.add_view(CompareView(name=word("console.compare"), endpoint="compare", url="/admin/compare"))
    console.add_view(TryItView(name=word("console.tryit"), endpoint="tryit", url="/admin/tryit"))
    console.add_view(ImpactView(name=word("console.impact"), endpoint="impact", url="/admin/impact"))
    console.add_view(LintView(name=word("console.lint"), endpoint="lint", url="/admin/lint"))
    console.add_view(
        ApplicationsView(name=word("console.applications"), endpoint="applications", url="/admin/applications")
    )
    console.add_view(CalendarView(name=word("console.calendar"), endpoint="calendar", url="/admin/calendar"))
    console.add_view(PeriodsView(name=word("periods_console.menu"), endpoint="periods", url="/admin/periods"))
    console.add_view(ScenesView(name=word("scenes_console.menu"), endpoint="scenes", url="/admin/scenes"))  # scenes
    console.add_view(IssuersView(name=word("issuers_console.menu"), endpoint="issuers", url="/admin/issuers"))
    console.add_view(DepartmentQueueView(name=word("console.queue"), endpoint="queue", url="/admin/queue"))
    session = model_view_session(app)
    console.add_view(
        ScoresView(
            session,
            name=word("console.scores"),
            endpoint="scores",
            url="/admin/scores",
            category=word("console.records"),
        )
    )
    console.add_view(
        AuditLogView(
            session, name=word("console.audit"), endpoint="audit", url="/admin/audit", category=word("console.records")
        )
    )
    console.add_view(  # personal data: the facts access log
        AccessLogView(
            name=word("privacy_console.menu"),
            endpoint="access_log",
            url="/admin/access-log",
            category=word("console.records"),
        )
    )
    console.add_view(
        UsersView(name=word("console.users"), endpoint="users", url="/admin/users", category=word("console.system"))
    )
    console.add_view(
        ApiClientsView(
            name=word("console.api_clients"),
            endpoint="api_clients",
            url="/admin/api-clients",
            category=word("console.system"),
        )
    )
