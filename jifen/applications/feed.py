"""The change feed: every application event (``application_events``, append-only) in one order, read after an
opaque cursor, so that an integrator follows every change without polling applications.

Why the cursor never skips or repeats an event
----------------------------------------------
The cursor is an event's id. A reader hands out the events with a larger id and moves the cursor to the last one;
that is sound only if, whenever a reader can see event N, it can already see every event below N that will ever
exist. Ids come from a sequence when the row is inserted, and on PostgreSQL commit order is not insertion order:
transaction A inserts 11, B inserts 12, B commits first — a reader would hand out 12 and move past 11 for good.

So event writers take turns from the insertion of their events to their commit: each transition's events are kept
aside (``append``) and inserted just before the commit, after ``pg_advisory_xact_lock(FEED_LOCK)``; PostgreSQL
releases that lock only once the commit is visible to every new snapshot. Ids are therefore given in commit order,
and when 12 is visible, 11 is visible too (or never existed: a rolled-back insertion leaves a gap no event fills).
An insertion that does not go through ``append`` takes the lock when it is flushed (``_lock_on_flush``), so it
cannot break the order either, only hold the lock longer. The lock is held for the insertion and the commit alone
(a few milliseconds; docs/integrator/tasks-and-feed.md has the measurement), never while a score is computed.
On SQLite every write transaction holds the database's single writer lock to its commit, so ids are in commit
order already.

A page reads the highest id first and then the events up to it (two statements, each with its own snapshot under
READ COMMITTED): every event up to that id was committed when it was read, so the second statement sees exactly
those, and ``next`` may move to that id even when the scope or ``types`` left the events out.

Long polling waits without a database connection: the request's transaction is ended, then the feed is read again
in short read transactions, woken at once by a commit of events in this process (``_changed``) and at least every
``POLL_MAX`` seconds for the other processes' commits. At most ``MAX_WAITERS`` requests wait at once per process
(each holds one of its threads); the others are answered at once with what there is.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, event, false, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from jifen.store.models import Application, ApplicationEvent, VerificationTask

# What the events record, in the order of an application's life
EVENT_TYPES = (
    "received", "supplemented", "extended", "verified", "scored", "published", "objected", "re_reviewed",
    "republished", "voided",
)  # fmt: skip
FEED_LOCK = 0x6A6966656E0001  # "jifen" 1: the advisory lock event writers take in turn (PostgreSQL)
DEFAULT_LIMIT, MAX_LIMIT = 100, 1000
MAX_WAIT = 30.0  # seconds a request may wait for an event
MAX_WAITERS = 2  # waiting requests per process (gunicorn: per worker, of its 4 threads by default)
POLL_MIN, POLL_MAX = 0.1, 1.0  # seconds between two reads of a waiting request, doubling from the first
_PENDING, _LOCKED, _WROTE = "jifen.feed.pending", "jifen.feed.locked", "jifen.feed.wrote"
_CURSOR_PREFIX = "jifen-feed:"


class BadCursor(ValueError):
    """A cursor this feed did not hand out."""


def cursor(event_id: int) -> str:
    """The opaque cursor that resumes the feed after ``event_id``."""
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{event_id}".encode()).decode().rstrip("=")


def position(value: str) -> int:
    """The event id a cursor resumes after; BadCursor when it is not one of this feed's."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise BadCursor(value) from None
    number = raw.removeprefix(_CURSOR_PREFIX)
    if raw == number or not number.isdigit() or len(number) > 18:
        raise BadCursor(value)
    return int(number)


# --- writing: events inserted in commit order ------------------------------------------------------------------


def append(session: Session, entry: ApplicationEvent) -> None:
    """Record ``entry`` with the transaction: it is inserted just before the commit, in its turn (see above)."""
    session.info.setdefault(_PENDING, []).append(entry)


def _take_turn(session: Session) -> None:
    if session.info.get(_LOCKED):
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FEED_LOCK})
    session.info[_LOCKED] = True


@event.listens_for(Session, "before_commit")
def _insert_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending:
        _take_turn(session)
        session.add_all(pending)
        session.flush()


@event.listens_for(Session, "before_flush")
def _lock_on_flush(session: Session, _context: Any, _instances: Any) -> None:
    if any(isinstance(obj, ApplicationEvent) for obj in session.new):
        _take_turn(session)
        session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _wake_waiters(session: Session) -> None:
    global _commits
    session.info.pop(_LOCKED, None)
    if session.info.pop(_WROTE, None):
        with _changed:
            _commits += 1
            _changed.notify_all()


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous: Any) -> None:
    if not previous.nested:
        for key in (_PENDING, _LOCKED, _WROTE):
            session.info.pop(key, None)


# --- reading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Visibility:
    """Which applications' events a reader sees: all of them, those a client received, those a department has
    (or had) a task of. A reader sees the union of what each of its scopes allows."""

    everything: bool = False
    received_by: str | None = None  # an intake client's name: the applications it received
    department: str | None = None  # a department: the applications with a task of a unit it belongs to


@dataclass(frozen=True, slots=True)
class Page:
    events: list[dict[str, Any]]
    next: str
    more: bool


Units = Callable[[Session, str], Collection[str]]  # the units a department works on (queue.units_of)


def _visible(session: Session, seen: Visibility, units_of: Units) -> list[ColumnElement[bool]]:
    if seen.everything:
        return []
    allowed: list[ColumnElement[bool]] = []
    if seen.received_by is not None:
        receipt = aliased(ApplicationEvent)
        received = select(receipt.application_id).where(
            receipt.action == "received", receipt.actor_kind == "client", receipt.actor == seen.received_by
        )
        allowed.append(ApplicationEvent.application_id.in_(received))
    if seen.department is not None:
        units = list(units_of(session, seen.department))
        tasked = select(VerificationTask.application_id).where(VerificationTask.department.in_(units))
        allowed.append(ApplicationEvent.application_id.in_(tasked))
    return [or_(*allowed)] if allowed else [false()]


def _view(entry: ApplicationEvent, app: Application) -> dict[str, Any]:
    return {
        "cursor": cursor(entry.id),
        "id": entry.id,
        "type": entry.action,
        "at": entry.at,
        "application_ref": app.application_ref,
        "year": app.year,
        "state_before": entry.state_before,
        "state_after": entry.state_after,
        "actor": {"kind": entry.actor_kind, "name": entry.actor, "department": entry.department},
        "score_id": entry.score_id,
        "changes": entry.changes,
    }


def read(
    session: Session,
    after: int,
    seen: Visibility,
    units_of: Units,
    types: Collection[str] = (),
    limit: int = DEFAULT_LIMIT,
) -> Page:
    """The events after ``after`` (an event id, 0: from the first) that ``seen`` allows, of ``types`` (empty: all),
    at most ``limit``, in the feed's order; ``next`` resumes after them.

    The highest id is read first, the department's units next: a task is committed with the event that opened it,
    so every unit of an event up to that id is found, even one whose first task was opened a moment ago."""
    highest = session.scalar(select(func.max(ApplicationEvent.id))) or 0
    conditions = [ApplicationEvent.id > after, ApplicationEvent.id <= highest, *_visible(session, seen, units_of)]
    if types:
        conditions.append(ApplicationEvent.action.in_(list(types)))
    query = (
        select(ApplicationEvent, Application)
        .join(Application, Application.id == ApplicationEvent.application_id)
        .where(*conditions)
        .order_by(ApplicationEvent.id)
        .limit(limit)
    )
    rows = list(session.execute(query).tuples())
    more = len(rows) == limit
    last = rows[-1][0].id if more else max(highest, after)
    return Page([_view(entry, app) for entry, app in rows], cursor(last), more)


# --- long polling -----------------------------------------------------------------------------------------------

_changed = threading.Condition()
_commits = 0  # commits of events in this process, counted under _changed
_waiters = threading.BoundedSemaphore(MAX_WAITERS)


def _counted() -> int:
    with _changed:
        return _commits


def follow(
    read_after: Callable[[int], Page], first: Page, wait: float, clock: Callable[[], float] = time.monotonic
) -> Page:
    """``first`` if it has events or ``wait`` is 0; else read again after its ``next`` (``read_after``, which must
    hold no database connection in between) until an event arrives or ``wait`` seconds have passed. When
    ``MAX_WAITERS`` requests of this process wait already: ``first``, at once."""
    if first.events or wait <= 0 or not _waiters.acquire(blocking=False):
        return first
    try:
        deadline, pause, page, seen = clock() + min(wait, MAX_WAIT), POLL_MIN, first, _counted()
        while (left := deadline - clock()) > 0:
            with _changed:
                if _commits == seen:  # no commit in this process since the last read: sleep until one, or a while
                    _changed.wait(min(pause, left))
                seen = _commits
            page = read_after(position(page.next))
            if page.events:
                return page
            pause = min(pause * 2, POLL_MAX)
        return page
    finally:
        _waiters.release()
