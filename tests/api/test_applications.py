"""The life of an application through the API: receipt, supplement, department verification, extension, scoring,
publication, objections (one day late, on the last day), re-review, void — on SQLite and, in CI, PostgreSQL.

The 2025 sample version is in force; the dates lie in real holiday periods of 2025 (春节, 国庆) so that every
deadline here was checked against the State Council's notice (through chinese-calendar).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from jifen.access import api_clients

APPLICANT = {
    "permit_valid": True,
    "permit_endorsed": True,
    "birth_date": "1990-05-01",
    "education": "bachelor",
    "insurance_months": 36,
    "residence_months": 24,
}
# What each department confirms for APPLICANT: every fact of its task, claimed or checked for every applicant
CONFIRMED = {
    "公安局": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "residence_months": 24,
              "criminal_records": None, "detentions": None, "drug_rehab": None, "serious_traffic_violations": None},
    "教育局": {"education": "bachelor"},
    "人力社保局": {"insurance_months": 36},
    "法院": {"court_noncompliance": None, "professional_lending": None},
    "信访局": {"petition_disorder": None},
}  # fmt: skip
DEPARTMENTS = tuple(CONFIRMED)


class Clock:
    """The service's "today", moved by the test."""

    def __init__(self, today: dt.date) -> None:
        self.today = today

    def __call__(self) -> dt.date:
        return self.today


@pytest.fixture
def clock(seeded: Any) -> Clock:
    clock = Clock(dt.date(2025, 10, 20))
    seeded.config["TODAY"] = clock
    return clock


def _key(db: Any, name: str, scopes: list[str], department: str | None = None) -> dict[str, str]:
    with db.transaction() as s:
        return {"Authorization": f"Bearer {api_clients.create_client(s, name, scopes, 'test', department)[1]}"}


@pytest.fixture
def keys(db: Any, seeded: Any) -> dict[str, dict[str, str]]:
    """The intake platform (apply), the bureau (publish), and one verify key per department."""
    made = {"intake": _key(db, "intake", ["apply"]), "bureau": _key(db, "bureau", ["publish"])}
    for n, department in enumerate(DEPARTMENTS):
        made[department] = _key(db, f"dept-{n}", ["verify"], department)
    return made


@pytest.fixture
def api(seeded: Any, clock: Clock, keys: dict[str, dict[str, str]]) -> Any:
    """Calls as one of the keys: ``api.post(who, path, body)``, ``api.get(path)`` (as the intake platform)."""

    class Api:
        client = seeded.test_client()

        def post(self, who: str, path: str, body: dict[str, Any]) -> Any:
            return self.client.post(f"/api/v1/applications{path}", json=body, headers=keys[who])

        def get(self, path: str) -> Any:
            return self.client.get(f"/api/v1/applications{path}", headers=keys["intake"])

        def receive(self, ref: str, received_on: str = "2025-01-24", facts: dict[str, Any] | None = None) -> Any:
            body = {"application_ref": ref, "year": 2025, "received_on": received_on, "channel": "online",
                    "facts": APPLICANT if facts is None else facts}  # fmt: skip
            return self.post("intake", "", body)

        def verify(self, ref: str, department: str, facts: dict[str, Any] | None = None, who: str | None = None) -> Any:
            body = {"department": department, "facts": CONFIRMED[department] if facts is None else facts,
                    "note": "checked against the department's records"}  # fmt: skip
            return self.post(who or department, f"/{ref}/2025/verifications", body)

        def verify_all(self, ref: str, **corrections: dict[str, Any]) -> Any:
            for department in DEPARTMENTS:
                response = self.verify(ref, department, {**CONFIRMED[department], **corrections.get(department, {})})
                assert response.status_code == 200, response.json
            return response

        def published(self, ref: str, published_on: str) -> Any:
            assert self.receive(ref).status_code == 201
            self.verify_all(ref)
            response = self.post("bureau", f"/{ref}/2025/publish", {"published_on": published_on})
            assert response.status_code == 200, response.json
            return response

    return Api()


def _task(body: dict[str, Any], department: str, kind: str = "verification") -> dict[str, Any]:
    return next(t for t in body["tasks"] if t["department"] == department and t["kind"] == kind)


def test_receipt_opens_one_task_per_department_due_in_15_working_days(api: Any) -> None:
    response = api.receive("TX-2025-0001")
    assert response.status_code == 201, response.json
    assert response.headers["Location"].endswith("/api/v1/applications/TX-2025-0001/2025")
    body = response.json
    assert body["state"] == "verifying" and body["channel"] == "online"
    # the departments of the claimed facts, plus those checking every applicant (required facts, deductions)
    assert [t["department"] for t in body["tasks"]] == ["公安局", "教育局", "人力社保局", "法院", "信访局"]
    assert _task(body, "人力社保局")["facts"] == ["insurance_months"]
    assert set(_task(body, "公安局")["facts"]) == set(CONFIRMED["公安局"])
    # received the Friday before 春节 2025: Jan 26 (make-up Sunday) is day 1, Jan 28–Feb 4 are off, Feb 8 (make-up
    # Saturday) is day 6 … day 15 is Thursday 20 February
    assert {t["due"] for t in body["tasks"]} == {"2025-02-20"}
    assert body["deadlines"]["verification"] == "2025-02-20" and body["deadlines"]["valid_until"] == "2025-12-31"
    # the claims scored as a dry run, nothing stored
    assert body["provisional"]["dry_run"] is True and body["provisional"]["total"] == 54
    assert body["score"] is None and body["valid"] is False and body["invalid_reason"] == "not_scored"
    assert api.receive("TX-2025-0001").json["code"] == "application_exists"


def test_receipt_is_checked(api: Any, clock: Clock) -> None:
    future = api.receive("TX-F", received_on="2025-10-21")
    assert future.status_code == 422 and "received_on" in future.json["errors"]
    other_year = api.post("intake", "", {"application_ref": "TX-Y", "year": 2026, "received_on": "2025-10-01",
                                         "channel": "window", "facts": APPLICANT})  # fmt: skip
    assert other_year.status_code == 422 and "is not in 2026" in other_year.json["errors"]["received_on"][0]
    typo = api.receive("TX-T", facts={**APPLICANT, "insurance_month": 36})
    assert typo.status_code == 422 and typo.json["errors"] == {"facts.insurance_month": ["unknown field"]}
    channel = api.post("intake", "", {"application_ref": "TX-C", "year": 2025, "received_on": "2025-03-03",
                                      "channel": "fax", "facts": APPLICANT})  # fmt: skip
    assert channel.status_code == 422 and "channel" in channel.json["errors"]
    # the verify and publish keys may not receive applications
    refused = api.post("人力社保局", "", {"application_ref": "TX-S", "year": 2025, "received_on": "2025-03-03",
                                          "channel": "online", "facts": APPLICANT})  # fmt: skip
    assert refused.status_code == 403


def test_overdue_tasks_against_the_clock(api: Any, clock: Clock) -> None:
    clock.today = dt.date(2025, 2, 20)
    api.receive("TX-O")
    assert api.verify("TX-O", "教育局").status_code == 200
    on_due_day = api.get("/TX-O/2025").json
    assert not any(t["overdue"] for t in on_due_day["tasks"]) and on_due_day["overdue_departments"] == []
    clock.today = dt.date(2025, 2, 21)
    late = api.get("/TX-O/2025").json
    assert late["overdue_departments"] == ["人力社保局", "信访局", "公安局", "法院"]
    assert _task(late, "教育局")["overdue"] is False  # done in time
    assert api.verify("TX-O", "法院").status_code == 200
    assert _task(api.get("/TX-O/2025").json, "法院")["late"] is True


def test_a_department_verifies_only_its_own_facts(api: Any) -> None:
    api.receive("TX-D")
    other = api.verify("TX-D", "教育局", {"education": "bachelor", "insurance_months": 36})
    assert other.status_code == 403 and other.json["code"] == "not_department_facts"
    assert other.json["errors"] == {"facts.insurance_months": ["verified by 人力社保局, not by 教育局"]}
    as_another = api.verify("TX-D", "人力社保局", who="教育局")
    assert as_another.status_code == 403 and as_another.json["code"] == "department_mismatch"
    assert as_another.json["errors"]["department"] == ["must be 教育局, the department this key is bound to"]
    no_department = api.post("intake", "/TX-D/2025/verifications", {"department": "教育局", "facts": {}})
    assert no_department.status_code == 403  # the intake key lacks the scope verify
    missing = api.verify("TX-D", "公安局", {"permit_valid": True})
    assert missing.status_code == 422
    assert "missing: give the verified value" in missing.json["errors"]["facts.birth_date"][0]
    required = api.verify("TX-D", "公安局", {**CONFIRMED["公安局"], "birth_date": None})
    assert required.json["errors"] == {
        "facts.birth_date": ["a required fact cannot be 'not proven' (null): give the verified value"]
    }
    wrong_type = api.verify("TX-D", "人力社保局", {"insurance_months": 12.5})
    assert wrong_type.status_code == 422 and wrong_type.json["errors"] == {
        "facts.insurance_months": ["expected a whole number, got 12.5"]
    }
    assert api.get("/TX-D/2025").json["tasks"][0]["status"] == "open"  # nothing of the refused ones was kept
    assert api.verify("TX-D", "教育局").status_code == 200
    again = api.verify("TX-D", "教育局")
    assert again.status_code == 409 and again.json["code"] == "task_done"
    unknown = api.post("教育局", "/TX-NONE/2025/verifications", {"department": "教育局", "facts": {}})
    assert unknown.status_code == 404


def test_supplement_once_reopens_the_tasks_it_touches(api: Any, clock: Clock) -> None:
    api.receive("TX-S")
    api.verify("TX-S", "人力社保局")
    api.verify("TX-S", "教育局")
    response = api.post("intake", "/TX-S/2025/supplements", {"facts": {"insurance_months": 48},
                                                               "received_on": "2025-09-30"})  # fmt: skip
    assert response.status_code == 200, response.json
    body = response.json
    assert body["claimed_facts"]["insurance_months"] == 48 and body["supplemented_on"] == "2025-09-30"
    reopened = _task(body, "人力社保局")
    # 15 working days after 30 September: 国庆 1–8 October off, Saturday 11 October a make-up working day
    assert (
        reopened["status"] == "open"
        and reopened["due"] == "2025-10-28"
        and reopened["claims"] == {"insurance_months": 48}
    )
    assert _task(body, "教育局")["status"] == "done"  # untouched
    second = api.post("intake", "/TX-S/2025/supplements", {"facts": {"education": "master"}})
    assert second.status_code == 409 and second.json["code"] == "supplement_used"
    assert "supplemented on 2025-09-30" in second.json["message"]


def test_extension_once_by_3_working_days(api: Any) -> None:
    api.receive(
        "TX-E", received_on="2025-09-12"
    )  # due Friday 10 October (Sunday 28 September is a make-up working day)
    assert _task(api.get("/TX-E/2025").json, "人力社保局")["due"] == "2025-10-10"
    response = api.post("人力社保局", "/TX-E/2025/extensions", {"department": "人力社保局", "reason": "档案调取"})
    assert response.status_code == 200, response.json
    task = _task(response.json, "人力社保局")
    assert (
        task["due"] == "2025-10-14" and task["extended_on"] == "2025-10-20" and task["extension_reason"] == "档案调取"
    )
    assert _task(response.json, "公安局")["due"] == "2025-10-10"
    again = api.post("人力社保局", "/TX-E/2025/extensions", {"department": "人力社保局", "reason": "again"})
    assert again.status_code == 409 and again.json["code"] == "extension_used"
    blank = api.post("公安局", "/TX-E/2025/extensions", {"department": "公安局", "reason": ""})
    assert blank.status_code == 422 and "reason" in blank.json["errors"]


def test_the_whole_life(api: Any, seeded: Any, keys: dict[str, dict[str, str]]) -> None:
    api.receive("TX-L")
    early = api.post("bureau", "/TX-L/2025/publish", {"published_on": "2025-03-01"})
    assert early.status_code == 409 and early.json["code"] == "verification_pending"
    api.verify_all("TX-L", 人力社保局={"insurance_months": 30}, 公安局={"detentions": 1})
    body = api.get("/TX-L/2025").json
    assert body["state"] == "scored" and body["invalid_reason"] == "not_published"
    results = _task(body, "人力社保局")["results"]
    assert results == {"insurance_months": {"claimed": 36, "verified": 30, "outcome": "corrected"}}
    police = _task(body, "公安局")["results"]
    assert police["birth_date"]["outcome"] == "confirmed" and police["detentions"]["outcome"] == "corrected"
    assert police["criminal_records"] == {"claimed": None, "verified": None, "outcome": "none"}
    first = body["score"]
    assert first["client"] == "dept-4"  # the last department's key stored it
    assert first["supersedes"] is None and first["version"]["year"] == 2025
    stored = seeded.test_client().get(f"/api/v1/scores/{first['id']}", headers=_reader(seeded)).json
    assert stored["facts"]["insurance_months"] == 30 and stored["facts"]["detentions"] == 1
    assert stored["as_of"] == "2025-01-24" and stored["derived"] == {"age": 34}

    # published on Monday 29 September: 3 days end on 2 October, a holiday, so the window closes on 9 October
    published = api.post("bureau", "/TX-L/2025/publish", {"published_on": "2025-09-29"})
    assert published.status_code == 200, published.json
    assert published.json["deadlines"]["objection"] == "2025-10-09" and published.json["valid"] is True
    supplement = api.post("intake", "/TX-L/2025/supplements", {"facts": {"insurance_months": 36}})
    assert supplement.status_code == 409 and supplement.json["code"] == "supplement_closed"
    late = api.post("intake", "/TX-L/2025/objections", {"filed_on": "2025-10-10", "facts": {"insurance_months": 36}})
    assert late.status_code == 422 and late.json["code"] == "objection_window_closed"
    assert "2025-10-09" in late.json["errors"]["filed_on"][0]
    future = api.post("intake", "/TX-L/2025/objections", {"filed_on": "2025-10-21", "facts": {"insurance_months": 36}})
    assert future.status_code == 422 and "in the future" in future.json["errors"]["filed_on"][0]
    objection = api.post("intake", "/TX-L/2025/objections", {"filed_on": "2025-10-09",
                                                             "facts": {"insurance_months": 36}})  # fmt: skip
    assert objection.status_code == 200, objection.json
    assert objection.json["state"] == "re_reviewing"
    re_review = _task(objection.json, "人力社保局", "re_review")
    # 7 working days from Thursday 9 October: the make-up Saturday 11 October is day 2
    assert re_review["due"] == "2025-10-17" and re_review["facts"] == ["insurance_months"]
    assert [t["kind"] for t in objection.json["tasks"]].count("re_review") == 1
    again = api.post("intake", "/TX-L/2025/objections", {"filed_on": "2025-10-09", "facts": {"education": "master"}})
    assert again.status_code == 409 and again.json["code"] == "objection_already_filed"
    no_extension = api.post("人力社保局", "/TX-L/2025/extensions", {"department": "人力社保局", "reason": "x"})
    assert no_extension.json["code"] == "extension_not_allowed"
    other = api.verify("TX-L", "教育局")
    assert other.status_code == 409 and other.json["code"] == "no_task"

    done = api.verify("TX-L", "人力社保局", {"insurance_months": 36})
    assert done.status_code == 200, done.json
    final = done.json
    assert final["state"] == "published" and final["republished_on"] == "2025-10-20"
    assert final["score"]["supersedes"] == first["id"] and final["score"]["total"] == first["total"] + 3
    assert _task(final, "人力社保局", "re_review")["results"]["insurance_months"]["outcome"] == "confirmed"
    after = api.post("intake", "/TX-L/2025/objections", {"filed_on": "2025-10-20", "facts": {"education": "master"}})
    assert after.status_code == 409 and after.json["code"] == "objection_already_filed"

    voided = api.post("intake", "/TX-L/2025/void", {"reason": "permit_cancelled", "date": "2025-10-18"})
    assert voided.status_code == 200, voided.json
    assert voided.json["state"] == "voided" and voided.json["valid"] is False
    assert voided.json["invalid_reason"] == "voided" and voided.json["void_reason"] == "permit_cancelled"
    for path, who, body in [
        ("/void", "intake", {"reason": "permit_suspended", "date": "2025-10-19"}),
        ("/publish", "bureau", {"published_on": "2025-10-20"}),
        ("/supplements", "intake", {"facts": {"education": "master"}}),
        ("/objections", "intake", {"filed_on": "2025-10-20", "facts": {"education": "master"}}),
    ]:
        refused = api.post(who, f"/TX-L/2025{path}", body)
        assert refused.status_code == 409 and refused.json["code"] == "application_voided", path

    history = api.get("/TX-L/2025/history").json
    actions = [e["action"] for e in history["events"]]
    assert actions == ["received", *["verified"] * 5, "scored", "published", "objected", "re_reviewed", "scored",
                       "republished", "voided"]  # fmt: skip
    verified = [e for e in history["events"] if e["action"] == "verified"]
    assert [e["actor"]["department"] for e in verified] == list(DEPARTMENTS)
    assert verified[2]["actor"] == {"kind": "client", "name": "dept-2", "department": "人力社保局"}
    chain = history["scores"]
    assert [s["id"] for s in chain] == [first["id"], final["score"]["id"]]
    assert chain[0]["facts"]["insurance_months"] == 30 and chain[1]["facts"]["insurance_months"] == 36
    assert chain[1]["supersedes"] == chain[0]["id"] and chain[0]["superseded_by"] == chain[1]["id"]
    scored = {e["id"]: e for e in history["events"]}
    assert scored[chain[1]["scored_by_event"]]["changes"]["facts"] == chain[1]["facts"]


def _reader(seeded: Any) -> dict[str, str]:
    from jifen.store.db import get_db

    return _key(get_db(seeded), "reader", ["read", "facts"])


def test_void_before_scoring_cancels_open_tasks(api: Any) -> None:
    api.receive("TX-V")
    response = api.post("intake", "/TX-V/2025/void", {"reason": "permit_suspended", "date": "2025-02-01"})
    assert response.status_code == 200
    assert {t["status"] for t in response.json["tasks"]} == {"cancelled"}
    assert response.json["overdue_departments"] == []
    assert api.verify("TX-V", "教育局").json["code"] == "application_voided"
    before = api.post("intake", "/TX-V/2025/void", {"reason": "permit_suspended", "date": "2025-01-01"})
    assert before.json["code"] == "application_voided"
    bad = api.post("intake", "/TX-VV/2025/void", {"reason": "moved_away", "date": "2025-02-01"})
    assert bad.status_code == 422 and "reason" in bad.json["errors"]


def test_objection_on_the_last_day_of_a_plain_window(api: Any) -> None:
    api.published("TX-W", "2025-03-03")  # Monday: the window ends on Thursday 6 March
    assert api.get("/TX-W/2025").json["deadlines"]["objection"] == "2025-03-06"
    before = api.post("intake", "/TX-W/2025/objections", {"filed_on": "2025-03-02", "facts": {"education": "master"}})
    assert before.status_code == 422 and "before the publication" in before.json["errors"]["filed_on"][0]
    late = api.post("intake", "/TX-W/2025/objections", {"filed_on": "2025-03-07", "facts": {"education": "master"}})
    assert late.status_code == 422 and late.json["code"] == "objection_window_closed"
    derived = api.post("intake", "/TX-W/2025/objections", {"filed_on": "2025-03-06", "facts": {"age": 30}})
    assert derived.status_code == 422 and derived.json["errors"] == {
        "facts.age": ["no department verifies this fact: it cannot be disputed"]
    }
    timely = api.post("intake", "/TX-W/2025/objections", {"filed_on": "2025-03-06", "facts": {"education": "master"}})
    assert timely.status_code == 200 and timely.json["state"] == "re_reviewing"
    assert _task(timely.json, "教育局", "re_review")["due"] == "2025-03-17"


def test_scopes_and_reads(api: Any, seeded: Any) -> None:
    api.receive("TX-R")
    reader = _reader(seeded)
    assert seeded.test_client().get("/api/v1/applications/TX-R/2025", headers=reader).status_code == 200
    history = seeded.test_client().get("/api/v1/applications/TX-R/2025/history", headers=reader)
    assert history.status_code == 200 and history.json["events"][0]["action"] == "received"
    publish = seeded.test_client().post("/api/v1/applications/TX-R/2025/publish", json={"published_on": "2025-03-01"},
                                        headers=reader)  # fmt: skip
    assert publish.status_code == 403
    assert api.get("/TX-R/1999").status_code == 422  # a path's year out of 2000–2100, refused like a body's
    assert api.get("/TX-R/99999999999").status_code == 422
    assert api.get("/TX%00R/2025").status_code == 404


def test_refs_with_slashes(api: Any) -> None:
    assert api.receive("TX/2025/7").status_code == 201
    assert api.get("/TX/2025/7/2025").json["application_ref"] == "TX/2025/7"
    assert api.verify("TX/2025/7", "教育局").status_code == 200


def test_history_export_cli(api: Any, runner: Any, tmp_path: Any) -> None:
    api.receive("TX-H")
    api.verify_all("TX-H")
    out = tmp_path / "history.json"
    result = runner.invoke(args=["applications", "history", "TX-H", "2025", "--out", str(out)])
    assert result.exit_code == 0, result.output
    history = json.loads(out.read_text(encoding="utf-8"))
    assert [e["action"] for e in history["events"]][-1] == "scored"
    assert history["scores"][0]["facts"]["insurance_months"] == 36
    missing = runner.invoke(args=["applications", "history", "TX-NONE", "2025"])
    assert missing.exit_code == 1 and "no application TX-NONE for 2025" in missing.output


def test_department_queue_and_overdue_tasks(api: Any, db: Any, runner: Any) -> None:
    from jifen.applications import queue

    api.receive("TX-Q1", received_on="2025-03-03")  # due 24 March
    api.receive("TX-Q2")  # due 20 February
    api.verify("TX-Q1", "教育局")
    with db.factory() as s:
        mine = queue.department_queue(s, "人力社保局", dt.date(2025, 3, 1))
        assert [(t["application_ref"], t["due"], t["overdue"]) for t in mine] == [
            ("TX-Q2", dt.date(2025, 2, 20), True),
            ("TX-Q1", dt.date(2025, 3, 24), False),
        ]
        assert [t["application_ref"] for t in queue.department_queue(s, "教育局", dt.date(2025, 3, 1))] == ["TX-Q2"]
        overdue = queue.overdue(s, dt.date(2025, 3, 1))
        assert {t["application_ref"] for t in overdue} == {"TX-Q2"} and len(overdue) == len(DEPARTMENTS)
        assert queue.overdue(s, dt.date(2025, 2, 20)) == []
    listed = runner.invoke(args=["applications", "overdue"])  # today's real date: every open task of 2025 is late
    assert listed.exit_code == 0 and len(listed.stdout.splitlines()) == 2 * len(DEPARTMENTS) - 1
    mine = runner.invoke(args=["applications", "overdue", "--department", "人力社保局"])
    assert [line.split("\t")[1] for line in mine.stdout.splitlines()] == ["TX-Q2", "TX-Q1"]


def test_every_code_of_an_applications_life_is_in_the_catalogue() -> None:
    import re
    from pathlib import Path

    from api.errors import PROBLEMS

    package = Path(__file__).parents[2] / "jifen" / "applications"
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(package.glob("*.py")))
    codes = set(re.findall(r'refused\(\s*(\d{3}),\s*"(\w+)"', source))
    assert len(codes) >= 15
    for status, code in codes:
        assert code in PROBLEMS and PROBLEMS[code].status == int(status), code
    assert PROBLEMS["no_calendar_data"].status == 409


def test_a_clients_idempotency_keys_never_meet_the_services_own(api: Any, db: Any, seeded: Any) -> None:
    """The service stores an application's score under a key of its own; a client (here the department key that
    completes the verification, which may also score) that used the same-looking key on /scores changes nothing."""
    from api.schemas import IDEMPOTENCY_KEY
    from jifen.applications.verification import SERVICE_KEY_PREFIX
    from jifen.store.models import Application

    assert not IDEMPOTENCY_KEY.fullmatch(SERVICE_KEY_PREFIX + "application/1/after/receipt")
    scoring = _key(db, "dept-scoring", ["verify", "score"], "信访局")
    assert api.receive("TX-NS").status_code == 201
    with db.transaction() as s:
        app_id = s.query(Application.id).filter_by(application_ref="TX-NS").scalar()
    for after in ("receipt", "1"):
        stored = api.client.post("/api/v1/scores", headers={**scoring, "Idempotency-Key": f"application/{app_id}/after/{after}"},
                                 json={"application_ref": f"OTHER-NS-{after}", "year": 2025, "facts": APPLICANT, "as_of": "2025-01-24"})  # fmt: skip
        assert stored.status_code in (200, 201), stored.json
    for department in DEPARTMENTS[:-1]:
        assert api.verify("TX-NS", department).status_code == 200
    last = api.client.post("/api/v1/applications/TX-NS/2025/verifications", headers=scoring,
                           json={"department": "信访局", "facts": CONFIRMED["信访局"], "note": "checked"})  # fmt: skip
    assert last.status_code == 200, last.json
    assert api.get("/TX-NS/2025").json["state"] == "scored"
