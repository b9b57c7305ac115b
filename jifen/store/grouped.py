"""Writes of concurrent requests grouped into one transaction (group commit), within one process.

A stored score on PostgreSQL is a short write of two round trips (BEGIN sent with its INSERT, then COMMIT, which
waits for the server to flush its log), and a transaction of the server's. Under load a worker's threads each make
theirs while the others score. Here the first thread to arrive leads: it writes its item and every item that
arrived before it began, in ONE transaction (``work``), while the items that arrive meanwhile wait for the next
leader, the first of them. Alone, a thread leads a group of one and writes as it would without this. Each item gets
its own outcome, as if written alone in the group's order: ``work`` is written so (``jifen.scoring.scores.store``:
a refusal is one item's; a fault raises and stores nothing of the group). Used for PostgreSQL only
(``Database.scores_grouped``, where the figures are).

A fault of a group of several is not taken to be every item's: the items are written again one by one, each with
its own outcome, so that one item that cannot be written (a value the database refuses) fails only its own
request. An outage (``OUTAGES``: the database unavailable, no connection free in the pool) is every item's at
once and is not tried again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

import sqlalchemy.exc

from jifen.store.dbfaults import DatabaseUnavailable

# what fails every write alike, at once: not tried again item by item
OUTAGES = (DatabaseUnavailable, sqlalchemy.exc.TimeoutError)
T = TypeVar("T")
R = TypeVar("R")


class _Slot(Generic[T, R]):
    __slots__ = ("done", "failure", "item", "leads", "outcome")

    def __init__(self, item: T) -> None:
        self.item = item
        self.outcome: R | None = None
        self.failure: BaseException | None = None
        self.done = threading.Event()
        self.leads = False  # woken to lead the next group, not with an outcome


class Grouped(Generic[T, R]):
    """One queue of writes of one kind for one database, shared by the threads of a process."""

    def __init__(self, largest: int = 64) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Slot[T, R]] = []
        self._leading = False
        self._largest = largest

    def write(self, item: T, work: Callable[[list[T]], list[R]]) -> R:
        """``item`` written with the items of other threads waiting with it: ``work(items)`` (run by one of the
        threads, the leader, with its own ``work``) gives their outcomes in order, or raises for all of them."""
        slot: _Slot[T, R] = _Slot(item)
        with self._lock:
            self._queue.append(slot)
            lead = not self._leading
            self._leading = True
        if not lead:
            slot.done.wait()
            if not slot.leads:
                return _outcome(slot)
        group = self._take()
        try:
            _run(group, work)
        finally:
            self._pass_on()
        return _outcome(slot)

    def _take(self) -> list[_Slot[T, R]]:
        with self._lock:
            group, self._queue = self._queue[: self._largest], self._queue[self._largest :]
        return group

    def _pass_on(self) -> None:
        """The first of those who arrived meanwhile leads next; or nobody leads."""
        with self._lock:
            if self._queue:
                following = self._queue[0]
                following.leads = True
                following.done.set()
            else:
                self._leading = False


def _run(group: list[_Slot[T, R]], work: Callable[[list[T]], list[R]]) -> None:
    """Every slot of ``group`` finished, with its outcome or a failure: none is left waiting, whatever ``work`` does."""
    try:
        outcomes = work([s.item for s in group])
        if len(outcomes) != len(group):
            raise RuntimeError(f"{len(outcomes)} outcomes for a group of {len(group)}")
    except OUTAGES as exc:
        _fail(group, exc)
        return
    except BaseException as exc:
        if len(group) == 1:
            _fail(group, exc)
            return
        for slot in group:  # one item's fault is not the others': each alone
            _run([slot], work)
        return
    for slot, outcome in zip(group, outcomes):
        slot.outcome = outcome
        _finish(slot)


def _fail(group: list[_Slot[T, R]], exc: BaseException) -> None:
    for slot in group:
        slot.failure = exc
        _finish(slot)


def _finish(slot: _Slot[T, R]) -> None:
    slot.leads = False
    slot.done.set()


def _outcome(slot: _Slot[T, R]) -> R:
    if slot.failure is not None:
        raise slot.failure
    return slot.outcome  # type: ignore[return-value]  # set with done, unless failure is
