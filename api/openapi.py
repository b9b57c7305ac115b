"""The OpenAPI 3 document, generated from the views' declarations, the marshmallow schemas and the fact catalogues.

The document is meant to be enough: a client generated from it (openapi-python-client) needs no hand-written
bridging, and linters find nothing to warn about. So every operation has a short operationId and a described
tag, declares every error status it can answer (each a Problem, with the codes it can carry), and the headers
it sends; answers list their always-present properties as required; ``info.version`` is the contract's semantic
version (api.contract says what changes it and what a minor version may add).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields

from api import contract, errors
from api.application_schemas import ProvisionalRefusedSchema, ProvisionalSchema
from api.catalogue import facts_schema, schema_name
from api.enums import OpenEnum
from api.errors import PROBLEMS
from api.schemas import AnyOf, BatchItemSchema, ProblemSchema
from api.version_schemas import Ref, document_components
from engine import RulesetVersion

F = TypeVar("F", bound=Callable[..., Any])
API_PREFIX = "/api/v1"
# The contract's semantic version: the major is the /api/v1 of its paths; a minor version adds (operations, fields,
# problem codes, enum values), a patch only rewords. It does not follow the published rulesets (info.x-facts-hash
# does). tests/api/test_openapi.py pins the contract's hash to it: change one, change the other.
API_VERSION = "1.8.0"
CONTRACT_HASH = "79dc514eef2636c1cd4125debea3498358b58eee826c1fff1e62cf544068bb23"
TITLE = "jifen scoring API"
TAGS = {  # in alphabetical order, as linters ask
    "applications": "An application's life around its score: receipt, supplement, department verification, "
    "publication, objection and re-review, void, and its history.",
    "events": "The change feed: every event of the applications a key may see, after an opaque cursor, with long "
    "polling (docs/integrator/tasks-and-feed.md).",
    "meta": "Health of the service.",
    "periods": "The application periods (申请与受理时间) of each year, as the centre publishes them: once a year has "
    "periods, new applications of that year are received only within them.",
    "scenes": "Public-service scenes (场景, e.g. 积分入学): threshold, quota and ranking, the ranked list of who is "
    "entitled (frozen once published, later changes flagged) and each applicant's entitlement.",
    "scores": "Score applications (one or a batch, stored or as a dry run), read stored scores and their re-review "
    "chains, and verify that a stored score is reproduced exactly.",
    "statements": "Signed statements of published results (compact JWS, Ed25519): an application's statement, and "
    "the verification of any statement with the result's status today. The public keys: /.well-known/jwks.json.",
    "tasks": "The departments' task queue: the verification and re-review tasks of each department, overdue first.",
    "versions": "The versioned scoring standards (rulesets): their versions, the one in force, a whole version "
    "in the ruleset file format, and the differences between two.",
}
PATH_PARAMETERS = {
    "score_id": "The score's id",
    "code": "A ruleset code, e.g. tongxiang",
    "year": "A year, e.g. 2026",
    "revision": "A revision within the year, from 1",
    "a_code": "Version A's ruleset code",
    "a_year": "Version A's year",
    "a_revision": "Version A's revision",
    "b_code": "Version B's ruleset code",
    "b_year": "Version B's year",
    "b_revision": "Version B's revision",
    "application_ref": "The application's reference, as sent when it was received",
    "scene_code": "A scene's code, e.g. school-entry-primary",  # scenes
}
# A path's year is bounded like a body's: out of range, 422 invalid_fields (api.check_path_years)
YEAR_PARAMETERS = frozenset(errors.YEAR_PARAMETERS)
YEAR_MIN, YEAR_MAX = 2000, 2100
# Short operation ids, for generated clients (`create_score(...)`); the rest are the view's name in camelCase.
OPERATION_IDS = {
    "api.versions.in_force": "getVersionInForce",
    "api.versions.diff": "diffVersions",
    "api.meta.healthz": "getHealth",
    "api.applications.get_history": "getApplicationHistory",
    "api.applications.supplements": "supplementApplication",
    "api.applications.verifications": "verifyApplicationFacts",
    "api.applications.extensions": "extendVerificationTask",
    "api.applications.publish": "publishApplication",
    "api.applications.objections": "objectToApplication",
    "api.applications.void": "voidApplication",
}
STATUS_TEXT = {
    304: "Not modified: the ETag named in If-None-Match is still current",
    400: "The body is not strict JSON, or not a JSON object",
    401: "No API key, or one that is unknown or revoked",
    403: "The API client may not do this",
    404: "Not found",
    409: "Conflict",
    413: "The body is too large (for any method: a body is refused before any work when it is over the limit)",
    415: "The body is not sent as application/json",
    422: "Invalid fields: `errors` maps each field path to its messages",
    500: "An unexpected error (logged with the request's X-Request-ID); nothing was stored",
    503: "The database is unavailable (down, frozen, read-only or locked): try again after Retry-After",
}
# What reading a JSON body can refuse (api.http.json_body)
JSON_BODY_ERRORS = ("malformed_json", "not_an_object", "duplicate_key", "json_too_deep", "number_out_of_range",
                    "invalid_character", "unsupported_media_type")  # fmt: skip
_HEADER_REQUEST_ID = {
    "description": "The request's id: the X-Request-ID sent (1 to 128 visible ASCII characters), else a new one. "
    "It is in the service's access and error logs.",
    "required": True,
    "schema": {"type": "string"},
}
_RESPONSE_HEADERS: dict[int, dict[str, Any]] = {
    201: {"Location": {"description": "Where the created resource is read", "required": True, "schema": {"type": "string"}}},
    401: {"WWW-Authenticate": {"description": 'Bearer realm="jifen"', "required": True, "schema": {"type": "string"}}},
    503: {"Retry-After": {"description": "Seconds to wait before trying again", "required": True,
                          "schema": {"type": "integer"}}},
}  # fmt: skip


def doc(
    summary: str,
    *,
    tag: str,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    responses: dict[int, tuple[str, type[Schema] | None]],
    errors: tuple[int | str, ...] = (),
    description: str | None = None,
    headers: Mapping[str, Mapping[str, Any]] | None = None,
    response_headers: Mapping[int, Mapping[str, Mapping[str, Any]]] | None = None,
    conditional: bool = False,
) -> Callable[[F], F]:
    """Declare what a view takes and answers; the OpenAPI document is built from these declarations.

    ``errors`` names every error code the view's own work can answer (``"no_version_in_force"``), never a bare
    status: a client switches on codes, and the contract tests hold each answered code to this list. The document
    adds what every operation can meet (401/403 with a scope, 413, 500, 503), what reading a body or a query can
    refuse (the JSON body errors, ``invalid_fields``) and ``invalid_fields`` for a path's year out of range.
    ``headers`` are request header parameters; ``conditional`` answers 304 to a current If-None-Match.
    """

    def decorator(view: F) -> F:
        # an operation answers exactly its documented methods: OPTIONS too gets 405 with ``Allow``
        view.__dict__["provide_automatic_options"] = False
        view.__dict__["api_doc"] = {
            "summary": summary, "tag": tag, "body": body, "query": query, "responses": responses, "errors": errors,
            "description": description, "headers": headers or {}, "response_headers": response_headers or {},
            "conditional": conditional,
        }  # fmt: skip
        return view

    return decorator


def _path_params(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema: dict[str, Any] = {"type": "string"}
        if name in YEAR_PARAMETERS:
            schema = {"type": "integer", "minimum": YEAR_MIN, "maximum": YEAR_MAX}
        elif converter in ("int", "int32"):
            schema = {"type": "integer", "minimum": 0}
        elif converter == "uuid":
            schema["format"] = "uuid"
        description = PATH_PARAMETERS.get(name, name.replace("_", " ").capitalize())
        params.append({"in": "path", "name": name, "required": True, "description": description, "schema": schema})
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), params


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _field_refs(converter: Any, field: fields.Field, **kwargs: Any) -> dict[str, Any]:
    """apispec: a reference to another component (``Ref``) or a choice of them (``AnyOf``)."""
    if isinstance(field, Ref):
        return {"$ref": f"#/components/schemas/{field.name}"}
    if isinstance(field, AnyOf):
        return {"anyOf": [{"$ref": f"#/components/schemas/{n}"} for n in field.names]}
    if isinstance(field, OpenEnum):  # made anyOf [the enum, string] by api.contract
        return {"x-open-enum": field.enum_name}
    return {}


def declared_codes(meta: Mapping[str, Any], scoped: bool, rule: str) -> list[int | str]:
    """Every error code an operation can answer: its own (``doc(errors=…)``) and those of the machinery around it."""
    declared: list[int | str] = []
    if meta["body"] is not None:
        declared += [*JSON_BODY_ERRORS, "invalid_fields"]
    if meta["query"] is not None or YEAR_PARAMETERS.intersection(re.findall(r"<(?:\w+:)?(\w+)>", rule)):
        declared.append("invalid_fields")
    declared += list(meta["errors"])
    if scoped:
        declared += ["unauthorized", "forbidden"]
    declared.append("payload_too_large")  # a body of any method over the limit is refused before any view
    declared += ["internal_error", "database_unavailable"]
    return list(dict.fromkeys(declared))


def _error_responses(meta: dict[str, Any], scoped: bool, rule: str) -> dict[int, list[str]]:
    """Each error status of an operation with the codes it can carry (empty: any code of that status)."""
    statuses: dict[int, list[str]] = {}
    for entry in declared_codes(meta, scoped, rule):
        if isinstance(entry, int):
            statuses.setdefault(entry, [])
        else:
            codes = statuses.setdefault(PROBLEMS[entry].status, [])
            if entry not in codes:
                codes.append(entry)
    return dict(sorted(statuses.items()))


def _parameters(params: list[dict[str, Any]], meta: dict[str, Any]) -> list[dict[str, Any]]:
    """An operation's parameters: its path's, its request headers, If-None-Match when conditional, its query."""
    parameters = list(params)
    for name, header in meta["headers"].items():
        parameters.append({"in": "header", "name": name, **header})
    if meta["conditional"]:
        parameters.append({
            "in": "header", "name": "If-None-Match", "required": False, "schema": {"type": "string"},
            "description": "The ETag of an earlier answer: 304 without a body while it is still current",
        })  # fmt: skip
    if meta["query"] is not None:
        parameters.append({"in": "query", "schema": meta["query"]})
    return parameters


def _success_responses(rule: Any, meta: dict[str, Any]) -> dict[str, Any]:
    """An operation's answers other than its errors, with their headers, bodies and links."""
    responses: dict[str, Any] = {}
    for status, (text, schema) in sorted(meta["responses"].items()):
        headers = {"X-Request-ID": _HEADER_REQUEST_ID, **_RESPONSE_HEADERS.get(status, {})}
        headers.update(meta["response_headers"].get(status, {}))
        if meta["conditional"] and status == 200:
            headers["ETag"] = {"description": "sha256 of this answer", "required": True, "schema": {"type": "string"}}
        responses[str(status)] = {"description": text, "headers": headers}
        if schema is not None:
            responses[str(status)]["content"] = {"application/json": {"schema": schema}}
    if meta["conditional"]:
        responses["304"] = {
            "description": STATUS_TEXT[304],
            "headers": {"X-Request-ID": _HEADER_REQUEST_ID, "ETag": {"required": True, "schema": {"type": "string"}}},
        }
    return responses


def _operation(rule: Any, view: Any, meta: dict[str, Any], method: str) -> dict[str, Any]:
    path, params = _path_params(rule.rule)
    scope = getattr(view, "api_security", None)
    operation: dict[str, Any] = {
        "operationId": OPERATION_IDS.get(rule.endpoint) or _camel(rule.endpoint.rpartition(".")[2]),
        "summary": meta["summary"],
        "tags": [meta["tag"]],
    }
    notes = [meta["description"]] if meta["description"] else []
    if scope:
        notes.append(f"Needs the scope `{scope}`.")
    if notes:
        operation["description"] = " ".join(notes)
    parameters = _parameters(params, meta)
    if parameters:
        operation["parameters"] = parameters
    if meta["body"] is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["body"]}}}
    responses = _success_responses(rule, meta)
    for status, codes in _error_responses(meta, bool(scope), rule.rule).items():
        text = STATUS_TEXT.get(status, "Refused")
        if codes:
            text += ". Codes: " + ", ".join(f"`{c}`" for c in codes)
        headers = {"X-Request-ID": _HEADER_REQUEST_ID, **_RESPONSE_HEADERS.get(status, {})}
        responses[str(status)] = {
            "description": text,
            "headers": headers,
            "content": {"application/problem+json": {"schema": "Problem"}},
            "x-problem-codes": codes,
        }
    operation["responses"] = dict(sorted(responses.items()))
    operation["security"] = [{"bearerAuth": []}] if scope else []
    return {"path": path, "method": method, "operation": operation}


def _info(description_extra: str = "") -> dict[str, Any]:
    return {
        "description": (
            "Scores applications for Tongxiang's residence-permit points (桐乡市居住证积分) under the standard in "
            "force, stores the scores with their full explanation, verifies them, and serves the versioned "
            "standards. Authenticate with `Authorization: Bearer <key>` (an administrator creates keys with "
            "`flask api-clients create NAME --scope score,read`). Errors are RFC 9457 problem details "
            "(`application/problem+json`) with a stable `code`. Every answer carries `X-Request-ID`. The reference "
            "with examples is served at /api/v1/docs." + description_extra
        ),
        "contact": {"name": "jifen maintainers (桐乡市居住证积分)"},
        "license": {"name": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"},
    }


def build_spec(
    app: Flask, catalogues: list[RulesetVersion], examples: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The document for ``app``'s API with the facts of the published versions in ``catalogues``.

    ``examples`` (operationId → {"request": …, "responses": {status: …}}) are put on the operations' media types.
    """
    plugin = MarshmallowPlugin()
    spec = APISpec(title=TITLE, version=API_VERSION, openapi_version="3.1.0", plugins=[plugin], info=_info(),
                   servers=[{"url": "/"}], tags=[{"name": n, "description": d} for n, d in TAGS.items()])  # fmt: skip
    assert plugin.converter is not None
    plugin.converter.add_attribute_function(_field_refs)  # type: ignore[no-untyped-call]  # apispec's is unannotated
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.schema("BatchItem", schema=BatchItemSchema)
    for name, component in document_components().items():
        spec.components.schema(name, component=component)
    spec.components.schema("ProvisionalRefused", schema=ProvisionalRefusedSchema)
    spec.components.schema("Provisional", schema=ProvisionalSchema)
    by_ruleset: dict[str, list[RulesetVersion]] = {}
    for version in catalogues:
        by_ruleset.setdefault(version.ruleset, []).append(version)
    for ruleset, versions in sorted(by_ruleset.items()):
        facts, options = facts_schema(ruleset, versions)
        spec.components.schema(schema_name(ruleset), component=facts)
        for name, values in options.items():
            spec.components.schema(name, component=values)
    operations = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "api_doc", None)
        if meta is None or not rule.rule.startswith(API_PREFIX):
            continue
        for method in sorted(m.lower() for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operations.append(_operation(rule, view, meta, method))
    for op in operations:
        spec.path(path=op["path"], operations={op["method"]: op["operation"]})
    document = spec.to_dict()
    document["security"] = [{"bearerAuth": []}]
    contract.finish(document, sorted(by_ruleset), examples or {}, API_VERSION)
    return document
