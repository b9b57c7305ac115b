"""The document is valid OpenAPI 3.1 (openapi-spec-validator) and passes the rules linters hold it to.

Redocly's and Spectral's recommended rule sets run on Node, which the test suite does not need; the rules below
are theirs that this document could break (and that the first integrators found broken), checked in Python. Both
tools were run on the document as it is (`npx @redocly/cli lint`, recommended and recommended-strict;
`npx @stoplight/spectral-cli lint` with spectral:oas): no findings.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@pytest.fixture
def document(client: Any) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json  # type: ignore[no-any-return]


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, m, op) for path, item in document["paths"].items() for m, op in item.items() if m in METHODS]


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for k, v in node.items() if k != "$ref"))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    validate(document)


def test_info_servers_and_tags(document: dict[str, Any]) -> None:
    info = document["info"]
    assert info["title"].isascii() and info["description"] and info["contact"]  # info-contact, info-description
    assert info["license"]["name"] and info["license"]["url"]  # info-license, license-url
    servers = document["servers"]  # oas3-api-servers, no-empty-servers
    assert servers and all(s["url"] == "/" or not s["url"].endswith("/") for s in servers)  # trailing slash
    names = [t["name"] for t in document["tags"]]
    assert names == sorted(names) and all(t.get("description") for t in document["tags"])  # alphabetical, described
    used = {tag for _p, _m, op in _operations(document) for tag in op["tags"]}
    assert used == set(names)  # operation-tag-defined, and no tag without operations


def test_every_operation_is_complete(document: dict[str, Any]) -> None:
    ids = []
    security_schemes = set(document["components"]["securitySchemes"])
    for path, method, op in _operations(document):
        where = f"{method.upper()} {path}"
        ids.append(op["operationId"])  # operation-operationId
        assert re.fullmatch(r"[a-z][A-Za-z0-9]*", op["operationId"]), where  # a valid identifier in any language
        assert op["summary"] and op.get("description") and op["tags"], where  # operation-summary, -description
        statuses = list(op["responses"])
        assert any(s.startswith("2") for s in statuses), where  # operation-2xx-response
        assert any(s.startswith("4") for s in statuses), where  # operation-4xx-response
        security = op.get("security", document.get("security"))
        assert security is not None, where  # security-defined
        assert all(name in security_schemes for requirement in security for name in requirement), where
        template = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert template == declared, where  # path-parameters-defined
        for parameter in op.get("parameters", []):
            assert parameter.get("description"), (where, parameter["name"])  # oas3-parameter-description
        for status, response in op["responses"].items():
            assert response["description"], (where, status)
            if status.startswith(("4", "5")):
                assert set(response["content"]) == {"application/problem+json"}, (where, status)
    assert len(ids) == len(set(ids))  # operation-operationId-unique


def test_no_unused_components(document: dict[str, Any]) -> None:
    reachable: set[str] = set()
    pending = _refs(document["paths"])
    while pending:
        ref = pending.pop()
        if ref in reachable:
            continue
        reachable.add(ref)
        name = ref.rsplit("/", 1)[-1]
        pending |= _refs(document["components"]["schemas"].get(name, {}))
    defined = {f"#/components/schemas/{name}" for name in document["components"]["schemas"]}
    assert defined - reachable == set()  # no-unused-components
    assert reachable - defined == set()  # no-unresolved-refs


def test_examples_fit_their_schemas(document: dict[str, Any]) -> None:
    checked = 0
    for path, method, op in _operations(document):
        media = [*op.get("requestBody", {}).get("content", {}).values()]
        media += [m for response in op["responses"].values() for m in response.get("content", {}).values()]
        for item in media:
            if "example" in item:  # no-invalid-media-type-examples
                validator = OAS31Validator({**item["schema"], "components": document["components"]})
                assert [e.message for e in validator.iter_errors(item["example"])] == [], (method, path)
                checked += 1
    assert checked > 10


def test_always_present_properties_are_required(document: dict[str, Any]) -> None:
    """Answers' object schemas say which properties are always there: a generated client then needs no checks."""
    schemas = document["components"]["schemas"]
    for name in ("Score", "DryRun", "StoredScore", "ScoreList", "ScoreSummary", "Verify", "BatchResponse",
                 "BatchOutcome", "VersionSummary", "VersionDetail", "Diff", "DiffChange", "Problem", "Health",
                 "ItemResult", "IndicatorResult", "CategoryResult", "RulesetDocument"):  # fmt: skip
        assert schemas[name].get("required"), name
