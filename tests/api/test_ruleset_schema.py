"""The declared schema of a version's document, as the API serves it: the JSON Schema at
/api/v1/schemas/ruleset.json, and the version answer and its OpenAPI description generated from the same
declaration (engine.schema), so that a field added there (an item's materials, 证明材料) appears here unedited."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from openapi_schema_validator import OAS31Validator

from engine import load_file, to_document
from engine.result import dumps_bytes
from engine.schema import PARTS, json_schema

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted((ROOT / "rulesets").glob("*.yaml"))
SCHEMA_URL = "/api/v1/schemas/ruleset.json"
MATERIALS = ["居住证", "社保缴费记录（浙里办打印）"]


def _json(value: Any) -> Any:
    """A document as JSON reads it (dates as text, exact numbers as numbers)."""
    return json.loads(dumps_bytes(value))


def _validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _errors(validator: Any, document: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    """What GET /api/v1/schemas/ruleset.json answers (checked against the route in the first test)."""
    return _json(json_schema())


def test_the_schema_is_served_without_a_key_as_json_schema_with_an_etag(client: Any, served: dict[str, Any]) -> None:
    answer = client.get(SCHEMA_URL)
    assert answer.status_code == 200 and answer.mimetype == "application/schema+json"
    assert answer.json == served
    assert served["$schema"] == "https://json-schema.org/draft/2020-12/schema" and served["$id"] == SCHEMA_URL
    assert set(served["$defs"]) >= set(PARTS)
    again = client.get(SCHEMA_URL, headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.stem)
def test_the_sample_rulesets_are_valid_under_the_served_schema(served: dict[str, Any], path: Path) -> None:
    validator = _validator(served)
    as_written = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert _errors(validator, _json(as_written)) == []
    assert _errors(validator, _json(to_document(load_file(path)))) == []  # as the API and the writer give it


def _sample() -> dict[str, Any]:
    return _json(yaml.safe_load(SAMPLES[-1].read_text(encoding="utf-8")))


def _first_item(document: dict[str, Any]) -> dict[str, Any]:
    return document["indicators"][0]["items"][0]  # type: ignore[no-any-return]


def _broken(change: str) -> dict[str, Any]:
    document = copy.deepcopy(_sample())
    item = _first_item(document)
    if change == "no title":
        del document["title"]
    elif change == "unknown key":
        document["indicators"][0]["weight"] = 1
    elif change == "fixed and per_unit":
        item["per_unit"] = {"field": "insurance_months", "rate": 1}
    elif change == "21 materials":
        item["materials"] = [f"材料{i}" for i in range(21)]
    elif change == "a material of 201 characters":
        item["materials"] = ["证" * 201]
    elif change == "a cap as text":
        document["categories"][0]["cap"] = "100"
    elif change == "an unknown operator":
        item["when"] = {"field": "permit_valid", "op": "≈", "value": True}
    elif change == "a date that is not one":
        document["effective_from"] = "2026-02-30"
    return document


@pytest.mark.parametrize(
    "change",
    ["no title", "unknown key", "fixed and per_unit", "21 materials", "a material of 201 characters", "a cap as text",
     "an unknown operator", "a date that is not one"],
)  # fmt: skip
def test_the_served_schema_refuses_a_broken_document(served: dict[str, Any], change: str) -> None:
    assert _errors(_validator(served), _broken(change)) != []


def _materials(document: dict[str, Any]) -> dict[str, list[str]]:
    return {i["code"]: i["materials"] for ind in document["indicators"] for i in ind["items"] if "materials" in i}


def test_materials_appear_in_the_version_answer(client: Any, headers: dict[str, str], served: dict[str, Any]) -> None:
    answer = client.get("/api/v1/versions/tongxiang/2026/1", headers=headers)
    assert answer.status_code == 200
    document = answer.json["document"]
    assert _materials(document) == _materials(_sample()) != {}  # every item's, as the sample file lists them
    assert _errors(_validator(served), document) == []
    spec = client.get("/api/v1/openapi.json").json
    detail = OAS31Validator({"$ref": "#/components/schemas/VersionDetail", "components": spec["components"]})
    assert [e.message for e in detail.iter_errors(answer.json)] == []
    too_many = copy.deepcopy(answer.json)
    _first_item(too_many["document"])["materials"] = MATERIALS * 11
    assert [e.message for e in detail.iter_errors(too_many)] == [f"{MATERIALS * 11!r} is too long"]  # the limits


def test_materials_appear_in_the_openapi_document(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json
    schemas = spec["components"]["schemas"]
    assert schemas["VersionDetail"]["properties"]["document"]["$ref"] == "#/components/schemas/RulesetDocument"
    assert schemas["RulesetDocument"]["externalDocs"]["url"] == SCHEMA_URL
    indicator = schemas["RulesetDocument"]["properties"]["indicators"]["items"]["$ref"]
    item = schemas[indicator.rpartition("/")[2]]["properties"]["items"]["items"]["$ref"]
    materials = schemas[item.rpartition("/")[2]]["properties"]["materials"]
    assert materials["x-label"] == "证明材料" and materials["maxItems"] == 20
    assert materials["items"] == {"type": "string", "minLength": 1, "maxLength": 200}
    # every part of the declared document is a component, with the served schema's fields
    served = json_schema()["$defs"]
    for name, part in PARTS.items():
        component = next(c for c in schemas.values() if c.get("x-label") == served[name]["title"])
        assert list(component["properties"]) == [f.key for f in part.fields], name


def test_the_docs_page_lists_the_schema(client: Any) -> None:
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert 'href="schemas/ruleset.json"' in page and "证明材料" in page
