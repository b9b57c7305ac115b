"""Console login throttling: each attempt is reserved in the database before its password is checked.

An attempt takes one place in two counters (``jifen.access.throttle``), one for the user name (known or not, so
that the answers do not tell names apart) and one for the client address. A successful login clears its user's
counter and gives its address place back; a counter left alone for a day starts again from zero.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy.orm import Session

from jifen.access import throttle
from jifen.access.throttle import FORGET_AFTER, MAX_WAIT, Counter, Throttled, wait_after
from jifen.access.users import valid_username

__all__ = ["FORGET_AFTER", "MAX_WAIT", "Throttled", "reserve", "succeeded", "wait", "wait_after"]

USER_FREE_ATTEMPTS = 3  # failed logins of one user name before each further attempt must wait
ADDRESS_FREE_ATTEMPTS = 20  # failed logins from one client address (any names), e.g. an office behind one NAT


def user_key(name: str) -> str:
    """The counter of a user name; a name no user can have is counted under its digest (bounded, no NUL)."""
    if valid_username(name):
        return f"user:{name}"
    return "user:#" + hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()


def address_key(address: str | None) -> str:
    """The counter of a client address (as Werkzeug reports it, after ProxyFix when configured)."""
    return throttle.address_key("addr:", address)


def _counters(name: str, address: str | None) -> tuple[Counter, Counter]:
    # the user name's counter before the address's, always in that order (no deadlock on PostgreSQL)
    return Counter(user_key(name), USER_FREE_ATTEMPTS), Counter(address_key(address), ADDRESS_FREE_ATTEMPTS)


def wait(session: Session, name: str, address: str | None, now: dt.datetime) -> float:
    """Seconds until ``name`` from ``address`` may be tried again (0: now), by reading only."""
    return throttle.wait(session, (c.key for c in _counters(name, address)), now)


def reserve(session: Session, name: str, address: str | None, now: dt.datetime) -> None:
    """Take one attempt for ``name`` from ``address``, or raise Throttled; the caller rolls back on Throttled."""
    throttle.reserve(session, _counters(name, address), now)


def succeeded(session: Session, name: str, address: str | None, now: dt.datetime) -> None:
    """After a successful login: clear the user's counter, give the address its place back, drop idle counters."""
    user, place = _counters(name, address)
    throttle.clear(session, user.key)
    throttle.give_back(session, place)
    throttle.forget_idle(session, now)
