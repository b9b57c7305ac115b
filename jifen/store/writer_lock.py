"""The SQLite writer lock: one writer at a time across the threads and processes (gunicorn workers) of this
service (``Database.writing``)."""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jifen.store import dbfaults, quick_calls
from jifen.store.dbfaults import DatabaseUnavailable


class WriterLock:
    """One SQLite writer at a time across the threads and processes (gunicorn workers) of this service.

    SQLite lets only one transaction write; the others wait in its busy handler, which polls with sleeps of
    up to 100 ms and makes latency jump under load. Queuing on a thread lock (and, between processes, an flock
    beside the database file, polled at least once a millisecond) wakes the next writer sooner. Neither waits longer
    than the lock timeout, and a directory where the lock file cannot be made is a database that cannot be written.
    """

    def __init__(self, database: Path, timeout: float) -> None:
        self.database = database
        self._path = database.with_name(database.name + ".writer-lock")
        self._timeout = timeout
        self._thread_lock = threading.Lock()
        self._fd, self._pid = -1, 0  # the lock file's descriptor and the process that opened it

    @contextmanager
    def held(self, timeout: float | None = None) -> Iterator[None]:
        wait = self._timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        self._check_writable()
        if not self._thread_lock.acquire(timeout=wait):
            raise DatabaseUnavailable(f"{dbfaults.LOCKED} (for over {wait:g} s); try again later")
        try:
            fd = self._file()
            self._flock(fd, deadline, wait)
            try:
                yield
            finally:
                quick_calls.unlock(fd)
        finally:
            self._thread_lock.release()

    def _file(self) -> int:
        """The lock file, opened once per process (a forked worker opens its own: an inherited descriptor would share
        its lock with the parent), closed with this object. While the thread lock is held every system call of its
        holder lets the worker's other threads take the GIL, and keeps all the service's writers waiting."""
        if self._pid != os.getpid():
            self._fd, self._pid = self._open(), os.getpid()
            weakref.finalize(self, os.close, self._fd)
        return self._fd

    def _check_writable(self) -> None:
        # A file made read-only while the service runs can still be written through connections opened before;
        # refuse as a fresh connection would, so that writes and /healthz agree.
        for path in (self.database, self.database.parent):
            if not quick_calls.writable(path) and path.exists():  # one system call when writable (the usual case)
                raise DatabaseUnavailable(f"{dbfaults.READ_ONLY} ({path} is not writable); try again later")

    def _open(self) -> int:
        try:
            return os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError:
            pass
        try:  # an existing lock file that this process may not write can still be locked
            return os.open(self._path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise DatabaseUnavailable(
                f"{dbfaults.READ_ONLY} (cannot make {self._path}: {exc.strerror}); try again later"
            ) from None

    @staticmethod
    def _flock(fd: int, deadline: float, wait: float) -> None:
        # The other worker's writer holds it for a fraction of a millisecond: a waiter that sleeps longer leaves it
        # free while it sleeps (polling from 0.1 ms up to 1 ms stored a fifth more scores than 0.5 ms up to 4 ms).
        pause = 0.0001
        while not quick_calls.try_lock(fd):
            left = deadline - time.monotonic()
            if left <= 0:
                raise DatabaseUnavailable(f"{dbfaults.LOCKED} (for over {wait:g} s); try again later")
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.001)
