"""HTTP conventions: Location on 201, X-Request-ID, ETag and 304, 413 before any view, and the log lines."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest

from jifen.access.users import get_user
from jifen.standard import rulesets
from tests.api.problems import check

BODY = {
    "application_ref": "C-1",
    "year": 2026,
    "facts": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01"},
}
GENERATED = re.compile(r"[0-9a-f]{32}")


def test_a_stored_score_says_where_it_is(client: Any, headers: dict[str, str]) -> None:
    response = client.post("/api/v1/scores", json=BODY, headers=headers)
    assert response.status_code == 201
    assert response.headers["Location"] == f"/api/v1/scores/{response.json['id']}"
    assert client.get(response.headers["Location"], headers=headers).json["id"] == response.json["id"]


@pytest.mark.parametrize("sent", ["abc-123", "x" * 128, "!~#$%&'*+-.^_`|"])
def test_a_request_id_is_echoed(client: Any, headers: dict[str, str], sent: str) -> None:
    for response in (
        client.get("/api/v1/rulesets", headers={**headers, "X-Request-ID": sent}),
        client.get("/api/v1/no-such-thing", headers={"X-Request-ID": sent}),  # an error too
        client.get("/admin/login", headers={"X-Request-ID": sent}),  # and the console
    ):
        assert response.headers["X-Request-ID"] == sent


@pytest.mark.parametrize("sent", [None, "", "x" * 129, "has space", "ünicode", "tab\there"])
def test_a_missing_or_unusable_request_id_is_replaced(client: Any, headers: dict[str, str], sent: str | None) -> None:
    extra = {} if sent is None else {"X-Request-ID": sent}
    first = client.get("/api/v1/rulesets", headers={**headers, **extra})
    second = client.get("/api/v1/rulesets", headers={**headers, **extra})
    assert first.status_code == 200  # an id never makes a request fail
    assert GENERATED.fullmatch(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_a_published_version_is_conditional(client: Any, headers: dict[str, str], db: Any) -> None:
    url = "/api/v1/versions/tongxiang/2026/1"
    first = client.get(url, headers=headers)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and re.fullmatch(r'"[0-9a-f]{64}"', etag)
    again = client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    assert client.get(url, headers={**headers, "If-None-Match": '"other"'}).status_code == 200
    assert client.get(url, headers={**headers, "If-None-Match": "*"}).status_code == 304
    with db.transaction() as s:  # retiring changes what the answer says: a new tag
        rulesets.retire(s, "tongxiang/2026/1", get_user(s, "publisher"), "test")
    retired = client.get(url, headers={**headers, "If-None-Match": etag})
    assert retired.status_code == 200 and retired.json["status"] == "retired" and retired.headers["ETag"] != etag


def test_the_document_is_conditional(client: Any) -> None:
    first = client.get("/api/v1/openapi.json")
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_an_oversized_body_is_refused_before_any_view(app: Any, client: Any, headers: dict[str, str]) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 100
    # verify reads no body: the limit still holds, for every POST of the API alike
    url = "/api/v1/scores/3f1c2b1e-0000-4000-8000-000000000000/verify"
    check(client.post(url, data="x" * 101, headers=headers), 413, "payload_too_large")


def test_log_lines_name_their_request(app: Any, caplog: pytest.LogCaptureFixture) -> None:
    from jifen.requestid import LOG_FORMAT, LogFilter

    record = logging.LogRecord("api.errors", logging.ERROR, __file__, 1, "boom", None, None)
    with app.test_request_context(headers={"X-Request-ID": "trace-7"}):
        app.preprocess_request()
        LogFilter().filter(record)
    assert "[request trace-7] api.errors: boom" in logging.Formatter(LOG_FORMAT).format(record)
    outside = logging.LogRecord("x", logging.ERROR, __file__, 1, "m", None, None)
    LogFilter().filter(outside)
    assert outside.request_id == "-"  # type: ignore[attr-defined]
