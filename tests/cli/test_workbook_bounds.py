"""Uploaded workbooks are counted before they are parsed: one beyond its bounds is refused at once, naming the bound,
in Chinese and English, whatever reads it (a ruleset's workbook, a workbook of applicants)."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest

from engine import RulesetError, load_file
from jifen.workbook import applicants, limits, read_workbook, version_workbook
from jifen.workbook.applicants import ApplicantsError, applicants_template, read_applicants
from tests.conftest import RULESETS

VERSION = load_file(RULESETS / "tongxiang-2026.yaml")


def _rows_xml(rows: int, cells: int = 1, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    row = "".join(f'<{p}c r="A1" t="n"><{p}v>1</{p}v></{p}c>' for _ in range(cells))
    body = "".join(f'<{p}row r="{n}">{row}</{p}row>' for n in range(1, rows + 1))
    xmlns = f'xmlns{":" + prefix if prefix else ""}="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    return f'<?xml version="1.0"?><{p}worksheet {xmlns}><{p}sheetData>{body}</{p}sheetData></{p}worksheet>'.encode()


def _archive(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


BOUNDS = limits.Bounds(unpacked_mb=5, rows=100, cells=500, strings=50)


def _applicants(rows: int) -> bytes:
    """A workbook of applicants from the template, with a reference in column A of rows 2 to ``rows``."""
    book = openpyxl.load_workbook(io.BytesIO(applicants_template(VERSION.facts, VERSION.ref)))
    for n in range(2, rows + 1):
        book["申请人"].cell(row=n, column=1, value=f"A{n}")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("prefix", ["", "x"])
def test_rows_cells_and_strings_are_counted_with_or_without_a_namespace_prefix(prefix: str,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(limits, "_BLOCK", 7)  # matches cut across blocks are counted once, not twice or never
    limits.check(_archive({"xl/worksheets/sheet1.xml": _rows_xml(100, 5, prefix)}), BOUNDS)
    with pytest.raises(limits.TooLarge) as rows:
        limits.check(_archive({"xl/worksheets/sheet1.xml": _rows_xml(101, 1, prefix)}), BOUNDS)
    assert (rows.value.code, rows.value.params) == ("too_many_rows", {"sheet": "sheet1.xml", "limit": 100})
    with pytest.raises(limits.TooLarge) as cells:
        limits.check(_archive({"xl/worksheets/a.xml": _rows_xml(60, 5, prefix),
                               "xl/worksheets/b.xml": _rows_xml(60, 5, prefix)}), BOUNDS)  # fmt: skip
    assert cells.value.code == "too_many_cells"
    strings = "<sst>" + "<si><t>x</t></si>" * 51 + "</sst>"
    with pytest.raises(limits.TooLarge) as many:
        limits.check(_archive({"xl/sharedStrings.xml": strings.encode()}), BOUNDS)
    assert many.value.code == "too_many_strings"


def test_a_sheet_is_named_as_excel_shows_it() -> None:
    book = openpyxl.Workbook()
    book.active.title = "细则 & 分值"
    for n in range(1, 103):
        book.active.cell(row=n, column=1, value=n)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(limits.TooLarge) as found:
        limits.check(out.getvalue(), BOUNDS)
    assert found.value.params["sheet"] == "细则 & 分值"


def test_a_ruleset_workbook_of_many_rows_is_refused_before_it_is_parsed() -> None:
    book = openpyxl.load_workbook(io.BytesIO(version_workbook(VERSION)))
    ws = book.worksheets[1]
    for n in range(ws.max_row + 1, 6_002):
        ws.cell(row=n, column=1, value="x")
    out = io.BytesIO()
    book.save(out)
    started = time.monotonic()
    with pytest.raises(RulesetError) as refused:
        read_workbook(out.getvalue(), "big.xlsx")
    assert time.monotonic() - started < 2  # counted, not parsed
    problem = refused.value.problems[0]
    assert problem.text("zh") == f"工作表“{ws.title}”超过 5000 行，工作簿未读取"
    assert problem.text("en") == f"sheet {ws.title!r} has more than 5000 rows; nothing of the workbook was read"


def test_an_applicants_workbook_beyond_its_cells_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(applicants, "BOUNDS", limits.Bounds(unpacked_mb=5, rows=10_000, cells=40, strings=1_000))
    with pytest.raises(ApplicantsError) as refused:
        read_applicants(_applicants(39), [VERSION.facts])
    assert [e.text("zh") for e in refused.value.errors] == ["工作簿超过 40 个单元格，未读取"]


def test_reading_applicants_stops_when_its_time_is_spent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(applicants, "READING_SECONDS", 0)
    with pytest.raises(ApplicantsError) as refused:
        read_applicants(_applicants(1_099), [VERSION.facts])
    assert [e.text("zh") for e in refused.value.errors] == [
        "申请人!A1000：读取工作簿超过 0 秒，已停止；请分成几个较小的工作簿"
    ]


def test_an_applicants_sheet_of_too_many_rows_is_refused_before_it_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(applicants, "BOUNDS", limits.Bounds(unpacked_mb=5, rows=10, cells=10_000, strings=1_000))
    with pytest.raises(ApplicantsError) as refused:
        read_applicants(_applicants(29), [VERSION.facts])
    assert [e.text("zh") for e in refused.value.errors] == [
        f"申请人!A11：一个工作簿最多 {applicants.MAX_ROWS} 名申请人；更多的请分成几个工作簿分别分析，或转为 JSON Lines 文件"
    ]
