"""Times as the console shows them: Beijing time, whatever form the stored time has."""

from __future__ import annotations

import datetime as dt

from admin.clock import local_time


def test_stored_times_read_in_beijing_time() -> None:
    aware = dt.datetime(2026, 11, 29, 23, 25, 35, 123456, tzinfo=dt.UTC)
    assert local_time(aware) == "2026-11-30 07:25"
    assert local_time(aware, seconds=True) == "2026-11-30 07:25:35"
    assert local_time(aware.replace(tzinfo=None)) == "2026-11-30 07:25"  # a time stored without its zone is UTC
    assert local_time("2026-11-29T23:25:35.123456+00:00") == "2026-11-30 07:25"  # an impact run's request.json
    assert local_time(None) == "" and local_time("") == ""
