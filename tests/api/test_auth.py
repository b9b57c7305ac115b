"""API keys and scopes; each stored score records its client."""

from __future__ import annotations

from typing import Any

import pytest

from jifen.access import api_clients

BODY = {
    "application_ref": "A",
    "year": 2026,
    "facts": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01"},
}


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer jf_not-a-real-key", "jf_without_scheme"],
)
def test_missing_or_wrong_key_is_401(client: Any, header: str | None) -> None:
    headers = {"Authorization": header} if header is not None else {}
    response = client.post("/api/v1/scores", json=BODY, headers=headers)
    assert response.status_code == 401 and response.json["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_scopes(client: Any, read_only: dict[str, str], score_only: dict[str, str]) -> None:
    denied = client.post("/api/v1/scores", json=BODY, headers=read_only)
    assert denied.status_code == 403 and "lacks the scope 'score'" in denied.json["message"]
    created = client.post("/api/v1/scores", json=BODY, headers=score_only)
    assert created.status_code == 201 and created.json["client"] == "front-end"
    assert client.get(f"/api/v1/scores/{created.json['id']}", headers=score_only).status_code == 403
    assert client.get(f"/api/v1/scores/{created.json['id']}", headers=read_only).json["client"] == "front-end"
    assert client.get("/api/v1/rulesets", headers=score_only).status_code == 403
    assert client.post("/api/v1/scores/batch", json={"applications": []}, headers=read_only).status_code == 403


def test_revoked_key_stops_working(client: Any, db: Any, headers: dict[str, str]) -> None:
    assert client.get("/api/v1/rulesets", headers=headers).status_code == 200
    with db.transaction() as s:
        api_clients.revoke_client(s, "school-system", "admin")
    assert client.get("/api/v1/rulesets", headers=headers).status_code == 401


def test_keys_are_stored_only_as_hashes(db: Any, seeded: Any) -> None:
    from sqlalchemy import select

    from jifen.store.models import ApiClient

    with db.transaction() as s:
        _client, key = api_clients.create_client(s, "hashing", ["read"], "admin")
    with db.transaction() as s:
        row = s.scalar(select(ApiClient).where(ApiClient.name == "hashing"))
        assert key not in (row.key_hash, row.key_prefix) and row.key_hash != key and key.startswith(row.key_prefix)


def test_open_endpoints_need_no_key(client: Any) -> None:
    for url in ("/healthz", "/api/v1/healthz", "/api/v1/openapi.json", "/api/v1/docs"):
        assert client.get(url).status_code == 200, url


def test_cli_create_and_revoke(runner: Any, seeded: Any, db: Any) -> None:
    created = runner.invoke(args=["api-clients", "create", "zlxsm", "--scope", "score"])
    assert created.exit_code == 0, created.output
    key = created.stdout.strip()
    assert key.startswith("jf_") and "created API client zlxsm (scopes: score)" in created.stderr
    client = seeded.test_client()
    assert client.post("/api/v1/scores", json=BODY, headers={"Authorization": f"Bearer {key}"}).status_code == 201
    assert runner.invoke(args=["api-clients", "create", "zlxsm"]).exit_code == 1
    bad_scope = runner.invoke(args=["api-clients", "create", "other", "--scope", "score,admin"])
    assert bad_scope.exit_code == 1 and "unknown scope(s): admin" in bad_scope.output
    revoked = runner.invoke(args=["api-clients", "revoke", "zlxsm"])
    assert revoked.exit_code == 0
    api_clients._cache.clear()
    assert client.post("/api/v1/scores", json=BODY, headers={"Authorization": f"Bearer {key}"}).status_code == 401
    again = runner.invoke(args=["api-clients", "revoke", "zlxsm"])
    assert again.exit_code == 1 and "already revoked" in again.output
