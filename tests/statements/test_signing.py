"""A statement is signed at every publication and republication, kept with the score, and verifies."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sqlalchemy import select

from jifen import applications
from jifen.errors import CodedError
from jifen.statements import status
from jifen.statements.keys import KeyStore
from jifen.statements.signing import signer_for
from jifen.statements.verify import verify_signature
from jifen.store.models import Application, StatementRow
from tests.statements.conftest import PUBLISHED, Life


def _statements(db: Any, ref: str) -> list[StatementRow]:
    with db.transaction() as s:
        app_id = s.scalar(select(Application.id).where(Application.application_ref == ref))
        return list(s.scalars(select(StatementRow).where(StatementRow.application_id == app_id)))


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def test_publication_signs_the_score_with_the_agreed_claims(life: Life, db: Any, seeded: Any) -> None:
    life.published("TX-S1")
    [row] = _statements(db, "TX-S1")
    jwks = signer_for(seeded).keys.jwks()
    claims, kid = verify_signature(row.jws, jwks)
    assert kid == row.kid == jwks["keys"][0]["kid"] and claims == _payload(row.jws)
    assert list(claims) == ["iss", "sub", "year", "score_id", "version", "total", "categories", "provincial",
                            "valid_until", "published_on", "iat", "kid"]  # fmt: skip
    assert claims["iss"] == "cn-zj-tongxiang" and claims["sub"] == "TX-S1" and claims["year"] == 2025
    assert claims["score_id"] == row.score_id and claims["version"]["ref"] == "tongxiang/2025/1"
    assert claims["published_on"] == PUBLISHED.isoformat() and claims["valid_until"] == "2025-12-31"
    assert claims["total"] == sum(v for k, v in claims["categories"].items() if k != "deduction") - claims[
        "categories"
    ].get("deduction", 0)
    provincial = claims["provincial"]
    assert provincial["points"] == claims["categories"]["provincial"] == sum(provincial["indicators"].values())
    assert provincial["hash"].startswith("sha256:") and len(provincial["hash"]) == 71


def test_a_re_review_is_republished_with_a_new_statement(life: Life, db: Any, seeded: Any) -> None:
    life.published("TX-S2")
    life.re_reviewed("TX-S2", 60)
    first, second = _statements(db, "TX-S2")
    assert first.score_id != second.score_id
    with db.transaction() as s:
        now = status.current_status(s, _payload(first.jws), "cn-zj-tongxiang", PUBLISHED)
        assert now["status"] == "superseded" and now["superseded_by"]["statement"] == second.jws
        assert status.current_status(s, _payload(second.jws), "cn-zj-tongxiang", PUBLISHED)["status"] == "valid"


def test_publication_without_a_key_is_refused_and_nothing_changes(life: Life, db: Any, tmp_path: Any) -> None:
    life.scored("TX-S3")
    for signer in (None, type(signer_for(life.app))("cn-zj-tongxiang", KeyStore(tmp_path / "empty"))):
        with pytest.raises(CodedError) as refused:
            life.run(lambda c: applications.publish(c, "TX-S3", 2025, PUBLISHED), signer=signer)
        assert refused.value.code == "no_signing_key" and refused.value.status == 409
        assert refused.value.said.text("zh").startswith("没有可用的签名密钥")  # type: ignore[attr-defined]
    assert _statements(db, "TX-S3") == []
    with db.transaction() as s:
        assert s.scalar(select(Application.state).where(Application.application_ref == "TX-S3")) == "scored"
