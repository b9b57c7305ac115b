"""Trusted issuers: the other cities whose signed statements the bureau recognises, each with its public keys.

An issuer is the identifier another city's service signs its statements with (its ``JIFEN_ISSUER``, e.g.
``cn-zj-hangzhou``) and the JWKS it publishes at ``/.well-known/jwks.json``, taken from a file the bureau has
received from that city. Only public Ed25519 keys are accepted: a key with private material is refused, so that
no city's secret is kept here by mistake. Every change is in the audit log.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.access import audit
from jifen.errors import Conflict, NotFound, Refused
from jifen.messages import refusal, say
from jifen.store.recognition_models import TrustedIssuer

# as the other city configures it (its JIFEN_ISSUER): e.g. cn-zj-hangzhou, or a URL
ISSUER_ID = re.compile(r"[!-~]{2,100}")
NAME_LENGTH = 200
JWKS_BYTES = 64 * 1024  # a city publishes a handful of keys: a few hundred bytes each
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "k")


@dataclass(frozen=True, slots=True)
class Issuer:
    """A trusted issuer as the services read it: its JWKS parsed."""

    id: int
    issuer: str
    name: str
    jwks: dict[str, Any]
    added_by: str
    added_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime

    @property
    def key_ids(self) -> list[str]:
        return [str(k["kid"]) for k in self.jwks["keys"]]

    def described(self) -> dict[str, Any]:
        """What the audit log and the command line's JSON show: never more than public keys."""
        keys = [{"kid": k["kid"], **({"status": k["status"]} if "status" in k else {})} for k in self.jwks["keys"]]
        return {"issuer": self.issuer, "name": self.name, "keys": keys}


def _issuer(row: TrustedIssuer) -> Issuer:
    return Issuer(row.id, row.issuer, row.name, json.loads(row.jwks), row.added_by, row.added_at, row.updated_by,
                  row.updated_at)  # fmt: skip


def _bad_jwks(reason: str, **params: Any) -> Refused:
    return refusal(Refused, "jwks_invalid", reasons=[say(reason, **params)])  # type: ignore[return-value]


def _public_key(key: Any, n: int) -> dict[str, Any]:
    """One JWK checked: an Ed25519 public key (OKP) with a key id and no private member."""
    if not isinstance(key, dict):
        raise _bad_jwks("jwks_key_not_object", n=n)
    if any(member in key for member in _PRIVATE_MEMBERS):
        raise _bad_jwks("jwks_private_key", n=n)
    if key.get("kty") != "OKP" or key.get("crv") != "Ed25519":
        raise _bad_jwks("jwks_not_ed25519", n=n)
    if not isinstance(key.get("kid"), str) or not key["kid"]:
        raise _bad_jwks("jwks_no_kid", n=n)
    x = key.get("x")
    try:
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4)) if isinstance(x, str) else b""
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != 32:
        raise _bad_jwks("jwks_bad_x", n=n)
    return key


def read_jwks(text: str | bytes) -> dict[str, Any]:
    """A JWKS file's text checked: a JSON object whose ``keys`` are Ed25519 public keys with distinct key ids."""
    if len(text) > JWKS_BYTES:
        raise _bad_jwks("jwks_too_large", limit=JWKS_BYTES)
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise _bad_jwks("jwks_not_json") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list) or not document["keys"]:
        raise _bad_jwks("jwks_no_keys")
    keys = [_public_key(key, n) for n, key in enumerate(document["keys"], start=1)]
    kids = [k["kid"] for k in keys]
    if len(set(kids)) != len(kids):
        raise _bad_jwks("jwks_duplicate_kid")
    return {"keys": keys}


def _check_id(issuer: str) -> str:
    if not ISSUER_ID.fullmatch(issuer):
        raise refusal(Refused, "issuer_id_invalid", issuer=issuer, reasons=[say("issuer_id_rule")])
    return issuer


def _check_name(name: str) -> str:
    name = name.strip()
    if len(name) > NAME_LENGTH:
        raise refusal(Refused, "issuer_name_too_long", limit=NAME_LENGTH)
    return name


def listed(session: Session) -> list[Issuer]:
    """Every trusted issuer, by issuer id."""
    return [_issuer(row) for row in session.scalars(select(TrustedIssuer).order_by(TrustedIssuer.issuer))]


def find(session: Session, issuer: str) -> Issuer | None:
    row = session.scalar(select(TrustedIssuer).where(TrustedIssuer.issuer == issuer))
    return None if row is None else _issuer(row)


def _row(session: Session, issuer: str) -> TrustedIssuer:
    row = session.scalar(select(TrustedIssuer).where(TrustedIssuer.issuer == issuer))
    if row is None:
        raise refusal(NotFound, "no_issuer", issuer=issuer)
    return row


def add(session: Session, issuer: str, jwks_text: str | bytes, name: str, actor: str) -> Issuer:
    """Trust a new issuer with the keys of its JWKS file."""
    _check_id(issuer)
    jwks, name = read_jwks(jwks_text), _check_name(name)
    if session.scalar(select(TrustedIssuer.id).where(TrustedIssuer.issuer == issuer)) is not None:
        raise refusal(Conflict, "issuer_exists", issuer=issuer)
    now = dt.datetime.now(dt.UTC)
    row = TrustedIssuer(issuer=issuer, name=name, jwks=json.dumps(jwks, ensure_ascii=False), added_by=actor[:64],
                        added_at=now, updated_by=actor[:64], updated_at=now)  # fmt: skip
    session.add(row)
    session.flush()
    added = _issuer(row)
    audit.record(session, actor, "create", "trusted_issuer", object_id=row.id, object_ref=issuer,
                 after=added.described())  # fmt: skip
    return added


def update(session: Session, issuer: str, actor: str, jwks_text: str | bytes | None = None,
           name: str | None = None) -> Issuer:  # fmt: skip
    """Replace an issuer's keys (a new JWKS after its rotation) or its name."""
    row = _row(session, issuer)
    before = _issuer(row).described()
    if jwks_text is not None:
        row.jwks = json.dumps(read_jwks(jwks_text), ensure_ascii=False)
    if name is not None:
        row.name = _check_name(name)
    row.updated_by, row.updated_at = actor[:64], dt.datetime.now(dt.UTC)
    session.flush()
    updated = _issuer(row)
    audit.record(session, actor, "edit", "trusted_issuer", object_id=row.id, object_ref=issuer, before=before,
                 after=updated.described())  # fmt: skip
    return updated


def remove(session: Session, issuer: str, actor: str) -> Issuer:
    """Trust an issuer no more: its statements are refused from now on (those recognised before stay)."""
    row = _row(session, issuer)
    gone = _issuer(row)
    session.delete(row)
    session.flush()
    audit.record(session, actor, "delete", "trusted_issuer", object_id=gone.id, object_ref=issuer,
                 before=gone.described())  # fmt: skip
    return gone
