"""The console's scenes: a publisher creates, edits and publishes one; everyone reads its list; a department user
sees their own department's only; the list downloads as a Chinese workbook."""

from __future__ import annotations

import io
from decimal import Decimal as D
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from jifen.store.models import User
from tests.admin.conftest import Console
from tests.scenes.population import Person, add, scene_document


@pytest.fixture
def console(seeded: Any, db: Any) -> Console:
    seeded.config["WTF_CSRF_ENABLED"] = False
    with db.transaction() as s:
        add(s, [Person(f"TX-2026-{k:06d}", D(95 + 5 * k)) for k in range(4)])  # 95, 100, 105, 110
        s.execute(update(User).where(User.username == "department").values(department="市教育局"))
    return Console(seeded)


def _form(**changes: Any) -> dict[str, Any]:
    document = scene_document(quota=2, **changes)
    return {**{k: str(v) for k, v in document.items()}, "ranking": ", ".join(document["ranking"])}


def test_a_publisher_creates_edits_and_publishes_a_scene(console: Console) -> None:
    console.login("publisher")
    wrong = console.post("/admin/scenes/new", _form(threshold="many", code="Bad Code"))
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "分数线为积分，最多两位小数" in page and "代码只能用小写字母" in page
    created = console.post("/admin/scenes/new", _form())
    assert created.status_code == 302
    again = console.post("/admin/scenes/new", _form())
    assert "该场景代码在该年度已存在" in again.get_data(as_text=True)
    edited = console.post("/admin/scenes/school-entry-primary/2026/edit", _form(threshold="105"))
    assert edited.status_code == 302
    shown = console.get("/admin/scenes/school-entry-primary/2026/").get_data(as_text=True)
    assert "未达到分数线（差5分）" in shown and "入选（第1名）" in shown and "分数线测算" in shown
    assert console.get("/admin/scenes/school-entry-primary/2026/?version=1").status_code == 200
    published = console.post("/admin/scenes/school-entry-primary/2026/publish")
    assert published.status_code == 302
    shown = console.get("/admin/scenes/school-entry-primary/2026/?check=1").get_data(as_text=True)
    assert "名单与哈希一致" in shown and "签名有效" in shown and "sha256:" in shown
    refused = console.post("/admin/scenes/school-entry-primary/2026/edit", _form(threshold="1"))
    assert "场景已公布" in refused.get_data(as_text=True)


def test_readers_read_and_download_departments_see_their_own(console: Console, db: Any) -> None:
    console.login("publisher")
    console.post("/admin/scenes/new", _form())
    console.post("/admin/scenes/new", _form(code="public-rental", name="公租房配租", department="市住建局"))
    console.login("auditor")
    assert console.post("/admin/scenes/school-entry-primary/2026/publish").status_code == 403
    assert 'id="scene-status">草稿' in console.get("/admin/scenes/school-entry-primary/2026/").get_data(as_text=True)
    listed = console.get("/admin/scenes/").get_data(as_text=True)
    assert "公租房配租" in listed and "积分入学（小学一年级）" in listed
    workbook = console.get("/admin/scenes/school-entry-primary/2026/list.xlsx")
    assert workbook.status_code == 200
    sheet = load_workbook(io.BytesIO(workbook.data))["名单"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[3][:6] == ("序号", "申请编号", "排名", "积分", "是否享受", "理由")
    assert rows[4][1:5] == ("TX-2026-000003", 1, 110, "是")
    console.login("department")
    listed = console.get("/admin/scenes/").get_data(as_text=True)
    assert "积分入学（小学一年级）" in listed and "公租房配租" not in listed
    assert console.get("/admin/scenes/public-rental/2026/").status_code == 404
    assert console.get("/admin/scenes/school-entry-primary/2026/").status_code == 200


def test_ranking_keys_are_written_and_shown_in_chinese(console: Console) -> None:
    console.login("publisher")
    new = console.get("/admin/scenes/new").get_data(as_text=True)
    assert 'value="总分，受理日期"' in new and "received_on" not in new
    created = console.post("/admin/scenes/new", {**_form(), "ranking": "总分， 类别：base、指标:T3,受理日期"})
    assert created.status_code == 302
    shown = console.get("/admin/scenes/school-entry-primary/2026/").get_data(as_text=True)
    assert "<td>总分，类别:base，指标:T3，受理日期</td>" in shown
    edit = console.get("/admin/scenes/school-entry-primary/2026/edit").get_data(as_text=True)
    assert 'value="总分，类别:base，指标:T3，受理日期"' in edit
    wrong = console.post("/admin/scenes/new", {**_form(code="other"), "ranking": "总分，年龄"})
    assert "排序键只能是总分、类别:代码、指标:代码、受理日期" in wrong.get_data(as_text=True)
