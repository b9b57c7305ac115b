"""积分查询: the applicant's lookup with the code from the receipt — each state in words, the same answer for a wrong
reference and a wrong code, attempts limited per reference and per address in the database (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from jifen.applications import lookup
from tests.api import test_applications as life
from tests.api.test_applications import Clock

api, clock, keys = life.api, life.clock, life.keys  # the application-life fixtures
NOW = dt.datetime(2025, 10, 20, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The lookup's clock for its counters, standing still until a test moves it."""
    moment = [NOW]
    monkeypatch.setattr("public.lookup.clock", lambda: moment[0])
    return moment


class Applicant:
    def __init__(self, seeded: Any) -> None:
        self.client = seeded.test_client()

    def look(self, ref: str, code: str, year: str = "2025", address: str = "198.51.100.7") -> Any:
        data = {"application_ref": ref, "year": year, "code": code}
        return self.client.post("/lookup", data=data, environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def applicant(seeded: Any, now: list[dt.datetime]) -> Applicant:
    return Applicant(seeded)


def _text(response: Any) -> str:
    return re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))


def _state(response: Any) -> str:
    match = re.search(r'id="lookup-state" data-state="([a-z_]+)">([^<]+)<', response.get_data(as_text=True))
    assert match is not None, response.get_data(as_text=True)
    return f"{match[1]}:{match[2]}"


def test_the_form_posts_reference_year_and_code_and_works_without_a_csrf_token(seeded: Any) -> None:
    assert seeded.config.get("WTF_CSRF_ENABLED", True)  # the console's CSRFProtect is on: the lookup is exempt
    page = seeded.test_client().get("/lookup")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'method="post" action="/lookup"' in html
    for name in ("application_ref", "year", "code"):
        assert f'name="{name}"' in html and f'<label for="{name}">' in html
    assert "<script" not in html and "csrf_token" not in html


def test_each_state_in_words_with_progress_score_objection_and_validity(
    api: Any, applicant: Applicant, clock: Clock
) -> None:
    code = api.receive("TX-Q1").json["lookup_code"]
    verifying = applicant.look("TX-Q1", code.lower().replace("-", ""))
    assert verifying.status_code == 200 and verifying.headers["Cache-Control"] == "no-store"
    assert _state(verifying) == "verifying:审核中"
    text = _text(verifying)
    assert "待核查" in text and "2025年2月20日" in text  # 15 working days after 24 January, 春节 counted out
    assert "预估分" in text and 'data-total="' in verifying.get_data(as_text=True)
    assert "有效期至 2025年12月31日" in text and "3日内" in text and "浙里新市民" in text

    api.verify_all("TX-Q1")
    scored = applicant.look("TX-Q1", code)
    assert _state(scored) == "scored:已赋分" and "已完成" in _text(scored) and "尚未公布" in _text(scored)
    total = re.search(r'data-total="([0-9.]+)"', scored.get_data(as_text=True))
    assert total is not None and total[1] == str(api.get("/TX-Q1/2025").json["score"]["total"])
    assert "年龄40周岁及以下" in _text(scored)  # an item that counted, by its label

    assert api.post("bureau", "/TX-Q1/2025/publish", {"published_on": "2025-09-29"}).status_code == 200
    published = applicant.look("TX-Q1", code)
    assert _state(published) == "published:已公布"
    assert "2025年10月9日" in _text(published) and "公布的积分" in _text(published)

    body = {"filed_on": "2025-10-09", "facts": {"insurance_months": 40}}
    assert api.post("intake", "/TX-Q1/2025/objections", body).status_code == 200
    reviewing = applicant.look("TX-Q1", code)
    assert _state(reviewing) == "re_reviewing:复核中" and "异议复核" in _text(reviewing)
    assert "正在复核。复核办理期限：2025年10月17日" in _text(reviewing)  # 7 working days from 9 October

    assert api.verify("TX-Q1", "人力社保局", {"insurance_months": 40}).status_code == 200
    answered = applicant.look("TX-Q1", code)
    assert _state(answered) == "published:已公布" and "复核结果已于 2025年10月20日 公布" in _text(answered)
    assert "正在复核" not in _text(answered)

    assert api.post("intake", "/TX-Q1/2025/void", {"reason": "permit_cancelled", "date": "2025-10-18"}).status_code
    voided = applicant.look("TX-Q1", code)
    assert _state(voided) == "voided:已失效" and "被注销" in _text(voided)


def test_after_its_year_the_application_is_expired(api: Any, applicant: Applicant, clock: Clock) -> None:
    api.published("TX-Q2", "2025-09-29")
    code = api.post("intake", "/TX-Q2/2025/lookup-code", {}).json["lookup_code"]
    clock.today = dt.date(2026, 1, 2)
    expired = applicant.look("TX-Q2", code)
    assert _state(expired) == "expired:已失效" and "有效期已过" in _text(expired)


def test_a_wrong_reference_and_a_wrong_code_get_the_same_answer(
    api: Any, applicant: Applicant, monkeypatch: pytest.MonkeyPatch
) -> None:
    code = api.receive("TX-Q3").json["lookup_code"]
    other = api.receive("TX-Q4").json["lookup_code"]
    hashed = []
    real = lookup.code_hash
    monkeypatch.setattr(lookup, "code_hash", lambda secret, typed: hashed.append(typed) or real(secret, typed))
    wrong_code = applicant.look("TX-Q3", other, address="198.51.100.1")
    wrong_ref = applicant.look("TX-Q9", code, address="198.51.100.2")
    no_year = applicant.look("TX-Q3", code, year="2024", address="198.51.100.3")
    assert wrong_code.status_code == wrong_ref.status_code == no_year.status_code == 404
    assert wrong_code.headers["Cache-Control"] == wrong_ref.headers["Cache-Control"] == "no-store"
    same = wrong_ref.get_data(as_text=True).replace("TX-Q9", "TX-Q3")
    assert wrong_code.get_data(as_text=True) == same
    assert "没有查到" in _text(wrong_code) and code not in wrong_ref.get_data(as_text=True)
    assert len(hashed) >= 3 and hashed.count(code) == 2  # the code is hashed and compared for an unknown one too


def test_missing_fields_are_said_before_anything_is_counted(applicant: Applicant, db: Any) -> None:
    response = applicant.look("", "", year="20x5")
    assert response.status_code == 422
    text = _text(response)
    assert "请填写申请编号" in text and "请填写申请年度" in text and "请填写查询码" in text


def test_attempts_are_limited_per_reference(api: Any, applicant: Applicant, now: list[dt.datetime]) -> None:
    code = api.receive("TX-Q5").json["lookup_code"]
    statuses = [applicant.look("TX-Q5", "WRONG-CODE-22", address=f"203.0.113.{n}").status_code for n in range(5)]
    assert statuses == [404] * 5
    throttled = applicant.look("TX-Q5", code, address="203.0.113.99")  # another address, the right code: waits
    assert throttled.status_code == 429 and throttled.headers["Cache-Control"] == "no-store"
    assert int(throttled.headers["Retry-After"]) >= 1
    assert "请在 2 秒后再试" in _text(throttled) and throttled.headers["Retry-After"] == "2"
    assert applicant.look("TX-Q3", code, address="203.0.113.99").status_code == 404  # other references are not
    now[0] += dt.timedelta(seconds=3)
    assert applicant.look("TX-Q5", code, address="203.0.113.99").status_code == 200
    # the right code cleared the reference's counter
    assert [applicant.look("TX-Q5", "WRONG", address="203.0.113.98").status_code for _ in range(5)] == [404] * 5


def test_attempts_are_limited_per_address(api: Any, applicant: Applicant, now: list[dt.datetime]) -> None:
    code = api.receive("TX-Q6").json["lookup_code"]
    free = lookup.ADDRESS_FREE_ATTEMPTS
    statuses = [applicant.look(f"TX-GUESS-{n}", "ABCD-EFGH-JKMN").status_code for n in range(free)]
    assert statuses == [404] * free
    assert applicant.look("TX-Q6", code).status_code == 429  # the right code waits on this address too
    for doubling in range(8):  # the wait doubles with each attempt let through and failed: 2 s, 4 s … 256 s
        now[0] += lookup.throttle.wait_after(free, free) * 2**doubling
        applicant.look("TX-GUESS-X", "ABCD-EFGH-JKMN")
    long_wait = applicant.look("TX-Q6", code)
    assert long_wait.status_code == 429 and "分钟后（北京时间" in _text(long_wait)
    assert applicant.look("TX-Q6", code, address="192.0.2.50").status_code == 200  # elsewhere it does not
    now[0] += lookup.throttle.MAX_WAIT
    assert applicant.look("TX-Q6", code).status_code == 200


def test_twenty_parallel_guesses_check_exactly_the_free_ones(
    api: Any, seeded: Any, now: list[dt.datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import race

    api.receive("TX-Q7")
    checked: list[str] = []
    real = lookup.find
    monkeypatch.setattr(lookup, "find", lambda *args: checked.append(args[3]) or real(*args))

    def guess(client: Any, i: int) -> int:
        data = {"application_ref": "TX-Q7", "year": "2025", "code": f"GUESS{i:07d}"}
        return int(client.post("/lookup", data=data, environ_base={"REMOTE_ADDR": f"203.0.113.{i}"}).status_code)

    statuses = race(seeded, 20, guess)
    assert sorted(statuses) == [404] * lookup.REFERENCE_FREE_ATTEMPTS + [429] * (20 - lookup.REFERENCE_FREE_ATTEMPTS)
    assert len(checked) == lookup.REFERENCE_FREE_ATTEMPTS  # a refused attempt never has its code checked
