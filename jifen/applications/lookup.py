"""The applicant's lookup code (查询码, policy §四(二) 申请人可以通过网络或受理窗口查询积分分值): issued at receipt and
on request, kept only as a keyed hash, checked in constant time, attempts throttled in the database.

A code is 12 characters from an alphabet without the look-alikes 0/O and 1/I/L (31 symbols, about 59 bits), drawn
with ``secrets``, shown in groups of four (``ABCD-EFGH-JKMN``) and accepted with or without separators, in any case.
Only ``HMAC-SHA256(key, code)`` is kept (``applications.lookup_code_hash``), the key derived from the service's
secret: a copy of the database alone does not let anyone test guesses offline. Changing the secret ends every code
(the window issues new ones). A new code replaces the hash, which ends the old code. The code itself is never
stored, logged, audited or put in an event; it is answered once, to whoever issued it.

A lookup answers the same for a reference that does not exist and for a wrong code, in the same time: the keyed
hash is always computed and compared (``hmac.compare_digest``), against a stand-in for an unknown reference.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.access import audit, throttle
from jifen.access.throttle import Counter, Throttled
from jifen.applications.references import can_name
from jifen.applications.state import Context
from jifen.errors import NotFound
from jifen.store.models import Application

__all__ = ["ALPHABET", "LENGTH", "Throttled", "find", "issue", "reissue", "reserve", "wait"]

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, no 1/I/L
LENGTH = 12
GROUP = 4
MAX_INPUT = 64  # characters of a typed code read at all (separators included)
REFERENCE_FREE_ATTEMPTS = 5  # wrong codes for one application before each further attempt must wait
ADDRESS_FREE_ATTEMPTS = 10  # failed lookups from one client address (any applications)
REFERENCE_PREFIX, ADDRESS_PREFIX = "lookup-ref:", "lookup-addr:"
_PURPOSE = b"jifen lookup code v1"


def new_code(choice: Callable[[str], str] = secrets.choice) -> str:
    """A fresh code, ungrouped: ``LENGTH`` symbols of ``ALPHABET``."""
    return "".join(choice(ALPHABET) for _ in range(LENGTH))


def grouped(code: str) -> str:
    """A code as it is printed: groups of four joined by hyphens.

    >>> grouped("ABCDEFGHJKMN")
    'ABCD-EFGH-JKMN'
    """
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalized(typed: str) -> str:
    """A typed code without its separators (anything but letters and digits), in capitals.

    >>> normalized(" abcd-efgh jkmn "), normalized("ABCD_EFGH.JKMN")
    ('ABCDEFGHJKMN', 'ABCDEFGHJKMN')
    """
    return "".join(c for c in typed[:MAX_INPUT] if c.isascii() and c.isalnum()).upper()


def code_hash(secret: str | bytes, code: str) -> str:
    """The keyed hash kept for a code (hex, 64 characters): HMAC-SHA256 under a key derived from ``secret``."""
    raw = secret.encode("utf-8") if isinstance(secret, str) else secret
    key = hmac.new(raw, _PURPOSE, hashlib.sha256).digest()
    return hmac.new(key, normalized(code).encode("ascii"), hashlib.sha256).hexdigest()


def issue(app: Application, secret: str | bytes) -> str:
    """Give ``app`` a new code (its hash replaces the old one, which no longer works); the code, grouped."""
    code = new_code()
    app.lookup_code_hash = code_hash(secret, code)
    return grouped(code)


def reissue(ctx: Context, application_ref: str, year: int, secret: str | bytes) -> tuple[Application, str]:
    """A new code for an application in any state (the old one ends), recorded in the audit log without the code."""
    app = ctx.session.scalar(
        select(Application)
        .where(Application.application_ref == application_ref, Application.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if app is None:
        raise NotFound(f"no application {application_ref} for {year}")
    code = issue(app, secret)
    app.updated_at = dt.datetime.now(dt.UTC)
    audit.record(
        ctx.session,
        ctx.actor.name[:64],
        "issue_lookup_code",
        "application",
        object_id=app.id,
        object_ref=f"{application_ref}/{year}",
    )
    return app, code


def find(session: Session, application_ref: str, year: int, code: str, secret: str | bytes) -> Application | None:
    """The application named by ``application_ref``/``year`` if ``code`` is its current code, else None — the
    same work and the same answer for an unknown reference, a reference without a code and a wrong code: one
    indexed read of the stored hash, one keyed hash, one constant-time comparison; the application itself is read
    only once the code matched."""
    row = None
    if can_name(application_ref, year):
        row = session.execute(
            select(Application.id, Application.lookup_code_hash).where(
                Application.application_ref == application_ref, Application.year == year
            )
        ).first()
    given = code_hash(secret, code)
    stored = row.lookup_code_hash if row is not None and row.lookup_code_hash else _stand_in(secret)
    if not hmac.compare_digest(given, stored) or row is None:
        return None
    return session.get(Application, row.id)


def _stand_in(secret: str | bytes) -> str:
    """A hash no typed code can match (a code is at most ``MAX_INPUT`` characters, this one is longer)."""
    return code_hash(secret, "")[:-1] + "-"  # not hex: equal length, never equal to a real hash


def _counters(application_ref: str, year: int, address: str | None) -> tuple[Counter, Counter]:
    # the reference's counter before the address's, always in that order (no deadlock on PostgreSQL)
    reference = throttle.digest_key(f"{REFERENCE_PREFIX}{year if year in range(10000) else '#'}:", application_ref)
    return (
        Counter(reference, REFERENCE_FREE_ATTEMPTS),
        Counter(throttle.address_key(ADDRESS_PREFIX, address), ADDRESS_FREE_ATTEMPTS),
    )


def wait(session: Session, application_ref: str, year: int, address: str | None, now: dt.datetime) -> float:
    """Seconds until this reference from this address may be tried again (0: now), by reading only."""
    return throttle.wait(session, (c.key for c in _counters(application_ref, year, address)), now)


def reserve(session: Session, application_ref: str, year: int, address: str | None, now: dt.datetime) -> None:
    """Take one attempt for the reference and for the address before the code is checked, or raise Throttled."""
    throttle.reserve(session, _counters(application_ref, year, address), now)


def succeeded(session: Session, application_ref: str, year: int, address: str | None, now: dt.datetime) -> None:
    """After a lookup with the right code: clear the reference's counter and give the address its place back."""
    reference, place = _counters(application_ref, year, address)
    throttle.clear(session, reference.key)
    throttle.give_back(session, place)
    throttle.forget_idle(session, now)
