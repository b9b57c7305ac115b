"""The rules every operation of the contract keeps, the ones added later too: each failure says what to add.

- every error answer names the codes it can carry (declared once, with the view: ``doc(errors=…)``), each in the
  registry (api.errors.PROBLEMS) with that status;
- an answer's object marks every property the server always sends as required;
- an answer's states, kinds, statuses, outcomes and event types are enumerations, open to later values;
- patterns are anchored, a path's year is bounded like a body's, dates use standard keywords;
- the contract's version moves with the contract, not with the published rulesets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from api import contract
from api.errors import PROBLEMS
from api.openapi import API_VERSION, CONTRACT_HASH
from api.version_schemas import document_components

# Properties an answer sends only in some cases (each says when, in its description)
SOMETIMES = {
    "Problem": {"errors", "current_id"},
    "ItemResult": {"excluded_by"},
    "DiffChange": {"before", "after", "attributes"},  # by its change: removed, added, changed
    "CaseTotal": {"errors"},
    "BatchOutcome": {"replayed", "result", "type", "title", "detail", "code", "message", "errors", "current_id"},
}
# Answer properties that name one of a known set of values
ENUMERATED = {"state", "state_before", "state_after", "kind", "status", "outcome", "action", "channel",
              "invalid_reason", "void_reason", "event_type"}  # fmt: skip
NOT_ENUMERATED = {("Problem", "type"), ("Problem", "status"), ("BatchOutcome", "type"), ("BatchOutcome", "status"),
                  ("BatchOutcome", "code"), ("Health", "status")}  # fmt: skip
# The ruleset file format's grammar (a version's document, and a result's category kind) is closed: a value added
# there is a new format, and a new major version
GRAMMAR = {*document_components(), "CategoryResult", "CaseImpact"}  # and a case is version a's or b's
ADD_CODES = "declare them with the view: @doc(errors=(…codes…)) — codes from api.errors.PROBLEMS, never a bare status"


@pytest.fixture
def document(client: Any) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json  # type: ignore[no-any-return]


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, op in item.items():
            yield f"{method.upper()} {path} ({op['operationId']})", op


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[-1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(v) for v in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(v) for v in node))
    return set()


def _answer_schemas(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every component schema an answer (2xx or problem) can hold, by name."""
    schemas = document["components"]["schemas"]
    pending = {r for _w, op in _operations(document) for resp in op["responses"].values() for r in _refs(resp)}
    seen: dict[str, dict[str, Any]] = {}
    while pending:
        name = pending.pop()
        if name not in seen and name in schemas:
            seen[name] = schemas[name]
            pending |= _refs(schemas[name])
    return seen


def test_every_error_answer_names_its_codes(document: dict[str, Any]) -> None:
    for where, op in _operations(document):
        for status, response in op["responses"].items():
            if not status.startswith(("4", "5")):
                continue
            codes = response.get("x-problem-codes")
            assert codes, f"{where} answers {status} without naming its codes: {ADD_CODES}"
            for code in codes:
                assert code in PROBLEMS, f"{where}: {code!r} is not in api.errors.PROBLEMS: register it there"
                assert PROBLEMS[code].status == int(status), f"{where}: {code!r} is a {PROBLEMS[code].status}"
                assert f"`{code}`" in response["description"], (where, status, code)


def test_the_codes_of_the_application_operations(document: dict[str, Any]) -> None:
    """The codes integrators met without finding them documented."""
    verify = document["paths"]["/api/v1/applications/{application_ref}/{year}/verifications"]["post"]["responses"]
    assert {"forbidden", "no_department", "department_mismatch", "not_department_facts"} <= set(
        verify["403"]["x-problem-codes"]
    )
    assert {"no_open_task", "task_done", "no_task", "application_voided"} <= set(verify["409"]["x-problem-codes"])
    assert verify["409"]["description"] != "Conflict"
    publish = document["paths"]["/api/v1/applications/{application_ref}/{year}/publish"]["post"]["responses"]
    assert {"verification_pending", "already_published"} <= set(publish["409"]["x-problem-codes"])


def test_answers_require_what_they_always_send(document: dict[str, Any]) -> None:
    missing = {}
    for name, schema in _answer_schemas(document).items():
        if "properties" not in schema or name.startswith(("Facts", "PartialFacts")) or name in document_components():
            continue  # facts are the applicant's (as sent), a version's document is a file format (its own grammar)
        optional = set(schema["properties"]) - set(schema.get("required", [])) - SOMETIMES.get(name, set())
        if optional:
            missing[name] = sorted(optional)
    assert not missing, (
        f"Not required: {missing}. Mark what the server always sends required=True (allow_none=True where it "
        "may be null); a property sent only sometimes goes into SOMETIMES here, with its description saying when."
    )


def _is_open_enum(prop: dict[str, Any], schemas: dict[str, Any]) -> bool:
    options = prop.get("anyOf", [])
    named = [schemas[o["$ref"].rsplit("/", 1)[-1]] for o in options if "$ref" in o]
    return bool(named) and all("enum" in n for n in named) and {"type": "string"} in options


def test_answers_enumerate_states_kinds_and_outcomes_openly(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name, schema in _answer_schemas(document).items():
        for prop_name, prop in schema.get("properties", {}).items():
            where = f"{name}.{prop_name}"
            assert name in GRAMMAR or not ("enum" in prop and len(prop["enum"]) > 1), (
                f"{where} is a closed enum: a client generated today would fail on a value added later. "
                "Declare it OpenEnum(name, values) (api.application_schemas)."
            )
            if prop_name in ENUMERATED and (name, prop_name) not in NOT_ENUMERATED and name not in GRAMMAR:
                assert _is_open_enum(prop, schemas), f"{where}: declare it OpenEnum(name, values)"
    assert _is_open_enum(schemas["Problem"]["properties"]["code"], schemas)
    assert schemas["ProblemCode"]["enum"] == list(PROBLEMS)


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def test_patterns_are_anchored_and_limits_standard(document: dict[str, Any]) -> None:
    for path, key, value in _walk(document):
        if key == "pattern" and isinstance(value, str):
            assert value.startswith("^") and value.endswith("$"), f"{path}: pattern {value!r} is not anchored"
        assert key not in ("x-minimum", "x-maximum"), f"{path}: use format: date and say the limits"


def test_path_years_are_bounded_like_bodies(document: dict[str, Any]) -> None:
    years = 0
    for where, op in _operations(document):
        for parameter in op.get("parameters", []):
            if parameter["in"] == "path" and parameter["name"].endswith("year"):
                assert parameter["schema"] == {"type": "integer", "minimum": 2000, "maximum": 2100}, where
                assert "invalid_fields" in op["responses"]["422"]["x-problem-codes"], where
                assert op["security"], f"{where}: api.auth.require checks a path's year, so it needs a key"
                years += 1
    assert years >= 9


@pytest.mark.parametrize(
    "url",
    ["/api/v1/applications/TX-1/1999", "/api/v1/applications/TX-1/2101/history", "/api/v1/versions/tongxiang/1999/1"],
)
def test_the_server_refuses_a_path_year_out_of_range_like_a_body(
    client: Any, headers: dict[str, str], url: str
) -> None:
    from tests.api.problems import check

    body = check(client.get(url, headers=headers), 422, "invalid_fields")
    assert "between 2000 and 2100" in body["errors"]["year"][0]


def test_the_version_follows_the_contract_not_the_rulesets(document: dict[str, Any]) -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", document["info"]["version"]) and document["info"]["version"] == API_VERSION
    assert re.fullmatch(r"[0-9a-f]{16}", document["info"]["x-facts-hash"])
    now = contract.contract_hash(document)
    assert now == CONTRACT_HASH, (
        f"The contract changed: raise API_VERSION in api/openapi.py (the minor for an addition: an operation, a "
        f"field, a problem code, an enum value; the major for anything removed or changed) and set CONTRACT_HASH "
        f"to {now!r}. On a merge where both sides changed them: keep the higher version (or raise it above both "
        "when each side added something) and set the hash this test prints."
    )


def test_every_operation_has_an_example_request_and_answer(document: dict[str, Any]) -> None:
    """Made by real calls: scored under the published versions (api.examples) or recorded (tests/api/test_examples.py)."""
    for where, op in _operations(document):
        record = f"{where} has no example {{}}: add its calls to tests/api/test_examples.py's journey and record them"
        answers = [s for s, r in op["responses"].items() if s.startswith("2")]
        assert any("example" in m for s in answers for m in op["responses"][s].get("content", {}).values()), (
            record.format("answer")
        )
        if "requestBody" in op:
            assert "example" in op["requestBody"]["content"]["application/json"], record.format("request")
        for parameter in op.get("parameters", []):
            if parameter["in"] == "path" and where.startswith(
                ("POST /api/v1/applications/", "GET /api/v1/applications/")
            ):
                assert "example" in parameter, record.format(f"value of {parameter['name']}")
