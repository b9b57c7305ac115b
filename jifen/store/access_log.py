"""The facts access log's table (personal data, jifen/privacy/log.py), beside the models of ``models``.

Imported by the package, so that ``Base.metadata`` always holds it wherever the models are used.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.store.models import Base, UTCDateTime, _now


class FactsAccess(Base):
    """One read of an applicant's facts: who, when, which application or score, through what, how much, why.
    Append-only like the audit log (triggers; the service role may only insert and read)."""

    __tablename__ = "facts_access_log"
    __table_args__ = (Index("ix_facts_access_log_application", "application_ref", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    actor_kind: Mapped[str] = mapped_column(String(8))  # user | client | cli
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(64), default="")  # a user's role, a client's scopes ("read,facts")
    department: Mapped[str | None] = mapped_column(String(100), nullable=True)
    application_ref: Mapped[str] = mapped_column(String(100))
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    channel: Mapped[str] = mapped_column(String(32))  # jifen.privacy.log.CHANNELS
    extent: Mapped[str] = mapped_column(String(8))  # full | masked | own
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
