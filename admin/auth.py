"""Console login (Flask-Login), roles checked on the server for every view and action, slowed-down retries."""

from __future__ import annotations

import datetime as dt
import functools
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import select

from jifen.db import get_session
from jifen.models import User
from jifen.services import audit, users

F = TypeVar("F", bound=Callable[..., Any])
ROLE_NAMES = {"editor": "编辑", "publisher": "发布人", "auditor": "审计", "admin": "管理员"}
FREE_ATTEMPTS = 3  # failed logins before each further attempt must wait
MAX_WAIT = dt.timedelta(minutes=15)

login_manager = LoginManager()
bp = Blueprint("auth", __name__, url_prefix="/admin", template_folder="templates")


class ConsoleUser(UserMixin):  # type: ignore[misc]
    def __init__(self, user: User) -> None:
        self.id = str(user.id)
        self.username = user.username
        self.role = user.role

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    def has(self, *roles: str) -> bool:
        return self.role in roles


@login_manager.user_loader
def _load(user_id: str) -> ConsoleUser | None:
    user = get_session().get(User, int(user_id)) if user_id.isdigit() else None
    return ConsoleUser(user) if user is not None and user.active else None


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录"
    app.register_blueprint(bp)


def allowed(*roles: str) -> bool:
    return bool(current_user.is_authenticated and current_user.has(*roles))


def requires(*roles: str) -> Callable[[F], F]:
    """Refuse (403) unless the logged-in user has one of ``roles``: for every action, not only the buttons."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            if not current_user.has(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


class RoleMixin:
    """Flask-Admin views: who may see the view at all (``roles``); actions check their own roles."""

    roles: tuple[str, ...] = ("editor", "publisher", "auditor", "admin")

    def is_accessible(self) -> bool:
        return allowed(*self.roles)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)


def _wait(user: User) -> float:
    """Seconds this user must still wait before the next attempt (0 when free)."""
    if user.failed_logins < FREE_ATTEMPTS or user.last_failed_login is None:
        return 0.0
    delay = min(dt.timedelta(seconds=2 ** (user.failed_logins - FREE_ATTEMPTS + 1)), MAX_WAIT)
    return max(0.0, (user.last_failed_login + delay - dt.datetime.now(dt.UTC)).total_seconds())


def _safe_next(target: str | None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/admin"):
        return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("admin/login.html", next=request.args.get("next", ""))
    session = get_session()
    name = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    user = session.scalar(select(User).where(User.username == name))
    if user is not None and (wait := _wait(user)) > 0:
        flash(f"登录失败次数过多，请 {int(wait) + 1} 秒后再试", "error")
        return render_template("admin/login.html", next=request.form.get("next", "")), 429
    checked = users.authenticate(session, name, password)
    if checked is None:
        time.sleep(0.5)  # every failure costs time, known user or not
        if user is not None:
            user.failed_logins += 1
            user.last_failed_login = dt.datetime.now(dt.UTC)
            audit.record(session, name, "login_failed", "user", object_id=user.id, object_ref=name)
            session.commit()
        flash("用户名或密码错误", "error")
        return render_template("admin/login.html", next=request.form.get("next", "")), 401
    checked.failed_logins = 0
    checked.last_failed_login = None
    audit.record(session, name, "login", "user", object_id=checked.id, object_ref=name)
    session.commit()
    login_user(ConsoleUser(checked))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Any:
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("auth.login"))
