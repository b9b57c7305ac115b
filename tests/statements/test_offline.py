"""The offline verification of docs/integrator/statements.md, run as written: a JOSE library other than the
service's (PyJWT with cryptography) verifies a statement the service signed against the served JWKS, and fails
when one byte of its payload changes."""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import select

from jifen.store.models import StatementRow
from tests.conftest import ROOT
from tests.statements.conftest import Life

PAGE = ROOT / "docs" / "integrator" / "statements.md"


def _example() -> str:
    [block] = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    return block


def _run(directory: Path, statement: str, jwks: dict[str, Any]) -> str:
    (directory / "statement.txt").write_text(statement + "\n", encoding="utf-8")
    (directory / "jwks.json").write_text(json.dumps(jwks), encoding="utf-8")
    printed, here = io.StringIO(), Path.cwd()
    os.chdir(directory)
    try:
        with contextlib.redirect_stdout(printed):
            exec(compile(_example(), str(PAGE), "exec"), {"__name__": "example"})
    finally:
        os.chdir(here)
    return printed.getvalue()


def _one_byte_changed(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    raw[raw.index(b'"total":') + len(b'"total":')] ^= 1  # a digit of the total becomes another digit
    return ".".join([header, base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode(), signature])


def test_the_documented_example_verifies_with_pyjwt(life: Life, seeded: Any, db: Any, tmp_path: Path) -> None:
    life.published("TX-O1")
    client = seeded.test_client()
    jwks = client.get("/.well-known/jwks.json").json
    with db.transaction() as s:
        statement = s.scalars(select(StatementRow.jws)).one()
    total = json.loads(base64.urlsafe_b64decode(statement.split(".")[1] + "==="))["total"]
    assert _run(tmp_path, statement, jwks) == f"TX-O1 2025 {total} valid until 2025-12-31\n"
    with pytest.raises(jwt.InvalidSignatureError):
        _run(tmp_path, _one_byte_changed(statement), jwks)
    with pytest.raises(KeyError):  # a key of another issuer
        _run(tmp_path, statement, {"keys": [{**jwks["keys"][0], "kid": "someone-else"}]})
