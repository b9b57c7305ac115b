"""/api/v1/applications: an application's life — receipt, supplement, verification, publication, objection, void."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, current_app, url_for

from api.application_schemas import (
    ApplicationRequestSchema,
    ApplicationSchema,
    ExtensionSchema,
    HistorySchema,
    LookupCodeSchema,
    ObjectionSchema,
    PublishSchema,
    ReceiptSchema,
    SupplementSchema,
    VerificationSchema,
    VoidSchema,
)
from api.auth import current_caller, require
from api.errors import ApiError
from api.http import json_body, json_response
from api.openapi import doc
from jifen import applications, unit_of_work
from jifen.applications import Actor, Application, Context, lookup, materials, references, views, workdays
from jifen.errors import CodedError, NotFound
from jifen.privacy import need
from jifen.statements import signing
from jifen.unit_of_work import get_session

F = TypeVar("F", bound=Callable[..., Any])
bp = Blueprint("applications", __name__)
PATH = "/applications/<path:application_ref>/<int:year>"
# Who may read an application: any client that takes part in its life, and readers
READERS = ("read", "apply", "verify", "publish")
# a receipt's recognised_statement refused (jifen/statements/recognition.py)
RECOGNITION_PROBLEMS = ("untrusted_issuer", "bad_signature", "malformed_statement", "statement_year_mismatch",
                        "statement_expired", "provincial_standard_differs")  # fmt: skip


def today() -> dt.date:
    """Today in China; the application's ``TODAY`` setting (a callable) replaces the clock, e.g. in tests."""
    clock = current_app.config.get("TODAY")
    return clock() if clock is not None else applications.china_today()


def _coded(view: F) -> F:
    """The service's coded refusals as API errors (the API's error handler shapes the answer)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except CodedError as exc:
            raise ApiError(exc.status, exc.code, exc.message, exc.errors or None) from None

    return wrapper  # type: ignore[return-value]


def _checked_path(application_ref: str, year: int) -> None:
    """A path that cannot name an application is a 404 before any query (a NUL would fail in PostgreSQL, a huge
    year overflow its integer column)."""
    if not references.can_name(application_ref, year):
        raise NotFound(f"no application {application_ref!r} for {year}")


def _answer(application: Application) -> Response:
    ref, year = application.application_ref, application.year
    return _read(ref, year, "api_application", lambda: views.view(get_session(), application, today()))


def _read(application_ref: str, year: int, channel: str, answer: Callable[[], Any]) -> Response:
    """An answer that carries the application's facts: logged, redacted to what the client may see, and marked."""
    body = answer()  # every read first: the log's write then ends the request's reads
    lens = need.reading(unit_of_work.current(), need.Reader.of_client(current_caller()), channel, application_ref, year)
    response = json_response(lens.redact(body))
    value = need.header(lens)
    if value is not None:
        response.headers[need.FACTS_HEADER] = value
    return response


def _transition(change: Callable[[Context], Application]) -> Response:
    """Run one transition in its own write transaction, committed here; answer the application as it is then."""
    with unit_of_work.current().write() as session:
        application = change(_context(session))
    return _answer(application)


def _context(session: Any) -> Context:
    signer = signing.signer_for(current_app)
    return Context(session, Actor.of_client(current_caller()), today(), workdays.load(session), signer)


@bp.post("/applications")
@doc(
    "Receive an application: tasks for the departments concerned, due in 15 working days; the applicant's lookup "
    "code and the materials to bring",
    tag="applications",
    body=ApplicationRequestSchema,
    responses={201: ("The application, verifying, with its lookup code and materials notice", ReceiptSchema)},
    errors=(
        "application_exists",
        "already_scored",
        "no_version_in_force",
        "no_calendar_data",
        "outside_application_period",
        *RECOGNITION_PROBLEMS,
    ),
    description="The answer is the only one that carries the application's `lookup_code` (print it on the "
    "receipt): only a keyed hash of it is kept, and no other answer, log or audit entry shows it. A receipt sent "
    "again is refused (409 `application_exists`) and shows no code: when the first answer was lost, issue a new "
    "code with `POST /api/v1/applications/{application_ref}/{year}/lookup-code`, which ends the old one. "
    "`materials_notice` lists, for the claimed facts, every proof material of the items they fire under the "
    "version in force on `received_on`, grouped by the department that checks it, each material once "
    "(一次性告知).",
)
@require("apply")
@_coded
def create_application() -> Response:
    data = ApplicationRequestSchema().load(json_body())
    secret = current_app.config["SECRET_KEY"]
    with unit_of_work.current().write() as session:
        application = applications.receive(
            _context(session), data["application_ref"], data["year"], data["received_on"], data["channel"],
            data["facts"], data.get("recognised_statement"),
        )  # fmt: skip
        code = lookup.issue(application, secret)
    session = get_session()
    body = views.view(session, application, today())
    answer = {**body, "lookup_code": code, "materials_notice": materials.receipt_notice(session, application)}
    response = json_response(answer, 201)
    response.headers["Location"] = url_for(
        "api.applications.get_application", application_ref=data["application_ref"], year=data["year"]
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post(PATH + "/lookup-code")
@doc(
    "Issue the applicant a new lookup code; the old one no longer works",
    tag="applications",
    responses={200: ("The new code, shown this once", LookupCodeSchema)},
    errors=("not_found",),
    description="For a lost receipt, or a receipt whose answer was lost. The application may be in any state. "
    "The issue is recorded in the audit log (who, when, which application) without the code.",
)
@require("apply")
@_coded
def issue_lookup_code(application_ref: str, year: int) -> Response:
    _checked_path(application_ref, year)
    secret = current_app.config["SECRET_KEY"]
    with unit_of_work.current().write() as session:
        application, code = lookup.reissue(_context(session), application_ref, year, secret)
        body = {"application_ref": application.application_ref, "year": application.year, "lookup_code": code}
    response = json_response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get(PATH)
@doc(
    "An application: state, tasks with due dates (overdue ones marked), provisional and current score, validity",
    tag="applications",
    responses={200: ("The application", ApplicationSchema)},
    errors=("not_found",),
    response_headers={200: need.HEADER_DOC},
    description="Claims and verified values are null unless the client may see them: every fact with the `facts` "
    "or `apply` scope, its own department's with `verify`, none otherwise (`Jifen-Facts` says so). Every answer "
    "that shows facts is recorded in the facts access log.",
)
@require(*READERS)
def get_application(application_ref: str, year: int) -> Response:
    _checked_path(application_ref, year)
    application = applications.find(get_session(), application_ref, year)
    return _answer(application)


@bp.get(PATH + "/history")
@doc(
    "An application's history for an auditor: every event (who, when, what changed) and each score of its chain "
    "with the verified facts that produced it",
    tag="applications",
    responses={200: ("The history", HistorySchema)},
    errors=("not_found",),
    response_headers={200: need.HEADER_DOC},
    description="The facts in it (claims, verified values, each score's facts) follow the rules of the "
    "application's own answer, and the reading is logged the same way.",
)
@require(*READERS)
def get_history(application_ref: str, year: int) -> Response:
    _checked_path(application_ref, year)
    applications.find(get_session(), application_ref, year)
    return _read(application_ref, year, "api_history",
                 lambda: views.history(get_session(), application_ref, year, today()))  # fmt: skip


# What every transition can refuse, besides its own codes (declared with it below)
TRANSITION_ERRORS = ("not_found", "application_voided")


def _operation(
    path: str, summary: str, scope: str, schema: type, call: Callable[..., Application], errors: tuple[str, ...]
) -> None:
    """Register POST PATH/<path>: load the body with ``schema``, run ``call(ctx, ref, year, **body)``; ``errors``
    are the codes it can answer besides TRANSITION_ERRORS and those of reading a body."""

    @doc(
        summary,
        tag="applications",
        body=schema,
        responses={200: ("The application after the change", ApplicationSchema)},
        errors=(*TRANSITION_ERRORS, *errors),
    )
    @require(scope)
    @_coded
    def operation(application_ref: str, year: int) -> Response:
        _checked_path(application_ref, year)
        data = schema().load(json_body())
        return _transition(lambda ctx: call(ctx, application_ref, year, **data))

    operation.__name__ = operation.__qualname__ = path.replace("-", "_")
    bp.add_url_rule(f"{PATH}/{path}", view_func=operation, methods=["POST"])


_operation(
    "supplements",
    "The applicant's one supplement before publication: replaces claims, reopens their tasks",
    "apply",
    SupplementSchema,
    applications.supplement,
    (
        "supplement_closed",
        "supplement_used",
        "no_version_in_force",
        "no_calendar_data",
        "engine_failure",
        "already_scored",
        "stale_supersedes",
        "no_signing_key",  # the re-review's last verification republishes, signing the new statement
        "signing_key_file_missing",
    ),
)
_operation(
    "verifications",
    "A department's verification of its facts; the last one scores the application",
    "verify",
    VerificationSchema,
    applications.verify,
    (
        "no_department",
        "department_mismatch",
        "not_department_facts",
        "no_open_task",
        "task_done",
        "no_task",
        "no_version_in_force",
        "no_calendar_data",
        "engine_failure",
        "already_scored",
        "stale_supersedes",
    ),
)
_operation(
    "extensions",
    "Extend the department's verification task once by 3 working days",
    "verify",
    ExtensionSchema,
    applications.extend,
    (
        "no_department",
        "department_mismatch",
        "no_open_task",
        "task_done",
        "no_task",
        "extension_not_allowed",
        "extension_used",
        "no_calendar_data",
    ),
)
_operation(
    "publish",
    "Publish the result; objections are taken for 3 days",
    "publish",
    PublishSchema,
    applications.publish,
    ("verification_pending", "already_published", "no_calendar_data", "no_signing_key", "signing_key_file_missing"),
)
_operation(
    "objections",
    "The applicant's objection within 3 days of publication: re-review in 7 working days",
    "apply",
    ObjectionSchema,
    lambda ctx, ref, year, **body: applications.object_to(ctx, ref, year, **body),
    ("objection_already_filed", "not_published", "objection_window_closed", "no_version_in_force", "no_calendar_data"),
)
_operation(
    "void",
    "Void the points: the residence permit was suspended or cancelled",
    "apply",
    VoidSchema,
    lambda ctx, ref, year, reason, date: applications.void(ctx, ref, year, reason, date),
    (),
)
