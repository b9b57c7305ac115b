"""The tables of recognition (issue 21, item 5): the other cities whose statements the bureau trusts, and the
statement each application carried at receipt (``jifen/statements/issuers.py``, ``jifen/statements/recognition.py``).
Defined on the models' ``Base``; ``jifen.store`` imports this module, so that ``Base.metadata`` holds them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.store.models import Base, UTCDateTime, _now


class TrustedIssuer(Base):
    """Another city whose signed statements the bureau trusts: its issuer id and its public keys (a JWKS)."""

    __tablename__ = "trusted_issuers"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    # the JWKS as JSON text, public keys only (jifen/statements/issuers.py checks it)
    jwks: Mapped[str] = mapped_column(Text)
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)


class RecognisedStatement(Base):
    """Another city's statement an application carried at receipt, as verified then: its provincial points count."""

    __tablename__ = "recognised_statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), unique=True)
    issuer: Mapped[str] = mapped_column(String(100))
    kid: Mapped[str] = mapped_column(String(200))
    jws: Mapped[str] = mapped_column(Text)
    # the statement's payload as verified (JSON): what scoring and a score's verification apply
    claims: Mapped[Any] = mapped_column(JSON)
    recognised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
