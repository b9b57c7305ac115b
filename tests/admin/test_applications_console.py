"""The console around an application's life: a department's queue and its verification form, the bureau's
dashboard and calendar, an application's page (timeline, scores and the facts behind them, publication, export).

Applications are received and partly verified through the service, as the intake platform and the other
departments' keys would; the console's users do the rest. The 2025 sample version is in force.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from sqlalchemy import select

from jifen import applications
from jifen.access import users
from jifen.applications import Actor, Context, workdays
from jifen.statements.signing import signer_for
from jifen.store.models import Application, ApplicationEvent, VerificationTask
from tests.admin.conftest import Console
from tests.conftest import PASSWORD

TODAY = dt.date(2025, 10, 20)
APPLICANT = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "education": "bachelor",
             "insurance_months": 36, "local_insurance_months": 24}  # fmt: skip
CONFIRMED = {
    "公安局": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "criminal_records": None,
              "detentions": None, "drug_rehab": None, "serious_traffic_violations": None},
    "教育局": {"education": "bachelor"},
    "人力社保局": {"insurance_months": 36, "local_insurance_months": 24},
    "法院": {"court_noncompliance": None, "professional_lending": None},
    "信访局": {"petition_disorder": None},
}  # fmt: skip
BUREAU = ("publisher", "auditor", "admin")


class Clock:
    def __init__(self, today: dt.date) -> None:
        self.today = today

    def __call__(self) -> dt.date:
        return self.today


@pytest.fixture
def clock(console: Console) -> Clock:
    clock = Clock(TODAY)
    console.app.config["TODAY"] = clock
    return clock


@pytest.fixture
def life(db: Any, clock: Clock, console: Console, seeded: Any) -> Any:
    """The other participants, through the service: the intake platform, departments' keys, the bureau's key;
    and department users of the console (``hrss`` for 人力社保局, ``police`` for 公安局)."""
    with db.transaction() as s:
        users.create_user(s, "hrss", "department", PASSWORD, "test", "人力社保局")
        users.create_user(s, "police", "department", PASSWORD, "test", "公安局")

    class Life:
        def context(self, s: Any, department: str | None = None) -> Context:
            who = Actor("client", department or "intake", None, department)
            return Context(s, who, clock.today, workdays.load(s), signer_for(seeded))

        def receive(self, ref: str, received_on: str = "2025-10-10", facts: dict[str, Any] | None = None) -> None:
            with db.transaction() as s:
                day = dt.date.fromisoformat(received_on)
                applications.receive(self.context(s), ref, 2025, day, "online", APPLICANT if facts is None else facts)

        def verify(self, ref: str, *departments: str, **corrections: Any) -> None:
            for department in departments or tuple(CONFIRMED):
                facts = {**CONFIRMED[department], **corrections.get(department, {})}
                with db.transaction() as s:
                    applications.verify(self.context(s, department), ref, 2025, department, facts, "records")

        def publish(self, ref: str, on: str = "2025-10-17") -> None:
            with db.transaction() as s:
                applications.publish(self.context(s), ref, 2025, dt.date.fromisoformat(on))

        def object_to(self, ref: str, facts: dict[str, Any], on: str) -> None:
            with db.transaction() as s:
                applications.object_to(self.context(s), ref, 2025, dt.date.fromisoformat(on), facts)

        def app(self, ref: str) -> Application:
            with db.transaction() as s:
                app = applications.find(s, ref, 2025)
                s.expunge(app)
                return app

        def tasks(self, ref: str) -> dict[str, VerificationTask]:
            with db.transaction() as s:
                rows = s.scalars(select(VerificationTask).join(Application).where(Application.application_ref == ref))
                found = {t.department: t for t in rows}
                s.expunge_all()
                return found

    return Life()


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _verify_form(choices: dict[str, str], values: dict[str, str] | None = None, note: str = "") -> dict[str, str]:
    form = {f"choice_{name}": choice for name, choice in choices.items()}
    form.update({f"value_{name}": value for name, value in (values or {}).items()})
    form["note"] = note
    return form


# -- a department's queue ----------------------------------------------------------------------------------------


def test_a_department_user_works_from_its_queue_overdue_first(console: Console, life: Any) -> None:
    life.receive("TX-NEW")  # due 2025-10-31
    life.receive("TX-OLD", received_on="2025-01-24")  # due 2025-02-20: overdue
    life.receive("TX-NOHR", facts={k: v for k, v in APPLICANT.items() if "insurance" not in k})  # no 人力社保局 task
    console.login("hrss")
    home = console.get("/admin/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/admin/queue/")
    page = console.get("/admin/queue/")
    text = _text(page)
    assert page.status_code == 200 and "待核查任务：人力社保局" in text
    assert text.index("TX-OLD") < text.index("TX-NEW") and "TX-NOHR" not in text
    assert "已逾期" in text and "在浙江省累计缴纳社会保险月数：36" in text
    # the menu offers the queue and nothing else of the console
    html = page.get_data(as_text=True)
    assert "待核查任务" in html and "指标版本" not in html and "申请办理" not in html
    for url in ("/admin/applications/", "/admin/calendar/", "/admin/versions/", "/admin/tryit/", "/admin/scores/",
                "/admin/applications/2025/TX-OLD", "/admin/applications/export/2025/TX-OLD"):  # fmt: skip
        assert console.get(url).status_code == 403, url
    console.login("police")
    assert "TX-NOHR" in _text(console.get("/admin/queue/"))


def test_the_form_shows_claims_beside_the_verified_values_by_their_chinese_labels(console: Console, life: Any) -> None:
    life.receive("TX-F", facts={**APPLICANT, "education": "college"})
    console.login("police")
    text = _text(console.get("/admin/queue/2025/TX-F"))
    assert "持有桐乡市范围内有效的浙江省居住证" in text and "出生日期 * 公安局 1990-05-01" in text
    assert "近5年刑事犯罪记录（次）" in text and "未申报" in text and "无记录" in text
    life.verify("TX-F", "公安局", "人力社保局", "法院", "信访局")
    console.login("admin")
    education = _text(console.get("/admin/applications/2025/TX-F"))
    assert "文化程度（最高学历）" in education and "大专（高职）" in education  # options by their labels


def test_a_department_confirms_corrects_and_the_last_one_scores(console: Console, life: Any, db: Any) -> None:
    life.receive("TX-V")
    life.verify("TX-V", "公安局", "教育局", "法院", "信访局")
    console.login("hrss")
    form = _verify_form({"insurance_months": "confirm", "local_insurance_months": "correct"},
                        {"local_insurance_months": "20"}, note="省社保系统")  # fmt: skip
    response = console.post("/admin/queue/2025/TX-V", form)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/queue/")
    flashed = _text(console.get("/admin/queue/"))
    assert "已提交 TX-V 的核查结果" in flashed and "积分已计算" in flashed and "已计分，待公示" in flashed
    app = life.app("TX-V")
    assert app.state == "scored" and app.score_id
    task = life.tasks("TX-V")["人力社保局"]
    assert task.done_by == "hrss" and task.note == "省社保系统"
    assert {n: r["outcome"] for n, r in task.results.items()} == {
        "insurance_months": "confirmed",
        "local_insurance_months": "corrected",
    }
    assert task.results["local_insurance_months"]["verified"] == 20
    with db.transaction() as s:
        event = s.scalars(select(ApplicationEvent).where(ApplicationEvent.action == "verified").order_by(
            ApplicationEvent.id.desc())).first()  # fmt: skip
        assert (event.actor_kind, event.actor, event.department) == ("user", "hrss", "人力社保局")
    # done: the page sends the department back to its queue
    again = console.get("/admin/queue/2025/TX-V")
    assert again.status_code == 302


def test_not_proven_and_records_found(console: Console, life: Any) -> None:
    life.receive("TX-R")
    console.login("police")
    page = console.get("/admin/queue/2025/TX-R").get_data(as_text=True)
    assert "choice_birth_date_reject" not in page  # a required fact is verified, never "not proven"
    form = _verify_form({"permit_valid": "confirm", "permit_endorsed": "confirm", "birth_date": "confirm",
                         "criminal_records": "confirm", "detentions": "correct", "drug_rehab": "confirm",
                         "serious_traffic_violations": "confirm"}, {"detentions": "1"})  # fmt: skip
    assert console.post("/admin/queue/2025/TX-R", form).status_code == 302
    console.login("hrss")
    form = _verify_form({"insurance_months": "reject", "local_insurance_months": "confirm"})
    assert console.post("/admin/queue/2025/TX-R", form).status_code == 302
    tasks = life.tasks("TX-R")
    assert tasks["人力社保局"].results["insurance_months"] == {"claimed": 36, "verified": None, "outcome": "not_proven"}
    results = tasks["公安局"].results
    assert results["detentions"] == {"claimed": None, "verified": 1, "outcome": "corrected"}
    assert results["criminal_records"]["outcome"] == "none"


def test_a_record_found_without_its_value_is_asked_for_by_the_choice_made(console: Console, life: Any) -> None:
    life.receive("TX-RF")
    console.login("police")
    form = _verify_form({"permit_valid": "confirm", "permit_endorsed": "confirm", "birth_date": "correct",
                         "criminal_records": "confirm", "detentions": "correct", "drug_rehab": "confirm",
                         "serious_traffic_violations": "confirm"})  # fmt: skip
    text = _text(console.post("/admin/queue/2025/TX-RF", form))
    assert "选择“查有记录”时，请填写查到的记录。" in text  # detentions: nothing was claimed
    assert "选择“更正”时，请填写核实的值。" in text  # birth_date: a claim corrected


def test_refusals_are_shown_in_chinese_on_the_form_with_the_typed_values_kept(console: Console, life: Any) -> None:
    life.receive("TX-E")
    console.login("hrss")
    url = "/admin/queue/2025/TX-E"
    typo = console.post(url, _verify_form({"insurance_months": "correct", "local_insurance_months": "correct"},
                                          {"insurance_months": "三十六", "local_insurance_months": "-3"}, "备注保留"))  # fmt: skip
    assert typo.status_code == 200
    text = _text(typo)
    assert "提交的内容有误" in text and "应为整数，不小于 0；填写的是“三十六”" in text
    assert "应为整数，不小于 0；填写的是“-3”" in text
    html = typo.get_data(as_text=True)
    assert 'value="三十六"' in html and 'value="-3"' in html and "备注保留" in html
    assert re.search(r'id="choice_insurance_months_correct" value="correct" checked', html)
    empty = console.post(url, _verify_form({"insurance_months": "correct", "local_insurance_months": "confirm"},
                                           {"insurance_months": " "}))  # fmt: skip
    assert empty.status_code == 200 and "请填写核实的值" in _text(empty)
    odd = console.post(url, {"choice_insurance_months": "maybe"})
    assert odd.status_code == 200 and "请选择核查结果" in _text(odd)
    console.login("police")
    required = console.post("/admin/queue/2025/TX-E", _verify_form({"birth_date": "reject"}))
    assert required.status_code == 200 and "必填事实不能为“未能证实”" in _text(required)
    assert all(t.status == "open" for t in life.tasks("TX-E").values())  # nothing of it was kept


def test_a_department_cannot_act_for_another(console: Console, life: Any) -> None:
    life.receive("TX-NOHR", facts={k: v for k, v in APPLICANT.items() if "insurance" not in k})
    life.receive("TX-BOTH")
    console.login("hrss")
    foreign = "/admin/queue/2025/TX-NOHR"
    assert console.get(foreign).status_code == 403
    assert console.post(foreign, _verify_form({"permit_valid": "confirm"})).status_code == 403
    assert console.post("/admin/queue/extend/2025/TX-NOHR", {"reason": "x"}).status_code == 403
    # on its own task, another department's facts are not taken: 公安局's task stays open
    forged = _verify_form({"insurance_months": "confirm", "local_insurance_months": "confirm",
                           "permit_valid": "reject"})  # fmt: skip
    assert console.post("/admin/queue/2025/TX-BOTH", forged).status_code == 302
    tasks = life.tasks("TX-BOTH")
    assert tasks["人力社保局"].status == "done" and tasks["公安局"].status == "open"
    assert "permit_valid" not in tasks["人力社保局"].results
    # a department user bound to no department sees an empty queue and can act on nothing
    console.login("department")
    assert "没有绑定部门" in _text(console.get("/admin/queue/"))
    assert console.get("/admin/queue/2025/TX-BOTH").status_code == 403
    # the bureau's roles are not departments
    for role in BUREAU:
        console.login(role)
        assert console.get("/admin/queue/").status_code == 403
        assert console.post("/admin/queue/2025/TX-BOTH", forged).status_code == 403


def test_an_extension_once_with_a_reason(console: Console, life: Any) -> None:
    life.receive("TX-X")
    console.login("hrss")
    url = "/admin/queue/extend/2025/TX-X"
    blank = console.post(url, {"reason": "  "})
    assert blank.status_code == 200 and "请填写延期理由" in _text(blank)
    done = console.post(url, {"reason": "调取外省参保记录"})
    assert done.status_code == 302
    task = life.tasks("TX-X")["人力社保局"]
    # due on 30 October (received Friday 10 October; Saturday 11 October was a make-up working day), then 3 more
    assert (task.due, task.extension_reason) == (dt.date(2025, 11, 4), "调取外省参保记录")
    page = _text(console.get("/admin/queue/2025/TX-X"))
    assert "新的期限：2025-11-04（周二）" in page and "申请延期" not in page
    twice = console.post(url, {"reason": "again"})
    assert twice.status_code == 200 and "该任务已延长过一次" in _text(twice)


# -- the bureau ---------------------------------------------------------------------------------------------------


def test_the_dashboard_shows_every_overdue_task_on_one_page(console: Console, life: Any, clock: Clock) -> None:
    for n in range(12):  # 12 applications × 5 departments = 60 overdue tasks, more than a list page holds
        life.receive(f"TX-L{n:02}", received_on="2025-01-24")
    life.receive("TX-S")
    life.verify("TX-S")
    life.receive("TX-P")
    life.verify("TX-P")
    life.publish("TX-P", "2025-10-17")
    life.object_to("TX-P", {"insurance_months": 40}, "2025-10-20")
    for role in BUREAU:
        console.login(role)
        page = console.get("/admin/applications/")
        assert page.status_code == 200, role
    html = page.get_data(as_text=True)
    overdue = html[html.index('id="overdue-table"') : html.index("</table>", html.index('id="overdue-table"'))]
    assert overdue.count("<tr data-department=") == 60
    for department in CONFIRMED:
        assert f'<tr data-department="{department}">' in overdue
    assert "逾期未完成的部门任务（60 项）" in _text(page)
    counts = dict(re.findall(r'<tr data-state="(\w+)">.*?<td class="num">(\d+)</td>', html, re.S))
    assert counts == {"verifying": "12", "scored": "1", "published": "0", "re_reviewing": "1", "voided": "0"}
    objections = _text(page)[_text(page).index("异议复核中") :]
    assert "TX-P" in objections and "人力社保局：2025-10-29（周三） 前" in objections
    listing = console.get("/admin/applications/list?state=verifying")
    assert listing.status_code == 200 and "共 12 件" in _text(listing)
    assert "共 1 件" in _text(console.get("/admin/applications/list?q=TX-S"))


def test_an_application_page_tells_its_whole_life(console: Console, life: Any, clock: Clock) -> None:
    life.receive("TX-A", received_on="2025-09-24")
    life.verify("TX-A", **{"人力社保局": {"local_insurance_months": 20}})
    life.publish("TX-A", "2025-09-29")
    life.object_to("TX-A", {"local_insurance_months": 24}, "2025-10-09")
    console.login("hrss")
    form = _verify_form({"local_insurance_months": "confirm"}, note="补充缴费凭证")
    assert console.post("/admin/queue/2025/TX-A", form).status_code == 302
    console.login("auditor")
    page = console.get("/admin/applications/2025/TX-A")
    text, html = _text(page), page.get_data(as_text=True)
    actions = re.findall(r'<li id="event-\d+" data-action="(\w+)">', html)
    assert actions == ["received", "verified", "verified", "verified", "verified", "verified", "scored", "published",
                       "objected", "re_reviewed", "scored", "republished"]  # fmt: skip
    assert "受理" in text and "公示日期 2025-09-29（周一），异议期至 2025-10-09（周四）" in text
    assert "hrss（控制台用户，人力社保局）" in text and "人力社保局（接口，人力社保局）" in text
    assert "在桐乡市累计缴纳社会保险月数 24 20 更正" in text  # the first verification corrected the claim
    times = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\S*", text)
    assert times and all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", t) for t in times)  # no microseconds
    cards = html.split('class="card mb-3 score-card"')[1:]
    assert len(cards) == 2 and "已被复核结果取代" in cards[0] and "当前结果" in cards[1]
    first, second = (_text_of(c) for c in cards)
    assert "在桐乡市累计缴纳社会保险月数 人力社保局 24 20 更正" in first
    assert "在桐乡市累计缴纳社会保险月数 人力社保局 24 24 属实" in second  # the objection's claim, confirmed
    assert "年龄（周岁） 35" in first
    app = life.app("TX-A")
    assert f'href="/admin/scores/details/?id={app.score_id}"' in html  # an auditor may open the stored score
    assert "publish-form" not in html
    export = console.get("/admin/applications/export/2025/TX-A")
    assert export.status_code == 200 and export.mimetype == "application/json"
    assert "attachment" in export.headers["Content-Disposition"]
    history = json.loads(export.get_data(as_text=True))
    assert [e["action"] for e in history["events"]] == actions and len(history["scores"]) == 2


def _text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_publisher_publishes_and_only_a_publisher(console: Console, life: Any) -> None:
    life.receive("TX-P")
    life.receive("TX-W")
    life.verify("TX-P")
    url = "/admin/applications/publish/2025/TX-P"
    for role in ("auditor", "admin"):
        console.login(role)
        assert "publish-form" not in console.get("/admin/applications/2025/TX-P").get_data(as_text=True)
        assert console.post(url, {"published_on": "2025-10-17"}).status_code == 403
    console.login("publisher")
    assert 'data-confirm="确认公示 TX-P' in console.get("/admin/applications/2025/TX-P").get_data(as_text=True)
    future = console.post(url, {"published_on": "2025-10-21"})
    assert future.status_code == 200
    assert "公示日期应不早于受理日期（2025-10-10），且不晚于今天（2025-10-20）" in _text(future)
    assert 'value="2025-10-21"' in future.get_data(as_text=True)
    garbage = console.post(url, {"published_on": "昨天"})
    assert garbage.status_code == 200 and "请填写公示日期" in _text(garbage)
    done = console.post(url, {"published_on": "2025-10-17"})
    assert done.status_code == 302
    app = life.app("TX-P")
    assert (app.state, app.published_on, app.objection_deadline) == ("published", dt.date(2025, 10, 17),
                                                                       dt.date(2025, 10, 20))  # fmt: skip
    assert "已公示 TX-P" in _text(console.get(done.headers["Location"]))
    pending = console.post("/admin/applications/publish/2025/TX-W", {"published_on": "2025-10-17"})
    assert pending.status_code == 200
    assert "还有部门没有完成核查，暂不能公示：公安局、教育局、人力社保局、法院、信访局" in _text(pending)
    again = console.post(url, {"published_on": "2025-10-18"})
    assert again.status_code == 200 and "该申请已于 2025-10-17 公示" in _text(again)


# -- the calendar -------------------------------------------------------------------------------------------------


def test_the_calendar_years_without_data_and_their_entries(console: Console, db: Any, clock: Clock) -> None:
    clock.today = dt.date(2026, 12, 1)
    console.login("publisher")
    dashboard = _text(console.get("/admin/applications/"))
    assert "2027 年还没有节假日数据" in dashboard and "2026 年：有节假日数据" in dashboard
    page = console.get("/admin/calendar/")
    assert page.status_code == 200 and "2027 年： 没有节假日数据" in _text(page)
    added = console.post("/admin/calendar/add", {"first": "2027-02-06", "last": "2027-02-12", "kind": "holiday",
                                                  "note": "春节"})  # fmt: skip
    assert added.status_code == 302
    console.post("/admin/calendar/add", {"first": "2027-02-14", "kind": "workday", "note": "春节调休"})
    year = _text(console.get("/admin/calendar/?year=2027"))
    assert "2027 年：本局录入的工作日历" in year and "2027-02-06（周六） 休息日（节假日） — 春节" in year
    assert "2027-02-14（周日） 上班日（调休）" in year
    assert "2027 年还没有节假日数据" not in _text(console.get("/admin/applications/"))
    with db.transaction() as s:  # the calendar counts with them: 13 February is a Saturday
        assert workdays.load(s).add_workdays(dt.date(2027, 2, 5), 1) == dt.date(2027, 2, 14)
    removed = console.post("/admin/calendar/remove", {"day": "2027-02-14"})
    assert removed.status_code == 302 and "2027-02-14（周日） 上班日" not in _text(
        console.get("/admin/calendar/?year=2027")
    )
    # a correction of a year the package covers shows what the package says
    console.post("/admin/calendar/add", {"first": "2026-12-31", "kind": "holiday", "note": "test"})
    assert "2026-12-31（周四） 休息日（节假日） 上班 test" in _text(console.get("/admin/calendar/?year=2026"))
    console.login("auditor")
    assert console.get("/admin/calendar/?year=2027").status_code == 200
    assert "calendar-form" not in console.get("/admin/calendar/").get_data(as_text=True)
    assert console.post("/admin/calendar/add", {"first": "2027-10-01", "kind": "holiday"}).status_code == 403
    assert console.post("/admin/calendar/remove", {"day": "2027-02-06"}).status_code == 403


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"first": "", "kind": "holiday"}, "请填写开始日期"),
        ({"first": "2027-13-01", "kind": "holiday"}, "请填写开始日期"),
        ({"first": "2027-02-06", "last": "2027-02-01", "kind": "holiday"}, "结束日期早于开始日期"),
        ({"first": "2027-01-01", "last": "2028-06-01", "kind": "holiday"}, "一次最多录入一年"),
        ({"first": "2027-01-01", "kind": "rest"}, "请选择休息日或上班日"),
        ({"first": "2027-01-01", "kind": "holiday", "note": "长" * 201}, "说明最多200个字"),
    ],
)
def test_calendar_input_is_checked_in_chinese(
    console: Console, clock: Clock, form: dict[str, str], message: str
) -> None:
    console.login("admin")
    response = console.post("/admin/calendar/add", form)
    assert response.status_code == 200 and message in _text(response)


def test_bad_input_never_answers_5xx(console: Console, life: Any) -> None:
    life.receive("TX-B")
    console.login("admin")
    for url in ("/admin/applications/99999999999999999999/TX-B", "/admin/applications/2025/%00",
                "/admin/applications/2025/" + "x" * 100, "/admin/applications/2025/NOPE",
                "/admin/applications/export/2025/NOPE"):  # fmt: skip
        assert console.get(url).status_code == 404, url
    for url in ("/admin/applications/list?page=abc&state=zzz", "/admin/applications/list?page=-4&q=%25_%5C",
                "/admin/applications/list?page=99999999999999999999", "/admin/calendar/?year=abc",
                "/admin/calendar/?year=99999999999"):  # fmt: skip
        assert console.get(url).status_code == 200, url
    assert console.post("/admin/calendar/remove", {"day": "x"}).status_code == 302
    assert console.post("/admin/calendar/remove", {"day": "2030-01-01"}).status_code == 302
    console.login("hrss")
    for url in ("/admin/queue/99999999999999999999/TX-B", "/admin/queue/2025/%00", "/admin/queue/2025/NOPE"):
        assert console.get(url).status_code == 404, url
    weird = {"choice_insurance_months": "correct", "value_insurance_months": "9" * 5000,
             "choice_local_insurance_months": "correct", "value_local_insurance_months": "1e999", "note": "\x00"}  # fmt: skip
    assert console.post("/admin/queue/2025/TX-B", weird).status_code == 200
    extend = console.post("/admin/queue/extend/2025/TX-B", {"reason": "\x00" * 3})
    assert extend.status_code == 200 and "延期理由含有无法保存的控制字符，请删除后再提交。" in extend.get_data(
        as_text=True
    )


def test_every_refusal_of_an_applications_life_has_a_chinese_text() -> None:
    from pathlib import Path

    from admin.application_words import PROBLEMS

    package = Path(__file__).parents[2] / "jifen" / "applications"
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(package.glob("*.py")))
    codes = set(re.findall(r'refused\(\s*\d{3},\s*"(\w+)"', source)) | {"invalid_fields", "no_calendar_data"}
    assert len(codes) >= 15
    assert sorted(codes - set(PROBLEMS)) == []
