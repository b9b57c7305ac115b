"""What every error answer of the API is: an RFC 9457 problem detail with the service's code."""

from __future__ import annotations

from typing import Any

from api.errors import PROBLEMS

MEMBERS = {"type", "title", "status", "detail", "code", "message", "errors", "current_id"}


def check(response: Any, status: int, code: str) -> dict[str, Any]:
    """The answer is a problem detail with ``status`` and ``code``; its body."""
    assert response.status_code == status, response.data
    assert response.mimetype == "application/problem+json", response.mimetype
    body: dict[str, Any] = response.json
    assert body["code"] == code and body["detail"], body
    assert body["type"] == f"/api/v1/docs#problem-{code}" and body["title"] == PROBLEMS[code].title, body
    assert body["status"] == status and body["message"] == body["detail"], body
    assert set(body) <= MEMBERS, body
    assert response.headers["X-Request-ID"]
    return body
