"""No typing lost when a console session ends: a form sent without a session (or with an expired CSRF token) is
kept for the user it belonged to, and offered again — every field as it was typed — once they are logged in.

The fields go back to the address they were sent to only when the user presses 「继续保存」: the draft may have
changed meanwhile, and that save is checked (and merged, or refused with the typing kept) like any other.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask import session as cookie
from flask_login import current_user

from admin.words import word
from jifen import unit_of_work
from jifen.access import kept_forms
from jifen.unit_of_work import get_session

bp = Blueprint("kept", __name__, url_prefix="/admin/kept", template_folder="templates")
_SESSION_USER = re.compile(r"([0-9]{1,18}):[0-9]{1,18}")
FORMER_USER = "_former_user"  # set at logout: whose typing a form sent after it belongs to
_NOT_KEPT = frozenset({"csrf_token"})  # a fresh one is sent with the kept fields


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def former_user() -> int | None:
    """The console user this browser's session belonged to, although it has ended (None: nobody)."""
    match = _SESSION_USER.fullmatch(str(cookie.get("_user_id", "")))
    if match:
        return int(match[1])
    former = cookie.get(FORMER_USER)
    return former if isinstance(former, int) else None


def keep_sent_form(user_id: int | None) -> str | None:
    """Keep this request's form for ``user_id``; the address that offers it again (None: nothing kept)."""
    if request.method != "POST" or user_id is None:
        return None
    fields = [(name, value) for name, value in request.form.items(multi=True) if name not in _NOT_KEPT]
    with unit_of_work.current().write() as session:
        token = kept_forms.keep(session, user_id, request.full_path.rstrip("?"), fields, _now())
    return url_for("kept.offer", token=token) if token else None


def to_login() -> Any:
    """The login page for a request without a session; a form it carried is kept first, and offered after login."""
    offer = keep_sent_form(former_user())
    if offer is not None:
        flash(word("kept.session_ended"), "warning")
    return redirect(url_for("auth.login", next=offer or request.full_path))


def csrf_expired() -> Any:
    """A form whose CSRF token has expired (the page stood open too long): kept, and offered again."""
    user = current_user.user_id if current_user.is_authenticated else former_user()
    offer = keep_sent_form(user)
    if offer is None:
        return None
    flash(word("kept.token_expired"), "warning")
    return redirect(offer if current_user.is_authenticated else url_for("auth.login", next=offer))


@bp.get("/<token>")
def offer(token: str) -> Any:
    """What was typed, ready to be sent again to where it was going."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.full_path))
    kept = kept_forms.find(get_session(), token, current_user.user_id, _now())
    if kept is None:
        abort(404)
    return render_template("admin/kept.html", kept=kept)


@bp.post("/<token>/discard")
def discard(token: str) -> Any:
    """Give the kept typing up."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    with unit_of_work.current().write() as session:
        kept = kept_forms.find(session, token, current_user.user_id, _now())
        if kept is None:
            abort(404)
        path = kept.path
        kept_forms.discard(session, token, current_user.user_id)
    flash(word("kept.discarded"), "info")
    return redirect(path)
