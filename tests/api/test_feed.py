"""The change feed (GET /api/v1/events): every event once, in each application's order, after an opaque cursor;
which key sees which applications; long polling that answers as soon as an event is committed, without holding a
database connection, and the bound on waiting requests. (Concurrent writers on PostgreSQL: tests/db/test_feed_races.)"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from jifen.applications import feed
from tests.api.problems import check
from tests.api.test_applications import APPLICANT, CONFIRMED, DEPARTMENTS

LIFE = ["received", *["verified"] * len(DEPARTMENTS), "scored", "published"]


def events(life: Any, who: str, **query: Any) -> Any:
    return life.client.get("/api/v1/events", query_string=query, headers=life.keys[who])


def follow(life: Any, who: str, **query: Any) -> list[dict[str, Any]]:
    """Every event the key sees, page after page."""
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        page = events(life, who, **query, **({"after": after} if after else {}))
        assert page.status_code == 200, page.json
        seen += page.json["events"]
        after = page.json["next"]
        if not page.json["more"]:
            return seen


def live(life: Any, ref: str, intake: str = "intake") -> None:
    """Received, verified by every department, scored, published."""
    life.receive(ref, "2025-03-03", who=intake)
    for department in DEPARTMENTS:
        assert life.verify(department, ref, department, CONFIRMED[department]).status_code == 200
    answer = life.client.post(f"/api/v1/applications/{ref}/2025/publish", json={"published_on": "2025-03-10"},
                             headers=life.keys["bureau"])  # fmt: skip
    assert answer.status_code == 200, answer.json


def test_cursors_are_opaque_and_refuse_what_they_did_not_give() -> None:
    assert feed.position(feed.cursor(0)) == 0 and feed.position(feed.cursor(12345)) == 12345
    assert "12345" not in feed.cursor(12345)
    for bad in ("", "12", "!!!", feed.cursor(1)[:-2], "amlmZW4tZmVlZDotMQ"):
        with pytest.raises(feed.BadCursor):
            feed.position(bad)


def test_an_intake_platform_follows_every_change_in_order(life: Any) -> None:
    live(life, "TX-E1")
    live(life, "TX-E2")
    every = follow(life, "reader", limit=3)  # pages of 3: nothing repeated, nothing skipped
    assert [e["type"] for e in every] == LIFE * 2
    assert [e["application_ref"] for e in every] == ["TX-E1"] * len(LIFE) + ["TX-E2"] * len(LIFE)
    assert [e["id"] for e in every] == sorted({e["id"] for e in every})
    history = life.client.get("/api/v1/applications/TX-E1/2025/history", headers=life.keys["reader"]).json["events"]
    assert [(e["id"], e["action"], e["changes"]) for e in history] == [
        (e["id"], e["type"], e["changes"]) for e in every[: len(LIFE)]
    ]
    scored = next(e for e in every if e["type"] == "scored")
    assert scored["state_before"] == "verifying" and scored["state_after"] == "scored" and scored["score_id"]
    assert scored["actor"] == {"kind": "client", "name": "dept-4", "department": "信访局"}
    # resuming after an event gives what came after it; after the last, nothing, and the same cursor
    later = events(life, "reader", after=every[3]["cursor"]).json
    assert [e["id"] for e in later["events"]] == [e["id"] for e in every[4:]]
    end = events(life, "reader", after=later["next"]).json
    assert end == {"events": [], "next": later["next"], "more": False}
    only = follow(life, "reader", types="scored,published")
    assert [(e["application_ref"], e["type"]) for e in only] == [
        ("TX-E1", "scored"), ("TX-E1", "published"), ("TX-E2", "scored"), ("TX-E2", "published")
    ]  # fmt: skip
    # a filtered page moves the cursor past what it left out: nothing to read again
    assert events(life, "reader", types="voided").json["next"] == end["next"]


def test_each_key_sees_the_applications_its_scopes_allow(life: Any) -> None:
    live(life, "TX-V1")
    life.receive("TX-V2", "2025-03-03", {k: v for k, v in APPLICANT.items() if k != "education"}, who="intake2")
    refs = lambda who: {e["application_ref"] for e in follow(life, who)}  # noqa: E731
    assert refs("reader") == refs("bureau") == {"TX-V1", "TX-V2"}
    assert refs("intake") == {"TX-V1"} and refs("intake2") == {"TX-V2"}  # what each received
    assert refs("公安局") == {"TX-V1", "TX-V2"} and refs("教育局") == {"TX-V1"}  # where it has a task
    assert refs("交通运输局") == set()
    check(events(life, "scorer"), 403, "forbidden")


def test_the_facts_in_the_changes_are_shown_as_need_to_know_allows(life: Any) -> None:
    live(life, "TX-N1")
    receipt = lambda who: follow(life, who, types="received")[0]["changes"]["claimed_facts"]  # noqa: E731
    assert receipt("intake") == receipt("auditor") == APPLICANT
    assert receipt("reader") is None and receipt("bureau") is None
    assert receipt("教育局") == {"education": "bachelor"}  # its own task's facts only
    assert events(life, "reader").headers["Jifen-Facts"] == "withheld"
    scored = follow(life, "教育局", types="scored")[0]["changes"]["facts"]
    assert scored == {"education": "bachelor"}


def test_bad_queries_are_refused(life: Any) -> None:
    for bad in ({"after": "nonsense"}, {"types": "scored,exploded"}, {"limit": "0"}, {"limit": "1001"},
                {"wait": "31"}, {"wait": "-1"}, {"colour": "red"}):  # fmt: skip
        check(events(life, "reader", **bad), 422, "invalid_fields")


def test_a_waiting_request_answers_when_an_event_is_committed(life: Any, seeded: Any, db: Any) -> None:
    seeded.config["FEED_MAX_WAIT"] = 10
    start = events(life, "reader").json["next"]
    answers: list[Any] = []
    waiting = threading.Thread(target=lambda: answers.append(events(life, "reader", after=start, wait=10)))
    began = time.monotonic()
    waiting.start()
    time.sleep(0.5)
    # meanwhile the waiting request holds no connection: the pool has none checked out
    assert db.engine.pool.checkedout() == 0
    life.receive("TX-L1", "2025-03-03")
    waiting.join(15)
    took = time.monotonic() - began
    assert [e["application_ref"] for e in answers[0].json["events"]] == ["TX-L1"] and took < 3, took


def test_waiting_requests_are_bounded(life: Any, seeded: Any, monkeypatch: Any) -> None:
    seeded.config["FEED_MAX_WAIT"] = 1
    monkeypatch.setattr(feed, "_waiters", threading.BoundedSemaphore(1))
    first = threading.Thread(target=lambda: events(life, "reader", wait=1))
    first.start()
    time.sleep(0.2)
    began = time.monotonic()
    answer = events(life, "reader", wait=1)  # the one place is taken: answered at once
    assert answer.status_code == 200 and answer.json["events"] == [] and time.monotonic() - began < 0.5
    first.join(5)
    began = time.monotonic()
    assert events(life, "reader", wait=1).json["events"] == [] and time.monotonic() - began >= 0.9
