"""One application through its whole verification (stored score included) and one still being verified, with a key
of every kind and a console user of every role, for the personal-data tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from jifen.access import api_clients
from jifen.store.models import Application, User
from tests.admin.conftest import Console
from tests.api.test_applications import APPLICANT, CONFIRMED, DEPARTMENTS
from tests.conftest import PASSWORD

DONE, OPEN = "TX-P-1", "TX-P-2"
# the keys of the matrix: name → (scopes, department)
KEYS = {
    "read": (["read"], None),
    "read_facts": (["read", "facts"], None),
    "apply": (["apply"], None),
    "publish": (["publish"], None),
    "verify_police": (["verify"], "公安局"),
    "verify_education": (["verify"], "教育局"),
}


@dataclass
class Life:
    app: Any
    keys: dict[str, dict[str, str]]
    score_id: str
    departments: dict[str, dict[str, str]] = field(default_factory=dict)

    def get(self, who: str, path: str) -> Any:
        return self.app.test_client().get(f"/api/v1{path}", headers=self.keys[who])

    def console(self, username: str) -> Console:
        console = Console(self.app)
        response = console.login(username, PASSWORD)
        assert response.status_code == 302, response.data
        return console


def _key(db: Any, name: str, scopes: list[str], department: str | None) -> dict[str, str]:
    with db.transaction() as s:
        return {"Authorization": f"Bearer {api_clients.create_client(s, name, scopes, 'test', department)[1]}"}


@pytest.fixture
def life(seeded: Any, db: Any, _password_hash: str) -> Life:
    seeded.config["TODAY"] = lambda: dt.date(2025, 10, 20)
    seeded.config["WTF_CSRF_ENABLED"] = False
    keys = {name: _key(db, name.replace("_", "-"), scopes, unit) for name, (scopes, unit) in KEYS.items()}
    units = {unit: _key(db, f"dept-{n}", ["verify"], unit) for n, unit in enumerate(DEPARTMENTS)}
    with db.transaction() as s:
        s.add(User(username="police", role="department", password_hash=_password_hash, department="公安局"))
        s.add(User(username="school", role="department", password_hash=_password_hash, department="教育局"))
    client = seeded.test_client()
    for ref in (DONE, OPEN):
        body = {"application_ref": ref, "year": 2025, "received_on": "2025-03-03", "channel": "window",
                "facts": {**APPLICANT, "birth_date": "1988-02-03"}}  # fmt: skip
        assert client.post("/api/v1/applications", json=body, headers=keys["apply"]).status_code == 201
    for unit in DEPARTMENTS:
        found = {**CONFIRMED[unit], **({"birth_date": "1988-02-03", "detentions": 2} if unit == "公安局" else {})}
        body = {"department": unit, "facts": found}
        response = client.post(f"/api/v1/applications/{DONE}/2025/verifications", json=body, headers=units[unit])
        assert response.status_code == 200, response.json
    with db.transaction() as s:
        score_id = s.scalar(select(Application.score_id).where(Application.application_ref == DONE))
    return Life(seeded, keys, score_id, units)
