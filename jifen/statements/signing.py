"""Signing a published score's statement: the claims as JSON, a compact JWS (RFC 7515) with Ed25519, kept with the
score. Called by publication and by the re-review's republication, in their transaction: a result is never
published without its statement, and never signed with a key made up for the occasion (no key: refused)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any

import orjson
from flask import Flask
from joserfc import jws
from sqlalchemy.orm import Session

from jifen.statements import claims
from jifen.statements.keys import ALG, KeyStore, OKPKey, key_error
from jifen.store.models import Application, ScoreRow, StatementRow

__all__ = ["Signer", "sign", "sign_publication", "signer_for"]

EXTENSION = "jifen.signer"


@dataclass(frozen=True, slots=True)
class Signer:
    """Who signs: the issuer's id (``JIFEN_ISSUER``) and the key store (``JIFEN_SIGNING_KEY_DIR``)."""

    issuer: str
    keys: KeyStore


def signer_for(app: Flask) -> Signer:
    """The application's signer, made once from its configuration (``ISSUER``, ``SIGNING_KEY_DIR``)."""
    signer = app.extensions.get(EXTENSION)
    if signer is None:
        signer = app.extensions[EXTENSION] = Signer(app.config["ISSUER"], KeyStore(app.config["SIGNING_KEY_DIR"]))
    return signer


def sign(payload: dict[str, Any], kid: str, key: OKPKey) -> str:
    """The compact JWS of ``payload`` (JSON in its keys' order) under ``key``, named ``kid`` in the header."""
    header = {"alg": ALG, "kid": kid, "typ": claims.TYPE}
    return jws.serialize_compact(header, orjson.dumps(payload), key, algorithms=[ALG])


def sign_publication(session: Session, app: Application, signer: Signer | None, published_on: dt.date) -> StatementRow:
    """Sign the application's current score as published on ``published_on`` and keep the statement (in the
    caller's transaction). Refused (409 ``no_signing_key``) when no key is active: the publication fails with it."""
    if signer is None:
        raise key_error(409, "no_signing_key", directory="-")  # nobody gave this publication a signer
    kid, key = signer.keys.active()
    assert app.score_id is not None
    score = session.get(ScoreRow, app.score_id)
    assert score is not None
    payload = claims.of_score(session, app, score, published_on, signer.issuer, kid, int(time.time()))
    row = StatementRow(score_id=score.id, application_id=app.id, jws=sign(payload, kid, key), kid=kid)
    session.add(row)
    return row
