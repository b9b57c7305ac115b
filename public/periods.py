"""申请时间 (``/application-periods``): when new applications are received, per year, as the centre publishes it.

This year's and next year's periods first (「尚未公布」 for a year without any), what happens outside them, then
the past years'. The page is the same for everyone: cacheable, with an ETag that is the hash of the page itself,
so that it changes when a period is added or removed (and when the day moves a period from coming to open to
ended) and never otherwise.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from flask import Response

from jifen.applications import periods
from jifen.unit_of_work import get_session
from jifen.words import names, word
from public.blueprint import bp
from public.pages import cacheable, render, today

MAX_AGE = 60  # seconds a browser or proxy may keep the page before asking again (with its ETag)
STATES = names("periods_public_states")  # a period's state today: open, coming, ended


def span_words(starts_on: dt.date, ends_on: dt.date) -> str:
    """「2026年3月1日至3月31日」 (a period lies within its year); one day: 「2026年3月1日」."""
    if starts_on == ends_on:
        return word("periods_words.day", year=starts_on.year, month=starts_on.month, day=starts_on.day)
    return word("periods_words.span", year=starts_on.year, month=starts_on.month, day=starts_on.day,
                month2=ends_on.month, day2=ends_on.day)  # fmt: skip


def _state(period: periods.Period, on: dt.date) -> str:
    if period.ends_on < on:
        return "ended"
    return "open" if period.starts_on <= on else "coming"


def _year(year: int, listed: list[periods.Period], on: dt.date) -> dict[str, Any]:
    shown = [{"text": span_words(p.starts_on, p.ends_on), "note": p.note, "state": _state(p, on)} for p in listed]
    return {"year": year, "periods": shown, "open": any(p["state"] == "open" for p in shown)}


@bp.get("/application-periods")
def application_periods() -> Response:
    """The periods of this year and the next (and any later one published), then the past years'."""
    on = today()
    every = periods.by_year(periods.listed(get_session()))
    ahead = sorted({on.year, on.year + 1} | {y for y in every if y > on.year})
    body = render(
        "public/periods.html",
        title=word("periods_public.title"),
        crumbs=[],
        today=on,
        ahead=[_year(y, every.get(y, []), on) for y in ahead],
        past=[_year(y, every[y], on) for y in sorted(every, reverse=True) if y < on.year],
        states=STATES,
    )
    return cacheable(body, hashlib.sha256(body.encode("utf-8")).hexdigest()[:32], MAX_AGE)
