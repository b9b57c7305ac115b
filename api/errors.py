"""Every API error as JSON ``{code, message, errors?}`` with the right status; never an HTML page under /api."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from api.http import json_response
from api.schemas import flatten_errors
from engine import EngineError, RulesetError
from jifen.errors import (
    ChainConflict,
    Conflict,
    IdempotencyKeyReused,
    NotFound,
    NoVersionInForce,
    PermissionDenied,
    ServiceError,
)
from jifen.services.scores import FieldErrors

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_fields",
    429: "too_many_requests",
}


class ApiError(Exception):
    """An error answered as it is: status, machine code, human message, field errors."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        errors: dict[str, list[str]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.errors = status, code, message, errors
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        return {**error_body(self.code, self.message, self.errors), **self.extra}


def error_body(code: str, message: str, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if errors:
        body["errors"] = errors
    return body


def as_api_error(exc: Exception) -> ApiError:
    """Map the errors of the services and the engine to API errors (shared by single and batch scoring)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, FieldErrors):
        return ApiError(422, "invalid_fields", "the request has invalid fields", exc.errors)
    if isinstance(exc, ValidationError):
        return ApiError(422, "invalid_fields", "the request has invalid fields", flatten_errors(exc.messages))
    if isinstance(exc, ChainConflict):
        return ApiError(409, exc.code, str(exc), extra={"current_id": exc.current_id})
    if isinstance(exc, IdempotencyKeyReused):
        return ApiError(422, "idempotency_key_reused", str(exc))
    if isinstance(exc, NoVersionInForce):
        return ApiError(409, "no_version_in_force", str(exc))
    if isinstance(exc, NotFound):
        return ApiError(404, "not_found", str(exc))
    if isinstance(exc, PermissionDenied):
        return ApiError(403, "forbidden", str(exc))
    if isinstance(exc, Conflict):
        return ApiError(409, "conflict", str(exc))
    if isinstance(exc, RulesetError):
        return ApiError(422, "invalid_version", f"the version is not valid: {exc.report()}")
    if isinstance(exc, ServiceError):
        return ApiError(exc.status, _HTTP_CODES.get(exc.status, "refused"), str(exc))
    if isinstance(exc, EngineError):
        log.exception("engine failure")
        return ApiError(500, "engine_failure", "the rule engine failed; the request was not stored")
    raise exc


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Response:
        response = json_response(exc.body(), exc.status)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="jifen"'
        return response

    for kind in (ValidationError, ServiceError, EngineError):

        @app.errorhandler(kind)
        def _service_error(exc: Exception) -> Response:
            error = as_api_error(exc)
            return json_response(error.body(), error.status)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if not _wants_json():
            return exc
        status = exc.code or 500
        response = json_response(error_body(_HTTP_CODES.get(status, "error"), exc.description or exc.name), status)
        if status == 405 and exc.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, HTTPException):
            return _http_error(exc)
        log.exception("unexpected error on %s %s", request.method, request.path)
        if not _wants_json():
            raise exc
        return json_response(error_body("internal_error", "an unexpected error occurred; it has been logged"), 500)
