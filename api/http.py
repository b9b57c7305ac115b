"""Reading JSON requests strictly and writing JSON responses (Decimals as exact numbers).

A request body is read so that what the services see, and what a score stores as "the facts as sent", is
exactly what the client sent, and so that no input can make the reader itself fail:

1. UTF-8 only (a BOM, invalid bytes or encoded surrogates are refused).
2. orjson parses it first as a gate: it refuses lone surrogate escapes (``"\\ud800"``), ``NaN``/``Infinity``,
   numbers that overflow a double (``1e309``, an integer of 5,000 digits) and nesting deeper than 1,024 levels,
   each with a line and column and without recursing on Python's stack. Its result is not used: it turns
   integers beyond 64 bits into floats and keeps the last of duplicate keys.
3. The standard library parses it again for the value handed on: ``object_pairs_hook`` sees every key, so a
   duplicate is refused instead of silently keeping the last one; integers stay exact; a number literal longer
   than ``MAX_NUMBER_CHARS`` is refused.
4. One walk over the result bounds the nesting (``MAX_DEPTH``) and refuses NUL (and, should one get this far,
   surrogate) characters in every string and key, naming the path.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Any

import orjson
from flask import Request, Response, request

from engine.result import dumps_bytes
from jifen.proxied import request_object

# The deepest valid request is 4 levels (a batch → its list → an item → its facts); 64 leaves room for
# any later nested field while keeping every parser and walker far from Python's recursion limit.
MAX_DEPTH = 64
# Every number this API takes fits in 17 characters (JSON's safe integers, amounts with two decimals);
# a longer literal is refused before it is turned into a number at all.
MAX_NUMBER_CHARS = 100
# Characters that no text field of this API may hold: NUL (PostgreSQL text cannot store it) and UTF-16
# surrogates, which are not characters (they cannot be encoded as UTF-8, stored or echoed).
_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
_NUMBER = re.compile(r"-?[0-9][0-9.eE+-]*")


PROBLEM_JSON = "application/problem+json"


def json_response(body: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    try:
        data = dumps_bytes(body)
    except orjson.JSONEncodeError:
        if status < 400:
            raise
        # An error answer may echo input (a key, a reference); whatever it holds, the answer must still go out.
        data = dumps_bytes(_printable(body))
    return Response(data, status=status, mimetype=mimetype)


def problem_json(body: dict[str, Any], status: int) -> Response:
    """An RFC 9457 problem detail as ``application/problem+json``."""
    return json_response(body, status, PROBLEM_JSON)


def conditional(response: Response) -> Response:
    """A GET answer with a strong ``ETag`` (sha256 of its body); 304 without a body when ``If-None-Match`` names it.

    The tag is the hash of exactly what is sent, so it changes with anything that changes the answer (a version
    retired, a new wording of the sentences) and never otherwise.
    """
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest())
    response.make_conditional(request)  # changes the response in place
    return response


def _printable(value: Any) -> Any:
    """``value`` with lone surrogates written as ``\\udxxx`` text and anything else unencodable as its str()."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, dict):
        return {_printable(str(k)): _printable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_printable(v) for v in value]
    if value is None or isinstance(value, (bool, float)) or (isinstance(value, int) and -(2**63) <= value < 2**64):
        return value
    return _printable(str(value))


def raw_json_response(body: bytes, status: int = 200) -> Response:
    """A response from JSON bytes already serialized (a stored score's text is served as it is)."""
    return Response(body, status=status, mimetype="application/json")


def json_body() -> dict[str, Any]:
    """The request's JSON object: 415 unless it is sent as JSON, 413 if too large, 400 if it is not strict JSON
    (see the module docstring) or not an object."""
    from api import errors  # (api.errors imports this module; ``from api.errors import`` would miss on __path__)

    this = request_object()
    if this.mimetype != "application/json":
        raise errors.ApiError(
            415, "unsupported_media_type", f"send the body as application/json, not {this.mimetype or 'nothing'}"
        )
    charset = this.mimetype_params.get("charset")
    if charset is not None and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        # JSON is UTF-8 (RFC 8259 §8.1): a body declared in another charset would be read as something it is not
        raise errors.ApiError(415, "unsupported_media_type", f"send the body in UTF-8, not charset={charset}")
    body = parse_json(_read_body(this))
    if not isinstance(body, dict):
        raise errors.ApiError(400, "not_an_object", f"the body must be a JSON object, not {type(body).__name__}")
    return body


def _read_body(this: Request) -> bytes:
    from api import errors

    raw = this.get_data(cache=False)
    limit = this.max_content_length
    # A body without Content-Length (chunked) is cut at the limit by werkzeug without an error; one more byte
    # from the server's stream tells a body of exactly the limit from a longer one.
    cut = limit is not None and this.content_length is None and len(raw) >= limit
    if cut and this.environ["wsgi.input"].read(1):
        raise errors.ApiError(413, "payload_too_large", f"the body is larger than {limit} bytes")
    return raw


def parse_json(raw: bytes) -> Any:
    """The JSON value of ``raw``, or ApiError 400 with a stable code saying what is wrong and where."""
    from api import errors

    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.ApiError(
            400, "malformed_json", f"the body is not UTF-8 text: {exc.reason} at byte {exc.start}"
        ) from None
    try:
        orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise _gate_error(exc, text) from None
    duplicated: dict[int, list[str]] = {}

    def object_from_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            repeated: dict[str, None] = {}
            for key, _ in pairs:
                if key in seen:
                    repeated[key] = None
                seen.add(key)
            duplicated[id(obj)] = list(repeated)
        return obj

    try:
        body = json.loads(
            text,
            object_pairs_hook=object_from_pairs,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
        )
    except _NumberTooLong as exc:
        raise errors.ApiError(400, "number_out_of_range", str(exc)) from None
    except RecursionError:
        # The gate bounds the depth at 1,024 levels, so this fails fast, but that can still be more than
        # Python's stack allows here; it is far beyond MAX_DEPTH either way.
        raise _too_deep() from None
    except ValueError as exc:  # the gate accepted what the standard library refuses: never expected
        raise errors.ApiError(400, "malformed_json", f"the body is not valid JSON: {exc}") from None
    if isinstance(body, str):
        _check_text(body, ())
    elif isinstance(body, (dict, list)):
        _inspect(body, (), duplicated)
    return body


def _gate_error(exc: orjson.JSONDecodeError, text: str) -> Exception:
    from api.errors import ApiError

    where = f"line {exc.lineno} column {exc.colno}"
    if exc.msg.startswith("depth limit"):
        return _too_deep()
    if "surrogate" in exc.msg:
        return ApiError(
            400,
            "invalid_character",
            f"the string at {where} has a lone UTF-16 surrogate escape ({exc.msg}); send Unicode characters only",
        )
    if "number" in exc.msg and "infinity" in exc.msg:
        match = _NUMBER.match(text, exc.pos)
        literal = match.group() if match else "?"
        shown = literal if len(literal) <= 40 else f"{literal[:20]}… ({len(literal)} characters)"
        return ApiError(400, "number_out_of_range", f"the number at {where} is out of range: {shown}")
    return ApiError(400, "malformed_json", f"the body is not valid JSON: {exc.msg} at {where}")


class _NumberTooLong(ValueError):
    def __init__(self, literal: str) -> None:
        super().__init__(
            f"a number written with {len(literal)} characters ({literal[:20]}…) is out of range: "
            f"at most {MAX_NUMBER_CHARS} characters"
        )


def _parse_int(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _NumberTooLong(literal)
    return int(literal)


def _parse_float(literal: str) -> float:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _NumberTooLong(literal)
    value = float(literal)
    if not math.isfinite(value):  # the gate refuses these first; never let one through as infinity
        raise _NumberTooLong(literal)
    return value


def _parse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _too_deep() -> Exception:
    from api.errors import ApiError

    return ApiError(400, "json_too_deep", f"the JSON is nested more than {MAX_DEPTH} levels deep")


def _path(parts: tuple[str | int, ...]) -> str:
    """A field path as in ``errors`` (``applications.0.facts.birth_date``); ``_schema`` is the body itself."""
    return ".".join(str(p) for p in parts) or "_schema"


def _place(parts: tuple[str | int, ...]) -> str:
    return _path(parts) if parts else "the body"


def _check_text(text: str, path: tuple[str | int, ...], key: bool = False) -> None:
    match = _FORBIDDEN.search(text)
    if match is None:
        return
    from api.errors import ApiError

    char = f"U+{ord(match.group()):04X}"
    what = "NUL character" if char == "U+0000" else "lone UTF-16 surrogate"
    shown = json.dumps(text[:40])  # escaped, so that the answer can always be encoded
    problem = f"has a key {shown} with a {what} ({char})" if key else f"has a {what} ({char})"
    raise ApiError(400, "invalid_character", f"{_place(path)} {problem}", {_path(path): [problem]})


def _inspect(node: dict[str, Any] | list[Any], path: tuple[str | int, ...], duplicated: dict[int, list[str]]) -> None:
    """Refuse duplicate keys, nesting beyond MAX_DEPTH, NUL and surrogates; recursion stops at MAX_DEPTH."""
    if len(path) >= MAX_DEPTH:
        raise _too_deep()
    items: Any
    if isinstance(node, dict):
        keys = duplicated.get(id(node))
        if keys:
            from api.errors import ApiError

            errors = {_path((*path, k)): ["appears more than once in its object"] for k in keys}
            names = ", ".join(json.dumps(k) for k in keys)
            raise ApiError(400, "duplicate_key", f"duplicate key {names} in {_place(path)}", errors)
        items = node.items()
    else:
        items = enumerate(node)
    for key, value in items:
        if isinstance(key, str):
            _check_text(key, path, key=True)
        if isinstance(value, str):
            _check_text(value, (*path, key))
        elif isinstance(value, (dict, list)):
            _inspect(value, (*path, key), duplicated)


def refuse_oversized_body() -> None:
    """413 for a body declared larger than the limit, before any view runs (also where no view reads a body)."""
    from api import errors

    this = request_object()
    limit = this.max_content_length
    # kept on the request: Flask's property reads the application's limit through current_app's proxy each time
    # it is asked (when the body is read, by werkzeug's stream too)
    this.max_content_length = limit
    length = this.content_length
    if limit is not None and length is not None and length > limit:
        raise errors.ApiError(413, "payload_too_large", f"the body is larger than {limit} bytes")
