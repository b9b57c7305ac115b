"""The OpenAPI document is generated and valid; the API keeps to it (schemathesis); /docs needs nothing external."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

APPLICATION_OPERATIONS = ("supplements", "verifications", "extensions", "publish", "objections", "void", "lookup-code")


def test_document_lists_every_endpoint_and_the_fact_catalogues(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/v1/scores",
        "/api/v1/scores/batch",
        "/api/v1/scores/{score_id}",
        "/api/v1/scores/{score_id}/verify",
        "/api/v1/rulesets",
        "/api/v1/rulesets/{code}/versions",
        "/api/v1/versions/in-force",
        "/api/v1/versions/{code}/{year}/{revision}",
        "/api/v1/versions/{a_code}/{a_year}/{a_revision}/diff/{b_code}/{b_year}/{b_revision}",
        "/api/v1/healthz",
        "/api/v1/applications",
        "/api/v1/applications/{application_ref}/{year}",
        "/api/v1/applications/{application_ref}/{year}/history",
        *(f"/api/v1/applications/{{application_ref}}/{{year}}/{op}" for op in APPLICATION_OPERATIONS),
        "/api/v1/application-periods",
        "/api/v1/applications/{application_ref}/{year}/statement",
        "/api/v1/statements/verify",
        "/api/v1/tasks",
        "/api/v1/events",
        "/api/v1/scenes",
        "/api/v1/scenes/{scene_code}/{year}",
        "/api/v1/scenes/{scene_code}/{year}/entitlements/{application_ref}",
    }
    request = spec["components"]["schemas"]["ScoreRequest"]
    assert set(request["required"]) == {"application_ref", "year", "facts"}
    assert request["additionalProperties"] is False
    schemas = spec["components"]["schemas"]
    assert request["properties"]["facts"] == {"$ref": "#/components/schemas/FactsTongxiang"}
    assert schemas["BatchItem"]["properties"]["facts"] == {"$ref": "#/components/schemas/FactsTongxiang"}
    assert schemas["BatchRequest"]["properties"]["applications"]["items"] == {"$ref": "#/components/schemas/BatchItem"}
    facts = schemas["FactsTongxiang"]
    assert facts["properties"]["skill_level"] == {
        "type": ["integer", "null"],  # null: not present
        "minimum": 1,
        "maximum": 5,
        "description": "职业资格或职业技能等级（1级最高，5级最低）（人力社保局） — since 2025",
        "x-years": [2025, 2026],
    }
    education = facts["properties"]["education"]
    assert education["anyOf"] == [{"$ref": "#/components/schemas/TongxiangEducation"}, {"type": "null"}]
    assert schemas["TongxiangEducation"]["enum"][:2] == ["doctor", "master"]
    assert schemas["TongxiangEducation"]["x-enum-labels"]["doctor"] == "博士研究生"
    assert "doctor 博士研究生" in education["description"]
    assert facts["properties"]["permit_valid"]["type"] == "boolean"  # required: never null
    assert "age" not in facts["properties"] and facts["additionalProperties"] is False
    assert set(facts["required"]) == {"permit_valid", "permit_endorsed", "birth_date"}
    assert not any(name.startswith("Facts") and name != "FactsTongxiang" for name in schemas)
    assert spec["openapi"] == "3.1.0"
    post = spec["paths"]["/api/v1/scores"]["post"]
    assert set(post["responses"]) == {"200", "201", "400", "401", "403", "409", "413", "415", "422", "500", "503"}
    assert "413" in spec["paths"]["/api/v1/healthz"]["get"]["responses"]
    assert post["operationId"] == "createScore" and post["security"] == [{"bearerAuth": []}]
    assert post["responses"]["201"]["headers"]["Location"]["required"] is True
    assert set(post["responses"]["409"]["content"]) == {"application/problem+json"}
    assert "`already_scored`" in post["responses"]["409"]["description"]


def test_document_names_and_describes_everything(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json
    info = spec["info"]
    assert info["title"].isascii() and info["contact"] and info["license"]["name"] == "Apache-2.0"
    assert re.fullmatch(r"\d+\.\d+\.\d+", info["version"])  # a plain semantic version that package indexes take
    tags = {t["name"]: t["description"] for t in spec["tags"]}
    operations = [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()]
    ids = [op["operationId"] for _p, _m, op in operations]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z][A-Za-z]{2,29}", i) for i in ids), ids
    assert {"createScore", "createBatch", "getScore", "listScores", "verifyScore", "listRulesets", "listVersions",
            "getVersion", "getVersionInForce", "diffVersions", "getHealth"} <= set(ids)  # fmt: skip
    for path, method, op in operations:
        where = (method, path)
        assert op["summary"] and all(tags.get(t) for t in op["tags"]), where
        assert "security" in op, where
        statuses = set(op["responses"])
        assert {"413", "500", "503"} <= statuses, where  # 413 on every POST (and any method with a body)
        if op["security"]:
            assert {"401", "403"} <= statuses, where
        for status, response in op["responses"].items():
            assert response["headers"]["X-Request-ID"]["required"] is True, where
            if status.startswith(("4", "5")):
                assert set(response["content"]) == {"application/problem+json"}, (where, status)
    assert spec["paths"]["/api/v1/healthz"]["get"]["security"] == []
    assert spec["security"] == [{"bearerAuth": []}]
    code = spec["components"]["schemas"]["Problem"]["properties"]["code"]
    from api.errors import PROBLEMS

    # open to codes added later: the known ones as an enum, any other as a string
    assert code["anyOf"] == [{"$ref": "#/components/schemas/ProblemCode"}, {"type": "string"}]
    assert spec["components"]["schemas"]["ProblemCode"]["enum"] == list(PROBLEMS)


def test_document_version_follows_the_contract_and_the_facts_hash_the_rulesets(client: Any, db: Any) -> None:
    from jifen.access.users import get_user
    from jifen.standard import rulesets

    before = client.get("/api/v1/openapi.json").json
    assert client.get("/api/v1/openapi.json").json["info"]["version"] == before["info"]["version"]
    with db.transaction() as s:
        rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
    with db.transaction() as s:
        rulesets.publish(s, "tongxiang/2027/1", get_user(s, "publisher"), "2027年度")
    after = client.get("/api/v1/openapi.json").json
    assert after["info"]["version"] == before["info"]["version"]
    assert after["info"]["x-facts-hash"] != before["info"]["x-facts-hash"]
    from api.contract import contract_hash

    assert contract_hash(after) == contract_hash(before)
    assert "tongxiang/2027/1" in after["components"]["schemas"]["FactsTongxiang"]["description"]


def test_docs_page_is_readable_and_self_contained(client: Any) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "POST</span> /api/v1/scores" in html and "ScoreRequest" in html and "文化程度" in html
    # nothing is loaded from elsewhere: no scripts, stylesheets, images or fonts from any URL
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html and "@import" not in html


@pytest.fixture
def api_schema(seeded: Any) -> Any:
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", seeded)


schema = schemathesis.pytest.from_fixture("api_schema")
# A batch answers 200 with an outcome per application, also for an application that is not a valid BatchItem
# (it fails alone, by design): the batch itself is refused only when its envelope is wrong.
BATCH = "/api/v1/scores/batch"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]  # fmt: skip


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_keeps_to_its_document(case: Any, headers: dict[str, str]) -> None:
    checks = [c for c in CHECKS if c is not negative_data_rejection or case.path != BATCH]
    case.call_and_validate(headers=headers, checks=checks)
