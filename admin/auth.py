"""Console login (Flask-Login), roles checked on the server for every view and action, throttled retries,
sessions that end on the server (logout, password change, deactivation)."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlparse

from flask import Blueprint, Flask, abort, flash, make_response, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError

from admin import errors, kept
from admin.words import word
from jifen import unit_of_work
from jifen.access import audit, logins, users
from jifen.access.users import User
from jifen.messages import ROLE_ZH
from jifen.security import cookies_secure
from jifen.unit_of_work import get_session

F = TypeVar("F", bound=Callable[..., Any])
ROLE_NAMES = ROLE_ZH  # the roles in Chinese, from the message catalogue
_SESSION_ID = re.compile(r"([0-9]{1,18}):([0-9]{1,18})")
_EXPIRED = "The CSRF token has expired."  # Flask-WTF's description of a token that was valid but is too old

login_manager = LoginManager()
bp = Blueprint("auth", __name__, url_prefix="/admin", template_folder="templates", static_folder="static",
               static_url_path="/console-static")  # fmt: skip


def clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ConsoleUser(UserMixin):  # type: ignore[misc]
    def __init__(self, user: User) -> None:
        # the session cookie keeps "id:epoch"; raising the user's epoch refuses every cookie issued before
        self.id = f"{user.id}:{user.session_epoch}"
        self.user_id = user.id
        self.username = user.username
        self.role = user.role

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    def has(self, *roles: str) -> bool:
        return self.role in roles


@login_manager.user_loader
def _load(session_id: str) -> ConsoleUser | None:
    match = _SESSION_ID.fullmatch(session_id)
    user = users.find_user(get_session(), int(match[1])) if match else None
    if user is None or not user.active or match is None or user.session_epoch != int(match[2]):
        return None
    return ConsoleUser(user)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = word("auth.log_in_first")
    app.register_blueprint(bp)
    app.register_blueprint(kept.bp)
    app.register_error_handler(CSRFError, _csrf_refused)


def _csrf_refused(exc: CSRFError) -> Any:
    """A form whose CSRF token has merely expired is kept and offered again; any other refusal stays a 400 (a form
    with no valid token is not this user's typing)."""
    if exc.description == _EXPIRED:
        offer = kept.csrf_expired()
        if offer is not None:
            return offer
    return errors.page(exc)


def allowed(*roles: str) -> bool:
    return bool(current_user.is_authenticated and current_user.has(*roles))


def requires(*roles: str) -> Callable[[F], F]:
    """Refuse (403) unless the logged-in user has one of ``roles``: for every action, not only the buttons."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return kept.to_login()
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
            return kept.to_login()
        abort(403)


def _safe_next(target: str | None) -> str:
    if target and not urlparse(target).netloc and target.startswith("/admin"):
        return target
    return url_for("admin.index")


def _login_page(status: int = 200) -> Any:
    """The login form; it warns when this connection cannot keep the (Secure) session cookie."""
    next_url = request.values.get("next", "")
    insecure = cookies_secure() and not request.is_secure
    return make_response(render_template("admin/login.html", next=next_url, insecure=insecure), status)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return _login_page()
    name = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    address, now, session = request.remote_addr, clock(), get_session()
    # The attempt is counted before the password is checked, known name or not (see jifen/access/throttle.py). One
    # session, hence one pooled connection, serves the whole request: reads, then a write transaction of its own.
    try:
        if (wait := logins.wait(session, name, address, now)) > 0:
            raise logins.Throttled(wait)
        with unit_of_work.current().write() as session:
            logins.reserve(session, name, address, now)
    except logins.Throttled as exc:
        seconds = max(1, math.ceil(exc.wait))
        flash(word("auth.throttled", seconds=seconds), "error")
        response = _login_page(429)
        response.headers["Retry-After"] = str(seconds)
        return response
    user = users.authenticate(session, name, password)
    with unit_of_work.current().write() as session:
        if user is None:
            ref = name if users.valid_username(name) else word("auth.invalid_name")
            audit.record(session, ref, "login_failed", "user", object_ref=ref)
        else:
            logins.succeeded(session, name, address, now)
            audit.record(session, name, "login", "user", object_id=user.id, object_ref=name)
    if user is None:
        flash(word("auth.wrong_password"), "error")
        return _login_page(401)
    cookie.pop(kept.FORMER_USER, None)
    login_user(ConsoleUser(user))
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout() -> Any:
    former = current_user.user_id if current_user.is_authenticated else None
    if former is not None:  # every session of this user ends, copied cookies included
        with unit_of_work.current().write() as session:
            users.end_sessions(session, former)
    logout_user()
    if former is not None:  # a form this browser sends later (another tab) is kept for this user
        cookie[kept.FORMER_USER] = former
    flash(word("auth.logged_out"), "info")
    return redirect(url_for("auth.login"))
