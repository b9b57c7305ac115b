"""How the console's application pages reach the service: today's date in China, who acts, one lookup-or-404,
the version's fact catalogue, and a transition run in its own write transaction — the same service functions
the API calls (``jifen.applications``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, current_app
from flask_login import current_user

from admin.application_words import STATE_NAMES, VOID_REASON_NAMES
from engine.model import FactField
from jifen import applications, unit_of_work
from jifen.access import users
from jifen.applications import Actor, Application, Context, references, workdays
from jifen.errors import NotFound, ServiceError
from jifen.scoring import compiled
from jifen.statements import signing
from jifen.unit_of_work import Session, get_session


def today() -> dt.date:
    """Today in China; the application's ``TODAY`` setting (a callable) replaces the clock, as for the API."""
    clock = current_app.config.get("TODAY")
    return clock() if clock is not None else applications.china_today()


def department_of_user() -> str | None:
    """The department the logged-in user works for (users of the role ``department`` only)."""
    user = users.find_user(get_session(), current_user.user_id)
    return user.department if user is not None else None


def actor() -> Actor:
    return Actor("user", current_user.username, current_user.user_id, department_of_user())


def application_or_404(application_ref: str, year: int) -> Application:
    """The application named by a console URL; 404 for one that does not exist or that no reference could be
    (a NUL would fail in PostgreSQL, a huge year overflow its integer column)."""
    if not references.can_name(application_ref, year):
        abort(404)
    try:
        return applications.find(get_session(), application_ref, year)
    except NotFound:
        abort(404)


def catalogue(session: Session, app: Application) -> Mapping[str, FactField]:
    """The fact catalogue of the version the application is scored under (its labels, options, departments);
    empty when no version is in force any more, so that a page still shows the facts by their names."""
    try:
        ref = compiled.select_version(session, app.year, app.received_on)
        return compiled.compiled_for(session, ref).version.catalogue
    except ServiceError:
        return {}


def run(change: Callable[[Context], Application]) -> Application:
    """Run one transition as the logged-in user in its own write transaction, committed here."""
    who = actor()
    with unit_of_work.current().write() as session:
        signer = signing.signer_for(current_app)
        return change(Context(session, who, today(), workdays.load(session), signer))


def problem_params(app: Application, department: str | None) -> dict[str, Any]:
    """What the Chinese texts of the service's refusals may name about the application."""
    open_units = [t.department for t in app.tasks if t.round == app.round and t.status == "open"]
    return {"state": STATE_NAMES.get(app.state, app.state), "department": department or "—",
            "pending": "、".join(open_units) or "—", "published_on": app.published_on, "voided_on": app.voided_on,
            "void_reason": VOID_REASON_NAMES.get(app.void_reason or "", "—"), "objection_deadline": app.objection_deadline}  # fmt: skip
