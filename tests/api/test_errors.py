"""Every error is JSON {code, message, errors?} with the right status, never a 500 or an HTML page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.problems import check

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01"}
URL = "/api/v1/scores"


def test_malformed_json_is_400(client: Any, headers: dict[str, str]) -> None:
    body = check(
        client.post(URL, data='{"year": 2026,', content_type="application/json", headers=headers), 400, "malformed_json"
    )
    assert "line 1" in body["message"]


@pytest.mark.parametrize("payload", ["[1, 2]", '"text"', "42", "null"])
def test_body_that_is_not_an_object_is_400(client: Any, headers: dict[str, str], payload: str) -> None:
    check(client.post(URL, data=payload, content_type="application/json", headers=headers), 400, "not_an_object")


def test_bytes_that_are_not_utf8_are_400(client: Any, headers: dict[str, str]) -> None:
    check(
        client.post(URL, data=b'{"a": "\xff"}', content_type="application/json", headers=headers), 400, "malformed_json"
    )


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_wrong_content_type_is_415(client: Any, headers: dict[str, str], content_type: str | None) -> None:
    kwargs = {"content_type": content_type} if content_type else {}
    check(client.post(URL, data='{"year": 2026}', headers=headers, **kwargs), 415, "unsupported_media_type")


@pytest.mark.parametrize("charset", ["latin-1", "ISO-8859-1", "gbk", "utf-16"])
def test_a_charset_other_than_utf8_is_415(client: Any, headers: dict[str, str], charset: str) -> None:
    response = client.post(URL, data='{"year": 2026}', content_type=f"application/json; charset={charset}",
                           headers=headers)  # fmt: skip
    check(response, 415, "unsupported_media_type")
    assert f"charset={charset}" in response.json["detail"]


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8", "utf8"])
def test_utf8_declared_is_read(client: Any, headers: dict[str, str], charset: str) -> None:
    response = client.post(URL, data='{"year": 2026}', content_type=f"application/json; charset={charset}",
                           headers=headers)  # fmt: skip
    check(response, 422, "invalid_fields")


def test_every_answer_keeps_its_address_to_itself(client: Any, headers: dict[str, str]) -> None:
    for url in ("/api/v1/versions", "/admin/login", "/", "/healthz"):
        assert client.get(url, headers=headers).headers["Referrer-Policy"] == "same-origin", url


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"year": 2026, "facts": BASE}, {"application_ref": ["required field is missing"]}),
        (
            {"application_ref": "A", "year": "2026", "facts": BASE},
            {"year": ["expected an integer, got the string '2026'"]},
        ),
        ({"application_ref": "A", "year": 2026.0, "facts": BASE}, {"year": ["expected a whole number, got 2026.0"]}),
        ({"application_ref": "A", "year": True, "facts": BASE}, {"year": ["expected an integer, got true"]}),
        (
            {"application_ref": "A", "year": 1999, "facts": BASE},
            {"year": ["must be between 2000 and 2100, got 1999"]},
        ),
        ({"application_ref": "A", "year": 2026, "facts": BASE, "colour": 1}, {"colour": ["unknown field"]}),
        ({"application_ref": "A", "year": 2026, "facts": [1]}, {"facts": ["expected an object, got a list"]}),
        (
            {"application_ref": "A", "year": 2026, "facts": BASE, "as_of": "2026-02-30"},
            {"as_of": ["not a valid date: '2026-02-30' (expected YYYY-MM-DD)"]},
        ),
        (
            {"application_ref": "A", "year": 2026, "facts": BASE, "dry_run": "yes"},
            {"dry_run": ["expected true or false, got the string 'yes'"]},
        ),
        (
            {"application_ref": "A", "year": 2026, "facts": BASE, "version": "2026"},
            {"version": ["expected RULESET/YEAR/REVISION, e.g. tongxiang/2026/1, got the string '2026'"]},
        ),
        (
            {"application_ref": "", "year": 2026, "facts": BASE},
            {"application_ref": ["must be 1 to 64 characters long, got 0"]},
        ),
    ],
)
def test_request_field_errors_are_422(
    client: Any, headers: dict[str, str], body: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    assert check(client.post(URL, json=body, headers=headers), 422, "invalid_fields")["errors"] == errors


@pytest.mark.parametrize(
    ("facts", "errors"),
    [
        ({**BASE, "agee": 30}, {"facts.agee": ["unknown field"]}),
        ({**BASE, "age": 30}, {"facts.age": ["is computed from birth_date and must not be sent"]}),
        ({**BASE, "insurance_months": "12"}, {"facts.insurance_months": ["expected an integer, got the string '12'"]}),
        ({**BASE, "insurance_months": 12.5}, {"facts.insurance_months": ["expected a whole number, got 12.5"]}),
        ({**BASE, "skill_level": 9}, {"facts.skill_level": ["must be at most 5, got 9"]}),
        (
            {**BASE, "birth_date": "1990-13-01"},
            {"facts.birth_date": ["not a valid date: '1990-13-01' (expected YYYY-MM-DD)"]},
        ),
        (
            {"permit_valid": True},
            {"facts.permit_endorsed": ["required field is missing"], "facts.birth_date": ["required field is missing"]},
        ),
        (
            {**BASE, "education": "phd", "permit_valid": "true"},
            {
                "facts.education": [
                    "must be one of: doctor, master, bachelor, college, highschool, secondary, below; got the string 'phd'"
                ],
                "facts.permit_valid": ["expected true or false, got the string 'true'"],
            },
        ),
    ],
)
def test_fact_errors_are_422_with_each_field(
    client: Any, headers: dict[str, str], facts: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    body = {"application_ref": "A", "year": 2026, "facts": facts}
    assert check(client.post(URL, json=body, headers=headers), 422, "invalid_fields")["errors"] == errors


def test_no_version_in_force_is_409(client: Any, headers: dict[str, str]) -> None:
    body = check(
        client.post(URL, json={"application_ref": "A", "year": 2031, "facts": BASE}, headers=headers),
        409,
        "no_version_in_force",
    )
    assert "no version in force for 2031" in body["message"]


def test_unknown_score_and_version_are_404(client: Any, headers: dict[str, str]) -> None:
    check(client.get("/api/v1/scores/3f1c2b1e-0000-4000-8000-000000000000", headers=headers), 404, "not_found")
    check(client.get("/api/v1/scores/not-a-uuid", headers=headers), 404, "not_found")
    check(client.post("/api/v1/scores/not-a-uuid/verify", headers=headers), 404, "not_found")
    check(client.get("/api/v1/versions/tongxiang/2030/1", headers=headers), 404, "not_found")
    check(client.get("/api/v1/rulesets/nanjing/versions", headers=headers), 404, "not_found")
    check(client.get("/api/v1/no/such/thing", headers=headers), 404, "not_found")


def test_wrong_method_is_405_with_allow(client: Any, headers: dict[str, str]) -> None:
    response = client.delete(URL, headers=headers)
    check(response, 405, "method_not_allowed")
    assert "POST" in response.headers["Allow"]
    check(client.put("/api/v1/scores/batch", headers=headers), 405, "method_not_allowed")


def test_body_too_large_is_413(app: Any, client: Any, headers: dict[str, str]) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1000
    check(
        client.post(URL, data="{" + " " * 2000 + "}", content_type="application/json", headers=headers),
        413,
        "payload_too_large",
    )


def test_query_errors_are_422(client: Any, headers: dict[str, str]) -> None:
    assert check(client.get("/api/v1/scores", headers=headers), 422, "invalid_fields")["errors"] == {
        "application_ref": ["required field is missing"]
    }
    assert check(client.get("/api/v1/scores?application_ref=A&per_page=1000", headers=headers), 422, "invalid_fields")[
        "errors"
    ] == {"per_page": ["must be between 1 and 100, got 1000"]}
    check(client.get("/api/v1/versions/in-force?year=abc", headers=headers), 422, "invalid_fields")
    check(client.get("/api/v1/versions/in-force?year=2026&date=soon", headers=headers), 422, "invalid_fields")
    check(client.get("/api/v1/scores?application_ref=A&sort=asc", headers=headers), 422, "invalid_fields")


def test_an_unexpected_failure_is_a_json_500(
    app: Any, client: Any, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jifen.scoring import scores

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(scores, "score", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    body = check(
        client.post(URL, json={"application_ref": "A", "year": 2026, "facts": BASE}, headers=headers),
        500,
        "internal_error",
    )
    assert "disk on fire" not in body["message"]


def test_pages_outside_the_api_keep_html_errors(client: Any) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"
