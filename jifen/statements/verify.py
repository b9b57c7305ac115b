"""Checking a statement's signature against a JWK Set — ours (``/.well-known/jwks.json``) or a trusted issuer's.

Pure: no database, no web. ``verify_signature`` answers the claims and the key id, or raises a ``CodedError``:
``malformed_statement`` (not a compact JWS of a statement, or larger than ``MAX_LENGTH``), ``unknown_kid`` (no key
of the set has its ``kid``) or ``bad_signature`` (the signature does not match: a byte of the header, the claims or
the signature changed, or another key signed it).
"""

from __future__ import annotations

import binascii
import json
import threading
from collections.abc import Mapping
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from jifen.errors import CodedError
from jifen.statements.claims import TYPE
from jifen.statements.keys import ALG, key_error

__all__ = ["MAX_LENGTH", "verify_signature"]

MAX_LENGTH = 8192  # characters: a statement is about 1,000; nothing larger is parsed at all

_keys: dict[tuple[str, str], OKPKey] = {}  # (kid, x) → imported public key
_keys_lock = threading.Lock()


def _malformed(why: str) -> CodedError:
    return key_error(422, "malformed_statement", why=why)


def _header(token: str) -> dict[str, Any]:
    if not isinstance(token, str) or len(token) > MAX_LENGTH:
        raise _malformed(f"not a text of at most {MAX_LENGTH} characters")
    if token.count(".") != 2:
        raise _malformed("a compact JWS has three parts separated by dots")
    try:
        header = jws.extract_compact(token.encode("ascii")).protected
    except (JoseError, ValueError, UnicodeError, binascii.Error) as exc:
        raise _malformed(f"its parts cannot be read ({type(exc).__name__})") from None
    if header.get("alg") != ALG or header.get("typ") != TYPE or not isinstance(header.get("kid"), str):
        raise _malformed(f'its header must name alg "{ALG}", typ "{TYPE}" and a kid')
    return header


def _public_key(jwks: Mapping[str, Any], kid: str) -> OKPKey:
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    found = [k for k in keys or [] if isinstance(k, Mapping) and k.get("kid") == kid]
    if not found or found[0].get("kty") != "OKP" or found[0].get("crv") != "Ed25519":
        raise key_error(422, "unknown_kid", kid=kid)
    x = str(found[0].get("x", ""))
    with _keys_lock:
        key = _keys.get((kid, x))
    if key is None:
        try:
            key = OKPKey.import_key({"kty": "OKP", "crv": "Ed25519", "x": x})
        except (JoseError, ValueError, binascii.Error):
            raise key_error(422, "unknown_kid", kid=kid) from None
        with _keys_lock:
            _keys[(kid, x)] = key
    return key


def verify_signature(token: str, jwks: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """The claims of ``token`` and the id of the key that signed it, if one of ``jwks``'s keys did."""
    kid = _header(token)["kid"]
    key = _public_key(jwks, kid)
    try:
        payload = jws.deserialize_compact(token, key, algorithms=[ALG]).payload
    except JoseError:
        raise key_error(422, "bad_signature", kid=kid) from None
    try:
        claims = json.loads(payload)
    except ValueError:
        raise _malformed("its claims are not JSON") from None
    if not isinstance(claims, dict) or claims.get("kid") != kid:
        raise _malformed("its claims must be a JSON object naming the same kid as its header")
    return claims, kid
