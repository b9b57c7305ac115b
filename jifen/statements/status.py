"""Verifying a statement online: its signature against our keys, then what the service says of its result today —
valid, superseded by a re-review (with the newer statement), voided (from which date) or expired."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from joserfc import jws
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.errors import CodedError
from jifen.statements.keys import KeyStore
from jifen.statements.verify import verify_signature
from jifen.store.models import Application, ScoreRow, StatementRow

STATUSES = ("valid", "superseded", "voided", "expired", "unknown")


def latest(session: Session, application_id: int) -> StatementRow | None:
    """The application's newest statement (of its current score, once published)."""
    query = select(StatementRow).where(StatementRow.application_id == application_id)
    return session.scalar(query.order_by(StatementRow.id.desc()).limit(1))


def of_score(session: Session, score_id: str | None) -> StatementRow | None:
    if score_id is None:
        return None
    return session.scalar(select(StatementRow).where(StatementRow.score_id == score_id))


def _stated(session: Session, claims: dict[str, Any], issuer: str) -> tuple[Application, ScoreRow] | None:
    """The application and the score a statement of this issuer names, if the service has them."""
    sub, year, score_id = claims.get("sub"), claims.get("year"), claims.get("score_id")
    if claims.get("iss") != issuer or not isinstance(sub, str) or not isinstance(year, int) or not score_id:
        return None
    app = session.scalar(select(Application).where(Application.application_ref == sub, Application.year == year))
    score = session.get(ScoreRow, score_id) if app is not None and isinstance(score_id, str) else None
    if app is None or score is None or score.application_ref != app.application_ref or score.year != app.year:
        return None
    return app, score


def current_status(session: Session, claims: dict[str, Any], issuer: str, today: dt.date) -> dict[str, Any]:
    """What the service says today of the result a statement (whose signature holds) states."""
    answer: dict[str, Any] = {"status": "unknown", "state": None, "voided_on": None, "void_reason": None,
                              "superseded_by": None}  # fmt: skip
    stated = _stated(session, claims, issuer)
    if stated is None:
        return answer
    app, score = stated
    answer.update(status="valid", state=app.state)
    newest = latest(session, app.id)
    if app.voided_on is not None and app.voided_on <= today:
        answer.update(status="voided", voided_on=app.voided_on, void_reason=app.void_reason)
    elif newest is not None and newest.score_id != score.id:
        superseded_by = {"score_id": newest.score_id, "statement": newest.jws, "issued_at": newest.issued_at}
        answer.update(status="superseded", superseded_by=superseded_by)
    elif today.isoformat() > str(claims.get("valid_until", "")):
        answer.update(status="expired")
    return answer


def check(session: Session, token: str, keys: KeyStore, issuer: str, today: dt.date) -> dict[str, Any]:
    """A statement verified online: its signature (valid or not, with which key) and, when valid, its claims and
    their current status. A statement that is not valid is answered, not refused: saying so is the answer."""
    jwks = keys.jwks()
    try:
        claims, kid = verify_signature(token, jwks)
    except CodedError as exc:
        said = getattr(exc, "said", None)
        return {"signature": {"valid": False, "kid": None, "key_status": None, "problem": exc.code,
                                              "message": exc.message},
                "claims": None, "status": None, "said": said}  # fmt: skip
    key_status = next((k["status"] for k in jwks["keys"] if k["kid"] == kid), None)
    return {
        "signature": {"valid": True, "kid": kid, "key_status": key_status, "problem": None, "message": None},
        "claims": claims,
        "status": current_status(session, claims, issuer, today),
        "said": None,
    }


def described(claims: dict[str, Any]) -> str:
    """The claims in a sentence (English; the public page says them in Chinese)."""
    categories = ", ".join(f"{code} {points}" for code, points in claims.get("categories", {}).items())
    return (
        f"{claims.get('iss')} states that application {claims.get('sub')} of {claims.get('year')} scored "
        f"{claims.get('total')} points ({categories}) under {claims.get('version', {}).get('ref')}, published on "
        f"{claims.get('published_on')}, valid until {claims.get('valid_until')}; signed with key {claims.get('kid')}"
    )


def claims_of(token: str) -> dict[str, Any]:
    """The claims of a statement this service stored (read without checking: it made them)."""
    claims: dict[str, Any] = json.loads(jws.extract_compact(token.encode("ascii")).payload)
    return claims
