"""Attempts limited in the database, shared by every process: counters keyed by what is being tried.

One implementation for every place that must slow down guessing — the console's login (``logins``: per user name
and per client address) and the applicant's lookup (``jifen.applications.lookup``: per application reference and
per client address). Each use names its counters with its own key prefix and gives each its free attempts.

An attempt takes one place in each of its counters, each by one atomic upsert, before the secret is checked. A
counter that has reached its free attempts is locked for 2 s after the next place is taken, then 4 s, 8 s … up to
15 minutes; an attempt that finds any of its counters locked is refused at once (``Throttled``) and its secret is
never checked. Because the place is taken before the (slow) check, of any number of simultaneous attempts exactly
the free ones get through. A counter left alone for a day starts again from zero.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, case, delete, func, literal, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from jifen.store.models import LoginAttempt, UTCDateTime

MAX_WAIT = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(days=1)
KEY_LENGTH = 100  # the counters' key column

_TABLE = cast(Table, LoginAttempt.__table__)  # a mapped class's table is typed as any FromClause


class Throttled(Exception):
    """Too many attempts: the next one may be tried in ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        self.wait = wait
        super().__init__(f"too many attempts; try again in {wait:.0f} s")


@dataclass(frozen=True, slots=True)
class Counter:
    """One counter of attempts: its key (with its use's prefix) and how many failures it allows before waits."""

    key: str
    free: int


def wait_after(failures: int, free: int) -> dt.timedelta | None:
    """How long a counter stays locked once it has reached ``failures`` (None: it is not locked).

    >>> [wait_after(n, 3) for n in (2, 3, 4, 40)]  # doctest: +NORMALIZE_WHITESPACE
    [None, datetime.timedelta(seconds=2), datetime.timedelta(seconds=4), datetime.timedelta(seconds=900)]
    """
    if failures < free:
        return None
    return min(dt.timedelta(seconds=2 ** min(failures - free + 1, 20)), MAX_WAIT)


def digest_key(prefix: str, text: str) -> str:
    """``prefix`` + ``text`` when it fits the key column, else ``prefix#`` + its sha256 (bounded, no NUL).

    >>> digest_key("ref:", "TX-1")
    'ref:TX-1'
    >>> len(digest_key("ref:", "x" * 200))
    69
    """
    if len(prefix) + len(text) <= KEY_LENGTH and text.isprintable() and "#" not in text[:1]:
        return prefix + text
    return prefix + "#" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def address_key(prefix: str, address: str | None) -> str:
    """The counter of a client address (as Werkzeug reports it, after ProxyFix when configured)."""
    try:
        return f"{prefix}{ipaddress.ip_address(address or '')}"
    except ValueError:
        return f"{prefix}#" + hashlib.sha256((address or "").encode("utf-8", "surrogatepass")).hexdigest()


def wait(session: Session, keys: Iterable[str], now: dt.datetime) -> float:
    """Seconds until every counter of ``keys`` may be tried again (0: now), by reading only.

    Asked before ``reserve`` so that a flood of refused attempts never queues for the (SQLite) write lock; the
    upsert in ``reserve`` decides all the same.
    """
    locked_until = session.scalar(select(func.max(_TABLE.c.locked_until)).where(_TABLE.c.key.in_(list(keys))))
    return max(0.0, (locked_until - now).total_seconds()) if locked_until is not None else 0.0


def reserve(session: Session, counters: Sequence[Counter], now: dt.datetime) -> None:
    """Take one attempt in each counter, in the order given, or raise Throttled; the caller rolls back on Throttled.

    Every use takes its counters in one fixed order, so that concurrent attempts on PostgreSQL lock the rows in
    one order and cannot deadlock.
    """
    for counter in counters:
        _take(session, counter.key, counter.free, now)


def clear(session: Session, key: str) -> None:
    """Forget a counter (after a success that proves the secret of what it counts)."""
    session.execute(delete(_TABLE).where(_TABLE.c.key == key))


def give_back(session: Session, counter: Counter) -> None:
    """Give a counter back the place a successful attempt took (unlocking it when it falls below its free ones)."""
    remaining = _TABLE.c.failures - 1
    session.execute(
        update(_TABLE)
        .where(_TABLE.c.key == counter.key, _TABLE.c.failures > 0)
        .values(
            failures=remaining,
            locked_until=case((remaining < counter.free, null()), else_=_TABLE.c.locked_until),
        )
    )


def forget_idle(session: Session, now: dt.datetime) -> None:
    """Drop the counters left alone for a day (every use's)."""
    session.execute(delete(_TABLE).where(_TABLE.c.last_attempt < now - FORGET_AFTER))


def _take(session: Session, key: str, free: int, now: dt.datetime) -> None:
    """One upsert: a new counter at 1, or an unlocked one raised by 1 (and locked if it reached ``free``)."""
    insert: Any = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    first_wait = wait_after(1, free)
    count = case((_TABLE.c.last_attempt < now - FORGET_AFTER, 0), else_=_TABLE.c.failures) + 1
    statement = (
        insert(_TABLE)
        .values(key=key, failures=1, last_attempt=now, locked_until=now + first_wait if first_wait else None)
        .on_conflict_do_update(
            index_elements=[_TABLE.c.key],
            set_={"failures": count, "last_attempt": now, "locked_until": _locked_until(count, free, now)},
            where=or_(_TABLE.c.locked_until.is_(None), _TABLE.c.locked_until <= now),
        )
        .returning(_TABLE.c.failures)
    )
    if session.execute(statement).first() is None:  # the counter is locked: nothing was changed
        locked_until = session.scalar(select(_TABLE.c.locked_until).where(_TABLE.c.key == key))
        raise Throttled((locked_until - now).total_seconds() if locked_until is not None else 1.0)


def _locked_until(count: ColumnElement[int], free: int, now: dt.datetime) -> ColumnElement[Any]:
    """``now`` + wait_after(count) as SQL: one branch per doubling below the cap (both dialects, no date math)."""
    branches = []
    n = free
    while (wait := wait_after(n, free)) is not None and wait < MAX_WAIT:
        branches.append((count == n, literal(now + wait, UTCDateTime)))
        n += 1
    return case((count < free, null()), *branches, else_=literal(now + MAX_WAIT, UTCDateTime))
