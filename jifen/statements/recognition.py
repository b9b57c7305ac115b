"""Recognising another city's provincial points (policy §三(一)1, 共性指标得分跨区互认) from its signed statement.

An application may carry another city's statement at receipt. It is recognised when its issuer is trusted here
(``issuers``), its signature verifies against that issuer's keys, it is of the application's year, still valid on
the day of receipt, and the provincial part of the standard it was scored under has the hash of the version in
force here (``engine.provincial``). Each other case is refused with its own code — ``untrusted_issuer``,
``bad_signature``, ``statement_year_mismatch``, ``statement_expired``, ``provincial_standard_differs``, or
``malformed_statement`` for a text that is not a statement at all — and nothing is stored.

A recognised statement is kept with its application (``RecognisedStatement``: the token and its verified claims);
every score of the application applies its provincial points (``engine.recognition``) and names it
(``ScoreRow.recognition_id``), so that re-evaluating a stored score applies the same claims again. No department
verifies the facts only the provincial points need.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.model import RulesetVersion
from engine.provincial import provincial_hash, provincial_only_fields
from engine.recognition import Recognised, inconsistency
from jifen.errors import CodedError
from jifen.messages import Message, say
from jifen.statements import issuers
from jifen.statements.verify import MAX_LENGTH, verify_signature
from jifen.store.models import Application
from jifen.store.recognition_models import RecognisedStatement

FIELD = "recognised_statement"  # the application's property that carries the statement


@dataclass(frozen=True, slots=True)
class Checked:
    """A statement that may be recognised: who signed it with which key, its claims, and their provincial points."""

    token: str
    issuer: str
    kid: str
    claims: dict[str, Any]
    recognised: Recognised


def _refusal(status: int, code: str, said: Message) -> CodedError:
    """A refusal with the catalogue's English, its Chinese kept for the console, and the property to blame."""
    error = CodedError(status, code, said.text("en"), {FIELD: [said.text("en")]})
    error.said = said  # type: ignore[attr-defined]
    return error


def _unverified_claims(token: str) -> dict[str, Any]:
    """The claims as the token states them, before anything is verified: only to know whom to ask (``iss``)."""
    parts = token.split(".") if isinstance(token, str) and len(token) <= MAX_LENGTH else []
    try:
        if len(parts) != 3:
            raise ValueError("a compact JWS has three parts")
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        claims = None
    if not isinstance(claims, dict) or not isinstance(claims.get("iss"), str):
        raise _refusal(422, "malformed_statement", say("malformed_statement", why="no readable claims with an iss"))
    return claims


def _verified(token: str, jwks: dict[str, Any], issuer: str) -> tuple[dict[str, Any], str]:
    try:
        return verify_signature(token, jwks)
    except CodedError as exc:
        if exc.code == "malformed_statement":
            raise
        said = say("recognition_bad_signature", issuer=issuer, why=exc.message)
        raise _refusal(422, "bad_signature", said) from None


_hashes: dict[str, str] = {}  # a version's content hash → its provincial part's hash (a receipt costs no 2 ms)
_hashes_lock = threading.Lock()


def _provincial_hash(version: RulesetVersion) -> str:
    with _hashes_lock:
        known = _hashes.get(version.content_hash)
    if known is None:
        known = provincial_hash(version)
        with _hashes_lock:
            _hashes[version.content_hash] = known
    return known


def _checked_claims(claims: dict[str, Any], year: int, received_on: dt.date, version: RulesetVersion) -> Recognised:
    """The verified claims held to the application: its year, valid on receipt, the same provincial table."""
    try:
        recognised = Recognised.from_claims(claims)
        valid_until = dt.date.fromisoformat(str(claims.get("valid_until")))
    except ValueError as exc:
        raise _refusal(422, "malformed_statement", say("malformed_statement", why=str(exc))) from None
    if recognised.year != year:
        raise _refusal(422, "statement_year_mismatch", say("statement_year_mismatch", found=recognised.year, year=year))
    if valid_until < received_on:
        said = say("statement_expired", valid_until=valid_until.isoformat(), received_on=received_on.isoformat())
        raise _refusal(422, "statement_expired", said)
    here = _provincial_hash(version)
    if recognised.hash != here:
        said = say("provincial_standard_differs", found=recognised.hash, here=here, ref=version.ref)
        raise _refusal(422, "provincial_standard_differs", said)
    if (why := inconsistency(recognised, version)) is not None:  # signed, but not a result of that table
        raise _refusal(422, "malformed_statement", say("malformed_statement", why=why))
    return recognised


def check(session: Session, token: str, year: int, received_on: dt.date, version: RulesetVersion) -> Checked:
    """Verify another city's statement for an application of ``year`` received on ``received_on`` under ``version``
    (the version in force here); a coded refusal (422) when it cannot be recognised."""
    token = token.strip() if isinstance(token, str) else token
    stated = _unverified_claims(token)
    trusted = issuers.find(session, stated["iss"])
    if trusted is None:
        raise _refusal(422, "untrusted_issuer", say("untrusted_issuer", issuer=stated["iss"]))
    claims, kid = _verified(token, trusted.jwks, trusted.issuer)
    if claims.get("iss") != trusted.issuer:  # the signed claims are those read above; said again, to be plain
        raise _refusal(422, "untrusted_issuer", say("untrusted_issuer", issuer=str(claims.get("iss"))))
    return Checked(token, trusted.issuer, kid, claims, _checked_claims(claims, year, received_on, version))


def keep(session: Session, app: Application, checked: Checked) -> RecognisedStatement:
    """Keep the recognised statement with its application (in the caller's transaction)."""
    row = RecognisedStatement(application_id=app.id, issuer=checked.issuer, kid=checked.kid, jws=checked.token,
                              claims=checked.claims, recognised_at=dt.datetime.now(dt.UTC))  # fmt: skip
    session.add(row)
    session.flush()
    return row


def of_application(session: Session, app: Application) -> RecognisedStatement | None:
    """The statement an application's provincial points were recognised from, if any."""
    return session.scalar(select(RecognisedStatement).where(RecognisedStatement.application_id == app.id))


def applied(session: Session, app: Application) -> tuple[Recognised | None, int | None]:
    """What scoring the application applies: the recognised points and the row that keeps them (None, None: none)."""
    row = of_application(session, app)
    return (None, None) if row is None else (Recognised.from_claims(row.claims), row.id)


def described(row: RecognisedStatement) -> dict[str, Any]:
    """What the application's answer and its history say of a recognised statement."""
    claims = row.claims
    provincial = claims.get("provincial", {})
    return {"issuer": row.issuer, "kid": row.kid, "application_ref": claims.get("sub"), "year": claims.get("year"),
            "score_id": claims.get("score_id"), "points": provincial.get("points"),
            "indicators": provincial.get("indicators"), "provincial_hash": provincial.get("hash"),
            "valid_until": claims.get("valid_until"), "statement": row.jws}  # fmt: skip


def undisputable(
    session: Session, app: Application, version: RulesetVersion, names: Iterable[str]
) -> dict[str, list[str]]:
    """The facts of an objection that only recognised provincial points need: nobody here re-reviews them."""
    if of_application(session, app) is None:
        return {}
    skipped = provincial_only_fields(version)
    why = "the provincial points were recognised from another city's statement: dispute them with that city"
    return {f"facts.{name}": [why] for name in names if name in skipped}


def without_provincial(plan: dict[str, dict[str, Any]], version: RulesetVersion) -> dict[str, dict[str, Any]]:
    """A verification plan without the facts only the provincial points need; departments left with none go."""
    skipped = provincial_only_fields(version)
    trimmed = {unit: {n: v for n, v in facts.items() if n not in skipped} for unit, facts in plan.items()}
    return {unit: facts for unit, facts in trimmed.items() if facts}
