"""Verification: the API (any key), the public page /verify (pasted or from the QR code), the JWKS, a tampered
statement, a superseded and a voided result, and the statement's endpoint."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest

from jifen import applications
from jifen.access import api_clients
from tests.statements.conftest import PUBLISHED, Life


@pytest.fixture
def reader(db: Any, seeded: Any) -> dict[str, str]:
    with db.transaction() as s:
        return {"Authorization": f"Bearer {api_clients.create_client(s, 'school', ['read'], 'test')[1]}"}


def _statement(client: Any, headers: dict[str, str], ref: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/applications/{ref}/2025/statement", headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json  # type: ignore[no-any-return]


def _verify(client: Any, headers: dict[str, str], token: str) -> dict[str, Any]:
    answer = client.post("/api/v1/statements/verify", json={"statement": token}, headers=headers)
    assert answer.status_code == 200, answer.json
    return answer.json  # type: ignore[no-any-return]


def _tampered(token: str) -> str:
    """One byte of the payload changed: the total 1 point higher."""
    header, payload, signature = token.split(".")
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    changed = raw.replace(b'"total":', b'"total":1', 1)
    assert changed != raw
    return ".".join([header, base64.urlsafe_b64encode(changed).rstrip(b"=").decode(), signature])


def test_the_statement_endpoint_and_verification(life: Life, seeded: Any, reader: dict[str, str]) -> None:
    client = seeded.test_client()
    assert client.get("/api/v1/applications/TX-V1/2025/statement", headers=reader).status_code == 404
    life.published("TX-V1")
    stated = _statement(client, reader, "TX-V1")
    assert stated["current"] == {"status": "valid", "state": "published", "voided_on": None, "void_reason": None,
                                 "superseded_by": None}  # fmt: skip
    assert stated["verify_url"].startswith("http://localhost/verify?s=eyJ")
    checked = _verify(client, reader, stated["statement"])
    assert checked["signature"]["valid"] is True and checked["signature"]["kid"] == stated["kid"]
    assert checked["signature"]["key_status"] == "active" and checked["claims"] == stated["claims"]
    assert checked["summary"].startswith("cn-zj-tongxiang states that application TX-V1 of 2025 scored ")
    bad = _verify(client, reader, _tampered(stated["statement"]))
    assert bad["signature"] == {"valid": False, "kid": None, "key_status": None, "problem": "bad_signature",
                                "message": bad["signature"]["message"]}  # fmt: skip
    assert bad["claims"] is None and bad["current"] is None
    for junk in ("not a statement", "a.b.c", stated["statement"].split(".")[0] + ".e30.AAAA"):
        assert _verify(client, reader, junk)["signature"]["problem"] in ("malformed_statement", "bad_signature")
    assert client.post("/api/v1/statements/verify", json={"statement": "x"}).status_code == 401
    assert client.post("/api/v1/statements/verify", json={"statement": "x" * 9000}, headers=reader).status_code == 422


def test_superseded_voided_and_expired_say_so(life: Life, seeded: Any, reader: dict[str, str]) -> None:
    client = seeded.test_client()
    life.published("TX-V2")
    first = _statement(client, reader, "TX-V2")
    life.re_reviewed("TX-V2", 60)
    second = _statement(client, reader, "TX-V2")
    assert second["score_id"] != first["score_id"]
    old = _verify(client, reader, first["statement"])
    assert old["signature"]["valid"] and old["current"]["status"] == "superseded"
    assert old["current"]["superseded_by"]["statement"] == second["statement"]
    life.today = PUBLISHED + dt.timedelta(days=30)
    life.run(lambda c: applications.void(c, "TX-V2", 2025, "permit_cancelled", life.today))
    voided = _verify(client, reader, second["statement"])["current"]
    assert voided["status"] == "voided" and voided["voided_on"] == life.today.isoformat()
    life.published("TX-V3")
    life.today = dt.date(2026, 1, 2)
    assert _verify(client, reader, _statement(client, reader, "TX-V3")["statement"])["current"]["status"] == "expired"


def test_the_public_page_verifies_a_pasted_statement_and_the_qr_address(life: Life, seeded: Any, reader: Any) -> None:
    client = seeded.test_client()
    life.published("TX-V4")
    stated = _statement(client, reader, "TX-V4")
    page = client.get(stated["verify_url"].removeprefix("http://localhost"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert 'data-signature="valid"' in html and 'data-status="valid"' in html and "签名有效" in html
    assert "TX-V4" in html and "省级共性指标" in html
    pasted = client.post("/verify", data={"statement": stated["statement"][:40] + "\n" + stated["statement"][40:]})
    assert pasted.status_code == 200 and 'data-signature="valid"' in pasted.get_data(as_text=True)
    tampered = client.post("/verify", data={"statement": _tampered(stated["statement"])}).get_data(as_text=True)
    assert 'data-signature="invalid"' in tampered and "签名与内容不符" in tampered
    assert client.post("/verify", data={"statement": "x" * 9000}).status_code == 422
    assert client.post("/verify", data={}).status_code == 422
    assert client.get("/verify").status_code == 200


def test_the_jwks_serves_the_public_key_only(seeded: Any) -> None:
    answer = seeded.test_client().get("/.well-known/jwks.json")
    assert answer.status_code == 200 and answer.mimetype == "application/jwk-set+json"
    [key] = answer.json["keys"]
    assert set(key) == {"kty", "crv", "x", "kid", "alg", "use", "status", "created_at"}
    assert (key["kty"], key["crv"], key["alg"], key["use"], key["status"]) == (
        "OKP",
        "Ed25519",
        "EdDSA",
        "sig",
        "active",
    )


def test_a_valid_signature_over_a_result_the_service_does_not_have_says_unknown(seeded: Any, db: Any) -> None:
    from jifen.statements import status
    from jifen.statements.signing import sign, signer_for

    keys = signer_for(seeded).keys
    kid, key = keys.active()
    claims = {"iss": "cn-zj-tongxiang", "sub": "TX-NONE", "year": 2025, "score_id": "0" * 36, "kid": kid,
              "valid_until": "2025-12-31"}  # fmt: skip
    with db.transaction() as s:
        checked = status.check(s, sign(claims, kid, key), keys, "cn-zj-tongxiang", PUBLISHED)
    assert checked["signature"]["valid"] is True and checked["status"]["status"] == "unknown"
