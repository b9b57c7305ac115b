"""The OpenAPI 3 document, generated from the views' declared schemas (marshmallow) and the fact catalogues."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields, validate

from api.errors import PROBLEMS, codes_for
from api.schemas import BatchItemSchema, ProblemSchema
from engine import RulesetVersion

F = TypeVar("F", bound=Callable[..., Any])
API_PREFIX = "/api/v1"
ERROR_TEXT = {
    400: "Malformed JSON, or a body that is not a JSON object",
    401: "Missing or invalid API key",
    403: "The client lacks the scope",
    404: "Not found",
    409: "No version in force for the year (or another conflict)",
    413: "Too many applications in one batch, or a body too large",
    415: "The body is not sent as application/json",
    422: "Invalid fields: `errors` maps each field path to its messages",
    503: "The database is unavailable (unreachable, frozen, read-only or locked): try again after `Retry-After`",
}


# What a client can do next with a stored score (OpenAPI links: generated clients and Schemathesis follow them).
LINKS = {
    "api.scores.create_score": {
        "GetScore": {"operationId": "api.scores.get_score_get", "parameters": {"score_id": "$response.body#/id"}},
        "VerifyScore": {
            "operationId": "api.scores.verify_score_post",
            "parameters": {"score_id": "$response.body#/id"},
        },
        "ListScores": {
            "operationId": "api.scores.list_scores_get",
            "parameters": {"application_ref": "$response.body#/application_ref", "year": "$response.body#/year"},
        },
        "ReReview": {
            "operationId": "api.scores.create_score_post",
            "description": "A re-review (复核) of this score: the same application and year, naming it in supersedes",
            "requestBody": {
                "application_ref": "$response.body#/application_ref",
                "year": "$response.body#/year",
                "supersedes": "$response.body#/id",
            },
        },
    }
}


def doc(
    summary: str,
    *,
    tag: str,
    body: type[Schema] | None = None,
    query: type[Schema] | None = None,
    responses: dict[int, tuple[str, type[Schema] | None]],
    errors: tuple[int, ...] = (),
) -> Callable[[F], F]:
    """Declare what a view takes and answers; the OpenAPI document is built from these declarations."""

    def decorator(view: F) -> F:
        # an operation answers exactly its documented methods: OPTIONS too gets 405 with ``Allow``
        view.__dict__["provide_automatic_options"] = False
        view.__dict__["api_doc"] = {
            "summary": summary, "tag": tag, "body": body, "query": query, "responses": responses, "errors": errors,
        }  # fmt: skip
        return view

    return decorator


def _path_params(rule: str) -> tuple[str, list[dict[str, Any]]]:
    params = []
    for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", rule):
        schema = {"type": "integer"} if converter in ("int", "int32") else {"type": "string"}
        if converter == "uuid":
            schema["format"] = "uuid"
        params.append({"in": "path", "name": name, "required": True, "schema": schema})
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule), params


def facts_schema(version: RulesetVersion) -> type[Schema]:
    """A marshmallow schema of a version's fact catalogue (what ``facts`` may hold under it)."""
    attrs: dict[str, Any] = {}
    for field in version.facts:
        if field.derived is not None:
            continue
        meta = {"description": field.label + (f"（{field.department}）" if field.department else "")}
        rng = validate.Range(field.min, field.max) if field.min is not None or field.max is not None else None
        kwargs: dict[str, Any] = {"required": field.required, "metadata": meta}
        if field.type == "bool":
            attrs[field.name] = fields.Boolean(**kwargs)
        elif field.type == "int":
            attrs[field.name] = fields.Integer(strict=True, validate=rng, **kwargs)
        elif field.type == "number":
            attrs[field.name] = fields.Float(validate=rng, **kwargs)
        elif field.type == "date":
            attrs[field.name] = fields.Date(**kwargs)
        elif field.type == "enum":
            attrs[field.name] = fields.String(validate=validate.OneOf(field.values), **kwargs)
        else:
            attrs[field.name] = fields.String(**kwargs)
    return Schema.from_dict(attrs, name=f"Facts{version.ruleset.title()}{version.year}r{version.revision}")


def build_spec(app: Flask, catalogues: list[RulesetVersion]) -> dict[str, Any]:
    spec = APISpec(
        title="jifen — 桐乡市居住证积分 scoring API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={
            "description": (
                "Score applications under the residence-permit points standard in force, fetch stored scores, "
                "verify them, and read the versioned rulesets. Authenticate with `Authorization: Bearer <key>`."
            )
        },
        servers=[{"url": "/"}],
    )
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", schema=ProblemSchema)
    spec.components.schema("BatchItem", schema=BatchItemSchema)
    for version in catalogues:
        schema = facts_schema(version)
        spec.components.schema(schema.__name__, schema=schema)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions.get(rule.endpoint)
        meta = getattr(view, "api_doc", None)
        if meta is None or not rule.rule.startswith(API_PREFIX):
            continue
        path, params = _path_params(rule.rule)
        operation: dict[str, Any] = {"summary": meta["summary"], "tags": [meta["tag"]], "operationId": rule.endpoint}
        parameters = list(params)
        if meta["query"] is not None:
            parameters.append({"in": "query", "schema": meta["query"]})
        if parameters:
            operation["parameters"] = parameters
        if meta["body"] is not None:
            operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["body"]}}}
        responses: dict[str, Any] = {}
        for status, (text, schema) in meta["responses"].items():
            responses[str(status)] = {"description": text}
            if schema is not None:
                responses[str(status)]["content"] = {"application/json": {"schema": schema}}
        if rule.endpoint in LINKS:
            responses["201"]["links"] = LINKS[rule.endpoint]
        scope = getattr(view, "api_security", None)
        errors = list(meta["errors"]) + ([401, 403] if scope else []) + [503]  # any operation may meet a dead database
        if "POST" in (rule.methods or ()):
            errors.append(413)
        for status in sorted(set(errors)):
            codes = ", ".join(f"`{c}`" for c in codes_for(status))
            responses[str(status)] = {
                "description": f"{ERROR_TEXT[status]} ({codes})",
                "content": {"application/problem+json": {"schema": "Problem"}},
            }
        operation["responses"] = responses
        if scope:
            operation["security"] = [{"bearerAuth": []}]
            operation["description"] = f"Needs the scope `{scope}`."
        methods = sorted(m.lower() for m in (rule.methods or set()) - {"HEAD", "OPTIONS"})
        spec.path(path=path, operations={m: dict(operation, operationId=f"{rule.endpoint}_{m}") for m in methods})
    document = spec.to_dict()
    document["components"]["schemas"]["Problem"]["properties"]["code"]["enum"] = list(PROBLEMS)
    return document
