"""影响分析 a clerk can use: never a version against itself, populations a clerk has (the applications received in a
year, a workbook of applicants from a template), every bad cell named, an .xlsx where JSON was expected recognised."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import openpyxl
import pytest

from jifen import applications
from jifen.applications import VOID_REASONS, Actor, Context, workdays
from jifen.standard import rulesets
from jifen.standard.population import ApplicationsSource, FileSource, PopulationError
from tests.admin.test_impact_page import BASE, wait_for
from tests.admin.test_workbook_import import text


def ids(db: Any) -> dict[str, int]:
    with db.transaction() as s:
        return {v.ref: v.id for v in rulesets.list_versions(s)}


def selected(page: str, name: str) -> str:
    select = page[page.index(f'id="{name}"') :]
    select = select[: select.index("</select>")]
    found = re.search(r'<option value="\d+" selected>([^<（]+)', select)
    assert found is not None
    return found.group(1)


def post(console: Any, **form: Any) -> Any:
    data = {"kind": "file", "year": "2026", "date": "2026-06-01", "cutoffs": "", **form}
    return console.post("/admin/impact/", data=data, content_type="multipart/form-data")


def template(console: Any, vid: int) -> openpyxl.Workbook:
    response = console.get(f"/admin/impact/template.xlsx?version={vid}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=applicants-tongxiang-")
    return openpyxl.load_workbook(io.BytesIO(response.data))


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def fill(book: openpyxl.Workbook, rows: list[dict[str, Any]]) -> bytes:
    ws = book["申请人"]
    headers = [c.value for c in ws[1]]
    for n, row in enumerate(rows, start=2):
        for label, value in row.items():
            ws.cell(row=n, column=headers.index(label) + 1, value=value)
    return saved(book)


APPLICANT = {"申请编号": "X-1", "持有桐乡市范围内有效的浙江省居住证": "是", "浙江省居住证已完成本年度签注": "是", "出生日期": dt.date(1990, 5, 1),
             "上一年度在本市缴纳个人所得税（元）": 3000}  # fmt: skip


# -- which versions -------------------------------------------------------------------------------------------


def test_the_defaults_never_compare_a_version_with_itself(console: Any, db: Any) -> None:
    console.login("editor")
    page = console.get("/admin/impact/").get_data(as_text=True)
    assert selected(page, "version") == "tongxiang/2026/1" and selected(page, "base") == "tongxiang/2025/1"
    assert "新版本为今天生效的 tongxiang/2026/1，基准版本为它之前的版本 tongxiang/2025/1" in page
    with db.transaction() as s:
        rulesets.clone(s, "tongxiang/2026/1", "editor")
    page = console.get("/admin/impact/").get_data(as_text=True)
    assert selected(page, "version") == "tongxiang/2026/2" and selected(page, "base") == "tongxiang/2026/1"
    assert "新版本为最新的草稿 tongxiang/2026/2" in page


def test_the_same_version_twice_is_refused_and_not_run(console: Any, db: Any) -> None:
    vid = ids(db)["tongxiang/2026/1"]
    console.login("editor")
    response = post(console, version=str(vid), base=str(vid), kind="stored")
    assert response.status_code == 422
    assert "新版本和基准版本都是 tongxiang/2026/1：同一个版本与自身对比不会有任何变化，因此没有运行" in text(
        response.get_data(as_text=True)
    )
    assert "还没有分析" in response.get_data(as_text=True)  # no job was started


# -- a workbook of applicants ----------------------------------------------------------------------------------


def test_the_template_has_the_catalogues_columns_in_chinese_with_value_lists(console: Any, db: Any) -> None:
    console.login("editor")
    book = template(console, ids(db)["tongxiang/2026/1"])
    ws = book["申请人"]
    headers = [c.value for c in ws[1]]
    assert headers[0] == "申请编号" and "出生日期" in headers and "文化程度（最高学历）" in headers
    assert "年龄（周岁）" not in headers  # derived from the birth date: not filled in
    lists = {str(v.sqref): v.formula1 for v in ws.data_validations.dataValidation}
    education = openpyxl.utils.get_column_letter(headers.index("文化程度（最高学历）") + 1)
    assert any(ref.startswith(f"{education}2:") for ref in lists)
    guide = [row for row in book["填写说明"].iter_rows(min_row=5, values_only=True)]
    assert any(row[0] == "文化程度（最高学历）" and "本科" in row[4] for row in guide)


def test_a_filled_in_workbook_runs(console: Any, seeded: Any, db: Any) -> None:
    vid, base = ids(db)["tongxiang/2026/1"], ids(db)["tongxiang/2025/1"]
    console.login("editor")
    rows = [{**APPLICANT, "申请编号": f"X-{k}", "上一年度在本市缴纳个人所得税（元）": 1000 * k} for k in range(5)]
    rows.append({**APPLICANT, "申请编号": "X-DOC", "文化程度（最高学历）": "大学本科", "出生日期": "1991年3月5日"})
    data = fill(template(console, vid), rows)
    response = post(console, version=str(vid), base=str(base), population=(io.BytesIO(data), "申请人名单.xlsx"))
    assert response.status_code == 302, text(response.get_data(as_text=True))
    job = wait_for(seeded, response.headers["Location"].rstrip("/").split("/")[-1])
    assert job.state == "done", job.progress
    report = job.report()
    assert report is not None and report["applications"] == 6 and report["errors"] == []
    assert report["population"] == "申请人名单.xlsx"


def test_every_bad_cell_is_named_and_nothing_runs(console: Any, db: Any) -> None:
    vid, base = ids(db)["tongxiang/2026/1"], ids(db)["tongxiang/2025/1"]
    console.login("editor")
    book = template(console, vid)
    book["申请人"].cell(row=1, column=30, value="月收入")
    rows = [APPLICANT, {**APPLICANT, "申请编号": "X-2", "出生日期": "去年", "文化程度（最高学历）": "博士后", "持有桐乡市范围内有效的浙江省居住证": "也许"},
            {**APPLICANT, "申请编号": "X-3", "上一年度在本市缴纳个人所得税（元）": -5}]  # fmt: skip
    data = fill(book, rows)
    response = post(console, version=str(vid), base=str(base), population=(io.BytesIO(data), "名单.xlsx"))
    assert response.status_code == 422
    shown = text(response.get_data(as_text=True))
    headers = [c.value for c in book["申请人"][1]]

    def cell(label: str, row: int) -> str:
        return f"申请人!{openpyxl.utils.get_column_letter(headers.index(label) + 1)}{row}"

    assert "申请人名单有 5 处需要修改，未开始分析" in shown
    assert "申请人!AD1：没有名为“月收入”的事实字段" in shown
    assert f"{cell('出生日期', 3)}：应为日期（如 1990-05-01），填写的是“去年”" in shown
    assert f"{cell('文化程度（最高学历）', 3)}：应为以下之一：" in shown and "填写的是“博士后”" in shown
    assert f"{cell('持有桐乡市范围内有效的浙江省居住证', 3)}：应填“是”或“否”，填写的是“也许”" in shown
    assert f"{cell('上一年度在本市缴纳个人所得税（元）', 4)}：不能小于 0" in shown
    assert "还没有分析" in response.get_data(as_text=True)


def test_what_is_not_a_workbook_of_applicants_is_refused_in_chinese(console: Any, db: Any) -> None:
    vid, base = ids(db)["tongxiang/2026/1"], ids(db)["tongxiang/2025/1"]
    console.login("editor")
    blank = saved(openpyxl.Workbook())
    response = post(console, version=str(vid), base=str(base), population=(io.BytesIO(blank), "空白.xlsx"))
    assert response.status_code == 422
    assert "第1行应为列名" in text(response.get_data(as_text=True))
    broken = b"PK\x03\x04" + b"\x00" * 200
    response = post(console, version=str(vid), base=str(base), population=(io.BytesIO(broken), "坏.xlsx"))
    assert response.status_code == 422 and "无法读取此 Excel 工作簿" in text(response.get_data(as_text=True))


# -- files that are not JSON, read where JSON is expected --------------------------------------------------------


def test_a_workbook_or_a_binary_file_given_as_json_is_refused_as_a_whole() -> None:
    workbook = saved(openpyxl.Workbook())
    with pytest.raises(PopulationError) as info:
        list(FileSource(io.BytesIO(workbook)))
    assert "Excel 工作簿" in (info.value.zh or "") and "JSON" in str(info.value)
    with pytest.raises(PopulationError) as info:
        list(FileSource(io.BytesIO(b"\xff\xfe\x00J\x00S\n" * 120)))
    assert "不是 UTF-8 编码的文本" in (info.value.zh or "")


# -- the applications received in a year ------------------------------------------------------------------------

CLAIMS = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "education": "bachelor",
          "insurance_months": 36, "local_insurance_months": 24}  # fmt: skip


def test_the_applications_received_in_a_year(console: Any, seeded: Any, db: Any) -> None:
    today = dt.date(2025, 10, 20)
    seeded.config["TODAY"] = lambda: today

    def context(s: Any) -> Context:
        return Context(s, Actor("client", "intake", None, None), today, workdays.load(s))

    with db.transaction() as s:
        for ref in ("A-1", "A-2", "A-3"):
            applications.receive(context(s), ref, 2025, dt.date(2025, 10, 10), "online", CLAIMS)
        applications.void(context(s), "A-3", 2025, sorted(VOID_REASONS)[0], dt.date(2025, 10, 15))
    entries = list(ApplicationsSource(db.factory, 2025))
    assert [json.loads(e[2])["application_ref"] for e in entries] == ["A-1", "A-2"]  # the voided one left out
    assert json.loads(entries[0][2])["facts"] == CLAIMS
    ids_ = ids(db)
    console.login("editor")
    form = {"version": str(ids_["tongxiang/2026/1"]), "base": str(ids_["tongxiang/2025/1"]), "kind": "applications",
            "received_year": "2025"}  # fmt: skip
    response = post(console, **form)
    assert response.status_code == 302, text(response.get_data(as_text=True))
    job = wait_for(seeded, response.headers["Location"].rstrip("/").split("/")[-1])
    assert job.state == "done", job.progress
    assert (job.report() or {})["applications"] == 2
    page = text(console.get(f"/admin/impact/jobs/{job.id}").get_data(as_text=True))
    assert "2025 年度受理的申请" in page
    assert BASE  # the same population helpers as the page's own tests
