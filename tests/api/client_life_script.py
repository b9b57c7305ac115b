"""What a department's back office and an intake platform write with a client generated from the live document (run
by tests/api/test_client_life.py): the departments find their work in the task queue and complete it; the intake
platform learns every change from the feed alone (long polling), never reading an application.

Checked with ``mypy --strict`` against the generated package, then run against gunicorn. Exits on the first surprise.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import threading
import time

import httpx
from jifen_scoring_api_client import AuthenticatedClient
from jifen_scoring_api_client.api.applications import create_application, publish_application, verify_application_facts
from jifen_scoring_api_client.api.events import list_events
from jifen_scoring_api_client.api.tasks import list_tasks
from jifen_scoring_api_client.models import (
    Application,
    ApplicationRequest,
    Feed,
    FeedEvent,
    PartialFactsTongxiang,
    Publish,
    QueueTask,
    Receipt,
    TaskPage,
    Verification,
)
from jifen_scoring_api_client.types import UNSET, Unset

TIMEOUT = httpx.Timeout(45.0)  # a long poll waits up to 30 seconds


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"client life script: {what}")


class Intake:
    """The intake platform: receives applications, then follows the feed from where it stood."""

    def __init__(self, client: AuthenticatedClient) -> None:
        self.client = client
        self.cursor: str | Unset = UNSET  # from the first event
        self.catch_up([])

    def catch_up(self, into: list[FeedEvent], wait: int = 0) -> None:
        """Read every event after the cursor, waiting up to ``wait`` seconds for a first one."""
        while True:
            page = list_events.sync(client=self.client, after=self.cursor, wait=wait)
            check(isinstance(page, Feed), f"listEvents answered {page!r}")
            assert isinstance(page, Feed)
            into.extend(page.events)
            self.cursor, wait = page.next_, 0
            if not page.more:
                return

    def receive(self, ref: str, facts: dict[str, object]) -> None:
        body = ApplicationRequest.from_dict(
            {"application_ref": ref, "year": 2026, "received_on": "2026-03-16", "channel": "online", "facts": facts}
        )
        receipt = create_application.sync(client=self.client, body=body)
        check(isinstance(receipt, Receipt), f"createApplication answered {receipt!r}")


def back_office(client: AuthenticatedClient) -> int:
    """A department's back office: every open task of its queue, page by page, verified as claimed."""
    done, number = 0, 1
    while True:
        page = list_tasks.sync(client=client, page=number)
        check(isinstance(page, TaskPage), f"listTasks answered {page!r}")
        assert isinstance(page, TaskPage)
        if not page.items:
            return done
        tasks: list[QueueTask] = page.items
        for task in tasks:
            check(task.status == "open" and not task.overdue, f"an open task on time: {task!r}")
            facts = PartialFactsTongxiang.from_dict({f.name: f.claimed for f in task.facts_to_verify})
            # the task is named as the queue names it: a shared unit's name is each member department's to send
            body = Verification(department=task.department, facts=facts, note="与本部门记录核对一致")
            after = verify_application_facts.sync(task.application_ref, task.year, client=client, body=body)
            check(isinstance(after, Application), f"verifyApplicationFacts answered {after!r}")
            done += 1
        # what was verified left the open queue: read the first page again


def main() -> None:
    base, keys = os.environ["BASE_URL"], json.loads(os.environ["KEYS"])

    def client(key: str) -> AuthenticatedClient:
        return AuthenticatedClient(base_url=base, token=key, timeout=TIMEOUT)

    intake = Intake(client(keys["intake"]))
    facts = json.loads(os.environ["FACTS"])
    intake.receive("LIFE-A", facts)
    intake.receive("LIFE-B", {**facts, "frontline_post": True})

    verified = {department: back_office(client(key)) for department, key in keys["departments"].items()}
    check(verified["交通运输局"] + verified["综合行政执法局"] == 1, f"the shared task done once: {verified}")
    check(sum(verified.values()) >= 2 * 4, f"every department's tasks: {verified}")

    seen: list[FeedEvent] = []
    intake.catch_up(seen)
    scored = {e.application_ref for e in seen if e.type_ == "scored"}
    check(scored == {"LIFE-A", "LIFE-B"}, f"both scored, learnt from the feed: {[e.type_ for e in seen]}")

    # the bureau publishes one while the intake platform waits on the feed: the answer comes when it is committed
    waited: list[FeedEvent] = []
    waiting = threading.Thread(target=intake.catch_up, args=(waited, 25))
    began = time.monotonic()
    waiting.start()
    time.sleep(1.0)
    bureau = client(keys["bureau"])
    published = publish_application.sync("LIFE-A", 2026, client=bureau, body=Publish(published_on=dt.date(2026, 3, 20)))
    check(isinstance(published, Application), f"publishApplication answered {published!r}")
    waiting.join(40)
    took = time.monotonic() - began
    check([(e.application_ref, e.type_) for e in waited] == [("LIFE-A", "published")], f"long poll: {waited!r}")
    check(1.0 <= took < 10, f"answered as soon as it was committed: {took:.1f} s")

    every = seen + waited
    ids = [e.id for e in every]
    check(ids == sorted(set(ids)), "every event once, in order")
    for ref in ("LIFE-A", "LIFE-B"):
        life = [str(e.type_) for e in every if e.application_ref == ref]
        check(life[0] == "received" and life.count("scored") == 1, f"{ref}'s life in its order: {life}")
    check([str(e.type_) for e in every if e.application_ref == "LIFE-A"][-2:] == ["scored", "published"], "published")
    print("client life script: ok", len(every), "events", f"{took:.1f} s")


if __name__ == "__main__":
    main()
