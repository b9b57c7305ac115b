"""Reading JSON requests strictly and writing JSON responses (Decimals as exact numbers)."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request

from engine.result import dumps_bytes


def json_response(body: Any, status: int = 200) -> Response:
    return Response(dumps_bytes(body), status=status, mimetype="application/json")


def raw_json_response(body: bytes, status: int = 200) -> Response:
    """A response from JSON bytes already serialized (a stored score's text is served as it is)."""
    return Response(body, status=status, mimetype="application/json")


def json_body() -> dict[str, Any]:
    """The request's JSON object: 415 unless it is sent as JSON, 400 if malformed or not an object."""
    from api.errors import ApiError

    if request.mimetype != "application/json":
        raise ApiError(
            415, "unsupported_media_type", f"send the body as application/json, not {request.mimetype or 'nothing'}"
        )
    raw = request.get_data(cache=False)
    try:
        body = json.loads(raw)
    except UnicodeDecodeError:
        raise ApiError(400, "malformed_json", "the body is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            400, "malformed_json", f"the body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(body, dict):
        raise ApiError(400, "not_an_object", f"the body must be a JSON object, not {type(body).__name__}")
    return body
