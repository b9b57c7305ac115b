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


APPLICATION_OPERATIONS = ("supplements", "verifications", "extensions", "publish", "objections", "void")


def test_document_lists_every_endpoint_and_the_fact_catalogues(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) >= {
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
    }
    request = spec["components"]["schemas"]["ScoreRequest"]
    assert set(request["required"]) == {"application_ref", "year", "facts"}
    assert request["additionalProperties"] is False
    facts = spec["components"]["schemas"]["FactsTongxiang2026r1"]
    assert facts["properties"]["skill_level"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 5,
        "description": "职业资格或职业技能等级（1级最高，5级最低）（人力社保局）",
    }
    assert "age" not in facts["properties"] and set(facts["required"]) == {
        "permit_valid",
        "permit_endorsed",
        "birth_date",
    }
    post = spec["paths"]["/api/v1/scores"]["post"]
    assert set(post["responses"]) == {"200", "201", "400", "401", "403", "409", "413", "415", "422", "503"}
    assert post["security"] == [{"bearerAuth": []}]


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
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance, negative_data_rejection]  # fmt: skip


@schema.parametrize()
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_api_keeps_to_its_document(case: Any, headers: dict[str, str]) -> None:
    case.call_and_validate(headers=headers, checks=CHECKS)
