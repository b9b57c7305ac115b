"""API clients: outside systems with a key (shown once, stored as a hash) and scopes."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.access import audit, departments
from jifen.errors import Conflict, NotFound, Refused, ServiceError
from jifen.messages import refusal, say
from jifen.store.models import ApiClient

# score and read: scoring and reading; apply: the intake platform (applications, supplements, objections, voids);
# verify: a department's verifications (the client is bound to that department); publish: the bureau's publication;
# facts: with read, the applicants' facts in the answers that hold them (jifen/privacy/need.py)
SCOPES = ("score", "read", "apply", "verify", "publish", "facts")
KEY_PREFIX = "jf_"
_NAME = re.compile(r"[A-Za-z0-9_.\-]{2,64}")
# Authentication looks a key up once per this many seconds per process: a revoked key stops working
# within this delay, and a busy client costs no query per request.
CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated client of a request."""

    id: int
    name: str
    scopes: frozenset[str]
    department: str | None = None  # the department a ``verify`` client acts for


def _hash(key: str) -> str:
    # keys are 256-bit random tokens: a fast hash is enough, there is nothing to brute-force
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_client(
    session: Session, name: str, scopes: list[str], actor: str, department: str | None = None
) -> tuple[ApiClient, str]:
    """Create a client; returns it with its key, which is not stored and cannot be shown again.

    A client with the scope ``verify`` acts for exactly one department, named by ``department``; no other client
    has one.
    """
    if not _NAME.fullmatch(name):
        raise refusal(Refused, "invalid_client_name", reasons=[say("name_rule")])
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown or not scopes:
        raise refusal(Refused, "unknown_scopes", scopes=", ".join(unknown) or "none given",
                      reasons=[say("choose_scopes", choices=", ".join(SCOPES))])  # fmt: skip
    if "verify" in scopes:
        department = departments.check(session, department)
    elif department is not None:
        raise refusal(Refused, "verify_scope_only", reasons=[say("add_verify_scope")])
    existing = session.scalar(select(ApiClient).where(ApiClient.name == name))
    if existing is not None and not existing.active:
        raise _revoked(existing)
    if existing is not None:
        raise refusal(Conflict, "client_exists", name=name)
    key = _new_key()
    client = ApiClient(
        name=name,
        key_prefix=key[:10],
        key_hash=_hash(key),
        scopes=sorted(set(scopes)),
        created_by=actor,
        department=department,
    )
    session.add(client)
    session.flush()
    audit.record(session, actor, "create", "api_client", object_id=client.id, object_ref=name,
                 after={"scopes": client.scopes, "key_prefix": client.key_prefix, "department": department})  # fmt: skip
    return client, key


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _revoked(client: ApiClient) -> ServiceError:
    """A revoked client's name is never given again: its stored scores and audit entries go on naming it."""
    when = client.revoked_at.date().isoformat() if client.revoked_at else "?"
    return refusal(Conflict, "client_name_revoked", name=client.name, date=when)


def rotate_client(session: Session, name: str, actor: str) -> tuple[ApiClient, str]:
    """Give an active client a new key; the old one stops working (within ``CACHE_SECONDS`` in other processes).

    Its scopes, department and stored scores stay as they are; the audit log keeps both key prefixes.
    """
    client = session.scalar(select(ApiClient).where(ApiClient.name == name))
    if client is None:
        raise refusal(NotFound, "no_client", name=name)
    if not client.active:
        raise _revoked(client)
    key, before = _new_key(), client.key_prefix
    client.key_prefix, client.key_hash = key[:10], _hash(key)
    session.flush()
    audit.record(session, actor, "rotate", "api_client", object_id=client.id, object_ref=name,
                 before={"key_prefix": before}, after={"key_prefix": client.key_prefix})  # fmt: skip
    _cache.clear()
    return client, key


def revoke_client(session: Session, name: str, actor: str) -> ApiClient:
    """Revoke a client's key for good."""
    client = session.scalar(select(ApiClient).where(ApiClient.name == name))
    if client is None:
        raise refusal(NotFound, "no_client", name=name)
    if not client.active:
        raise refusal(Refused, "client_revoked", name=name)
    client.active = False
    client.revoked_at = dt.datetime.now(dt.UTC)
    audit.record(session, actor, "revoke", "api_client", object_id=client.id, object_ref=name)
    _cache.clear()
    return client


class _KeyCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Caller | None]] = {}

    def get(self, digest: str) -> tuple[bool, Caller | None]:
        with self._lock:
            hit = self._entries.get(digest)
        if hit is None or hit[0] < time.monotonic():
            return False, None
        return True, hit[1]

    def put(self, digest: str, caller: Caller | None) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[digest] = (time.monotonic() + CACHE_SECONDS, caller)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_cache = _KeyCache()


def authenticate(session: Session, key: str) -> Caller | None:
    """The active client holding ``key``, or None."""
    digest = _hash(key)
    found, caller = _cache.get(digest)
    if found:
        return caller
    client = session.scalar(select(ApiClient).where(ApiClient.key_hash == digest))
    caller = (
        Caller(client.id, client.name, frozenset(client.scopes), client.department)
        if client is not None and client.active
        else None
    )
    _cache.put(digest, caller)
    return caller


def find_client(session: Session, name: str) -> ApiClient | None:
    """The client named ``name`` (revoked or not), or None."""
    return session.scalar(select(ApiClient).where(ApiClient.name == name))


def list_clients(session: Session) -> list[ApiClient]:
    """Every API client, by name (revoked ones too)."""
    return list(session.scalars(select(ApiClient).order_by(ApiClient.name)))
