"""The service's WSGI application, its SQLite writer lock timed: for ``bench/writer_lock.py`` (gunicorn serves
``writer_lock_probe:app`` with bench/ on its path).

Every time a thread of a worker holds the writer lock (``jifen.store.writer_lock.WriterLock.held``), the worker
notes when it let it go (``time.time()``), how long it waited for it and how long it held it (seconds), and
appends them, a line each, to ``$JIFEN_BENCH_HOLDS/holds.PID`` a hundred lines at a time.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jifen.store import writer_lock

_held = writer_lock.WriterLock.held
_lock = threading.Lock()
_times: list[tuple[float, float, float]] = []


def _flush() -> None:
    with _lock:
        lines = "".join(f"{at:.6f} {waited:.6f} {held:.6f}\n" for at, waited, held in _times)
        _times.clear()
    with open(Path(os.environ["JIFEN_BENCH_HOLDS"]) / f"holds.{os.getpid()}", "a", encoding="utf-8") as out:
        out.write(lines)


@contextmanager
def _timed(self: writer_lock.WriterLock, timeout: float | None = None) -> Iterator[None]:
    asked = time.perf_counter()
    with _held(self, timeout):
        got = time.perf_counter()
        yield
    let_go = time.perf_counter()
    with _lock:
        _times.append((time.time(), got - asked, let_go - got))
        full = len(_times) >= 100
    if full:
        _flush()


writer_lock.WriterLock.held = _timed  # type: ignore[method-assign]

from wsgi import app  # noqa: E402  # the service's, its writer lock timed

__all__ = ["app"]
