"""Trusted issuers: kept by the command line and the console (publishers edit, auditors read), only public Ed25519
keys, every change audited."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from jifen.statements import issuers
from jifen.store.db import get_db
from jifen.store.models import AuditEntry
from tests.admin.conftest import Console


def jwk(kid: str = "k1", **extra: Any) -> dict[str, Any]:
    x = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig", **extra}


def jwks_text(*keys: dict[str, Any]) -> str:
    return json.dumps({"keys": list(keys) or [jwk()]})


@pytest.fixture
def jwks_file(tmp_path: Path) -> Path:
    path = tmp_path / "hangzhou-jwks.json"
    path.write_text(jwks_text(jwk("hz-1"), jwk("hz-0", status="retired")), encoding="utf-8")
    return path


def _audit(session: Any) -> list[tuple[str, str, str]]:
    rows = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "trusted_issuer").order_by(AuditEntry.id))
    return [(e.actor, e.action, e.object_ref) for e in rows]


def test_the_command_line_adds_updates_lists_and_removes_issuers(runner: Any, db: Any, jwks_file: Path,
                                                                 tmp_path: Path) -> None:  # fmt: skip
    added = runner.invoke(args=["issuers", "add", "--issuer", "cn-zj-hangzhou", "--jwks", str(jwks_file),
                                "--name", "杭州市"])  # fmt: skip
    assert added.exit_code == 0, added.output
    assert added.output.strip() == "trusted issuer cn-zj-hangzhou: keys hz-1, hz-0 (retired)"
    again = runner.invoke(args=["issuers", "add", "--issuer", "cn-zj-hangzhou", "--jwks", str(jwks_file)])
    assert again.exit_code == 1 and "is trusted already" in again.output
    rotated = tmp_path / "rotated.json"
    rotated.write_text(jwks_text(jwk("hz-2"), jwk("hz-1", status="retired")), encoding="utf-8")
    updated = runner.invoke(args=["issuers", "update", "--issuer", "cn-zj-hangzhou", "--jwks", str(rotated)])
    assert updated.exit_code == 0 and "keys hz-2, hz-1 (retired)" in updated.output
    listed = runner.invoke(args=["issuers", "list", "--json"])
    [row] = json.loads(listed.output)
    assert row["issuer"] == "cn-zj-hangzhou" and row["name"] == "杭州市" and row["updated_by"] == "cli"
    assert [k["kid"] for k in row["keys"]] == ["hz-2", "hz-1"]
    assert "cn-zj-hangzhou" in runner.invoke(args=["issuers", "list"]).output
    removed = runner.invoke(args=["issuers", "remove", "--issuer", "cn-zj-hangzhou"])
    assert removed.exit_code == 0 and "no trusted issuers" in runner.invoke(args=["issuers", "list"]).output
    missing = runner.invoke(args=["issuers", "remove", "--issuer", "cn-zj-hangzhou"])
    assert missing.exit_code == 1 and "no trusted issuer 'cn-zj-hangzhou'" in missing.output
    with db.factory() as session:
        assert _audit(session) == [("cli", "create", "cn-zj-hangzhou"), ("cli", "edit", "cn-zj-hangzhou"),
                                   ("cli", "delete", "cn-zj-hangzhou")]  # fmt: skip
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "edit")).one()
        assert [k["kid"] for k in entry.before["keys"]] == ["hz-1", "hz-0"]
        assert entry.after["keys"] == [{"kid": "hz-2"}, {"kid": "hz-1", "status": "retired"}]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("not json", "the file is not JSON"),
        ('{"keys": []}', 'non-empty list "keys"'),
        (jwks_text(jwk(d="secret")), "private key material"),
        (jwks_text({**jwk(), "crv": "P-256", "kty": "EC"}), "not an Ed25519 key"),
        (jwks_text({**jwk(), "kid": ""}), "no key id"),
        (jwks_text({**jwk(), "x": "short"}), "no 32-byte public key"),
        (jwks_text(jwk("a"), jwk("a")), "the same key id"),
    ],
    ids=["not-json", "no-keys", "private", "not-ed25519", "no-kid", "bad-x", "duplicate-kid"],
)
def test_only_a_jwks_of_public_ed25519_keys_is_kept(text: str, why: str) -> None:
    with pytest.raises(issuers.Refused) as refused:
        issuers.read_jwks(text)
    assert refused.value.reasons and why in refused.value.reasons[0]
    assert str(refused.value).startswith("not a usable JWKS")


@pytest.mark.parametrize("issuer", ["", "x", "cn zj", "杭州", "a" * 101])
def test_an_issuer_id_is_visible_ascii_without_spaces(runner: Any, db: Any, jwks_file: Path,
                                                             issuer: str) -> None:  # fmt: skip
    result = runner.invoke(args=["issuers", "add", "--issuer", issuer, "--jwks", str(jwks_file)])
    assert result.exit_code == 1 and "invalid issuer id" in result.output


def test_publishers_keep_the_list_in_the_console_and_auditors_read_it(seeded: Any, jwks_file: Path) -> None:
    seeded.config["WTF_CSRF_ENABLED"] = False
    console = Console(seeded)
    console.login("publisher")
    page = console.get("/admin/issuers/").get_data(as_text=True)
    assert "尚未添加信任的签发方" in page and 'id="issuer-form"' in page
    refused = console.post("/admin/issuers/add", {"issuer": "cn-zj-hangzhou", "jwks": jwks_text(jwk(d="x"))})
    assert refused.status_code == 200
    assert "不是可用的公钥集（JWKS）：第1个公钥含有私钥内容" in refused.get_data(as_text=True)
    uploaded = console.post(
        "/admin/issuers/add",
        {"issuer": "cn-zj-hangzhou", "name": "杭州市", "jwks_file": (jwks_file.open("rb"), "jwks.json")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    listed = console.get("/admin/issuers/").get_data(as_text=True)
    assert "已添加签发方 cn-zj-hangzhou（2个公钥）。" in listed and "<code>hz-1</code>" in listed
    renamed = console.post("/admin/issuers/cn-zj-hangzhou", {"name": "杭州", "jwks": jwks_text(jwk("hz-9"))})
    assert renamed.status_code == 302
    assert "<code>hz-9</code>" in console.get("/admin/issuers/cn-zj-hangzhou").get_data(as_text=True)
    console.login("auditor")
    read = console.get("/admin/issuers/cn-zj-hangzhou").get_data(as_text=True)
    assert "hz-9" in read and 'id="update-form"' not in read and 'id="remove-form"' not in read
    assert console.post("/admin/issuers/cn-zj-hangzhou/remove").status_code == 403
    console.login("editor")
    assert console.get("/admin/issuers/").status_code == 403
    console.login("publisher")
    with get_db(seeded).transaction() as session:
        issuers.add(session, "https://jifen.ningbo.example", jwks_text(jwk("nb-1")), "宁波市", "test")
    assert "nb-1" in console.get("/admin/issuers/https://jifen.ningbo.example").get_data(as_text=True)
    assert console.post("/admin/issuers/https://jifen.ningbo.example/remove").status_code == 302
    assert console.post("/admin/issuers/cn-zj-hangzhou/remove").status_code == 302
    assert console.get("/admin/issuers/cn-zj-hangzhou").status_code == 404
    with get_db(seeded).factory() as session:
        assert [(a, o) for _, a, o in _audit(session)] == [
            ("create", "cn-zj-hangzhou"), ("edit", "cn-zj-hangzhou"), ("create", "https://jifen.ningbo.example"),
            ("delete", "https://jifen.ningbo.example"), ("delete", "cn-zj-hangzhou")]  # fmt: skip


def test_an_issuer_id_may_be_a_url_as_another_city_configures_it(db: Any) -> None:
    with db.transaction() as s:
        added = issuers.add(s, "https://jifen.hangzhou.example", jwks_text(), "", "test")
    with db.factory() as s:
        assert issuers.find(s, "https://jifen.hangzhou.example") == added
