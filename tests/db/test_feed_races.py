"""The change feed under concurrent writers: a reader following it while many transitions commit at once gets every
event exactly once, each application's in its own order.

Each writer is a thread with its own test client, session and connection; on PostgreSQL they really race (commit
order is not id order without the feed's lock, see jifen/applications/feed.py), on SQLite they queue on the write
lock. The reader follows the feed meanwhile, page after page, as an integrator would.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import select

from jifen.access import api_clients
from jifen.store.models import Application, ApplicationEvent
from tests.api.test_applications import APPLICANT, CONFIRMED, DEPARTMENTS

APPLICATIONS = 6
WRITERS = 8


@pytest.fixture
def keys(db: Any, seeded: Any) -> dict[str, dict[str, str]]:
    import datetime as dt

    seeded.config["TODAY"] = lambda: dt.date(2025, 10, 20)
    made = {}
    with db.transaction() as s:
        made["intake"] = api_clients.create_client(s, "intake", ["apply"], "test")[1]
        made["reader"] = api_clients.create_client(s, "reader", ["read"], "test")[1]
        for n, department in enumerate(DEPARTMENTS):
            made[department] = api_clients.create_client(s, f"dept-{n}", ["verify"], "test", department)[1]
    return {who: {"Authorization": f"Bearer {key}"} for who, key in made.items()}


def _follow(app: Any, key: dict[str, str], done: threading.Event) -> list[dict[str, Any]]:
    """Read the feed until ``done`` is set and a last read finds nothing more."""
    client, seen, after = app.test_client(), [], None
    for _ in range(10_000):
        finished = done.is_set()  # read once more after the writers finished: what they committed last
        query = {"limit": 7, **({"after": after} if after else {})}
        page = client.get("/api/v1/events", query_string=query, headers=key)
        assert page.status_code == 200, page.json
        seen += page.json["events"]
        after = page.json["next"]
        if finished and not page.json["more"]:
            return seen
    raise AssertionError("the feed never ended")


def test_a_reader_following_the_feed_gets_every_event_once_in_order(seeded: Any, db: Any, keys: Any) -> None:
    refs = [f"FEED-{n}" for n in range(APPLICATIONS)]

    def receive(ref: str) -> int:
        body = {"application_ref": ref, "year": 2025, "received_on": "2025-03-03", "channel": "online",
                "facts": APPLICANT}  # fmt: skip
        return int(seeded.test_client().post("/api/v1/applications", json=body, headers=keys["intake"]).status_code)

    def verify(job: tuple[str, str]) -> int:
        ref, department = job
        body = {"department": department, "facts": CONFIRMED[department], "note": "race"}
        response = seeded.test_client().post(f"/api/v1/applications/{ref}/2025/verifications", json=body,
                                             headers=keys[department])  # fmt: skip
        return int(response.status_code)

    done = threading.Event()
    with ThreadPoolExecutor(WRITERS + 1) as pool:
        reader = pool.submit(_follow, seeded, keys["reader"], done)
        try:
            received = list(pool.map(receive, refs))
            jobs = [(ref, department) for department in DEPARTMENTS for ref in refs]  # every application at once
            verified = list(pool.map(verify, jobs))
        finally:
            done.set()
        followed = reader.result(timeout=120)
    assert received == [201] * APPLICATIONS and verified == [200] * len(jobs)

    ids = [e["id"] for e in followed]
    assert ids == sorted(ids) and len(ids) == len(set(ids)), "repeated or out of order"
    with db.factory() as s:
        stored = s.execute(
            select(ApplicationEvent.id, Application.application_ref, ApplicationEvent.action)
            .join(Application, Application.id == ApplicationEvent.application_id)
            .order_by(ApplicationEvent.id)
        ).all()
    assert ids == [row.id for row in stored], "skipped"
    assert len(stored) == APPLICATIONS * (1 + len(DEPARTMENTS) + 1)  # received, each verified, scored
    for ref in refs:  # each application's events in its own order: its history's
        mine = [e["type"] for e in followed if e["application_ref"] == ref]
        assert mine == [row.action for row in stored if row.application_ref == ref]
        assert mine[0] == "received" and mine[-1] == "scored"
