"""The workbook of applicants read cell by cell: what a clerk types is read as the fact's type, what cannot be is
named by its cell in Chinese and in English."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from engine import load_file
from jifen.workbook import applicants
from jifen.workbook.applicants import ApplicantsError, applicants_template, read_applicants
from tests.conftest import RULESETS

VERSION = load_file(RULESETS / "tongxiang-2026.yaml")


def book_with(rows: list[dict[str, Any]], extra_headers: tuple[str, ...] = ()) -> bytes:
    book = openpyxl.load_workbook(io.BytesIO(applicants_template(VERSION.facts, VERSION.ref)))
    ws = book["申请人"]
    for header in extra_headers:
        ws.cell(row=1, column=ws.max_column + 1, value=header)
    headers = [c.value for c in ws[1]]
    for n, row in enumerate(rows, start=2):
        for label, value in row.items():
            ws.cell(row=n, column=headers.index(label) + 1, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def facts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [json.loads(e, parse_float=Decimal)["facts"] for e in read_applicants(book_with(rows), [VERSION.facts])]


def errors(data: bytes) -> list[str]:
    with pytest.raises(ApplicantsError) as info:
        read_applicants(data, [VERSION.facts])
    return [e.text("zh") for e in info.value.errors]


def test_what_a_clerk_types_is_read_as_the_facts_type() -> None:
    read = facts([
        {"申请编号": "000123", "持有桐乡市范围内有效的浙江省居住证": "是", "浙江省居住证已完成本年度签注": "否",
         "出生日期": "1990/5/1", "文化程度（最高学历）": "bachelor", "慈善捐赠金额（元）": "1,500.5",
         "发明专利（件）": 2.0},
        {"出生日期": dt.datetime(1988, 3, 5), "文化程度（最高学历）": "大学本科", "持有桐乡市范围内有效的浙江省居住证": True},
    ])  # fmt: skip
    assert read[0] == {"permit_valid": True, "permit_endorsed": False, "birth_date": "1990-05-01",
                       "education": "bachelor", "donation_amount": Decimal("1500.5"), "invention_patents": 2}  # fmt: skip
    assert read[1] == {"birth_date": "1988-03-05", "education": "bachelor", "permit_valid": True}


def test_headers_that_name_no_fact_or_a_derived_one_or_twice_are_named() -> None:
    found = errors(book_with([{"申请编号": "A"}], extra_headers=("年龄（周岁）", "月收入", "出生日期")))
    assert any("“年龄（周岁）”由其他字段计算，不用填写" in e for e in found)
    assert any("没有名为“月收入”的事实字段" in e for e in found)
    assert any("列名“出生日期”与 申请人!" in e and "重复" in e for e in found)


def test_bad_values_are_named_by_cell() -> None:
    found = errors(
        book_with([{"申请编号": "A", "发明专利（件）": 1.5, "出生日期": "1850-01-01", "慈善捐赠金额（元）": "很多"}])
    )
    assert any(e.endswith("应为整数，填写的是“1.5”") for e in found)
    assert any("应在1900-01-01至2100-12-31之间" in e for e in found)
    assert any("应为数字，填写的是“很多”" in e for e in found)
    assert all(e.startswith("申请人!") and e[4:6] != "!1" for e in found)


def test_no_applicants_and_too_many_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    assert errors(book_with([])) == ["申请人!A2：没有申请人（第2行起每行一名）"]
    monkeypatch.setattr(applicants, "MAX_ROWS", 2)
    found = errors(book_with([{"申请编号": f"A{k}"} for k in range(4)]))
    assert found == ["申请人!A4：一个工作簿最多 2 名申请人；更多的请分成几个工作簿分别分析，或转为 JSON Lines 文件"]
