"""Recognition of another city's provincial points (共性指标得分跨区互认) through the service layer and the API:
a trusted city's statement is verified at receipt, its provincial points count in every score of the application
(and when a stored score is verified again), no department verifies the facts only they need; every other case
is refused with its own code and nothing is stored."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest
from joserfc.jwk import OKPKey
from sqlalchemy import func, select

from engine import load_file
from engine.provincial import provincial_hash
from jifen import applications
from jifen.access import api_clients
from jifen.errors import CodedError
from jifen.scoring import records
from jifen.statements import issuers
from jifen.statements.signing import sign
from jifen.store.models import Application, ApplicationEvent, ScoreRow, StatementRow
from jifen.store.recognition_models import RecognisedStatement
from tests.admin.conftest import Console
from tests.conftest import RULESETS
from tests.statements.conftest import APPLICANT, CONFIRMED, RECEIVED, Life

HASH = provincial_hash(load_file(RULESETS / "tongxiang-2025.yaml"))
PROVINCIAL = {"P1": 20, "P2": 10, "P3": 10, "P4": 30, "P5": 17.5}


class City:
    """Another city's service, as far as its statements go: an issuer id and an Ed25519 key."""

    def __init__(self, issuer: str, kid: str = "hz-2025") -> None:
        self.issuer, self.kid, self.key = issuer, kid, OKPKey.generate_key("Ed25519")

    def jwks(self) -> str:
        return json.dumps({"keys": [{**self.key.as_dict(private=False), "kid": self.kid, "alg": "EdDSA"}]})

    def claims(self, **changes: Any) -> dict[str, Any]:
        claims = {
            "iss": self.issuer, "sub": "HZ-2025-000042", "year": 2025, "score_id": str(uuid.uuid4()),
            "version": {"ref": "hangzhou/2025/1", "content_hash": "sha256:" + "ab" * 32}, "total": 167.5,
            "categories": {"provincial": 87.5, "base": 80, "bonus": 0, "deduction": 0},
            "provincial": {"hash": HASH, "points": 87.5, "indicators": PROVINCIAL},
            "valid_until": "2025-12-31", "published_on": "2025-02-20", "iat": 1740000000, "kid": self.kid,
        }  # fmt: skip
        return {**claims, **changes}

    def statement(self, **changes: Any) -> str:
        return sign(self.claims(**changes), self.kid, self.key)


@pytest.fixture
def hangzhou(db: Any) -> City:
    city = City("cn-zj-hangzhou")
    with db.transaction() as s:
        issuers.add(s, city.issuer, city.jwks(), "杭州市", "test")
    return city


def _indicator(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in result["indicators"] if i["code"] == code)


def test_a_trusted_citys_provincial_points_count_and_its_facts_go_unverified(life: Life, db: Any,
                                                                              hangzhou: City) -> None:  # fmt: skip
    statement = hangzhou.statement()
    received = life.run(lambda c: applications.receive(c, "TX-R-1", 2025, RECEIVED, "window", APPLICANT, statement))
    with db.factory() as s:
        app = s.get(Application, received.id)
        tasks = {t.department: sorted(t.claims) for t in app.tasks}
        event = s.scalars(select(ApplicationEvent).where(ApplicationEvent.action == "received")).one()
    # education, insurance and residence months decide only provincial points: no department verifies them
    assert "教育局" not in tasks and "人力社保局" not in tasks and "residence_months" not in tasks["公安局"]
    assert event.changes["recognised"]["issuer"] == "cn-zj-hangzhou" and event.changes["recognised"]["points"] == 87.5
    police = {k: v for k, v in CONFIRMED["公安局"].items() if k != "residence_months"}
    for department, facts in {**CONFIRMED, "公安局": police}.items():
        if department in tasks:
            life.run(
                lambda c, d=department, f=facts: applications.verify(c, "TX-R-1", 2025, d, f), department=department
            )
    life.run(lambda c: applications.publish(c, "TX-R-1", 2025, life.today))
    with db.factory() as s:
        app = s.get(Application, received.id)
        score = s.get(ScoreRow, app.score_id)
        result = json.loads(score.result)
        assert records.verify(s, score.id)["reproduced"] is True  # the same claims applied again
        own = s.scalars(select(StatementRow).where(StatementRow.score_id == score.id)).one()
        view = applications.views.view(s, app, life.today)
    provincial = next(c for c in result["categories"] if c["code"] == "provincial")
    assert provincial["points"] == 87.5 and score.recognition_id is not None
    p5 = _indicator(result, "P5")
    assert (
        p5["points"] == 17.5
        and p5["items"][0]["code"] == "P5-recognised"
        and "HZ-2025-000042" in p5["items"][0]["label"]
    )
    city = sum(
        c["points"] * (1 if c["kind"] == "add" else -1) for c in result["categories"] if c["code"] != "provincial"
    )
    assert result["total"] == 87.5 + city
    # this city's own statement of the result carries the recognised points, under the same provincial hash
    payload = json.loads(base64.urlsafe_b64decode(own.jws.split(".")[1] + "=="))
    assert payload["provincial"] == {"hash": HASH, "points": 87.5, "indicators": PROVINCIAL}
    assert view["recognition"]["issuer"] == "cn-zj-hangzhou" and view["recognition"]["statement"] == statement
    assert view["provisional"]["categories"][0]["points"] == 87.5


def test_a_re_review_keeps_the_recognised_points(life: Life, db: Any, hangzhou: City) -> None:
    life.run(lambda c: applications.receive(c, "TX-R-2", 2025, RECEIVED, "window", APPLICANT, hangzhou.statement()))
    police = {k: v for k, v in CONFIRMED["公安局"].items() if k != "residence_months"}
    for department, facts in {"公安局": police, "法院": CONFIRMED["法院"], "信访局": CONFIRMED["信访局"]}.items():
        life.run(lambda c, d=department, f=facts: applications.verify(c, "TX-R-2", 2025, d, f), department=department)
    life.run(lambda c: applications.publish(c, "TX-R-2", 2025, life.today))
    life.run(lambda c: applications.object_to(c, "TX-R-2", 2025, life.today, {"permit_endorsed": True}))
    life.run(lambda c: applications.verify(c, "TX-R-2", 2025, "公安局", {"permit_endorsed": True}), department="公安局")
    with db.factory() as s:
        chain = s.scalars(select(ScoreRow).where(ScoreRow.application_ref == "TX-R-2").order_by(ScoreRow.seq)).all()
        assert len(chain) == 2 and chain[0].recognition_id == chain[1].recognition_id is not None
        assert all(records.verify(s, r.id)["reproduced"] for r in chain)
        assert json.loads(chain[1].result)["categories"][0]["points"] == 87.5


# --- every other case refused, with its own code, and nothing stored ---------------------------------------------

OTHER = City("cn-zj-ningbo", kid="nb-1")  # not trusted
FORGER = City("cn-zj-hangzhou")  # names the trusted issuer and its kid, signs with another key


def _tampered(city: City) -> str:
    header, payload, signature = city.statement().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["provincial"]["points"] = 100
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return ".".join([header, forged, signature])


CASES = {
    "untrusted_issuer": lambda hz: OTHER.statement(),
    "bad_signature": lambda hz: _tampered(hz),
    "bad_signature/other-key": lambda hz: FORGER.statement(),
    "bad_signature/unknown-kid": lambda hz: sign(hz.claims(kid="hz-9"), "hz-9", hz.key),
    "statement_year_mismatch": lambda hz: hz.statement(year=2024),
    "statement_expired": lambda hz: hz.statement(valid_until="2025-03-02"),
    "provincial_standard_differs": lambda hz: hz.statement(provincial={"hash": "sha256:" + "0" * 64, "points": 87.5,
                                                                       "indicators": PROVINCIAL}),
    "malformed_statement": lambda hz: "not-a.statement",
    "malformed_statement/sum": lambda hz: hz.statement(provincial={"hash": HASH, "points": 100,
                                                                   "indicators": PROVINCIAL}),
    "malformed_statement/indicator": lambda hz: hz.statement(provincial={"hash": HASH, "points": 87.5,
                                                                         "indicators": {**PROVINCIAL, "P9": 0}}),
    "malformed_statement/claims": lambda hz: hz.statement(provincial={"hash": HASH, "points": "87.5",
                                                                      "indicators": PROVINCIAL}),
}  # fmt: skip


@pytest.fixture
def intake(seeded: Any, db: Any) -> dict[str, str]:
    seeded.config["TODAY"] = lambda: RECEIVED
    api_clients._cache.clear()
    with db.transaction() as s:
        return {"Authorization": f"Bearer {api_clients.create_client(s, 'intake', ['apply'], 'test')[1]}"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_other_statement_is_refused_with_its_code(seeded: Any, db: Any, hangzhou: City, intake: dict[str, str],
                                                        case: str) -> None:  # fmt: skip
    body = {"application_ref": "TX-R-9", "year": 2025, "received_on": RECEIVED.isoformat(), "channel": "window",
            "facts": APPLICANT, "recognised_statement": CASES[case](hangzhou)}  # fmt: skip
    answer = seeded.test_client().post("/api/v1/applications", json=body, headers=intake)
    assert answer.status_code == 422, answer.get_json()
    problem = answer.get_json()
    assert problem["code"] == case.split("/")[0] and problem["errors"]["recognised_statement"]
    with db.factory() as s:
        for table in (Application, RecognisedStatement, ScoreRow):
            assert s.scalar(select(func.count()).select_from(table)) == 0


def test_a_recognised_receipt_through_the_api_answers_the_recognition(seeded: Any, hangzhou: City,
                                                                       intake: dict[str, str]) -> None:  # fmt: skip
    body = {"application_ref": "TX-R-3", "year": 2025, "received_on": RECEIVED.isoformat(), "channel": "online",
            "facts": APPLICANT, "recognised_statement": hangzhou.statement()}  # fmt: skip
    answer = seeded.test_client().post("/api/v1/applications", json=body, headers=intake)
    assert answer.status_code == 201, answer.get_json()
    recognition = answer.get_json()["recognition"]
    assert recognition["issuer"] == "cn-zj-hangzhou" and recognition["points"] == 87.5
    assert recognition["provincial_hash"] == HASH and recognition["kid"] == "hz-2025"
    assert {t["department"] for t in answer.get_json()["tasks"]}.isdisjoint({"教育局", "人力社保局"})
    seeded.config["WTF_CSRF_ENABLED"] = False
    console = Console(seeded)
    console.login("admin")
    page = console.get("/admin/applications/2025/TX-R-3").get_data(as_text=True)
    assert "跨区互认" in page and "采用 cn-zj-hangzhou 签发的积分证明（申请 HZ-2025-000042）" in page
    assert (
        "跨区互认：采用 cn-zj-hangzhou 签发的积分证明（申请 HZ-2025-000042），省级共性指标得分 87.5 分" in page
    )  # the history


def test_a_receipt_without_a_statement_or_with_null_is_scored_here(seeded: Any, intake: dict[str, str]) -> None:
    body = {"application_ref": "TX-R-4", "year": 2025, "received_on": RECEIVED.isoformat(), "channel": "online",
            "facts": APPLICANT, "recognised_statement": None}  # fmt: skip
    answer = seeded.test_client().post("/api/v1/applications", json=body, headers=intake)
    assert answer.status_code == 201 and answer.get_json()["recognition"] is None
    assert "教育局" in {t["department"] for t in answer.get_json()["tasks"]}
    empty = seeded.test_client().post("/api/v1/applications", json={**body, "application_ref": "TX-R-5",
                                                                     "recognised_statement": ""}, headers=intake)  # fmt: skip
    assert empty.status_code == 422 and "recognised_statement" in empty.get_json()["errors"]


def test_a_supplement_of_provincial_facts_opens_no_task(life: Life, db: Any, hangzhou: City) -> None:
    life.run(lambda c: applications.receive(c, "TX-R-6", 2025, RECEIVED, "window", APPLICANT, hangzhou.statement()))
    life.run(lambda c: applications.supplement(c, "TX-R-6", 2025, {"education": "master", "insurance_months": 40},
                                               RECEIVED))  # fmt: skip
    with db.factory() as s:
        app = s.scalars(select(Application).where(Application.application_ref == "TX-R-6")).one()
        assert {t.department for t in app.tasks}.isdisjoint({"教育局", "人力社保局"})
        assert app.claimed_facts["education"] == "master"


def test_after_the_other_city_rotates_its_key_the_bureau_updates_its_jwks(life: Life, db: Any, hangzhou: City) -> None:
    old = hangzhou.statement()
    new_key = OKPKey.generate_key("Ed25519")
    rotated = sign(hangzhou.claims(kid="hz-2026"), "hz-2026", new_key)
    with pytest.raises(CodedError) as refused:
        life.run(lambda c: applications.receive(c, "TX-R-7", 2025, RECEIVED, "window", APPLICANT, rotated))
    assert refused.value.code == "bad_signature"
    keys = [{**new_key.as_dict(private=False), "kid": "hz-2026"},
            {**hangzhou.key.as_dict(private=False), "kid": hangzhou.kid, "status": "retired"}]  # fmt: skip
    with db.transaction() as s:
        issuers.update(s, hangzhou.issuer, "test", json.dumps({"keys": keys}))
    life.run(lambda c: applications.receive(c, "TX-R-7", 2025, RECEIVED, "window", APPLICANT, rotated))
    life.run(lambda c: applications.receive(c, "TX-R-8", 2025, RECEIVED, "window", APPLICANT, old))  # still verifies
    with db.factory() as s:
        assert [r.kid for r in s.scalars(select(RecognisedStatement).order_by(RecognisedStatement.id))] == [
            "hz-2026", "hz-2025"]  # fmt: skip


def test_an_objection_to_recognised_provincial_facts_is_refused(life: Life, db: Any, hangzhou: City) -> None:
    life.run(lambda c: applications.receive(c, "TX-R-10", 2025, RECEIVED, "window", APPLICANT, hangzhou.statement()))
    police = {k: v for k, v in CONFIRMED["公安局"].items() if k != "residence_months"}
    for department, facts in {"公安局": police, "法院": CONFIRMED["法院"], "信访局": CONFIRMED["信访局"]}.items():
        life.run(lambda c, d=department, f=facts: applications.verify(c, "TX-R-10", 2025, d, f), department=department)
    life.run(lambda c: applications.publish(c, "TX-R-10", 2025, life.today))
    with pytest.raises(CodedError) as refused:
        life.run(lambda c: applications.object_to(c, "TX-R-10", 2025, life.today, {"education": "master"}))
    assert refused.value.code == "invalid_fields" and "another city" in refused.value.errors["facts.education"][0]
