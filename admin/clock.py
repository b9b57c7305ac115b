"""Times as the bureau reads them: Beijing time, to the minute, whatever zone the server runs in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_time(value: dt.datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) time in Beijing time: 「2026-03-01 16:05」 (with seconds when asked), never microseconds."""
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
