"""The console's 申请时间: publishers and admins publish and withdraw a year's periods (in Chinese, CSRF, asked
before removal, audited), auditors look, editors do not see it; the dashboard says when this year's periods are not
yet published; a receipt outside them is explained in Chinese, naming them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from sqlalchemy import select

from admin.application_words import problem_text
from jifen.applications import periods
from jifen.store.models import AuditEntry
from tests.admin.conftest import Console
from tests.conftest import PASSWORD

D = dt.date


class Clock:
    def __init__(self, today: dt.date) -> None:
        self.today = today

    def __call__(self) -> dt.date:
        return self.today


@pytest.fixture
def clock(console: Console) -> Clock:
    clock = Clock(D(2026, 2, 10))
    console.app.config["TODAY"] = clock
    return clock


def _text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _add(console: Console, year: str, starts_on: str, ends_on: str, note: str = "") -> Any:
    return console.post("/admin/periods/add", {"year": year, "starts_on": starts_on, "ends_on": ends_on, "note": note})


def test_a_publisher_publishes_and_withdraws_periods(console: Console, db: Any, clock: Clock) -> None:
    console.login("publisher")
    dashboard = console.get("/admin/applications/").get_data(as_text=True)
    assert "2026年度的申请时间尚未公布" in dashboard and 'href="/admin/periods/?year=2026"' in dashboard
    page = console.get("/admin/periods/")
    assert page.status_code == 200 and "2026年度的申请时间尚未公布：该年度每天都受理新的申请。" in _text(page)
    added = _add(console, "2026", "2026-03-01", "2026-03-31", "春季集中受理")
    assert added.status_code == 302 and added.headers["Location"].endswith("/admin/periods/?year=2026")
    _add(console, "2026", "2026-09-01", "2026-09-30")
    text = _text(console.get("/admin/periods/?year=2026"))
    assert "已公布2026年度的申请时间：2026年9月1日至9月30日。" in text
    assert "2026年3月1日至3月31日 春季集中受理 publisher，" in text and "2026年9月1日至9月30日" in text
    assert "2026 2026年3月1日至3月31日；2026年9月1日至9月30日" in text  # the years' overview
    assert "2026年度的申请时间尚未公布" not in console.get("/admin/applications/").get_data(as_text=True)
    # removal asks first, on a page of its own
    with db.factory() as s:
        first = periods.listed(s, 2026)[0]
    ask = console.get(f"/admin/periods/remove/{first.id}")
    assert ask.status_code == 200 and "确定删除2026年度的申请时间“2026年3月1日至3月31日”？" in _text(ask)
    removed = console.post(f"/admin/periods/remove/{first.id}", {"year": "2026"})
    assert removed.status_code == 302
    text = _text(console.get("/admin/periods/?year=2026"))
    assert "已删除2026年度的申请时间：2026年3月1日至3月31日。" in text and "春季集中受理" not in text
    again = console.post(f"/admin/periods/remove/{first.id}", {"year": "2026"})
    assert again.status_code == 302
    assert "这段申请时间已不存在" in _text(console.get("/admin/periods/?year=2026"))
    assert console.get(f"/admin/periods/remove/{first.id}").status_code == 404
    with db.factory() as s:
        audited = select(AuditEntry).where(AuditEntry.object_type == "application_period").order_by(AuditEntry.id)
        actions = [(e.actor, e.action) for e in s.scalars(audited)]
    assert actions == [("publisher", "period_add"), ("publisher", "period_add"), ("publisher", "period_remove")]
    console.login("admin")
    assert _add(console, "2027", "2027-03-01", "2027-03-31").status_code == 302
    log = _text(console.get("/admin/audit/"))
    assert "admin 公布申请时间 申请时间 2027" in log and "publisher 删除申请时间 申请时间 2026" in log
    with db.factory() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "period_remove")).one()
    details = _text(console.get(f"/admin/audit/details/?id={entry.id}"))
    assert "开始日期 2026-03-01" in details and "结束日期 2026-03-31" in details


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"starts_on": "2026-12-20", "ends_on": "2027-01-10"}, "ends_on", "2027-01-10 不在2026年度内"),
        (
            {"starts_on": "2026-03-31", "ends_on": "2026-03-01"},
            "ends_on",
            "结束日期 2026-03-01 早于开始日期 2026-03-31。",
        ),
        (
            {"starts_on": "2026-03-15", "ends_on": "2026-04-15"},
            "starts_on",
            "与2026年度已公布的申请时间“2026年3月1日至3月31日”重叠。",
        ),
        ({"starts_on": "", "ends_on": "2026-04-15"}, "starts_on", "请填写日期（年-月-日）。"),
        ({"year": "1999"}, "year", "请填写2000至2100之间的年度。"),
        ({"year": "二〇二六"}, "year", "请填写2000至2100之间的年度。"),
        ({"note": "长" * 201}, "note", "说明最多200个字，现有201个字。"),
        ({"note": "a\x00"}, "note", "说明含有无法保存的控制字符"),
    ],
)
def test_what_is_refused_is_said_at_its_field(
    console: Console, clock: Clock, form: dict[str, str], field: str, message: str
) -> None:
    console.login("publisher")
    _add(console, "2026", "2026-03-01", "2026-03-31")
    values = {"year": "2026", "starts_on": "2026-05-01", "ends_on": "2026-05-31", "note": "", **form}
    answer = console.post("/admin/periods/add", values)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    found = re.search(rf'id="{field}-error">([^<]*)<', html)
    assert found is not None and message in found.group(1), html
    assert f'id="{field}" name="{field}"' in html  # the form keeps what was typed


def test_an_auditor_looks_and_an_editor_does_not_see_it(console: Console, db: Any, clock: Clock) -> None:
    with db.transaction() as s:
        period = periods.add(s, 2026, D(2026, 3, 1), D(2026, 3, 31), "", "publisher")
    console.login("auditor")
    page = console.get("/admin/periods/?year=2026")
    assert page.status_code == 200 and "2026年3月1日至3月31日" in _text(page)
    html = page.get_data(as_text=True)
    assert "period-form" not in html and "/admin/periods/remove/" not in html
    assert _add(console, "2026", "2026-05-01", "2026-05-31").status_code == 403
    assert console.get(f"/admin/periods/remove/{period.id}").status_code == 403
    assert console.post(f"/admin/periods/remove/{period.id}").status_code == 403
    for who in ("editor", "department"):
        console.login(who)
        assert console.get("/admin/periods/").status_code == 403, who
        assert _add(console, "2026", "2026-05-01", "2026-05-31").status_code == 403, who
        assert console.post(f"/admin/periods/remove/{period.id}").status_code == 403, who
    with db.factory() as s:
        assert len(periods.listed(s)) == 1


def test_changes_need_the_csrf_token(seeded: Any, db: Any) -> None:
    client = seeded.test_client()

    def token(url: str) -> str:
        found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(as_text=True))
        assert found is not None
        return found.group(1)

    client.post("/admin/login", data={"username": "publisher", "password": PASSWORD,
                                       "csrf_token": token("/admin/login")})  # fmt: skip
    form = {"year": "2026", "starts_on": "2026-03-01", "ends_on": "2026-03-31", "note": ""}
    assert client.post("/admin/periods/add", data=form).status_code == 400
    with db.factory() as s:
        assert periods.listed(s) == []
    assert client.post("/admin/periods/add", data={**form, "csrf_token": token("/admin/periods/")}).status_code == 302
    with db.factory() as s:
        period = periods.listed(s)[0]
    assert client.post(f"/admin/periods/remove/{period.id}", data={"year": "2026"}).status_code == 400
    with db.factory() as s:
        assert len(periods.listed(s)) == 1


def test_a_receipt_outside_the_periods_is_explained_in_chinese(db: Any, seeded: Any) -> None:
    with db.transaction() as s:
        periods.add(s, 2026, D(2026, 3, 1), D(2026, 3, 31), "", "publisher")
        periods.add(s, 2026, D(2026, 9, 1), D(2026, 9, 1), "", "publisher")
    with db.factory() as s, pytest.raises(periods.PeriodRefused) as caught:
        periods.check_receipt(s, 2026, D(2026, 5, 4))
    with seeded.test_request_context():
        assert problem_text(caught.value) == (
            "2026-05-04 不在2026年度的申请时间内（2026年3月1日至3月31日、2026年9月1日），不能受理新的申请；"
            "补充材料和提出异议不受此限。"
        )
