"""Signing keys: created 0600, rotated (the new key signs, the old one's statements still verify, the JWKS keeps it
marked retired), retired (publication refused until a key is created), listed; every change audited."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from jifen import applications
from jifen.errors import CodedError
from jifen.statements.signing import signer_for
from jifen.statements.verify import verify_signature
from jifen.store.models import AuditEntry, StatementRow
from tests.conftest import PASSWORD
from tests.statements.conftest import PUBLISHED, Life


@pytest.fixture
def own_keys(seeded: Any, tmp_path: Path) -> Path:
    """This test's own key directory (the session's shared one stays as it is)."""
    directory = tmp_path / "keys"
    seeded.config["SIGNING_KEY_DIR"] = str(directory)
    seeded.extensions.pop("jifen.signer", None)
    return directory


def _kid(runner: Any, *args: str) -> str:
    result = runner.invoke(args=["keys", *args])
    assert result.exit_code == 0, result.output
    return str(result.stdout.strip().splitlines()[-1])


def test_create_rotate_retire_and_list(seeded: Any, own_keys: Path, life: Life, db: Any) -> None:
    runner = seeded.test_cli_runner()
    assert "no signing keys" in runner.invoke(args=["keys", "list"]).output
    first = _kid(runner, "create")
    assert stat.S_IMODE((own_keys / f"{first}.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE(own_keys.stat().st_mode) == 0o700
    again = runner.invoke(args=["keys", "create"])
    assert again.exit_code == 1 and f"signing key {first} is active already" in again.output
    assert runner.invoke(args=["keys", "create", "--if-missing"]).exit_code == 0
    life.published("TX-K1")
    second = _kid(runner, "rotate")
    assert second != first
    life.published("TX-K2")
    with db.transaction() as s:
        rows = {r.kid: r.jws for r in s.scalars(select(StatementRow))}
    assert set(rows) == {first, second}
    jwks = seeded.test_client().get("/.well-known/jwks.json").json
    assert [(k["kid"], k["status"]) for k in jwks["keys"]] == [(second, "active"), (first, "retired")]
    assert "retired_at" in jwks["keys"][1] and all("d" not in k for k in jwks["keys"])
    for kid, token in rows.items():
        assert verify_signature(token, jwks)[1] == kid  # the retired key's statement still verifies
    listed = runner.invoke(args=["keys", "list"]).output
    assert f"{second} (active" in listed and f"{first} (retired" in listed
    assert json.loads(runner.invoke(args=["keys", "list", "--json"]).output) == jwks
    # "--": a key id is base64url and may begin with "-", which click would read as an option (1 key in 64)
    retired = runner.invoke(args=["keys", "retire", "--", second])
    assert retired.exit_code == 0 and "publication is refused" in retired.output
    assert runner.invoke(args=["keys", "retire", "--", second]).exit_code == 1
    assert runner.invoke(args=["keys", "retire", "nope"]).exit_code == 1
    life.scored("TX-K3")
    with pytest.raises(CodedError) as refused:
        life.run(lambda c: applications.publish(c, "TX-K3", 2025, PUBLISHED))
    assert refused.value.code == "no_signing_key"
    third = _kid(runner, "create")
    life.run(lambda c: applications.publish(c, "TX-K3", 2025, PUBLISHED))
    with db.transaction() as s:
        audited = [
            (e.action, e.object_ref)
            for e in s.scalars(
                select(AuditEntry).where(AuditEntry.object_type == "signing_key").order_by(AuditEntry.id)
            )
        ]
    assert audited == [("create_signing_key", first), ("retire_signing_key", first), ("rotate_signing_key", second),
                       ("retire_signing_key", second), ("create_signing_key", third)]  # fmt: skip


def test_a_missing_private_key_file_refuses_publication(seeded: Any, own_keys: Path, life: Life) -> None:
    kid = _kid(seeded.test_cli_runner(), "create")
    (own_keys / f"{kid}.pem").unlink()
    signer_for(seeded).keys._signer = None  # as a new worker would find it
    life.scored("TX-K4")
    with pytest.raises(CodedError) as refused:
        life.run(lambda c: applications.publish(c, "TX-K4", 2025, PUBLISHED))
    assert refused.value.code == "signing_key_file_missing"


def test_the_console_says_in_chinese_why_it_cannot_publish(seeded: Any, own_keys: Path, life: Life) -> None:
    life.scored("TX-K5")
    seeded.config["WTF_CSRF_ENABLED"] = False  # CSRF itself is tested in tests/admin/test_security.py
    client = seeded.test_client()
    client.post("/admin/login", data={"username": "publisher", "password": PASSWORD})
    page = client.post("/admin/applications/publish/2025/TX-K5", data={"published_on": PUBLISHED.isoformat()})
    assert "没有可用的签名密钥" in page.get_data(as_text=True)
    assert life.run(lambda c: applications.find(c.session, "TX-K5", 2025).state) == "scored"
