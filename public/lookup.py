"""积分查询 (``/lookup``): the applicant enters the application reference, the year and the lookup code printed on
their receipt and sees the state, each department's progress, the score, the objection deadline and the validity.

No login and no session: the form posts ``application_ref``, ``year`` and ``code`` to ``/lookup`` and the answer is
the page itself (no-store). A wrong reference and a wrong code get the same page with the same status (404), after
the same work (``jifen.applications.lookup.find``). Every attempt is counted per reference and per client address
in the database before the code is checked; a throttled one answers 429 with the time to try again.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import Response, current_app, request

from jifen import unit_of_work
from jifen.applications import applicant_view, lookup
from jifen.applications.state import CHINA
from jifen.words import names, word
from public.blueprint import bp
from public.pages import private, render, today
from public.verify import statement_receipt

REFERENCE_MAX = 64
STATE_NAMES = names("public_lookup_states")
STATE_NOTES = names("public_lookup_state_notes")
SCORE_KINDS = names("public_lookup_scores")
TASK_STATUSES = names("public_lookup_tasks")
TASK_KINDS = names("public_lookup_kinds")
VOID_REASONS = names("public_lookup_void_reasons")


def clock() -> dt.datetime:
    """Now (UTC), for the attempts' counters."""
    return dt.datetime.now(dt.UTC)


def day_text(day: dt.date | None) -> str:
    """A date as an applicant writes it: 2026年3月5日."""
    return "" if day is None else word("public_lookup.date", year=day.year, month=day.month, day=day.day)


def _form(status: int, errors: list[str] | None = None, **values: Any) -> Response:
    page = render(
        "public/lookup.html",
        title=word("public_lookup.title"),
        crumbs=[],
        errors=errors or [],
        this_year=today().year,
        values={"application_ref": "", "year": "", **values},
    )
    return private(page, status)


@bp.get("/lookup")
def lookup_form() -> Response:
    """The empty form."""
    return _form(200)


def _read_form() -> tuple[str, int | None, str, list[str]]:
    """The reference, the year and the code as typed, and what is missing."""
    reference = request.form.get("application_ref", "").strip()[:REFERENCE_MAX]
    year_text = request.form.get("year", "").strip()
    code = request.form.get("code", "")
    year = int(year_text) if year_text.isascii() and year_text.isdigit() and len(year_text) == 4 else None
    errors = []
    if not reference:
        errors.append(word("public_lookup.missing_ref"))
    if year is None:
        errors.append(word("public_lookup.missing_year", year=today().year))
    if not lookup.normalized(code):
        errors.append(word("public_lookup.missing_code"))
    return reference, year, code, errors


def _throttled(seconds: float) -> Response:
    """429: the page says when to try again — in seconds for a short wait, else in minutes and the time."""
    wait = max(1, math.ceil(seconds))
    later = clock() + dt.timedelta(seconds=wait)
    later += dt.timedelta(seconds=-later.second % 60, microseconds=-later.microsecond)  # the next whole minute
    if wait < 120:
        when = word("public_lookup.throttled_seconds", seconds=wait)
    else:
        when = word(
            "public_lookup.throttled", minutes=math.ceil(wait / 60), until=later.astimezone(CHINA).strftime("%H:%M")
        )
    page = render(
        "public/lookup_throttled.html",
        title=word("public_lookup.throttled_title"),
        crumbs=[(word("public_lookup.title"), "/lookup")],
        when=when,
    )
    response = private(page, 429)
    response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/lookup")
def lookup_answer() -> Response:
    """One lookup: counted, then checked; the application's state, or the one answer for anything wrong."""
    reference, year, code, errors = _read_form()
    if errors or year is None:
        return _form(422, errors, application_ref=reference, year="" if year is None else str(year))
    address, now, session = request.remote_addr, clock(), unit_of_work.get_session()
    try:
        if (seconds := lookup.wait(session, reference, year, address, now)) > 0:
            raise lookup.Throttled(seconds)
        with unit_of_work.current().write() as writing:
            lookup.reserve(writing, reference, year, address, now)
    except lookup.Throttled as exc:
        return _throttled(exc.wait)
    application = lookup.find(session, reference, year, code, current_app.config["SECRET_KEY"])
    if application is None:
        return _form(404, [word("public_lookup.not_found")], application_ref=reference, year=str(year))
    with unit_of_work.current().write() as writing:
        lookup.succeeded(writing, reference, year, address, now)
    status = applicant_view.status(unit_of_work.get_session(), application, today())
    page = render(
        "public/lookup_result.html",
        title=word("public_lookup.result_title", application_ref=status.application_ref, year=status.year),
        crumbs=[(word("public_lookup.title"), "/lookup")],
        status=status,
        states=STATE_NAMES,
        notes=STATE_NOTES,
        score_kinds=SCORE_KINDS,
        task_statuses=TASK_STATUSES,
        task_kinds=TASK_KINDS,
        void_reasons=VOID_REASONS,
        day_text=day_text,
        receipt=statement_receipt(application),
    )
    return private(page)
