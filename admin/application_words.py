"""The console's Chinese for an application's life: names of states, events and outcomes, fact values by their
catalogue labels, times in Beijing, and the service's refusals looked up by their code (never by rewording the
English message)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from typing import Any

from admin import clock
from admin.words import names, word
from engine.canonical import plain_number
from engine.describe import value_text
from engine.model import FactField
from jifen.errors import CodedError
from jifen.scoring import claims

STATE_NAMES = names("application_words_state_names")
STATE_BADGES = {"verifying": "info", "scored": "warning", "published": "success", "re_reviewing": "primary",
                "voided": "secondary"}  # fmt: skip
CHANNEL_NAMES = names("application_words_channel_names")
VOID_REASON_NAMES = names("application_words_void_reason_names")
KIND_NAMES = names("application_words_kind_names")
TASK_STATUS_NAMES = names("application_words_task_status_names")
OUTCOME_NAMES = {
    claims.CONFIRMED: word("application_words.t1"),
    claims.CORRECTED: word("application_words.t2"),
    claims.NOT_PROVEN: word("application_words.t3"),
    claims.NONE: word("application_words.t4"),
}
ACTION_NAMES = names("application_words_action_names")
ACTOR_KIND_NAMES = names("application_words_actor_kind_names")
INVALID_REASON_NAMES = names("application_words_invalid_reason_names")
CALENDAR_KIND_NAMES = names("application_words_calendar_kind_names")
WEEKDAYS = word("application_words.t5")

# Every code the applications service (and the calendar it counts with) refuses with, as the console says it.
# Placeholders are filled from the application (see ``problem_text``); a test checks that no code is missing.
PROBLEMS = names("application_words_problems")
_TYPE_NAMES = names("application_words_type_names")


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def problem_text(exc: CodedError, params: Mapping[str, Any] | None = None) -> str:
    """The refusal in Chinese, by its code; placeholders come from ``params`` (what the page knows)."""
    said = getattr(exc, "said", None)  # a refusal of the catalogue (jifen.messages) carries its own Chinese
    template = PROBLEMS.get(exc.code) or (said.text("zh") if said is not None else word("application_words.t6"))
    carried = dict(getattr(exc, "params", {}))  # what the refusal itself names (the periods of the year…)
    if "periods" in carried:
        carried["periods"] = "、".join(period_text(p.starts_on, p.ends_on) for p in carried["periods"])
    return template.format_map(_Params({"code": exc.code, **(params or {}), **carried}))


def label(catalogue: Mapping[str, FactField], name: str) -> str:
    field = catalogue.get(name)
    return field.label if field is not None else name


def expected_text(field: FactField) -> str:
    """What a field takes: 「整数，不小于 0」, 「以下之一：大学本科、大专（高职）…」."""
    if field.type == "enum":
        return word("application_words.t9") + "、".join(field.value_labels or field.values)
    text = _TYPE_NAMES.get(field.type, field.type)
    if field.min is not None:
        text += word("application_words.t10", plain_number=plain_number(field.min))
    if field.max is not None:
        text += word("application_words.t11", plain_number=plain_number(field.max))
    return text


def fact_problem(field: FactField | None, value: Any, sent: bool) -> str:
    """Why the service refused one fact's verified value, said from the catalogue: the service's field message is
    English, and which rule failed is known from the field and the value."""
    if field is None:
        return word("application_words.t12")
    if not sent:
        return word("application_words.t13")
    if value is None and field.required:
        return word("application_words.t14")
    if value is not None and claims.check_value(field, value) is not None:
        return word(
            "application_words.t15", expected_text=expected_text(field), value_text=value_text(value, None, "—")
        )
    return word("application_words.t16", value=field.department or word("application_words.t19"))


def local_time(at: dt.datetime | str | None) -> str:
    """A moment in Beijing time, to the second: 2025-02-20 09:30:05."""
    return clock.local_time(at, seconds=True)


def day_text(day: dt.date | str | None) -> str:
    """A date with its weekday: 2025-02-20（周四）."""
    if day is None:
        return "—"
    date = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return word("application_words.t17", isoformat=date.isoformat(), WEEKDAYS=WEEKDAYS[date.weekday()])


def period_text(starts_on: dt.date, ends_on: dt.date) -> str:
    """An application period as people write it: 2026年3月1日至3月31日 (one day: 2026年3月1日)."""
    if starts_on == ends_on:
        return word("periods_words.day", year=starts_on.year, month=starts_on.month, day=starts_on.day)
    return word("periods_words.span", year=starts_on.year, month=starts_on.month, day=starts_on.day,
                month2=ends_on.month, day2=ends_on.day)  # fmt: skip


def control_problem(text: str) -> str | None:
    """Why typed text cannot be kept (a NUL or another control character, which PostgreSQL refuses), or None."""
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in text):
        return word("application_words.t18")
    return None
