"""Times as the bureau reads them: Beijing time, to the minute, whatever zone the server runs in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(value: dt.datetime | str | None, seconds: bool = False) -> str:
    """A stored time (UTC; an ISO text too, a time without a zone taken as UTC) in Beijing time:
    「2026-03-01 16:05」 (with seconds when asked), never microseconds."""
    if value is None or value == "":
        return ""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
