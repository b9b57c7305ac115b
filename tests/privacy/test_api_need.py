"""Need to know through the API: every key of every scope on every answer that holds facts — what it sees, what it
is told about what it does not see, and the access log's entry for every answer that showed a fact."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from jifen.store.access_log import FactsAccess
from tests.privacy.conftest import DONE, Life

APPLICATION, HISTORY = f"/applications/{DONE}/2025", f"/applications/{DONE}/2025/history"
# key → (what it sees of the application's facts, the Jifen-Facts header)
SIGHT = {
    "read": (set(), "withheld"),
    "read_facts": ({"birth_date", "education", "detentions", "insurance_months"}, None),
    "apply": ({"birth_date", "education", "detentions", "insurance_months"}, None),
    "publish": (set(), "withheld"),
    "verify_police": ({"birth_date", "detentions"}, "department"),
    "verify_education": ({"education"}, "department"),
}
NOT_SEEN = {"birth_date", "education", "detentions", "insurance_months"}


def _facts_shown(answer: Any) -> set[str]:
    """Every fact whose value appears anywhere in an answer (claims, results, stored facts, events)."""
    shown: set[str] = set()

    def walk(obj: Any, key: str | None) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                if k in ("score", "provisional"):
                    continue  # results, not facts
                if k in NOT_SEEN and v is not None and not isinstance(v, dict):
                    shown.add(k)
                if k in NOT_SEEN and isinstance(v, dict) and any(v.get(x) is not None for x in ("claimed", "verified")):
                    shown.add(k)
                walk(v, k)
        elif isinstance(obj, list):
            for item in obj:
                walk(item, key)

    walk(answer, None)
    return shown


def _log(life: Life) -> list[FactsAccess]:
    from jifen.store.db import get_db

    with get_db(life.app).transaction() as s:
        return list(s.scalars(select(FactsAccess).order_by(FactsAccess.id)))


@pytest.mark.parametrize("who", list(SIGHT))
def test_each_key_sees_what_it_needs_on_every_answer_and_each_reading_is_logged(life: Life, who: str) -> None:
    seen, header = SIGHT[who]
    for path in (APPLICATION, HISTORY):
        response = life.get(who, path)
        assert response.status_code == 200, response.json
        assert _facts_shown(response.json) == seen, path
        assert response.headers.get("Jifen-Facts") == header
    name = who.replace("_", "-")
    entries = [e for e in _log(life) if e.actor == name]  # the setup's verifications were answered (and logged) too
    if seen:
        extent = "own" if header == "department" else "full"
        assert [(e.channel, e.application_ref, e.year, e.extent) for e in entries] == [
            ("api_application", DONE, 2025, extent), ("api_history", DONE, 2025, extent)
        ]  # fmt: skip
    else:
        assert entries == []  # nothing shown, nothing to log


def test_a_stored_score_shows_its_facts_only_with_the_facts_scope(life: Life) -> None:
    path = f"/scores/{life.score_id}"
    plain = life.get("read", path)
    assert plain.status_code == 200 and plain.json["facts"] is None and plain.headers["Jifen-Facts"] == "withheld"
    assert plain.json["total"] == life.get("read_facts", path).json["total"]  # the result stays
    full = life.get("read_facts", path)
    assert full.json["facts"]["birth_date"] == "1988-02-03" and full.json["facts"]["detentions"] == 2
    assert "Jifen-Facts" not in full.headers
    assert [(e.channel, e.score_id, e.extent) for e in _log(life) if e.actor == "read-facts"] == [
        ("api_score", life.score_id, "full")
    ] * 2  # one entry per answer


def test_a_verify_key_after_its_verification_is_answered_with_its_own_facts_only(life: Life) -> None:
    from tests.privacy.conftest import OPEN

    body = {"department": "教育局", "facts": {"education": "bachelor"}}
    client = life.app.test_client()
    response = client.post(f"/api/v1/applications/{OPEN}/2025/verifications", json=body,
                           headers=life.departments["教育局"])  # fmt: skip
    assert response.status_code == 200, response.json
    assert _facts_shown(response.json) == {"education"} and response.headers["Jifen-Facts"] == "department"


def test_existing_read_keys_keep_working_and_the_scope_is_documented(life: Life) -> None:
    spec = life.app.test_client().get("/api/v1/openapi.json").json
    documented = {path for path, item in spec["paths"].items()
                  if "Jifen-Facts" in item.get("get", {}).get("responses", {}).get("200", {}).get("headers", {})}  # fmt: skip
    assert {p.rsplit("/api/v1", 1)[-1] for p in documented} == {
        "/scores/{score_id}", "/applications/{application_ref}/{year}", "/applications/{application_ref}/{year}/history",
        "/tasks", "/events",  # the claims of the tasks listed, the facts in the events' changes
    }  # fmt: skip
    assert life.get("read", "/scores?application_ref=" + DONE).status_code == 200
