"""Records: stored scores and the audit log (read-only), users and API clients (admin)."""

from __future__ import annotations

import json
import warnings
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.contrib.sqla import ModelView, filters
from flask_login import current_user
from sqlalchemy import select

from admin.auth import ROLE_NAMES, RoleMixin, requires
from admin.clock import local_time
from admin.forms import writing
from admin.problems import WORDS
from admin.views.versions import STATUS_NAMES, _message
from engine.describe import value_text
from jifen.access import api_clients, departments, users
from jifen.errors import ServiceError
from jifen.scoring import scores
from jifen.standard import rulesets
from jifen.store.db import get_session
from jifen.store.models import ROLES, ApiClient, AuditEntry, ScoreRow, User

ACTION_NAMES = {"edit": "修改", "import": "导入", "clone": "克隆", "publish": "发布", "retire": "停用", "delete": "删除",
                "create": "创建", "revoke": "吊销", "login": "登录", "login_failed": "登录失败", "logout": "退出",
                "set_password": "设置密码", "activate": "启用", "deactivate": "停用", "repair_chain": "修复复核链",
                "calendar_set": "设置日历", "calendar_remove": "删除日历条目"}  # fmt: skip
OBJECT_NAMES = {"version": "指标版本", "user": "用户", "api_client": "接口客户端", "score_chain": "复核链",
                "calendar_day": "工作日历", "application": "申请"}  # fmt: skip


def _time(_view: Any, _context: Any, model: Any, name: str) -> str:
    return local_time(getattr(model, name))


def _named(names: dict[str, str]) -> Any:
    def formatter(_view: Any, _context: Any, model: Any, name: str) -> str:
        value = getattr(model, name)
        return names.get(value, value)

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
    column_labels = {"created_at": "时间", "application_ref": "申请编号", "year": "年度", "total": "总分", "eligible": "具备资格",
                     "content_hash": "版本指纹", "client_name": "接口客户端", "supersedes_id": "复核前记录", "version_id": "版本",
                     "id": "记录编号", "as_of": "评分日期"}  # fmt: skip
    column_searchable_list = ("application_ref",)
    column_filters = ("year", "version_id", "eligible", "client_name",
                      filters.DateTimeGreaterFilter(ScoreRow.created_at, "时间晚于"),
                      filters.DateTimeSmallerFilter(ScoreRow.created_at, "时间早于"))  # fmt: skip
    column_default_sort = ("created_at", True)
    details_template = "admin/score_details.html"
    column_formatters = {"content_hash": lambda v, c, m, p: m.content_hash[:19] + "…", "created_at": _time}

    def __init__(self, session: Any, **kwargs: Any) -> None:
        _model_view_init(self, ScoreRow, session, **kwargs)

    @expose("/verify/<score_id>", methods=["POST"])
    @requires("auditor", "admin")
    def verify(self, score_id: str) -> Any:
        try:
            verdict = scores.verify(get_session(), score_id)
        except ServiceError:
            abort(404)
        if verdict["reproduced"]:
            flash("核验通过：按原版本重新计算，结果与存档完全一致", "success")
        else:
            flash("核验未通过：" + "；".join(verdict["differences"]), "error")
        return redirect(url_for(".details_view", id=score_id))

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs["result"] = json.loads(model.result)
            kwargs["facts"] = json.loads(model.facts)
            kwargs["fact_rows"] = _fact_rows(model, kwargs["facts"])
        return super().render(template, **kwargs)


class AuditLogView(_ReadOnly):
    """Who changed what, when; before and after side by side."""

    column_list = ("at", "actor", "action", "object_type", "object_ref", "note")
    column_labels = {"at": "时间", "actor": "操作人", "action": "操作", "object_type": "对象类型", "object_ref": "对象", "note": "说明",
                     "before": "修改前", "after": "修改后", "object_id": "对象编号"}  # fmt: skip
    # by user, action (logins apart from changes), kind of object, version (its reference) and time
    column_filters = ("actor",
                      filters.FilterEqual(AuditEntry.action, "操作", options=list(ACTION_NAMES.items())),
                      filters.FilterNotEqual(AuditEntry.action, "操作", options=list(ACTION_NAMES.items())),
                      filters.FilterEqual(AuditEntry.object_type, "对象类型", options=list(OBJECT_NAMES.items())),
                      "object_ref",
                      filters.DateTimeGreaterFilter(AuditEntry.at, "时间晚于"),
                      filters.DateTimeSmallerFilter(AuditEntry.at, "时间早于"))  # fmt: skip
    column_searchable_list = ("object_ref", "actor")
    column_default_sort = ("at", True)
    details_template = "admin/audit_details.html"
    column_formatters = {"at": _time, "action": _named(ACTION_NAMES), "object_type": _named(OBJECT_NAMES)}

    def __init__(self, session: Any, **kwargs: Any) -> None:
        _model_view_init(self, AuditEntry, session, **kwargs)

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs["before"] = (
                json.dumps(model.before, ensure_ascii=False, indent=1) if model.before is not None else ""
            )
            kwargs["after"] = json.dumps(model.after, ensure_ascii=False, indent=1) if model.after is not None else ""
            kwargs["actions"], kwargs["objects"] = ACTION_NAMES, OBJECT_NAMES
            kwargs["changes"] = changes(model.before, model.after)
        return super().render(template, **kwargs)


def _flat(value: Any, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """A JSON value as {path: leaf}; list entries named by their code or name when they have one."""
    if isinstance(value, dict):
        out: dict[tuple[str, ...], Any] = {}
        for key, item in value.items():
            out.update(_flat(item, (*path, str(key))))
        return out or {path: {}}
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        out = {}
        for i, item in enumerate(value):
            name = item.get("code") or item.get("name") if isinstance(item, dict) else None
            out.update(_flat(item, (*path, str(name) if name else f"第{i + 1}项")))
        return out
    return {path: value}


def _leaf(value: Any) -> str:
    if value is None:
        return "（无）"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(_leaf(v) for v in value) or "（空）"
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)


def changes(before: Any, after: Any) -> list[tuple[str, str, str]]:
    """What an audit entry changed, as (which, old, new): 「条件 › 值：10 → 12」, only what differs."""
    old, new = _flat(before) if before is not None else {}, _flat(after) if after is not None else {}
    rows = []
    for path in sorted(old.keys() | new.keys(), key=lambda p: (p not in old, p)):
        if old.get(path, None) != new.get(path, None) or (path in old) != (path in new):
            which = " › ".join(WORDS.get(part, part) for part in path) or "（整体）"
            shown = [_leaf(side.get(path)) if path in side else "（无）" for side in (old, new)]
            if path[-1:] == ("status",):
                shown = [STATUS_NAMES.get(v, v) for v in shown]
            rows.append((which, shown[0], shown[1]))
    return rows


def _fact_rows(score: ScoreRow, facts: Any) -> list[tuple[str, str, str]]:
    """A stored score's facts as (Chinese label, value as read, as sent): options by their names, 是/否."""
    try:
        catalogue = rulesets.load_model(score.version).catalogue
    except Exception:  # a stored score's version always loads; its facts are shown as sent if it did not
        catalogue = {}
    rows = []
    for name, value in facts.items() if isinstance(facts, dict) else []:
        field = catalogue.get(name)
        shown = value_text(value, field) if value is not None else "（未填写）"
        rows.append((field.label if field else name, shown, json.dumps(value, ensure_ascii=False)))
    return rows


class UsersView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("admin",)

    @expose("/", methods=["GET", "POST"])
    def index(self) -> Any:
        if request.method == "POST":
            try:
                with writing() as session:
                    users.create_user(session, request.form.get("username", "").strip(), request.form.get("role", ""),
                                      request.form.get("password", ""), actor=current_user.username,
                                      department=request.form.get("department") or None)  # fmt: skip
                flash("已创建用户", "success")
                return redirect(url_for(".index"))
            except ServiceError as exc:
                flash(_message(exc), "error")
        rows = list(get_session().scalars(select(User).order_by(User.username)))
        return self.render("admin/users.html", rows=rows, roles=ROLES, role_names=ROLE_NAMES,
                           departments=departments.known(get_session()))

    @expose("/<int:user_id>/active", methods=["POST"])
    @requires("admin")
    def toggle(self, user_id: int) -> Any:
        with writing() as session:
            user = session.get(User, user_id)
            if user is None:
                abort(404)
            if user.username == current_user.username:
                flash("不能停用自己的账号", "error")
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
                with writing() as session:
                    _client, key = api_clients.create_client(
                        session, request.form.get("name", "").strip(), scopes, current_user.username
                    )
                flash("已创建接口客户端。密钥只显示这一次，请立即复制并妥善保存。", "success")
            except ServiceError as exc:
                flash(_message(exc), "error")
        rows = list(get_session().scalars(select(ApiClient).order_by(ApiClient.name)))
        return self.render("admin/api_clients.html", rows=rows, key=key)

    @expose("/<name>/revoke", methods=["POST"])
    @requires("admin")
    def revoke(self, name: str) -> Any:
        try:
            with writing() as session:
                api_clients.revoke_client(session, name, current_user.username)
            flash(f"已吊销 {name} 的密钥", "success")
        except ServiceError as exc:
            flash(_message(exc), "error")
        return redirect(url_for(".index"))
