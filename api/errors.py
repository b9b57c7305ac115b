"""Every API error as an RFC 9457 problem detail, with the right status; never an HTML page under /api.

A problem is answered as ``application/problem+json``::

    {"type": "/api/v1/docs#problem-invalid_fields", "title": "Invalid fields", "status": 422,
     "detail": "the request has invalid fields", "code": "invalid_fields",
     "message": "the request has invalid fields", "errors": {"facts.insurance_months": ["…"]}}

``code`` is the machine code a client switches on; ``PROBLEMS`` lists every code the service sends, and the
OpenAPI document's enum and the reference page's table are made from it (a test finds every code the code
base can raise and fails on one missing here). ``message`` repeats ``detail`` for clients written against
the first /api/v1 answers ``{code, message, errors}``.

``type`` is a relative reference with its full path, to the code's entry on the reference page served by the
service itself: it is the same string on every deployment (clients may compare it), and it resolves to
documentation against whichever host answered (RFC 9457 §3.1.1 allows relative type URIs and asks for the
full path when one is used). An absolute URI would need a host that is the same for every deployment and
serves the documentation, and this service has none.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, current_app, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.exceptions import NotFound as WerkzeugNotFound

from api.http import problem_json
from api.schemas import flatten_errors
from engine import EngineError, RulesetError
from jifen.errors import (
    ChainConflict,
    Conflict,
    IdempotencyKeyReused,
    NotFound,
    NoVersionInForce,
    PermissionDenied,
    Refused,
    ServiceError,
)
from jifen.requestid import current_request_id
from jifen.scoring.scores import FieldErrors
from jifen.unit_of_work import RETRY_AFTER, UNAVAILABLE, DatabaseUnavailable

log = logging.getLogger(__name__)

PROBLEM_BASE = "/api/v1/docs#problem-"


@dataclass(frozen=True, slots=True)
class ProblemType:
    """What one error code means: its status, a title, and when it is sent (what to do about it)."""

    status: int
    title: str
    description: str


# Every code the API sends, grouped by status. `http_error` is the one code without a fixed status: an HTTP
# error raised by the web framework that none of the others describes, answered with its own status.
PROBLEMS: dict[str, ProblemType] = {
    "malformed_json": ProblemType(400, "Malformed JSON", "The body is not UTF-8 text or not valid JSON; the detail names the line and column."),
    "not_an_object": ProblemType(400, "Not a JSON object", "The body is valid JSON but not an object."),
    "duplicate_key": ProblemType(400, "Duplicate key", "A key appears twice in one object, at any depth; `errors` names its path. The facts stored are exactly the facts sent, so a duplicate is never resolved silently."),
    "json_too_deep": ProblemType(400, "JSON too deep", "The JSON is nested more than 64 levels deep."),
    "number_out_of_range": ProblemType(400, "Number out of range", "A number literal is longer than 100 characters or beyond a double."),
    "invalid_character": ProblemType(400, "Invalid character", "A string or key holds a NUL character or a lone UTF-16 surrogate; `errors` names its path."),
    "bad_request": ProblemType(400, "Bad request", "The request cannot be read."),
    "unauthorized": ProblemType(401, "Unauthorized", "No API key, or a key that is unknown or revoked: send `Authorization: Bearer <key>`."),
    "forbidden": ProblemType(403, "Forbidden", "The API client lacks the scope the operation needs (`score`, `read`, `apply`, `verify` or `publish`)."),
    "no_department": ProblemType(403, "No department", "The API key is not bound to a department; create a `verify` key with `--department`."),
    "department_mismatch": ProblemType(403, "Department mismatch", "`department` is not the department the key is bound to."),
    "not_department_facts": ProblemType(403, "Not the department's facts", "The verification names facts that another department verifies; `errors` names each with its department."),
    "not_found": ProblemType(404, "Not found", "No such score, version, ruleset or path."),
    # scenes (jifen/scenes/)
    "scene_not_found": ProblemType(404, "Scene not found", "No scene of that code and year (GET /api/v1/scenes lists them)."),
    "not_on_list": ProblemType(404, "Not on the list", "The scene's list names no application of that reference: none of its year existed by that reference when the list was drawn (a published list) or exists now (a draft's)."),
    "method_not_allowed": ProblemType(405, "Method not allowed", "The path exists, but not with this method; `Allow` lists the methods it takes."),
    "no_version_in_force": ProblemType(409, "No version in force", "No published version of the ruleset is in force for the year on the date asked for (`as_of`, default today)."),
    "already_scored": ProblemType(409, "Already scored", "The application already has a score for the year. A re-review must name the current score in `supersedes`; `current_id` is that score."),
    "stale_supersedes": ProblemType(409, "Stale supersedes", "The score named in `supersedes` has been superseded in the meantime; `current_id` is the application's current score: fetch it, decide, and send again naming it."),
    "conflict": ProblemType(409, "Conflict", "Someone else changed the same thing first."),
    "application_exists": ProblemType(409, "Application exists", "The application (reference and year) has been received already."),
    "application_voided": ProblemType(409, "Application voided", "The application was voided (permit suspended or cancelled); nothing can change it. A restored permit needs a new application."),
    "supplement_used": ProblemType(409, "Supplement used", "The applicant has supplemented materials once already."),
    "supplement_closed": ProblemType(409, "Supplement closed", "The result has been published: supplements are taken only before publication."),
    "no_open_task": ProblemType(409, "No open task", "The application is not being verified or re-reviewed."),
    "task_done": ProblemType(409, "Task done", "The department has completed its task of this round."),
    "no_task": ProblemType(409, "No task", "The application has no task for the department."),
    "extension_used": ProblemType(409, "Extension used", "The task has been extended once already."),
    "extension_not_allowed": ProblemType(409, "Extension not allowed", "A re-review's 7 working days cannot be extended."),
    "verification_pending": ProblemType(409, "Verification pending", "Departments have not verified their facts yet; the detail names them."),
    "already_published": ProblemType(409, "Already published", "The result has been published already."),
    "not_published": ProblemType(409, "Not published", "Only a published result can be disputed."),
    "objection_already_filed": ProblemType(409, "Objection already filed", "An objection was filed already; its re-review is final."),
    # signed statements (issue 21)
    "no_signing_key": ProblemType(409, "No signing key", "The service has no active key to sign the result's statement, so it is not published; the operator creates one with `flask keys create`."),
    "signing_key_file_missing": ProblemType(409, "Signing key file missing", "The active signing key's private key file is gone; the operator restores it or rotates the key (`flask keys rotate`)."),
    # scenes (jifen/scenes/)
    "scene_exists": ProblemType(409, "Scene exists", "A scene of that code and year exists already."),
    "scene_published": ProblemType(409, "Scene published", "The scene is published: it and its list are frozen."),
    "no_calendar_data": ProblemType(409, "No calendar data", "A deadline falls in a year with no holiday data; the bureau adds the year with `flask calendar add`."),
    # recognition of another city's provincial points: a receipt's recognised_statement refused (issue 21)
    "untrusted_issuer": ProblemType(422, "Untrusted issuer", "The statement's issuer (`iss`) is not among the bureau's trusted issuers (`flask issuers add`); nothing was stored."),
    "bad_signature": ProblemType(422, "Bad signature", "The statement's signature does not verify against its issuer's keys: it was changed after signing, or a key the issuer does not publish signed it; nothing was stored."),
    "malformed_statement": ProblemType(422, "Malformed statement", "The text is not a signed statement of a result (a compact JWS with the statement's header and claims); nothing was stored."),
    "statement_year_mismatch": ProblemType(422, "Statement year mismatch", "The statement is of another year than the application; nothing was stored."),
    "statement_expired": ProblemType(422, "Statement expired", "The statement's `valid_until` is before the day the application was received; nothing was stored."),
    "provincial_standard_differs": ProblemType(422, "Provincial standard differs", "The provincial part of the standard the statement was scored under has another hash than that of the version in force here; nothing was stored."),
    "payload_too_large": ProblemType(413, "Payload too large", "The body is larger than the service accepts (`JIFEN_MAX_BODY_BYTES`, default 8 MiB)."),
    "batch_too_large": ProblemType(413, "Batch too large", "More than 1,000 applications in one batch; nothing was scored or stored."),
    "unsupported_media_type": ProblemType(415, "Unsupported media type", "The body is not sent as `application/json` in UTF-8 (a declared `charset` other than UTF-8 is refused, not guessed at)."),
    "invalid_fields": ProblemType(422, "Invalid fields", "Fields of the request (body, query or facts) are invalid; `errors` maps each field path to its messages."),
    "outside_application_period": ProblemType(422, "Outside the application periods", "The year's application periods are published and `received_on` is in none of them; the detail and `errors.received_on` name the periods (GET /api/v1/application-periods). Supplements and objections are never refused for it."),
    "objection_window_closed": ProblemType(422, "Objection window closed", "The objection was filed after its deadline (3 days from publication, to the next working day)."),
    "idempotency_key_reused": ProblemType(422, "Idempotency key reused", "The `Idempotency-Key` already stored a score for a different request; use a new key for a new request."),
    "invalid_version": ProblemType(422, "Invalid version", "The ruleset version asked for is a draft that is not valid; the detail lists its problems."),
    "refused": ProblemType(422, "Refused", "The request is understood but its preconditions do not hold (e.g. comparing a draft that is not valid); the detail says why."),
    "internal_error": ProblemType(500, "Internal error", "An unexpected error; it has been logged with the request's `X-Request-ID`. Nothing was stored."),
    "engine_failure": ProblemType(500, "Engine failure", "The rule engine failed; nothing was stored. It has been logged with the request's `X-Request-ID`."),
    "database_unavailable": ProblemType(503, "Database unavailable", "The database cannot be reached or written now (down, frozen, read-only or locked). Try again after `Retry-After` seconds with the same `Idempotency-Key`."),
    "http_error": ProblemType(400, "HTTP error", "Another HTTP error of the web server, with its own status."),
}  # fmt: skip

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "refused",
               500: "internal_error", 503: "database_unavailable"}  # fmt: skip


class ApiError(Exception):
    """An error answered as it is: status, machine code, human message, field errors, extension members."""

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
        """The problem detail: RFC 9457's members, then the service's own (``code``, ``message``, ``errors``…)."""
        return problem_body(self.status, self.code, self.message, self.errors, self.extra)


def problem_body(
    status: int,
    code: str,
    detail: str,
    errors: dict[str, list[str]] | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    known = PROBLEMS.get(code)
    if known is None:  # a new code someone forgot to register: still a valid problem; a test catches it
        log.warning("error code %r is not in api.errors.PROBLEMS", code)
    title = known.title if known is not None else code.replace("_", " ").capitalize()
    body: dict[str, Any] = {
        "type": PROBLEM_BASE + code, "title": title, "status": status, "detail": detail, "code": code, "message": detail,
    }  # fmt: skip
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return body


# The services' refusals that carry no code of their own, each answered with its status and code
_REFUSALS: tuple[tuple[type[ServiceError], int, str], ...] = (
    (IdempotencyKeyReused, 422, "idempotency_key_reused"),
    (NoVersionInForce, 409, "no_version_in_force"),
    (NotFound, 404, "not_found"),
    (PermissionDenied, 403, "forbidden"),
    (Conflict, 409, "conflict"),
    (Refused, 422, "refused"),
)


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
    code = getattr(exc, "code", None)
    if isinstance(exc, ServiceError) and isinstance(code, str):
        # a service's refusal that carries its own code (and perhaps field errors)
        errors = getattr(exc, "errors", None)
        return ApiError(exc.status, code, getattr(exc, "message", str(exc)), errors or None)
    for kind, status, refusal in _REFUSALS:
        if isinstance(exc, kind):
            return ApiError(status, refusal, str(exc))
    if isinstance(exc, RulesetError):
        return ApiError(422, "invalid_version", f"the version is not valid: {exc.report()}")
    if isinstance(exc, ServiceError):
        return ApiError(exc.status, _HTTP_CODES.get(exc.status, "http_error"), str(exc))
    if isinstance(exc, EngineError):
        log.exception("engine failure (request %s)", current_request_id())
        return ApiError(500, "engine_failure", "the rule engine failed; the request was not stored")
    raise exc


def problem_response(error: ApiError) -> Response:
    _check_declared(error.code)
    response = problem_json(error.body(), error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jifen"'
    return response


def _check_declared(code: str) -> None:
    """Log an answered code that its operation does not declare (the contract tests fail on this warning)."""
    view = current_app.view_functions.get(request.endpoint or "")
    meta = getattr(view, "api_doc", None)
    if meta is None or request.url_rule is None:
        return
    from api.openapi import declared_codes

    scoped = getattr(view, "api_security", None) is not None
    if code not in declared_codes(meta, scoped, request.url_rule.rule):
        log.warning("UNDECLARED problem code %r answered by %s: add it to its @doc(errors=…)", code, request.endpoint)


YEAR_PARAMETERS = ("year", "a_year", "b_year")


def check_path_years(values: dict[str, Any] | None) -> None:
    """A path's year out of 2000–2100 is refused like a body's (422 invalid_fields), before any query (called by
    ``api.auth.require`` once the key is checked; every operation with a year in its path needs a key)."""
    for name in YEAR_PARAMETERS:
        year = (values or {}).get(name)
        if isinstance(year, int) and not 2000 <= year <= 2100:
            raise ApiError(422, "invalid_fields", "the request has invalid fields",
                           {name: [f"must be between 2000 and 2100, got {year}"]})  # fmt: skip


def _service_error(exc: Exception) -> Response:
    return problem_response(as_api_error(exc))


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    code = _HTTP_CODES.get(status, "http_error")
    methods = list(getattr(exc, "valid_methods", None) or ())
    if status == 413:
        detail = f"the body is larger than {request.max_content_length} bytes"
    elif status == 404 and request.endpoint == "api.unknown_path":
        detail = f"no operation of this API at {request.path}"
    elif status == 405 and methods:
        detail = f"{request.method} is not allowed on {request.path}; it takes {', '.join(methods)}"
    else:
        detail = exc.description or exc.name
    response = problem_response(ApiError(status, code, detail))
    if status == 405 and methods:
        response.headers["Allow"] = ", ".join(methods)
    return response


def _database_unavailable(exc: Exception) -> Response:
    message = str(exc) if isinstance(exc, DatabaseUnavailable) else "the database is busy; try again later"
    response = problem_response(ApiError(503, "database_unavailable", message))
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http_error(exc)
    log.exception("unexpected error on %s %s (request %s)", request.method, request.path, current_request_id())
    return problem_response(ApiError(500, "internal_error", "an unexpected error occurred; it has been logged"))


def register_error_handlers(blueprint: Blueprint) -> None:
    """Answer every error of ``blueprint``'s views as a problem detail; the console's errors stay its own."""
    blueprint.register_error_handler(ApiError, problem_response)
    failures: tuple[type[Exception], ...] = (ValidationError, ServiceError, EngineError)
    for kind in failures:
        blueprint.register_error_handler(kind, _service_error)
    for kind in UNAVAILABLE:
        blueprint.register_error_handler(kind, _database_unavailable)
    blueprint.register_error_handler(HTTPException, _http_error)
    blueprint.register_error_handler(Exception, _unexpected)


PROBED_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def unknown_path(path: str = "") -> Response:
    """Any path or method under /api that no operation takes: 404, or 405 with ``Allow``.

    Routed here (rather than failing in routing) so that the answer is the API's: Flask gives a routing error
    to no blueprint, and the API's error handlers are its blueprint's alone.
    """
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in PROBED_METHODS:
        try:
            rule, _args = adapter.match(method=method, return_rule=True)
        except HTTPException:
            continue
        if rule.endpoint != request.endpoint:
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise WerkzeugNotFound()
