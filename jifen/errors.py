"""Errors of the application's service layer; each says what was refused and why."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the errors a service raises on purpose; the message is meant for the user."""

    status = 400


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    """Someone else changed the same thing first, or the identity is already taken by other content."""

    status = 409


class NoVersionInForce(Conflict):
    """No published version applies to the year and date asked for."""


class ChainConflict(Conflict):
    """A score cannot take its place in the re-review chain: the application already has a score, or the
    score named as superseded is no longer the current one. ``current_id`` is the current score."""

    def __init__(self, code: str, message: str, current_id: str | None) -> None:
        self.code, self.current_id = code, current_id
        super().__init__(message)


class IdempotencyKeyReused(ServiceError):
    """An idempotency key already stored a score for a different request."""

    status = 422


class ImmutableVersion(ServiceError):
    """A published or retired version (or a row of it) was about to change."""

    status = 409


class ImmutableRecord(ServiceError):
    """A stored score was about to change."""

    status = 409


class PermissionDenied(ServiceError):
    status = 403


class Refused(ServiceError):
    """The request is understood but its preconditions do not hold (e.g. publishing a failing draft)."""

    status = 422

    def __init__(self, message: str, reasons: list[str] | None = None) -> None:
        self.reasons = reasons or []
        super().__init__(message + ("".join(f"\n  - {r}" for r in self.reasons)))


class CodedError(ServiceError):
    """A refusal with a stable machine code (the API's ``code``) and, where fields are to blame, messages per
    field path (``facts.insurance_months``)."""

    def __init__(self, status: int, code: str, message: str, errors: dict[str, list[str]] | None = None) -> None:
        self.status, self.code, self.errors = status, code, errors or {}
        details = "".join(f"\n  - {path}: {'; '.join(texts)}" for path, texts in self.errors.items())
        super().__init__(message + details)
        self.message = message


class NoCalendarData(CodedError):
    """A working day was asked of a year that neither the holiday package nor the bureau's calendar covers."""

    def __init__(self, message: str) -> None:
        super().__init__(409, "no_calendar_data", message)
