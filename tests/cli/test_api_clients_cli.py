"""``flask api-clients list`` and ``rotate``, and what ``create`` says of a name already taken or revoked."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from jifen.access import api_clients
from jifen.store.models import AuditEntry

BODY = {"application_ref": "TX-2026-000901", "year": 2026, "dry_run": True,
        "facts": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01"}}  # fmt: skip


def _status(app: Any, key: str) -> int:
    api_clients._cache.clear()
    response = app.test_client().post("/api/v1/scores", json=BODY, headers={"Authorization": f"Bearer {key}"})
    return int(response.status_code)


def test_rotate_gives_a_new_key_and_ends_the_old_one(runner: Any, seeded: Any, db: Any) -> None:
    old = runner.invoke(args=["api-clients", "create", "intake-x", "--scope", "score,read"]).stdout.strip()
    assert _status(seeded, old) == 200
    rotated = runner.invoke(args=["api-clients", "rotate", "intake-x"])
    assert rotated.exit_code == 0, rotated.output
    new = rotated.stdout.strip()
    assert new.startswith("jf_") and new != old
    assert "rotated the key of API client intake-x (scopes: read, score)" in rotated.stderr
    assert _status(seeded, old) == 401 and _status(seeded, new) == 200
    with db.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "rotate"))
        assert entry is not None and entry.object_ref == "intake-x" and entry.actor == "cli"
        assert entry.before["key_prefix"] == old[:10] and entry.after["key_prefix"] == new[:10]
        assert old not in json.dumps([entry.before, entry.after])


def test_create_or_rotate_can_be_run_twice(runner: Any, seeded: Any) -> None:
    args = ["api-clients", "create", "tour", "--scope", "score,read", "--or-rotate"]
    first, second = runner.invoke(args=args), runner.invoke(args=args)
    assert first.exit_code == second.exit_code == 0, (first.output, second.output)
    assert "created API client tour" in first.stderr and "rotated the key" in second.stderr
    assert _status(seeded, first.stdout.strip()) == 401 and _status(seeded, second.stdout.strip()) == 200
    other = runner.invoke(args=["api-clients", "create", "tour", "--scope", "score", "--or-rotate"])
    assert other.exit_code == 1 and "choose another name" in other.output


def test_create_of_a_taken_or_revoked_name_says_what_to_do(runner: Any, seeded: Any) -> None:
    assert runner.invoke(args=["api-clients", "create", "hrss-old"]).exit_code == 0
    taken = runner.invoke(args=["api-clients", "create", "hrss-old"])
    assert taken.exit_code == 1 and "api-clients rotate hrss-old" in taken.output
    assert runner.invoke(args=["api-clients", "revoke", "hrss-old"]).exit_code == 0
    for args in (["create", "hrss-old"], ["create", "hrss-old", "--or-rotate"], ["rotate", "hrss-old"]):
        refused = runner.invoke(args=["api-clients", *args])
        assert refused.exit_code == 1, args
        assert "was revoked on" in refused.output and "another name, e.g. hrss-old-2" in refused.output, args
    assert runner.invoke(args=["api-clients", "rotate", "nobody"]).output.strip().endswith("no API client 'nobody'")


def test_list_shows_clients_never_keys(runner: Any, seeded: Any) -> None:
    empty = runner.invoke(args=["api-clients", "list"])
    assert empty.exit_code == 0 and "no API clients" in empty.output
    key = runner.invoke(args=["api-clients", "create", "police", "--scope", "verify", "--department", "公安局"]).stdout
    runner.invoke(args=["api-clients", "create", "bureau", "--scope", "publish,read"])
    runner.invoke(args=["api-clients", "revoke", "bureau"])
    table = runner.invoke(args=["api-clients", "list"])
    assert table.exit_code == 0 and key.strip() not in table.output and key.strip()[:10] not in table.output
    lines = table.output.splitlines()
    assert lines[0].split() == ["name", "scopes", "department", "created", "revoked"]
    assert lines[1].startswith("bureau ") and "publish,read" in lines[1] and lines[1].count("-") >= 4
    assert lines[2].startswith("police ") and "verify" in lines[2] and "公安局" in lines[2] and lines[2].endswith(" -")
    rows = json.loads(runner.invoke(args=["api-clients", "list", "--json"]).output)
    assert [r["name"] for r in rows] == ["bureau", "police"]
    assert set(rows[0]) == {"name", "scopes", "department", "created", "created_by", "revoked"}
    assert rows[0]["revoked"] is not None and rows[1]["revoked"] is None and rows[1]["department"] == "公安局"


def test_the_console_is_told_the_same_in_chinese(seeded: Any, db: Any) -> None:
    from jifen.errors import ServiceError
    from jifen.messages import chinese

    with db.transaction() as s:
        api_clients.create_client(s, "window-1", ["apply"], "admin")
        api_clients.revoke_client(s, "window-1", "admin")
    for attempt in (lambda s: api_clients.create_client(s, "window-1", ["apply"], "admin"),
                    lambda s: api_clients.rotate_client(s, "window-1", "admin")):  # fmt: skip
        try:
            with db.transaction() as s:
                attempt(s)
        except ServiceError as exc:
            assert "接口客户端“window-1”已于" in chinese(exc) and "“window-1-2”" in chinese(exc)
        else:
            raise AssertionError("a revoked client was given a key")


def test_a_rotation_reads_in_chinese_in_the_audit_log() -> None:
    from admin.audit_text import ACTION_NAMES, changes

    assert ACTION_NAMES["rotate"] == "更换密钥"
    assert changes({"key_prefix": "jf_aaaaaaa"}, {"key_prefix": "jf_bbbbbbb"}, "api_client") == [
        ("密钥前缀", "jf_aaaaaaa", "jf_bbbbbbb")
    ]
