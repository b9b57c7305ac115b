"""The departments' task queue (GET /api/v1/tasks): who sees which tasks, the facts to verify with their claims,
a shared unit's task found and completed by each of its departments, the order, the pages and the filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jifen.applications import queue
from tests.api.problems import check
from tests.api.test_applications import APPLICANT, CONFIRMED, DEPARTMENTS, Clock

SHARED = "交通运输局、综合行政执法局"
# an applicant on a front-line post (环卫、公交): a fact the two departments of a shared unit verify
FRONTLINE = {**APPLICANT, "frontline_post": True}


def test_a_department_finds_its_tasks_with_the_facts_and_claims(life: Any) -> None:
    life.receive("TX-T1", "2025-03-03")
    answer = life.tasks("教育局")
    assert answer.status_code == 200, answer.json
    assert answer.json["total"] == 1 and answer.json["page"] == 1 and answer.json["per_page"] == queue.PAGE_SIZE
    assert answer.json["today"] == "2025-03-10"
    task = answer.json["items"][0]
    assert task == {
        "application_ref": "TX-T1", "year": 2025, "state": "verifying", "department": "教育局",
        "departments": ["教育局"], "kind": "verification", "status": "open",
        "facts_to_verify": [{"name": "education", "department": "教育局", "claimed": "bachelor", "verified": None,
                             "outcome": None}],
        "opened_on": "2025-03-03", "due": "2025-03-24", "overdue": False, "extended_on": None, "done_on": None,
        "done_by": None, "late": False,
    }  # fmt: skip
    police = life.tasks("公安局").json["items"][0]["facts_to_verify"]
    assert {f["name"]: f["claimed"] for f in police}["birth_date"] == "1990-05-01"
    assert {f["name"]: f["claimed"] for f in police}["criminal_records"] is None  # checked for everyone, not claimed
    assert life.verify("教育局", "TX-T1", "教育局", CONFIRMED["教育局"]).status_code == 200
    assert life.tasks("教育局").json["items"] == []
    done = life.tasks("教育局", status="done").json["items"]
    assert [(t["status"], t["done_by"], t["facts_to_verify"][0]["verified"], t["facts_to_verify"][0]["outcome"])
            for t in done] == [("done", "dept-1", "bachelor", "confirmed")]  # fmt: skip


def test_a_shared_task_is_in_each_of_its_departments_queue_and_either_completes_it(life: Any) -> None:
    life.receive("TX-S1", "2025-03-03", FRONTLINE)
    life.receive("TX-S2", "2025-03-03", FRONTLINE)
    for department in ("交通运输局", "综合行政执法局"):
        items = life.tasks(department).json["items"]
        assert [(t["application_ref"], t["department"]) for t in items] == [("TX-S1", SHARED), ("TX-S2", SHARED)]
        assert items[0]["departments"] == ["交通运输局", "综合行政执法局"]
        assert items[0]["facts_to_verify"] == [
            {"name": "frontline_post", "department": SHARED, "claimed": True, "verified": None, "outcome": None}
        ]
    # the task's name, as the queue shows it, is accepted from either member; so is the member's own name
    assert life.verify("交通运输局", "TX-S1", SHARED, {"frontline_post": True}).status_code == 200
    assert life.verify("综合行政执法局", "TX-S2", "综合行政执法局", {"frontline_post": False}).status_code == 200
    for department in ("交通运输局", "综合行政执法局"):
        assert life.tasks(department).json["items"] == []
        done = life.tasks(department, status="done").json["items"]
        assert [(t["application_ref"], t["done_by"], t["facts_to_verify"][0]["outcome"]) for t in done] == [
            ("TX-S1", "dept-5", "confirmed"), ("TX-S2", "dept-6", "corrected")
        ]  # fmt: skip
    # a unit the key's department is not a member of is still another department's
    refused = life.verify("教育局", "TX-S1", SHARED, {"frontline_post": True})
    check(refused, 403, "department_mismatch")


def test_who_sees_which_queue(life: Any) -> None:
    life.receive("TX-W1", "2025-03-03", FRONTLINE)
    check(life.tasks("教育局", department="公安局"), 403, "department_mismatch")
    assert life.tasks("教育局", department="教育局").status_code == 200
    check(life.tasks("scorer"), 403, "forbidden")
    check(life.tasks("intake"), 403, "forbidden")
    every = life.tasks("reader").json
    assert every["total"] == len(DEPARTMENTS) + 1  # every department's, the shared unit's too
    assert life.tasks("bureau").json == every
    assert [t["department"] for t in life.tasks("reader", department="交通运输局").json["items"]] == [SHARED]
    assert life.tasks("reader", department="nobody").json["total"] == 0


def test_overdue_first_then_by_due_date_in_stable_pages(life: Any, day: Clock, monkeypatch: Any) -> None:
    for ref, received_on in (("TX-O3", "2025-03-03"), ("TX-O1", "2025-01-24"), ("TX-O4", "2025-03-03"),
                             ("TX-O2", "2025-02-10")):  # fmt: skip
        life.receive(ref, received_on)
    day.today = dt.date(2025, 3, 12)
    listed = life.tasks("reader", department="教育局").json["items"]
    assert [(t["application_ref"], t["due"], t["overdue"]) for t in listed] == [
        ("TX-O1", "2025-02-20", True), ("TX-O2", "2025-03-03", True),
        ("TX-O3", "2025-03-24", False), ("TX-O4", "2025-03-24", False),  # the same day: in the order opened
    ]  # fmt: skip
    monkeypatch.setattr(queue, "PAGE_SIZE", 3)
    every = life.tasks("reader", status="all").json
    pages = [life.tasks("reader", status="all", page=n).json for n in range(1, every["total"] // 3 + 3)]
    seen = [(t["application_ref"], t["department"]) for p in pages for t in p["items"]]
    assert len(seen) == len(set(seen)) == every["total"] == 4 * len(DEPARTMENTS)
    assert all(p["total"] == every["total"] and p["per_page"] == 3 for p in pages) and pages[-1]["items"] == []
    overdue = [t["overdue"] for p in pages for t in p["items"]]
    assert overdue == sorted(overdue, reverse=True)


def test_filters(life: Any) -> None:
    life.receive("TX-F1", "2025-01-24")
    life.receive("TX-F2", "2025-03-03")
    assert life.verify("教育局", "TX-F2", "教育局", CONFIRMED["教育局"]).status_code == 200
    refs = lambda **q: [t["application_ref"] for t in life.tasks("reader", department="教育局", **q).json["items"]]  # noqa: E731
    assert refs() == ["TX-F1"]
    assert refs(status="all") == ["TX-F1", "TX-F2"]
    assert refs(status="done") == ["TX-F2"]
    assert refs(status="all", overdue="true") == ["TX-F1"]
    assert refs(status="all", overdue="false") == ["TX-F2"]
    assert refs(status="all", due_before="2025-03-01") == ["TX-F1"]
    assert refs(status="all", due_before="2025-02-20") == []  # strictly before
    for bad in ({"status": "late"}, {"overdue": "yes"}, {"due_before": "2025-13-01"}, {"page": "0"},
                {"due_before": "1999-12-31"}, {"colour": "red"}):  # fmt: skip
        check(life.tasks("reader", **bad), 422, "invalid_fields")


def test_the_claims_are_shown_as_need_to_know_allows_and_logged(life: Any, db: Any) -> None:
    from sqlalchemy import select

    from jifen.store.access_log import FactsAccess

    life.receive("TX-P1", "2025-03-03")
    claimed = lambda who: {f["name"]: f["claimed"] for t in life.tasks(who).json["items"] for f in t["facts_to_verify"]}  # noqa: E731
    assert (
        claimed("教育局") == {"education": "bachelor"} and life.tasks("教育局").headers["Jifen-Facts"] == "department"
    )
    assert claimed("auditor")["education"] == "bachelor" and "Jifen-Facts" not in life.tasks("auditor").headers
    assert set(claimed("reader").values()) == {None} and life.tasks("reader").headers["Jifen-Facts"] == "withheld"
    with db.transaction() as s:
        logged = [(e.actor, e.channel, e.application_ref, e.extent) for e in s.scalars(select(FactsAccess))]
    assert logged == [("dept-1", "api_tasks", "TX-P1", "own"), ("dept-1", "api_tasks", "TX-P1", "own"),
                      ("auditor", "api_tasks", "TX-P1", "full"), ("auditor", "api_tasks", "TX-P1", "full")]  # fmt: skip
