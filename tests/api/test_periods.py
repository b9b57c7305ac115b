"""GET /api/v1/application-periods, and the rule it publishes: once a year has periods, a receipt outside them is
refused with 422 outside_application_period; supplements and objections never are."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jifen.access import api_clients
from jifen.applications import periods
from tests.api.test_applications import APPLICANT, CONFIRMED, DEPARTMENTS, Clock
from tests.conftest import race

D = dt.date


def _key(db: Any, name: str, scopes: list[str], department: str | None = None) -> dict[str, str]:
    with db.transaction() as s:
        return {"Authorization": f"Bearer {api_clients.create_client(s, name, scopes, 'test', department)[1]}"}


def _add(db: Any, year: int, first: dt.date, last: dt.date, note: str = "") -> periods.Period:
    with db.transaction() as s:
        return periods.add(s, year, first, last, note, "publisher")


@pytest.fixture
def keys(db: Any, seeded: Any) -> dict[str, dict[str, str]]:
    made = {"intake": _key(db, "intake", ["apply"]), "bureau": _key(db, "bureau", ["publish"]),
            "reader": _key(db, "reader", ["read"]), "scorer": _key(db, "scorer", ["score"])}  # fmt: skip
    for n, department in enumerate(DEPARTMENTS):
        made[department] = _key(db, f"dept-{n}", ["verify"], department)
    return made


@pytest.fixture
def clock(seeded: Any) -> Clock:
    clock = Clock(D(2025, 10, 20))
    seeded.config["TODAY"] = clock
    return clock


def test_the_periods_are_listed_by_year(seeded: Any, db: Any, keys: dict[str, dict[str, str]]) -> None:
    client = seeded.test_client()
    empty = client.get("/api/v1/application-periods", headers=keys["reader"])
    assert empty.status_code == 200 and empty.json == {"items": []}
    autumn = _add(db, 2026, D(2026, 9, 1), D(2026, 9, 30))
    spring = _add(db, 2026, D(2026, 3, 1), D(2026, 3, 31), "春季受理")
    last_year = _add(db, 2025, D(2025, 3, 1), D(2025, 3, 15))
    every = client.get("/api/v1/application-periods", headers=keys["reader"])
    assert [p["id"] for p in every.json["items"]] == [last_year.id, spring.id, autumn.id]
    only = client.get("/api/v1/application-periods?year=2026", headers=keys["reader"])
    assert only.json["items"] == [
        {"id": spring.id, "year": 2026, "starts_on": "2026-03-01", "ends_on": "2026-03-31", "note": "春季受理"},
        {"id": autumn.id, "year": 2026, "starts_on": "2026-09-01", "ends_on": "2026-09-30", "note": ""},
    ]
    assert client.get("/api/v1/application-periods?year=2030", headers=keys["reader"]).json == {"items": []}
    # conditional: the ETag holds until a period is added or removed
    etag = only.headers["ETag"]
    again = client.get("/api/v1/application-periods?year=2026", headers={**keys["reader"], "If-None-Match": etag})
    assert again.status_code == 304
    with db.transaction() as s:
        periods.remove(s, autumn.id, "admin")
    changed = client.get("/api/v1/application-periods?year=2026", headers={**keys["reader"], "If-None-Match": etag})
    assert changed.status_code == 200 and len(changed.json["items"]) == 1


@pytest.mark.parametrize("query", ["year=1999", "year=abc", "year=2026&x=1"])
def test_a_wrong_query_is_invalid_fields(seeded: Any, keys: dict[str, dict[str, str]], query: str) -> None:
    answer = seeded.test_client().get(f"/api/v1/application-periods?{query}", headers=keys["reader"])
    assert answer.status_code == 422 and answer.json["code"] == "invalid_fields"


def test_reading_the_periods_needs_the_scope_read(seeded: Any, keys: dict[str, dict[str, str]]) -> None:
    client = seeded.test_client()
    assert client.get("/api/v1/application-periods").status_code == 401
    refused = client.get("/api/v1/application-periods", headers=keys["scorer"])
    assert refused.status_code == 403 and refused.json["code"] == "forbidden"


def test_the_document_describes_the_operation(seeded: Any) -> None:
    spec = seeded.test_client().get("/api/v1/openapi.json").json
    operation = spec["paths"]["/api/v1/application-periods"]["get"]
    assert operation["operationId"] == "listApplicationPeriods" and operation["tags"] == ["periods"]
    assert "`read`" in operation["description"]
    assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == ["year"]
    answer = operation["responses"]["200"]["content"]["application/json"]
    assert answer["example"]["items"][0]["starts_on"] == "2026-03-01"
    period = spec["components"]["schemas"]["Period"]
    assert sorted(period["required"]) == ["ends_on", "id", "note", "starts_on", "year"]
    assert period["properties"]["starts_on"] == {
        "type": "string",
        "format": "date",
        "description": "Its first day (included)",
    }
    assert "outside_application_period" in spec["components"]["schemas"]["ProblemCode"]["enum"]
    receive = spec["paths"]["/api/v1/applications"]["post"]
    assert "outside_application_period" in receive["responses"]["422"]["description"]


def _receive(client: Any, keys: dict[str, dict[str, str]], ref: str, received_on: str) -> Any:
    body = {"application_ref": ref, "year": 2025, "received_on": received_on, "channel": "window", "facts": APPLICANT}
    return client.post("/api/v1/applications", json=body, headers=keys["intake"])


def test_a_receipt_outside_the_periods_of_its_year_is_refused(
    seeded: Any, db: Any, keys: dict[str, dict[str, str]], clock: Clock
) -> None:
    client = seeded.test_client()
    assert _receive(client, keys, "TX-P0", "2025-06-02").status_code == 201  # no period published yet
    _add(db, 2025, D(2025, 3, 1), D(2025, 3, 31))
    _add(db, 2025, D(2025, 10, 1), D(2025, 10, 15), "国庆后受理")
    for ref, day in (("TX-P1", "2025-03-01"), ("TX-P2", "2025-03-31"), ("TX-P3", "2025-10-15")):
        assert _receive(client, keys, ref, day).status_code == 201, day
    refused = _receive(client, keys, "TX-P4", "2025-10-16")
    assert refused.status_code == 422 and refused.json["code"] == "outside_application_period"
    named = "2025-03-01 – 2025-03-31, 2025-10-01 – 2025-10-15"
    assert named in refused.json["detail"] and named in refused.json["errors"]["received_on"][0]
    assert client.get("/api/v1/applications/TX-P4/2025", headers=keys["intake"]).status_code == 404
    # the rule is the year's: an application of another year without periods is not concerned
    clock.today = D(2026, 2, 2)
    body = {"application_ref": "TX-P5", "year": 2026, "received_on": "2026-02-02", "channel": "online",
            "facts": APPLICANT}  # fmt: skip
    assert client.post("/api/v1/applications", json=body, headers=keys["intake"]).status_code in (201, 409)


def test_a_supplement_and_an_objection_are_never_refused_for_it(
    seeded: Any, db: Any, keys: dict[str, dict[str, str]], clock: Clock
) -> None:
    client = seeded.test_client()

    def post(who: str, path: str, body: dict[str, Any]) -> Any:
        return client.post(f"/api/v1/applications{path}", json=body, headers=keys[who])

    _add(db, 2025, D(2025, 3, 1), D(2025, 3, 10))
    assert _receive(client, keys, "TX-S", "2025-03-03").status_code == 201
    assert _receive(client, keys, "TX-O", "2025-03-03").status_code == 201
    supplement = post("intake", "/TX-S/2025/supplements", {"facts": {"insurance_months": 48},
                                                            "received_on": "2025-04-01"})  # fmt: skip
    assert supplement.status_code == 200, supplement.json
    for department in DEPARTMENTS:
        assert post(department, "/TX-O/2025/verifications", {"department": department,
                                                            "facts": CONFIRMED[department]}).status_code == 200  # fmt: skip
    assert post("bureau", "/TX-O/2025/publish", {"published_on": "2025-05-06"}).status_code == 200
    objection = post("intake", "/TX-O/2025/objections", {"filed_on": "2025-05-07", "facts": {"education": "master"}})
    assert objection.status_code == 200 and objection.json["state"] == "re_reviewing", objection.json


def test_a_receipt_racing_a_new_period_sees_the_periods_before_or_after_it(
    seeded: Any, db: Any, keys: dict[str, dict[str, str]], clock: Clock
) -> None:
    """Receipts outside the period to come, sent while it is added: each is taken (before) or refused (after),
    never anything else; and whatever was taken before the period stands."""
    outcomes = race(seeded, 5, lambda client, i: (
        _add(db, 2025, D(2025, 3, 1), D(2025, 3, 31)) if i == 0 else _receive(client, keys, f"TX-R{i}", "2025-06-02")
    ))  # fmt: skip
    codes = [o.status_code for o in outcomes[1:]]
    assert set(codes) <= {201, 422}
    for answer in outcomes[1:]:
        if answer.status_code == 422:
            assert answer.json["code"] == "outside_application_period"
    assert _receive(seeded.test_client(), keys, "TX-R9", "2025-06-02").status_code == 422
