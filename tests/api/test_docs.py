"""The reference page: self-contained, complete, and its examples are what the service answers."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from openapi_schema_validator import OAS31Validator

from api.errors import PROBLEMS
from api.examples import invalid_facts

STORAGE = ("id", "created_at", "client")  # what a stored example cannot know in advance


def _examples(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """operationId → {"path", "method", "request", "responses": {status: example}} from the document."""
    out = {}
    for path, item in spec["paths"].items():
        for method, op in item.items():
            entry: dict[str, Any] = {"path": path, "method": method, "responses": {}}
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "example" in body:
                entry["request"] = body["example"]
            for status, response in op["responses"].items():
                for media in response.get("content", {}).values():
                    if "example" in media:
                        entry["responses"][int(status)] = media["example"]
            out[op["operationId"]] = entry
    return out


def _without(body: dict[str, Any], keys: tuple[str, ...] = STORAGE) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in keys}


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    return client.get("/api/v1/openapi.json").json  # type: ignore[no-any-return]


def test_every_operation_of_scores_and_versions_has_examples(spec: dict[str, Any]) -> None:
    examples = _examples(spec)
    for operation_id, example in examples.items():
        if example["path"].startswith("/api/v1/applications"):
            continue  # an application's life is documented by its own module
        assert example["responses"], operation_id
        if example["method"] == "post" and operation_id != "verifyScore":
            assert "request" in example, operation_id


def test_examples_fit_their_schemas(spec: dict[str, Any]) -> None:
    for operation_id, example in _examples(spec).items():
        op = spec["paths"][example["path"]][example["method"]]
        for status, body in example["responses"].items():
            schema = next(iter(op["responses"][str(status)]["content"].values()))["schema"]
            validator = OAS31Validator({**schema, "components": spec["components"]})
            assert [e.message for e in validator.iter_errors(body)] == [], (operation_id, status)
        if "request" in example:
            schema = op["requestBody"]["content"]["application/json"]["schema"]
            validator = OAS31Validator({**schema, "components": spec["components"]})
            assert [e.message for e in validator.iter_errors(example["request"])] == [], operation_id


def test_score_examples_are_what_the_service_answers(
    client: Any, headers: dict[str, str], spec: dict[str, Any]
) -> None:
    examples = _examples(spec)
    create = examples["createScore"]
    dry = client.post("/api/v1/scores", json={**create["request"], "dry_run": True}, headers=headers)
    assert dry.status_code == 200 and dry.json == create["responses"][200]
    stored = client.post("/api/v1/scores", json=create["request"], headers=headers)
    assert stored.status_code == 201 and _without(stored.json) == _without(create["responses"][201])
    again = client.post("/api/v1/scores", json=create["request"], headers=headers)
    conflict = create["responses"][409]
    assert again.status_code == 409 and set(again.json) == set(conflict)
    assert _without(again.json, ("detail", "message", "current_id")) == _without(
        conflict, ("detail", "message", "current_id")
    )
    invalid = {**create["request"], "facts": invalid_facts(create["request"]["year"])}
    refused = client.post("/api/v1/scores", json=invalid, headers=headers)
    assert refused.status_code == 422 and refused.json == create["responses"][422]

    score_id = stored.json["id"]
    fetched = client.get(f"/api/v1/scores/{score_id}", headers=headers).json
    assert _without(fetched) == _without(examples["getScore"]["responses"][200])
    verdict = client.post(f"/api/v1/scores/{score_id}/verify", headers=headers).json
    assert _without(verdict) == _without(examples["verifyScore"]["responses"][200])
    ref = create["request"]["application_ref"]
    listed = client.get(f"/api/v1/scores?application_ref={ref}", headers=headers).json
    expected = examples["listScores"]["responses"][200]
    assert [_without(i) for i in listed["items"]] == [_without(i) for i in expected["items"]]
    assert _without(listed, ("items",)) == _without(expected, ("items",))


def test_the_batch_example_is_what_the_service_answers(
    client: Any, headers: dict[str, str], spec: dict[str, Any]
) -> None:
    example = _examples(spec)["createBatch"]
    answer = client.post("/api/v1/scores/batch", json=example["request"], headers=headers).json
    expected = example["responses"][200]
    assert _without(answer, ("results",)) == _without(expected, ("results",))
    assert _without(answer["results"][0], ("result",)) == _without(expected["results"][0], ("result",))
    assert _without(answer["results"][0]["result"]) == _without(expected["results"][0]["result"])
    assert answer["results"][1] == expected["results"][1]


def test_version_examples_are_what_the_service_answers(
    client: Any, headers: dict[str, str], spec: dict[str, Any]
) -> None:
    examples = _examples(spec)
    assert client.get("/api/v1/rulesets", headers=headers).json == examples["listRulesets"]["responses"][200]
    assert (
        client.get("/api/v1/rulesets/tongxiang/versions", headers=headers).json
        == examples["listVersions"]["responses"][200]
    )
    in_force = examples["getVersionInForce"]["responses"][200]
    url = f"/api/v1/versions/in-force?year={in_force['year']}&date={in_force['year']}-06-01"
    assert client.get(url, headers=headers).json == in_force
    detail = examples["getVersion"]["responses"][200]
    assert client.get(f"/api/v1/versions/{detail['ref']}", headers=headers).json == detail
    diff = examples["diffVersions"]["responses"][200]
    url = f"/api/v1/versions/{diff['a']['ref']}/diff/{diff['b']['ref']}"
    assert client.get(url, headers=headers).json == diff
    assert client.get("/api/v1/healthz").json == examples["getHealth"]["responses"][200]


def _text(page: str) -> str:
    """The page's text outside code blocks."""
    return html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<pre>.*?</pre>", " ", page, flags=re.S)))


def test_docs_page_explains_what_an_integrator_needs(client: Any, spec: dict[str, Any]) -> None:
    page = client.get("/api/v1/docs").get_data(as_text=True)
    text = " ".join(_text(page).split())
    # how to get a key, and the rules of facts
    assert "api-clients create" in page and "Authorization: Bearer" in text
    assert "“not present”" in text and "age is derived from birth_date" in text and "whole numbers" in text
    # retries and re-review
    for words in ("Idempotency-Key", "Idempotent-Replayed: true", "already_scored", "stale_supersedes", "current_id"):
        assert words in text, words
    # every option with its Chinese label, query defaults and limits
    assert re.search(r"<code>doctor</code> 博士研究生", page) and re.search(r"<code>registered_rental</code> \S+", page)
    assert "1 to 100; default 20" in text and "default 1" in text
    # every error code, with an example body, where its type points
    for code, problem in PROBLEMS.items():
        assert f'id="problem-{code}"' in page, code
        assert f'"type": "/api/v1/docs#problem-{code}"' in html.unescape(page), code
        assert problem.title in text, code
    # every operation, with its examples; code as code, never literal backticks
    for item in spec["paths"].values():
        for op in item.values():
            assert f'id="op-{op["operationId"]}"' in page
    assert "Example request" in page and "Example answer 201" in page
    assert "`" not in text
    assert "<code>Authorization: Bearer &lt;key&gt;</code>" in page


def test_docs_page_is_conditional(client: Any) -> None:
    first = client.get("/api/v1/docs")
    again = client.get("/api/v1/docs", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_docs_page_documents_the_application_life_for_each_participant(client: Any, spec: dict[str, Any]) -> None:
    page = client.get("/api/v1/docs").get_data(as_text=True)
    text = " ".join(_text(page).split())
    # the limits are the service's, not blanks
    assert "of at most 8388608 bytes; a batch holds 1 to 1000 applications" in text
    for section in ('id="life"', 'id="participants"', 'id="departments"', 'id="versioning"'):
        assert section in page, section
    assert all(
        f"<code>{state}</code>" in page for state in ("verifying", "scored", "published", "re_reviewing", "voided")
    )
    # which department verifies which fact, and the shared task explained
    assert "<code>insurance_months</code>" in page and "人力社保局" in page and "department_mismatch" in text
    assert "Asia/Shanghai" in text and "Rate limits: none on API keys" in text
    assert "x-facts-hash" in text and "anyOf" in text
    # an example request (with its path filled in) and answer for each operation of an application's life
    for item in spec["paths"].values():
        for op in item.values():
            section = page.split(f'id="op-{op["operationId"]}"')[1].split('<section class="op"')[0]
            assert "Example answer 2" in section, op["operationId"]
            if "requestBody" in op or any(p["in"] == "path" for p in op.get("parameters", [])):
                assert "Example request" in section, op["operationId"]
    assert "POST /api/v1/applications/TX-2026-000123/2026/verifications" in page
