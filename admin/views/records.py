"""Records: stored scores and the audit log (read-only), users and API clients (admin)."""

from __future__ import annotations

import json
import warnings
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import ModelView, filters
from flask_login import current_user

from admin.audit_text import ACTION_NAMES, OBJECT_NAMES, actor_name, changes
from admin.auth import ROLE_NAMES, RoleMixin, requires
from admin.clock import local_time
from admin.views.access_log import reading
from admin.views.versions import _message
from admin.words import points, word
from engine.describe import value_text
from jifen import unit_of_work
from jifen.access import api_clients, departments, users
from jifen.access.audit import AuditEntry
from jifen.access.users import ROLES
from jifen.errors import ServiceError
from jifen.scoring import records
from jifen.scoring.scores import ScoreRow
from jifen.standard import rulesets
from jifen.unit_of_work import get_session


def _time(_view: Any, _context: Any, model: Any, name: str) -> str:
    return local_time(getattr(model, name))


def _named(names: dict[str, str]) -> Any:
    def formatter(_view: Any, _context: Any, model: Any, name: str) -> str | None:
        value: str | None = getattr(model, name)
        return names.get(value, value) if value is not None else None

    return formatter


def _model_view_init(view: ModelView, model: type, session: Any, **kwargs: Any) -> None:
    # Flask-Admin 2 prefers a Flask-SQLAlchemy object; this project uses plain SQLAlchemy sessions, which
    # Flask-Admin still supports (with a deprecation warning for version 3).
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Passing a session object directly is deprecated", DeprecationWarning)
        ModelView.__init__(view, model, session, **kwargs)


class _ReadOnly(RoleMixin, ModelView):  # type: ignore[misc]
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    can_export = False
    page_size = 50
    roles = ("auditor", "admin")


class ScoresView(_ReadOnly):
    """Stored scores: search by application, year, version; each with its facts, breakdown and a verify button."""

    column_list = (
        "created_at",
        "application_ref",
        "year",
        "total",
        "eligible",
        "content_hash",
        "client_name",
        "supersedes_id",
    )
    column_labels = {"created_at": word("views_records.time"), "application_ref": word("views_records.application_ref"), "year": word("views_records.year"), "total": word("views_records.total"), "eligible": word("views_records.eligible"),
                     "content_hash": word("views_records.content_hash"), "client_name": word("views_records.api_client"), "supersedes_id": word("views_records.supersedes"), "version_id": word("views_records.version"),
                     "id": word("views_records.record_id"), "as_of": word("views_records.as_of")}  # fmt: skip
    column_searchable_list = ("application_ref",)
    column_filters = ("year", "version_id", "eligible", "client_name",
                      filters.DateTimeGreaterFilter(ScoreRow.created_at, word("views_records.time_after")),
                      filters.DateTimeSmallerFilter(ScoreRow.created_at, word("views_records.time_before")))  # fmt: skip
    column_default_sort = ("created_at", True)
    details_template = "admin/score_details.html"
    # points as everywhere else in the console: 27, 187.5 (the column is NUMERIC(…, 2), which reads 27.00)
    column_formatters = {"content_hash": lambda v, c, m, p: m.content_hash[:19] + "…", "created_at": _time,
                         "total": lambda v, c, m, p: points(m.total)}  # fmt: skip

    def __init__(self, session: Any, **kwargs: Any) -> None:
        _model_view_init(self, ScoreRow, session, **kwargs)

    @expose("/verify/<score_id>", methods=["POST"])
    @requires("auditor", "admin")
    def verify(self, score_id: str) -> Any:
        try:
            verdict = records.verify(get_session(), score_id)
        except ServiceError:
            abort(404)
        if verdict["facts_erased_on"] is not None:
            flash(word("privacy_console.erased", day=verdict["facts_erased_on"]), "info")
        elif verdict["reproduced"]:
            flash(word("views_records.verified"), "success")
        else:
            flash(word("views_records.not_verified") + "；".join(verdict["differences"]), "error")
        return redirect(url_for(".details_view", id=score_id))

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            reading("console_score", model.application_ref, model.year, score_id=model.id, detail=True)
            kwargs["result"] = json.loads(model.result)
            kwargs["facts"] = json.loads(model.facts)
            kwargs["fact_rows"] = _fact_rows(model, kwargs["facts"])
        return super().render(template, **kwargs)


class AuditLogView(_ReadOnly):
    """Who changed what, when; before and after side by side."""

    column_list = ("at", "actor", "action", "object_type", "object_ref", "note")
    column_labels = {"at": word("views_records.time"), "actor": word("views_records.actor"), "action": word("views_records.action"), "object_type": word("views_records.object_type"), "object_ref": word("views_records.object"), "note": word("views_records.note"),
                     "before": word("views_records.before"), "after": word("views_records.after"), "object_id": word("views_records.object_id")}  # fmt: skip
    # by user, action (logins apart from changes), kind of object, version (its reference) and time
    column_filters = ("actor",
                      filters.FilterEqual(AuditEntry.action, word("views_records.action"), options=list(ACTION_NAMES.items())),
                      filters.FilterNotEqual(AuditEntry.action, word("views_records.action"), options=list(ACTION_NAMES.items())),
                      filters.FilterEqual(AuditEntry.object_type, word("views_records.object_type"), options=list(OBJECT_NAMES.items())),
                      "object_ref",
                      filters.DateTimeGreaterFilter(AuditEntry.at, word("views_records.time_after")),
                      filters.DateTimeSmallerFilter(AuditEntry.at, word("views_records.time_before")))  # fmt: skip
    column_searchable_list = ("object_ref", "actor")
    column_default_sort = ("at", True)
    details_template = "admin/audit_details.html"
    column_formatters = {"at": _time, "action": _named(ACTION_NAMES), "object_type": _named(OBJECT_NAMES),
                         "actor": lambda _v, _c, model, _n: actor_name(model.actor)}  # fmt: skip

    def __init__(self, session: Any, **kwargs: Any) -> None:
        _model_view_init(self, AuditEntry, session, **kwargs)

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs["actions"], kwargs["objects"] = ACTION_NAMES, OBJECT_NAMES
            kwargs["actor"] = actor_name(model.actor)
            kwargs["changes"] = changes(model.before, model.after, model.object_type)
            kwargs["record"] = changes(model.before, model.after, model.object_type, everything=True)
        return super().render(template, **kwargs)


def _fact_rows(score: ScoreRow, facts: Any) -> list[tuple[str, str, str]]:
    """A stored score's facts as (Chinese label, value as read, as sent): options by their names, 是/否."""
    try:
        catalogue = rulesets.load_model(score.version).catalogue
    except Exception:  # a stored score's version always loads; its facts are shown as sent if it did not
        catalogue = {}
    rows = []
    for name, value in facts.items() if isinstance(facts, dict) else []:
        field = catalogue.get(name)
        shown = value_text(value, field) if value is not None else word("views_records.not_given")
        rows.append((field.label if field else name, shown, json.dumps(value, ensure_ascii=False)))
    return rows


class UsersView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("admin",)

    @expose("/", methods=["GET", "POST"])
    def index(self) -> Any:
        if request.method == "POST":
            try:
                with unit_of_work.current().write() as session:
                    users.create_user(session, request.form.get("username", "").strip(), request.form.get("role", ""),
                                      request.form.get("password", ""), actor=current_user.username,
                                      department=request.form.get("department") or None)  # fmt: skip
                flash(word("views_records.user_created"), "success")
                return redirect(url_for(".index"))
            except ServiceError as exc:
                flash(_message(exc), "error")
        rows = users.list_users(get_session())
        return self.render(
            "admin/users.html",
            rows=rows,
            roles=ROLES,
            role_names=ROLE_NAMES,
            departments=departments.known(get_session()),
        )

    @expose("/<int:user_id>/active", methods=["POST"])
    @requires("admin")
    def toggle(self, user_id: int) -> Any:
        with unit_of_work.current().write() as session:
            user = users.find_user(session, user_id)
            if user is None:
                abort(404)
            if user.username == current_user.username:
                flash(word("views_records.not_yourself"), "error")
                return redirect(url_for(".index"))
            users.set_active(session, user, not user.active, actor=current_user.username)
        return redirect(url_for(".index"))


class ApiClientsView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("admin",)

    @expose("/", methods=["GET", "POST"])
    def index(self) -> Any:
        key = None
        if request.method == "POST":
            scopes = request.form.getlist("scope")
            try:
                with unit_of_work.current().write() as session:
                    _client, key = api_clients.create_client(
                        session, request.form.get("name", "").strip(), scopes, current_user.username
                    )
                flash(word("views_records.client_created"), "success")
            except ServiceError as exc:
                flash(_message(exc), "error")
        rows = api_clients.list_clients(get_session())
        return self.render("admin/api_clients.html", rows=rows, key=key)

    @expose("/<name>/revoke", methods=["POST"])
    @requires("admin")
    def revoke(self, name: str) -> Any:
        try:
            with unit_of_work.current().write() as session:
                api_clients.revoke_client(session, name, current_user.username)
            flash(word("views_records.client_revoked", name=name), "success")
        except ServiceError as exc:
            flash(_message(exc), "error")
        return redirect(url_for(".index"))
