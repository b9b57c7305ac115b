"""Two cities side by side (two gunicorn servers, two instance folders, two keys, two issuer ids, on SQLite): city
A publishes a result, its statement goes to city B, which trusts A's JWKS and recognises A's provincial points."""

from __future__ import annotations

import contextlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from jifen.access import api_clients
from jifen.statements import issuers
from jifen.statements.keys import KeyStore
from jifen.store.db import Database
from jifen.store.migrate import upgrade
from tests.conftest import PASSWORD, RULESETS, seed
from tests.servers import call, gunicorn

DAY = "2026-06-01"
APPLICANT = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "education": "bachelor",
             "insurance_months": 36, "residence_months": 24, "local_insurance_months": 24}  # fmt: skip


class City:
    """One city's service: its database, instance folder, signing key, issuer id and API keys."""

    def __init__(self, root: Path, issuer: str, template: Path) -> None:
        self.root, self.issuer = root, issuer
        root.mkdir()
        self.database = root / "jifen.db"
        shutil.copyfile(template, self.database)
        self.keys_dir = root / "signing-keys"
        KeyStore(self.keys_dir).create()
        self.db = Database(f"sqlite:///{self.database}")
        self.keys: dict[str, dict[str, str]] = {}
        with self.db.transaction() as s:
            for name, scopes in (("intake", ["apply", "read"]), ("bureau", ["publish", "read"])):
                self.keys[name] = _bearer(api_clients.create_client(s, name, scopes, "test")[1])

    def env(self) -> dict[str, str]:
        return {"DATABASE_URL": f"sqlite:///{self.database}", "JIFEN_INSTANCE_DIR": str(self.root / "instance"),
                "JIFEN_SIGNING_KEY_DIR": str(self.keys_dir), "JIFEN_ISSUER": self.issuer, "JIFEN_TODAY": DAY}  # fmt: skip

    def department(self, name: str) -> dict[str, str]:
        if name not in self.keys:
            with self.db.transaction() as s:
                client = f"dept-{len(self.keys)}"
                self.keys[name] = _bearer(api_clients.create_client(s, client, ["verify"], "test", name)[1])
        return self.keys[name]


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with the sample standards and one user per role, for both cities to copy."""
    from werkzeug.security import generate_password_hash

    path = tmp_path_factory.mktemp("cities") / "template.db"
    upgrade(f"sqlite:///{path}")
    database = Database(f"sqlite:///{path}")
    seed(database, generate_password_hash(PASSWORD, method="scrypt:1024:8:1"))
    database.engine.dispose()
    assert any(RULESETS.glob("*.yaml"))
    return path


@contextlib.contextmanager
def _both(a: City, b: City) -> Iterator[tuple[str, str]]:
    with gunicorn(a.env(), threads=2) as base_a, gunicorn(b.env(), threads=2) as base_b:
        yield base_a, base_b


def _receive(base: str, city: City, ref: str, statement: str | None = None) -> Any:
    body: dict[str, Any] = {"application_ref": ref, "year": 2026, "received_on": DAY, "channel": "online",
                            "facts": APPLICANT}  # fmt: skip
    if statement is not None:
        body["recognised_statement"] = statement
    return call(base, "POST", "/api/v1/applications", body, city.keys["intake"])


def _verify_all(base: str, city: City, ref: str, tasks: list[dict[str, Any]]) -> Any:
    """Each department confirms its task's claims as claimed (not proven where nothing was claimed)."""
    reply = None
    for task in tasks:
        body = {"department": task["department"], "facts": task["claims"], "note": "核查一致"}
        reply = call(base, "POST", f"/api/v1/applications/{ref}/2026/verifications", body,
                     city.department(task["department"]))  # fmt: skip
        assert reply.status == 200, reply.body
    return reply


def test_city_b_recognises_the_provincial_points_of_city_as_statement(template: Path, tmp_path: Path) -> None:
    a = City(tmp_path / "a", "cn-zj-city-a", template)
    b = City(tmp_path / "b", "cn-zj-tongxiang", template)
    with _both(a, b) as (base_a, base_b):
        # city A: receipt, verification, publication, and the signed statement
        received = _receive(base_a, a, "A-2026-000001")
        assert received.status == 201, received.body
        _verify_all(base_a, a, "A-2026-000001", received.json()["tasks"])
        published = call(base_a, "POST", "/api/v1/applications/A-2026-000001/2026/publish", {"published_on": DAY},
                         a.keys["bureau"])  # fmt: skip
        assert published.status == 200, published.body
        statement = call(base_a, "GET", "/api/v1/applications/A-2026-000001/2026/statement", None, a.keys["intake"])
        assert statement.status == 200, statement.body
        token, claims = statement.json()["statement"], statement.json()["claims"]
        assert claims["iss"] == "cn-zj-city-a"
        # city B does not know A yet: refused, nothing stored
        untrusted = _receive(base_b, b, "TX-2026-000900", token)
        assert untrusted.status == 422 and untrusted.json()["code"] == "untrusted_issuer"
        # the bureau of B trusts A's published keys
        jwks = call(base_a, "GET", "/.well-known/jwks.json")
        assert jwks.status == 200
        with b.db.transaction() as s:
            issuers.add(s, a.issuer, jwks.body, "A市", "test")
        recognised = _receive(base_b, b, "TX-2026-000900", token)
        assert recognised.status == 201, recognised.body
        receipt = recognised.json()
        assert (
            receipt["recognition"]["issuer"] == "cn-zj-city-a"
            and receipt["recognition"]["score_id"] == claims["score_id"]
        )
        assert {t["department"] for t in receipt["tasks"]}.isdisjoint({"教育局"})
        _verify_all(base_b, b, "TX-2026-000900", receipt["tasks"])
        scored = call(base_b, "GET", "/api/v1/applications/TX-2026-000900/2026", None, b.keys["intake"]).json()
        score = scored["score"]
        provincial = next(c for c in score["categories"] if c["code"] == "provincial")
        assert provincial["points"] == claims["provincial"]["points"] == claims["categories"]["provincial"]
        p1 = next(i for i in score["indicators"] if i["code"] == "P1")
        assert p1["items"][0]["code"] == "P1-recognised" and "cn-zj-city-a" in p1["items"][0]["label"]
        again = call(base_b, "POST", f"/api/v1/scores/{quote(score['id'])}/verify", None, b.keys["intake"])
        assert again.status == 200 and again.json()["reproduced"] is True, again.body
    a.db.engine.dispose()
    b.db.engine.dispose()
    assert json.loads(jwks.body)["keys"]
