"""Database models (SQLAlchemy 2.0): ruleset versions, users, API clients, stored scores, the audit log.

A version's content is one document: ``RulesetVersionRow.document`` holds the canonical JSON that its content
hash covers (see ``engine.canonical``), read by the engine's loader and changed only through
``jifen.standard.rulesets``. Published and retired versions are frozen by database triggers (see the
migrations) as well as by the flush guard in ``guards.py``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Points, rates and caps carry at most two decimals (the loader enforces it), so a scale of 2 is exact.
Points = Numeric(14, 2, asdecimal=True)

ROLES = ("editor", "publisher", "auditor", "admin", "department")
# A department user (role ``department``) and a ``verify`` API client act for one department: ``department`` names it


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always timezone-aware UTC when read, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use an aware UTC datetime")
        return value.astimezone(dt.UTC) if value is not None else None

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Ruleset(Base):
    __tablename__ = "rulesets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    versions: Mapped[list[RulesetVersionRow]] = relationship(back_populates="ruleset")


class RulesetVersionRow(Base):
    """One version of a ruleset: identity, lifecycle and its content as one document."""

    __tablename__ = "ruleset_versions"
    __table_args__ = (UniqueConstraint("ruleset_id", "year", "revision", name="uq_ruleset_versions_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ruleset_id: Mapped[int] = mapped_column(ForeignKey("rulesets.id"))
    year: Mapped[int] = mapped_column(Integer)
    revision: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # the content: canonical JSON (engine.canonical.canonical_json), whose sha256 is content_hash
    document: Mapped[str] = mapped_column(Text)
    # copied from the document when it is stored (services/rulesets.py), for lists and choosing the version in force
    effective_from: Mapped[dt.date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    content_hash: Mapped[str] = mapped_column(String(80), default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    cloned_from_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_versions.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    published_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    publish_note: Mapped[str | None] = mapped_column(Text, nullable=True)
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    retired_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    retire_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    ruleset: Mapped[Ruleset] = relationship(back_populates="versions")

    __mapper_args__ = {"version_id_col": lock_version}  # noqa: RUF012 - read once by the mapper

    @property
    def ref(self) -> str:
        return f"{self.ruleset.code}/{self.year}/{self.revision}"

    def __repr__(self) -> str:
        return f"<RulesetVersionRow {self.id} {self.year}/{self.revision} {self.status}>"


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    # carried by the console's session cookie ("id:epoch"): raising it ends every session of the user
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # role ``department`` only: the department whose verification tasks the user works on
    department: Mapped[str | None] = mapped_column(String(100), nullable=True)


class LoginAttempt(Base):
    """Attempts counted in the database: console logins per user name and client address, applicants' lookups per
    reference and client address (see jifen/access/throttle.py)."""

    __tablename__ = "login_attempts"

    # "user:<name>", "addr:<address>", "lookup-ref:<year>:<reference>", "lookup-addr:<address>"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_attempt: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AuditEntry(Base):
    """Who changed what, when, with the state before and after (JSON)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    object_ref: Mapped[str] = mapped_column(String(200), default="")
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class ApiClient(Base):
    """An outside system allowed to call the API; only a hash of its key is kept."""

    __tablename__ = "api_clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    key_prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # scope ``verify`` only: the one department the client verifies facts for
    department: Mapped[str | None] = mapped_column(String(100), nullable=True)


class ScoreRow(Base):
    """A stored score: what was sent, what the engine answered, under which version, for whom. Never changes."""

    __tablename__ = "scores"
    __table_args__ = (
        # one score per place in a chain: of concurrent re-reviews (or first scores) exactly one can be stored
        Index("uq_scores_chain", "application_ref", "year", "seq", unique=True),
        # a client's idempotency key names one stored score
        Index("uq_scores_idempotency", "client_id", "idempotency_key", unique=True),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    application_ref: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    as_of: Mapped[dt.date] = mapped_column(Date)
    version_id: Mapped[int] = mapped_column(ForeignKey("ruleset_versions.id"), index=True)
    content_hash: Mapped[str] = mapped_column(String(80))
    # JSON text exactly as produced and served: what an auditor reads back is byte for byte what was answered
    facts: Mapped[str] = mapped_column(Text)
    derived: Mapped[str] = mapped_column(Text)
    result: Mapped[str] = mapped_column(Text)
    total: Mapped[Decimal] = mapped_column(Points)
    eligible: Mapped[bool] = mapped_column(Boolean)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("api_clients.id"), nullable=True, index=True)
    client_name: Mapped[str] = mapped_column(String(64))
    supersedes_id: Mapped[str | None] = mapped_column(ForeignKey("scores.id"), nullable=True, unique=True)
    # place in the chain of (application_ref, year): 1 for the first score, n + 1 for the one superseding n
    seq: Mapped[int] = mapped_column(Integer)
    idempotency_key: Mapped[str | None] = mapped_column(String(255), nullable=True)
    # sha256 of the request as parsed (hex): a replay with the same key must be the same request
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    # personal data: the day retention erased facts and derived ("{}" since): the one change allowed, by trigger
    facts_erased_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # the recognised statement (issue 21) whose provincial points this score took; not a foreign key, as score_id
    recognition_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    version: Mapped[RulesetVersionRow] = relationship()


class CalendarDay(Base):
    """A day the bureau declares a working day or a holiday: it overrides the chinese-calendar package, and a
    year the package does not cover is covered once it has a holiday here (see services/workdays.py)."""

    __tablename__ = "calendar_days"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # workday | holiday
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)


class ApplicationPeriod(Base):
    """A period in which new applications of a year are taken, as the centre publishes it (policy §四(一))."""

    __tablename__ = "application_periods"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="starts_before_end"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)


class Application(Base):
    """An application for one year, from receipt to its final score (services/applications.py)."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("application_ref", "year", name="uq_applications_ref_year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_ref: Mapped[str] = mapped_column(String(100))
    year: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(8))  # online | window
    # verifying → scored → published → re_reviewing → published; voided from any of them
    state: Mapped[str] = mapped_column(String(16), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    # the applicant's claims as sent (JSON), after the supplement if there was one
    claimed_facts: Mapped[Any] = mapped_column(JSON)
    supplemented_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # 1: the verification of the claims; 2: the re-review after an objection
    round: Mapped[int] = mapped_column(Integer, default=1)
    # the current score (the head of the application's chain). Not a foreign key: stored scores are never deleted
    # (triggers), and a reference would let TRUNCATE scores fail on it instead of on their own refusal
    score_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    published_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    objection_deadline: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    objection_filed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    republished_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    voided_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    void_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # HMAC-SHA256 (hex) of the code printed on the receipt for the applicant's own lookup, keyed by the service's
    # secret (jifen/applications/lookup.py); the code itself is never kept
    lookup_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    # personal data: the day retention erased the claims and verified values (jifen/privacy/retention.py)
    facts_erased_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    tasks: Mapped[list[VerificationTask]] = relationship(
        back_populates="application", order_by="[VerificationTask.round, VerificationTask.id]"
    )


class VerificationTask(Base):
    """One department's verification (round 1) or re-review (round 2) of an application's facts."""

    __tablename__ = "verification_tasks"
    __table_args__ = (
        UniqueConstraint("application_id", "round", "department", name="uq_verification_tasks_department"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    # the fact catalogue's department, as written there (one department, or several that share the facts)
    department: Mapped[str] = mapped_column(String(100), index=True)
    # {fact: claimed value or null}: the facts this task decides, with what the applicant claims
    claims: Mapped[Any] = mapped_column(JSON)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    due: Mapped[dt.date] = mapped_column(Date)
    extended_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # open | done | cancelled (by a void)
    done_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    done_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # {fact: {claimed, verified, outcome}}; outcome confirmed | corrected | not_proven | none
    results: Mapped[Any] = mapped_column(JSON, nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    application: Mapped[Application] = relationship(back_populates="tasks")


class ApplicationEvent(Base):
    """What happened to an application: who (user or API client, and department), when, what changed.

    Append-only: the service role may only insert and read these rows.
    """

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
    action: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(8))  # client | user
    actor: Mapped[str] = mapped_column(String(64))
    department: Mapped[str | None] = mapped_column(String(100), nullable=True)
    state_before: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state_after: Mapped[str] = mapped_column(String(16))
    score_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    changes: Mapped[Any] = mapped_column(JSON)
    # personal data: the day retention erased the fact values in ``changes``: the one change allowed, by trigger
    facts_erased_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class KeptForm(Base):
    """What a console user typed into a form that arrived after their session had ended: kept for them to send
    again after logging in (jifen/access/kept_forms.py). One per user; gone after a day."""

    __tablename__ = "kept_forms"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, unique=True)
    path: Mapped[str] = mapped_column(String(2000))
    fields: Mapped[Any] = mapped_column(JSON)  # [[name, value], …] in the order sent (a name may repeat)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)


# --- signed statements (issue 21) ---------------------------------------------------------------------------


class StatementRow(Base):
    """The signed statement (a compact JWS) of a published score: one per score, made at its publication or
    republication, never changed (jifen/statements/). ``kid`` names the key that signed it."""

    __tablename__ = "statements"

    id: Mapped[int] = mapped_column(primary_key=True)
    score_id: Mapped[str] = mapped_column(ForeignKey("scores.id"), unique=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    jws: Mapped[str] = mapped_column(Text)
    kid: Mapped[str] = mapped_column(String(64), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=_now)
