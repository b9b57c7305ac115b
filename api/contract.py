"""What marshmallow cannot say about the contract, added to the generated document: typed facts, open enums,
per-operation links, the examples, and the contract's version.

Compatibility policy (stated on /api/v1/docs): within /api/v1, a minor version may add operations, optional
request fields, answer fields, problem codes and values of an answer's enumerations; a generated client survives
all of them, because answers allow unknown properties and every enumeration an answer carries is open: ``anyOf`` of
the named enum and a plain string (a value known today becomes the enum member, a later one stays a string).
Removing or renaming anything, or refusing a request accepted before, takes a new major version (/api/v2).
``info.version`` is that semantic version; it does not depend on the published rulesets: their facts are the
ruleset-dependent part of the document, fingerprinted apart as ``info.x-facts-hash``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from typing import Any

import orjson

from api.catalogue import schema_name
from api.enums import OPEN_ENUMS
from api.errors import PROBLEMS

REF = "#/components/schemas/"
# Where an application's facts go: (schema, property, kind). "all": a request's whole set of facts (the catalogue's
# required facts required); "some": a part of them, each fact nullable (a supplement, a verification's values);
# "shown": facts in an answer, which shows only what the client may see (jifen.privacy.need): null when it may see
# none, and otherwise some of them, each null where erased
FACTS_PROPERTIES = (
    ("ScoreRequest", "facts", "all"),
    ("BatchItem", "facts", "all"),
    ("ApplicationRequest", "facts", "all"),
    ("Supplement", "facts", "some"),
    ("Verification", "facts", "some"),
    ("Objection", "facts", "some"),
    ("Application", "claimed_facts", "shown"),
    ("Receipt", "claimed_facts", "shown"),
    ("HistoryScore", "facts", "shown"),
    ("StoredScore", "facts", "shown"),
    ("Task", "claims", "shown"),
)
_APPLICATION = {"application_ref": "$response.body#/application_ref", "year": "$response.body#/year"}
# What a client can do next with what an answer names (OpenAPI links: generated clients and stateful testers
# such as Schemathesis follow them): a score → read it, verify it, list its chain, re-review it; an application →
# read it and its history, and each next step of its life (receipt → verify → publish → objection).
_NEXT_STEPS = {
    "GetApplication": "getApplication",
    "GetApplicationHistory": "getApplicationHistory",
    "SupplementApplication": "supplementApplication",
    "VerifyApplicationFacts": "verifyApplicationFacts",
    "ExtendVerificationTask": "extendVerificationTask",
    "PublishApplication": "publishApplication",
    "ObjectToApplication": "objectToApplication",
    "VoidApplication": "voidApplication",
}
_APPLICATION_LINKS = {name: {"operationId": op, "parameters": _APPLICATION} for name, op in _NEXT_STEPS.items()}
_SCORE_LINKS = {
    "GetScore": {"operationId": "getScore", "parameters": {"score_id": "$response.body#/id"}},
    "VerifyScore": {"operationId": "verifyScore", "parameters": {"score_id": "$response.body#/id"}},
    "ListScores": {
        "operationId": "listScores",
        "parameters": {"application_ref": "$response.body#/application_ref", "year": "$response.body#/year"},
    },
    "ReReview": {
        "operationId": "createScore",
        "description": "A re-review (复核) of this score: the same application and year, naming it in supersedes",
        "requestBody": {
            "application_ref": "$response.body#/application_ref",
            "year": "$response.body#/year",
            "supersedes": "$response.body#/id",
        },
    },
}
_CURRENT_SCORE = {
    "GetCurrentScore": {
        "operationId": "getScore",
        "description": "The application's current score (once scored: score is null before)",
        "parameters": {"score_id": "$response.body#/score/id"},
    }
}
LINKS: dict[str, dict[str, dict[str, Any]]] = {
    "createScore": {"201": _SCORE_LINKS},
    "createApplication": {"201": _APPLICATION_LINKS},
    "getApplication": {"200": {**_APPLICATION_LINKS, **_CURRENT_SCORE}},
    **{op: {"200": {**_APPLICATION_LINKS, **_CURRENT_SCORE}} for op in _NEXT_STEPS.values() if op != "getApplication"},
}
LINKS["getApplicationHistory"] = {"200": {}}  # a history answer nests the application: no links of its own


def finish(document: dict[str, Any], rulesets: list[str], examples: Mapping[str, Any], version: str) -> None:
    """Type the facts, open the answers' enums, add the links and the examples, and set the versions."""
    schemas = document["components"]["schemas"]
    _date_limits(document)
    _type_facts(schemas, rulesets)
    _open_enums(schemas)
    for operation in _operations(document):
        for status, links in LINKS.get(operation["operationId"], {}).items():
            if links and status in operation["responses"]:
                operation["responses"][status]["links"] = links
        _put_examples(operation, examples.get(operation["operationId"]) or {})
    facts = {name: schemas[name] for name in sorted(schemas) if _facts_dependent(name, rulesets)}
    document["info"]["version"] = version
    document["info"]["x-facts-hash"] = _digest(facts)[:16]


def contract_hash(document: Mapping[str, Any]) -> str:
    """A fingerprint of the contract: the document without what the published rulesets decide (their facts, the
    examples scored under them) and without the version numbers themselves."""
    rulesets = [n.removeprefix("Facts") for n in document["components"]["schemas"] if n.startswith("Facts")]
    stripped = _strip_examples(orjson.loads(orjson.dumps(document)))
    stripped["info"].pop("version", None)
    stripped["info"].pop("x-facts-hash", None)
    schemas = stripped["components"]["schemas"]
    for name in [n for n in schemas if _facts_dependent(n, [r.lower() for r in rulesets], camel=rulesets)]:
        del schemas[name]
    return _digest(stripped)


def _facts_dependent(name: str, rulesets: list[str], camel: list[str] | None = None) -> bool:
    prefixes = camel if camel is not None else [schema_name(r).removeprefix("Facts") for r in rulesets]
    return any(name in (f"Facts{p}", f"PartialFacts{p}") or name.startswith(p) for p in prefixes)


def _digest(value: Any) -> str:
    return hashlib.sha256(orjson.dumps(value, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _strip_examples(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_examples(v) for k, v in node.items() if k not in ("example", "examples")}
    if isinstance(node, list):
        return [_strip_examples(v) for v in node]
    return node


def _operations(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    for item in document["paths"].values():
        yield from item.values()


def _partial(facts: Mapping[str, Any], ruleset: str) -> dict[str, Any]:
    """Some of a ruleset's facts, each nullable and none required (a task's claims, a verification's values)."""
    properties = {}
    for name, prop in facts["properties"].items():
        prop = dict(prop)
        if isinstance(prop.get("type"), str):
            prop["type"] = [prop["type"], "null"]
        properties[name] = prop
    return {
        "type": "object",
        "description": f"Some facts of an application under the {ruleset} ruleset, each as in "
        f"{schema_name(ruleset)}; null: not present (a claim) or not proven (a verification).",
        "properties": properties,
        "additionalProperties": False,
    }


def _type_facts(schemas: dict[str, Any], rulesets: list[str]) -> None:
    if not rulesets:
        return
    for ruleset in rulesets:
        schemas[f"Partial{schema_name(ruleset)}"] = _partial(schemas[schema_name(ruleset)], ruleset)
    for kind, prefix in (("all", ""), ("some", "Partial"), ("shown", "Partial")):
        refs: list[dict[str, Any]] = [{"$ref": f"{REF}{prefix}{schema_name(r)}"} for r in rulesets]
        typed = refs[0] if len(refs) == 1 else {"anyOf": refs}
        if kind == "shown":
            typed = {"anyOf": [*refs, {"type": "null"}]}
        for schema, prop, wanted in FACTS_PROPERTIES:
            if wanted == kind and schema in schemas and prop in schemas[schema].get("properties", {}):
                schemas[schema]["properties"][prop] = typed
    schemas["BatchRequest"]["properties"]["applications"]["items"] = {"$ref": f"{REF}BatchItem"}


def _open_enums(schemas: dict[str, Any]) -> None:
    """Every answer's enumeration as anyOf of its named enum and a string (see the module's policy)."""
    used = set()
    schemas["Problem"]["properties"]["code"]["x-open-enum"] = "ProblemCode"
    for schema in list(schemas.values()):
        for name, prop in schema.get("properties", {}).items():
            enum = prop.pop("x-open-enum", None)
            if enum is None:
                continue
            used.add(enum)
            options: list[dict[str, Any]] = [{"$ref": REF + enum}, {"type": "string"}]
            if "null" in (prop.get("type") or []):
                options.append({"type": "null"})
            schema["properties"][name] = {"anyOf": options, **{k: prop[k] for k in ("description",) if k in prop}}
    known = {**OPEN_ENUMS, "ProblemCode": tuple(PROBLEMS)}
    for enum in sorted(used):
        schemas[enum] = {
            "type": "string",
            "enum": list(known[enum]),
            "description": "The values known to this version; a later minor version may add values (a client "
            "keeps an unknown one as a string).",
        }


def _date_limits(node: Any) -> None:
    """A date's limits in words: OpenAPI 3.1 has no keyword for them (apispec writes ``x-minimum``/``x-maximum``);
    ``format: date`` stays, and the server refuses a date out of range (422 invalid_fields)."""
    if isinstance(node, list):
        for value in node:
            _date_limits(value)
    if not isinstance(node, dict):
        return
    if "x-minimum" in node or "x-maximum" in node:
        low, high = node.pop("x-minimum", None), node.pop("x-maximum", None)
        limits = f"From {low} to {high}." if low and high else f"From {low}." if low else f"Up to {high}."
        node["description"] = f"{node['description'].rstrip('.')}. {limits}" if node.get("description") else limits
    for value in node.values():
        _date_limits(value)


def _put_examples(operation: dict[str, Any], example: Mapping[str, Any]) -> None:
    """``example`` = {"request"?, "parameters"?: {name: value}, "responses": {status: body}} on the operation."""
    if "request" in example and "requestBody" in operation:
        operation["requestBody"]["content"]["application/json"]["example"] = example["request"]
    for parameter in operation.get("parameters", []):
        if parameter.get("name") in example.get("parameters", {}):
            parameter["example"] = example["parameters"][parameter["name"]]
    for status, body in example.get("responses", {}).items():
        response = operation["responses"].get(str(status), {})
        for media in response.get("content", {}).values():
            media["example"] = body
