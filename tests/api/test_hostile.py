"""Hostile input gets a precise 4xx with a stable code, never a 500, and what is stored is what was sent."""

from __future__ import annotations

import io
import json
import urllib.parse
from typing import Any

import pytest

from api.errors import ApiError
from api.http import MAX_DEPTH, MAX_NUMBER_CHARS, parse_json
from api.schemas import MAX_INT32
from tests.api.problems import check

URL = "/api/v1/scores"
BATCH = "/api/v1/scores/batch"
FACTS = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}
FACTS_TEXT = json.dumps(FACTS)[1:-1]  # the facts' members, to write bodies by hand


def post(client: Any, headers: dict[str, str], text: str | bytes, url: str = URL) -> Any:
    return client.post(url, data=text, content_type="application/json", headers=headers)


def request_text(ref: str = '"H-1"', facts: str = FACTS_TEXT, extra: str = "") -> str:
    return f'{{"application_ref": {ref}, "year": 2026, "facts": {{{facts}}}{extra}}}'


def stored(db: Any) -> int:
    """How many scores are stored."""
    from sqlalchemy import func, select

    from jifen.store.models import ScoreRow

    with db.transaction() as s:
        return s.scalar(select(func.count()).select_from(ScoreRow))  # type: ignore[no-any-return]


def refused(text: str, status: int, code: str) -> dict[str, Any]:
    """The problem detail the JSON reader (api.http.parse_json, which every body goes through) refuses ``text``
    with; ``test_the_readers_refusals_are_answered`` shows they are answered as they are."""
    with pytest.raises(ApiError) as caught:
        parse_json(text.encode())
    error = caught.value
    assert (error.status, error.code) == (status, code)
    return error.body()


# -- depth ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
        "[" * 1_000 + "]" * 1_000,  # under the first parser's 1,024 but beyond what Python's stack takes
        request_text(facts=FACTS_TEXT + ', "x": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH),
    ],
    ids=["arrays-10000", "objects-10000", "arrays-1000", "one-level-too-deep"],
)
def test_nesting_beyond_the_bound_is_400(text: str) -> None:
    body = refused(text, 400, "json_too_deep")
    assert str(MAX_DEPTH) in body["message"]


def test_a_deep_branch_under_a_duplicate_key_is_400(client: Any, headers: dict[str, str]) -> None:
    """The deep branch is the one a last-wins parser drops; whether the depth or the duplicate is found first
    depends on how much of Python's stack the parser may use: either answer is right, a 500 is not."""
    text = request_text(facts=FACTS_TEXT + ', "x": ' + "[" * 1_000 + "]" * 1_000 + ', "x": 1')
    response = post(client, headers, text)
    assert response.status_code == 400 and response.json["code"] in {"json_too_deep", "duplicate_key"}


def test_nesting_at_the_bound_reaches_the_field_checks(client: Any, headers: dict[str, str]) -> None:
    deep = "[" * (MAX_DEPTH - 2) + "]" * (MAX_DEPTH - 2)  # the body and facts are the first two levels
    body = check(
        post(client, headers, request_text(facts=FACTS_TEXT + f', "education": {deep}')), 422, "invalid_fields"
    )
    assert list(body["errors"]) == ["facts.education"]


# -- numbers -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"application_ref": "H-1", "year": ' + "9" * 5000 + ', "facts": {}}', "(5000 characters)"),
        (request_text(facts=FACTS_TEXT + ', "insurance_months": ' + "9" * 5000), "(5000 characters)"),
        (request_text(facts=FACTS_TEXT + ', "insurance_months": -' + "9" * 5000), "(5001 characters)"),
        (request_text(facts=FACTS_TEXT + ', "insurance_months": ' + "9" * 200), "200 characters"),
        (request_text(facts=FACTS_TEXT + ', "donation_amount": 0.' + "1" * 200), "202 characters"),
        (request_text(facts=FACTS_TEXT + ', "donation_amount": 1e309'), "1e309"),
        (request_text(facts=FACTS_TEXT + ', "donation_amount": -1e309'), "-1e309"),
    ],
    ids=[
        "year-5000-digits",
        "fact-5000-digits",
        "negative-5000-digits",
        "200-digits",
        "long-decimal",
        "1e309",
        "-1e309",
    ],
)
def test_numbers_out_of_range_are_400(text: str, fragment: str) -> None:
    body = refused(text, 400, "number_out_of_range")
    assert fragment in body["message"]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_non_numbers_are_malformed_json(literal: str) -> None:
    refused(request_text(facts=FACTS_TEXT + f', "donation_amount": {literal}'), 400, "malformed_json")


def test_a_long_integer_within_the_bound_gets_its_field_error(client: Any, headers: dict[str, str]) -> None:
    number = "9" * MAX_NUMBER_CHARS
    text = request_text(facts=FACTS_TEXT + f', "insurance_months": {number}')
    body = check(post(client, headers, text), 422, "invalid_fields")
    assert body["errors"]["facts.insurance_months"][0].startswith("must be between")


# -- characters ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        request_text(ref='"\\ud800"'),
        request_text(ref='"A\\udc00"'),
        request_text(ref='"\\ud800\\u0041"'),
        request_text(facts=FACTS_TEXT + ', "\\ud800": 1'),
        request_text(facts=FACTS_TEXT + ', "education": "\\udfff"'),
    ],
    ids=["ref-high", "ref-low", "ref-unpaired", "fact-key", "fact-value"],
)
def test_lone_surrogates_are_400(text: str) -> None:
    body = refused(text, 400, "invalid_character")
    assert "surrogate" in body["message"] and "line 1 column" in body["message"]


def test_lone_surrogates_in_a_batch_item_are_400(client: Any, headers: dict[str, str]) -> None:
    text = '{"applications": [' + request_text(ref='"\\ud800"') + "]}"
    check(post(client, headers, text, BATCH), 400, "invalid_character")


@pytest.mark.parametrize(
    ("text", "path", "problem"),
    [
        (request_text(ref='"A\\u0000B"'), "application_ref", "has a NUL character (U+0000)"),
        (request_text(facts=FACTS_TEXT + ', "education": "\\u0000"'), "facts.education", "has a NUL character"),
        (request_text(facts=FACTS_TEXT + ', "a\\u0000": 1'), "facts", 'has a key "a\\u0000" with a NUL character'),
        ('{"applications": [' + request_text(ref='"\\u0000"') + "]}", "applications.0.application_ref", "NUL"),
        ('{"applications": ["\\u0000"]}', "applications.0", "NUL"),
    ],
    ids=["ref", "fact-value", "fact-key", "batch-item", "batch-list"],
)
def test_nul_characters_are_400_naming_the_field(text: str, path: str, problem: str) -> None:
    body = refused(text, 400, "invalid_character")
    assert list(body["errors"]) == [path] and problem in body["errors"][path][0]


def test_a_valid_surrogate_pair_is_a_character(client: Any, headers: dict[str, str]) -> None:
    response = post(client, headers, request_text(ref='"TX-\\ud83d\\ude00"', extra=', "dry_run": true'))
    assert response.status_code == 200 and response.json["application_ref"] == "TX-\U0001f600"


# -- duplicate keys ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "errors"),
    [
        (request_text(facts=FACTS_TEXT + ', "birth_date": "1960-01-01"'), ["facts.birth_date"]),
        (request_text(extra=', "year": 2025'), ["year"]),
        (
            '{"applications": [' + request_text(facts=FACTS_TEXT + ', "permit_valid": false') + "]}",
            ["applications.0.facts.permit_valid"],
        ),
        ('{"applications": [], "applications": []}', ["applications"]),
    ],
    ids=["fact", "top-level", "batch-item-fact", "batch"],
)
def test_duplicate_keys_are_400_naming_the_key(text: str, errors: list[str]) -> None:
    body = refused(text, 400, "duplicate_key")
    assert list(body["errors"]) == errors
    assert json.dumps(errors[0].rpartition(".")[2]) in body["message"]


@pytest.mark.parametrize(
    ("text", "url", "code"),
    [
        (request_text(facts=FACTS_TEXT + ', "x": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH), URL, "json_too_deep"),
        (request_text(facts=FACTS_TEXT + ', "donation_amount": 1e309'), URL, "number_out_of_range"),
        (request_text(facts=FACTS_TEXT + ', "donation_amount": NaN'), URL, "malformed_json"),
        ('{"applications": [' + request_text(ref='"\\u0000"') + "]}", BATCH, "invalid_character"),
        ('{"applications": [' + request_text(facts=FACTS_TEXT + ', "permit_valid": false') + "]}", BATCH,
         "duplicate_key"),
    ],
    ids=["depth", "number", "non-number", "nul", "duplicate"],
)  # fmt: skip
def test_the_readers_refusals_are_answered(
    db: Any, client: Any, headers: dict[str, str], text: str, url: str, code: str
) -> None:
    """What the reader refuses is answered as its problem, and nothing is stored."""
    assert check(post(client, headers, text, url), 400, code) == refused(text, 400, code)
    assert stored(db) == 0


# -- fields --------------------------------------------------------------------------------------------------


def test_an_empty_batch_is_422(client: Any, headers: dict[str, str]) -> None:
    body = check(client.post(BATCH, json={"applications": []}, headers=headers), 422, "invalid_fields")
    assert body["errors"] == {"applications": ["give at least one application"]}


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("   ", "must not be blank"),
        ("\u3000\u00a0", "must not be blank"),
        ("A\tB", "U+0009 at position 2"),
        ("A\u0085", "U+0085 at position 2"),
        ("TX\u202e1-2026", "U+202E at position 3"),
        ("\u2067TX-1", "U+2067 at position 1"),
        ("TX\u200b1", "U+200B at position 3"),
        ("\ufeffTX", "U+FEFF at position 1"),
        ("TX\u20281", "U+2028 at position 3"),
        ("TX\u20291", "U+2029 at position 3"),
        ("A" * 65, "must be 1 to 64 characters long, got 65"),
    ],
)
def test_bad_application_refs_are_422(client: Any, headers: dict[str, str], ref: str, message: str) -> None:
    body = check(
        client.post(URL, json={"application_ref": ref, "year": 2026, "facts": FACTS}, headers=headers),
        422,
        "invalid_fields",
    )
    assert list(body["errors"]) == ["application_ref"] and message in body["errors"]["application_ref"][0]
    batch = client.post(BATCH, json={"applications": [{"application_ref": ref, "year": 2026, "facts": FACTS}]},
                        headers=headers)  # fmt: skip
    assert batch.status_code == 200 and batch.json["results"][0]["status"] == 422
    assert list(batch.json["results"][0]["errors"]) == ["application_ref"]
    query = client.get(URL, query_string={"application_ref": ref}, headers=headers)
    assert check(query, 422, "invalid_fields")["errors"].keys() == {"application_ref"}


@pytest.mark.parametrize("ref", ["A" * 64, "桐乡-2026-000123", "TX 2026 1", "TX-\U0001f600"])
def test_good_application_refs_are_stored_as_sent(client: Any, headers: dict[str, str], ref: str) -> None:
    response = client.post(URL, json={"application_ref": ref, "year": 2026, "facts": FACTS}, headers=headers)
    assert response.status_code == 201, response.data
    assert client.get(f"{URL}/{response.json['id']}", headers=headers).json["application_ref"] == ref


@pytest.mark.parametrize(
    ("facts", "extra", "errors"),
    [
        ({"birth_date": "0001-01-01"}, {}, {"facts.birth_date": ["must be between 1900-01-01 and 2100-12-31, got 0001-01-01"]}),
        ({"birth_date": "1899-12-31"}, {}, {"facts.birth_date": ["must be between 1900-01-01 and 2100-12-31, got 1899-12-31"]}),
        ({"birth_date": "2026-03-16"}, {}, {"facts.birth_date": ["is after application_date (2026-03-15)"]}),
        (
            {"application_date": None, "birth_date": "2026-05-02"},
            {"as_of": "2026-05-01"},
            {"facts.birth_date": ["is after application_date (2026-05-01)"]},
        ),
        ({"application_date": "9999-12-31"}, {}, {"facts.application_date": ["must be between 1900-01-01 and 2100-12-31, got 9999-12-31"]}),
        ({"application_date": "0001-01-01"}, {}, {"facts.application_date": ["must be between 1900-01-01 and 2100-12-31, got 0001-01-01"]}),
        ({}, {"as_of": "0001-01-01"}, {"as_of": ["must be between 2000-01-01 and 2100-12-31, got 0001-01-01"]}),
    ],
    ids=["born-0001", "born-1899", "born-after-application", "born-after-scoring-date", "applied-9999", "applied-0001", "as-of-0001"],
)  # fmt: skip
def test_implausible_dates_are_422(
    client: Any, headers: dict[str, str], facts: dict[str, Any], extra: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    body = {"application_ref": "H-1", "year": 2026, "facts": {**FACTS, **facts}, **extra}
    assert check(client.post(URL, json=body, headers=headers), 422, "invalid_fields")["errors"] == errors


def test_the_earliest_birth_date_is_accepted(client: Any, headers: dict[str, str]) -> None:
    body = {"application_ref": "H-1", "year": 2026, "facts": {**FACTS, "birth_date": "1900-01-01"}, "dry_run": True}
    response = client.post(URL, json=body, headers=headers)
    assert response.status_code == 200 and response.json["derived"] == {"age": 126}


# -- revisions and pages -------------------------------------------------------------------------------------

BIG = [str(2**31), str(2**63), str(2**64), "9" * 30, "9" * 5000]


@pytest.mark.parametrize("number", [*BIG, "0"])
def test_version_paths_out_of_range_are_404(client: Any, headers: dict[str, str], number: str) -> None:
    for path in (
        f"/api/v1/versions/tongxiang/2026/{number}",
        f"/api/v1/versions/tongxiang/2026/1/diff/tongxiang/2026/{number}",
    ):
        check(client.get(path, headers=headers), 404, "not_found")
    # a year is refused like a body's year (422) when it is a number the path takes at all (up to 10 digits)
    year = (422, "invalid_fields") if len(number) <= 10 else (404, "not_found")
    for path in (
        f"/api/v1/versions/tongxiang/{number}/1",
        f"/api/v1/versions/tongxiang/{number}/1/diff/tongxiang/2026/1",
    ):
        check(client.get(path, headers=headers), *year)


@pytest.mark.parametrize("code", ["a%00", "A", "x" * 65, "%F0%9F%98%80"])
def test_ruleset_codes_that_cannot_exist_are_404_or_422(client: Any, headers: dict[str, str], code: str) -> None:
    check(client.get(f"/api/v1/rulesets/{code}/versions", headers=headers), 404, "not_found")
    check(client.get(f"/api/v1/versions/{code}/2026/1", headers=headers), 404, "not_found")
    query = f"/api/v1/versions/in-force?year=2026&ruleset={code}"
    errors = check(client.get(query, headers=headers), 422, "invalid_fields")["errors"]
    sent = urllib.parse.unquote(code)
    assert errors == {"ruleset": [f"expected a ruleset code (lower-case letters, digits, _), got the string {sent!r}"]}


def test_the_largest_revision_is_looked_up(client: Any, headers: dict[str, str]) -> None:
    body = check(client.get(f"/api/v1/versions/tongxiang/2026/{MAX_INT32}", headers=headers), 404, "not_found")
    assert body["message"] == f"no ruleset version tongxiang/2026/{MAX_INT32}"


@pytest.mark.parametrize("number", BIG[:4])
def test_a_pinned_revision_out_of_range_is_422(client: Any, headers: dict[str, str], number: str) -> None:
    body = {"application_ref": "H-1", "year": 2026, "facts": FACTS, "version": f"tongxiang/2026/{number}"}
    assert check(client.post(URL, json=body, headers=headers), 422, "invalid_fields")["errors"] == {
        "version": [f"the revision must be between 1 and {MAX_INT32}"]
    }


@pytest.mark.parametrize("page", [*BIG, "0", "-1"])
def test_pages_out_of_range_are_422(client: Any, headers: dict[str, str], page: str) -> None:
    response = client.get(URL, query_string={"application_ref": "H-1", "page": page}, headers=headers)
    assert list(check(response, 422, "invalid_fields")["errors"]) == ["page"]


def test_the_last_page_is_answered(client: Any, headers: dict[str, str]) -> None:
    response = client.get(URL, query_string={"application_ref": "H-1", "page": MAX_INT32}, headers=headers)
    assert response.status_code == 200 and response.json["items"] == []


# -- size ----------------------------------------------------------------------------------------------------


def chunked(client: Any, headers: dict[str, str], body: bytes) -> Any:
    """A body without Content-Length, from a server that ends the stream itself (gunicorn, werkzeug's own)."""
    return client.post(
        URL,
        input_stream=io.BytesIO(body),
        content_type="application/json",
        headers=headers,
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_a_chunked_body_over_the_limit_is_413(app: Any, client: Any, headers: dict[str, str]) -> None:
    body = request_text(extra=', "dry_run": true').encode()
    app.config["MAX_CONTENT_LENGTH"] = len(body) - 1
    check(chunked(client, headers, body), 413, "payload_too_large")
    check(chunked(client, headers, body + b" " * 100_000), 413, "payload_too_large")


def test_a_chunked_body_within_the_limit_is_read(app: Any, client: Any, headers: dict[str, str]) -> None:
    body = request_text(extra=', "dry_run": true').encode()
    app.config["MAX_CONTENT_LENGTH"] = len(body)  # exactly the limit
    assert chunked(client, headers, body).status_code == 200


# -- echoes and storage ----------------------------------------------------------------------------------------


def test_an_error_echoing_a_lone_surrogate_is_still_json(
    app: Any, client: Any, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from jifen.errors import NotFound
    from jifen.scoring import records

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise NotFound("no stored score \ud800")

    monkeypatch.setattr(records, "get", refuse)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    body = check(client.get(f"{URL}/00000000-0000-0000-0000-000000000000", headers=headers), 404, "not_found")
    assert body["message"] == "no stored score \\ud800"


def test_the_facts_stored_are_the_facts_sent(client: Any, headers: dict[str, str]) -> None:
    facts = {**FACTS, "volunteer_hours": 49.9, "donation_amount": 2.0, "insurance_months": 9007199254740991 // 10**13}
    text = json.dumps({"application_ref": "TX-\u00e9\u6850", "year": 2026, "facts": facts}, ensure_ascii=False)
    response = post(client, headers, text.encode())
    assert response.status_code == 201, response.data
    record = client.get(f"{URL}/{response.json['id']}", headers=headers)
    assert record.status_code == 200
    assert record.json["facts"] == facts and record.json["application_ref"] == "TX-\u00e9\u6850"
    assert b'"donation_amount":2.0' in record.data


@pytest.mark.parametrize(
    "args",
    [
        ["score", "--version", f"tongxiang/2026/{2**64}", "-"],
        ["rulesets", "export", f"tongxiang/2026/{'9' * 5000}"],
        ["rulesets", "export", str(2**64)],
    ],
    ids=["score-pinned", "export-ref", "export-id"],
)
def test_the_cli_answers_out_of_range_revisions_too(seeded: Any, runner: Any, args: list[str]) -> None:
    result = runner.invoke(args=args, input="[]")
    assert result.exit_code == 1 and "no ruleset version" in result.output, result.output
