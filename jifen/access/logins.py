"""Console login throttling: each attempt is reserved in the database before its password is checked.

An attempt takes one place in two counters, one for the user name (known or not, so that the answers do not
tell names apart) and one for the client address, each by one atomic upsert. A counter that has reached its
free attempts is locked for 2 s after the next place is taken, then 4 s, 8 s … up to 15 minutes; an attempt
that finds either counter locked is refused at once and its password is never checked. Because the place is
taken before the (slow) password check, of any number of simultaneous attempts exactly the free ones get
through. A successful login clears its user's counter and gives its address place back; a counter left alone
for a day starts again from zero.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, case, delete, func, literal, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from jifen.access.users import valid_username
from jifen.store.models import LoginAttempt, UTCDateTime

USER_FREE_ATTEMPTS = 3  # failed logins of one user name before each further attempt must wait
ADDRESS_FREE_ATTEMPTS = 20  # failed logins from one client address (any names), e.g. an office behind one NAT
MAX_WAIT = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(days=1)

_TABLE = cast(Table, LoginAttempt.__table__)  # a mapped class's table is typed as any FromClause


class Throttled(Exception):
    """Too many attempts: the next one may be tried in ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        self.wait = wait
        super().__init__(f"too many login attempts; try again in {wait:.0f} s")


def wait_after(failures: int, free: int) -> dt.timedelta | None:
    """How long a counter stays locked once it has reached ``failures`` (None: it is not locked).

    >>> [wait_after(n, 3) for n in (2, 3, 4, 40)]  # doctest: +NORMALIZE_WHITESPACE
    [None, datetime.timedelta(seconds=2), datetime.timedelta(seconds=4), datetime.timedelta(seconds=900)]
    """
    if failures < free:
        return None
    return min(dt.timedelta(seconds=2 ** min(failures - free + 1, 20)), MAX_WAIT)


def user_key(name: str) -> str:
    """The counter of a user name; a name no user can have is counted under its digest (bounded, no NUL)."""
    if valid_username(name):
        return f"user:{name}"
    return "user:#" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def address_key(address: str | None) -> str:
    """The counter of a client address (as Werkzeug reports it, after ProxyFix when configured)."""
    try:
        return f"addr:{ipaddress.ip_address(address or '')}"
    except ValueError:
        return "addr:#" + hashlib.sha256((address or "").encode("utf-8", "surrogatepass")).hexdigest()


def wait(session: Session, name: str, address: str | None, now: dt.datetime) -> float:
    """Seconds until ``name`` from ``address`` may be tried again (0: now), by reading only.

    Asked before ``reserve`` so that a flood of refused attempts never queues for the (SQLite) write lock; the
    upsert in ``reserve`` decides all the same.
    """
    keys = (user_key(name), address_key(address))
    locked_until = session.scalar(select(func.max(_TABLE.c.locked_until)).where(_TABLE.c.key.in_(keys)))
    return max(0.0, (locked_until - now).total_seconds()) if locked_until is not None else 0.0


def reserve(session: Session, name: str, address: str | None, now: dt.datetime) -> None:
    """Take one attempt for ``name`` from ``address``, or raise Throttled; the caller rolls back on Throttled.

    The user name's counter is taken before the address's, always in that order, so that concurrent attempts
    on PostgreSQL lock the rows in one order and cannot deadlock.
    """
    _take(session, user_key(name), USER_FREE_ATTEMPTS, now)
    _take(session, address_key(address), ADDRESS_FREE_ATTEMPTS, now)


def succeeded(session: Session, name: str, address: str | None, now: dt.datetime) -> None:
    """After a successful login: clear the user's counter, give the address its place back, drop idle counters."""
    session.execute(delete(_TABLE).where(_TABLE.c.key == user_key(name)))
    remaining = _TABLE.c.failures - 1
    session.execute(
        update(_TABLE)
        .where(_TABLE.c.key == address_key(address), _TABLE.c.failures > 0)
        .values(
            failures=remaining,
            locked_until=case((remaining < ADDRESS_FREE_ATTEMPTS, null()), else_=_TABLE.c.locked_until),
        )
    )
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
