"""The workbook's columns come from engine.schema: 证明材料 (materials) written, read back and limited; a field
with a workbook column appears without an edit; a workbook of the earlier layout still imports."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from engine import RulesetError, RulesetVersion, load_file, parse_document, to_document
from engine.schema import INDICATOR, ITEM, Field, Part
from jifen.workbook import read_workbook, version_workbook
from jifen.workbook.layout import CATEGORY_COLUMNS, CATEGORY_ORDER, MACHINE, SHEET_COLUMNS, field_values, table
from jifen.workbook.reader import edits
from tests.conftest import RULESETS

SAMPLE_2026 = RULESETS / "tongxiang-2026.yaml"
FORMAT_1 = Path(__file__).parent / "data" / "tongxiang-2026-format1.xlsx"  # exported before 证明材料 had a column
BASE = "本市基础分指标"
MATERIALS = ITEM.field("materials")


def with_materials(version: RulesetVersion) -> RulesetVersion:
    """The version with materials on every item: one to three lines, and the longest and most there may be."""
    doc = to_document(version)
    for ind in doc["indicators"]:
        for n, item in enumerate(ind["items"]):
            item["materials"] = [f"{item['code']} 证明材料，第{k + 1}项、附复印件" for k in range(1 + n % 3)]
    items = [item for ind in doc["indicators"] for item in ind["items"]]
    items[0]["materials"] = ["居住证", "户口簿", "长" * MATERIALS.entry_limit]  # type: ignore[operator]
    items[1]["materials"] = [f"材料{k}" for k in range(MATERIALS.limit)]  # type: ignore[arg-type]
    return parse_document(doc)


def book_of(version: RulesetVersion) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(version_workbook(version)))


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def header(ws: Worksheet, text: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(row=4, column=c).value == text)


def rows_by_code(ws: Worksheet) -> dict[str, int]:
    return {str(ws.cell(row=r, column=1).value): r for r in range(5, ws.max_row + 1)}


def problems_of(data: bytes) -> list[Any]:
    with pytest.raises(RulesetError) as info:
        read_workbook(data, "materials.xlsx")
    return list(info.value.problems)


# -- 证明材料 -----------------------------------------------------------------------------------------------------


def test_materials_one_a_line_and_the_hash_kept() -> None:
    version = with_materials(load_file(SAMPLE_2026))
    book = book_of(version)
    for cat in version.categories:
        ws = book[next(n for n in book.sheetnames if book[n]["A3"].value.startswith(cat.name))]
        at = header(ws, "证明材料")
        assert at == header(ws, "依据") + 1 and ws.cell(row=4, column=at + 1).value == MACHINE.header
        rows = rows_by_code(ws)
        for ind in version.indicators:
            if ind.category != cat.code:
                continue
            assert ws.cell(rows[ind.code], at).value is None
            for item in ind.items:
                cell = ws.cell(rows[item.code], at)
                assert cell.value == "\n".join(item.materials) and cell.alignment.wrap_text
    back = read_workbook(version_workbook(version), "materials.xlsx")
    assert back.content_hash == version.content_hash != load_file(SAMPLE_2026).content_hash
    assert [i.materials for ind in back.indicators for i in ind.items] == [
        i.materials for ind in version.indicators for i in ind.items
    ]


@pytest.mark.parametrize("path", sorted(RULESETS.glob("*.yaml")), ids=lambda p: p.name)
def test_the_samples_materials_are_shown_and_read_back(path: Path) -> None:
    version = load_file(path)
    book = book_of(version)
    shown: dict[str, Any] = {}
    for name in book.sheetnames[1:-3]:  # the category sheets
        ws = book[name]
        at = header(ws, "证明材料")
        shown |= {code: ws.cell(row, at).value for code, row in rows_by_code(ws).items()}
    items = [item for ind in version.indicators for item in ind.items]
    assert {i.code: shown[i.code] for i in items} == {i.code: "\n".join(i.materials) or None for i in items}
    assert read_workbook(version_workbook(version), path.name).content_hash == version.content_hash


def test_the_2026_sample_has_materials_on_every_item_and_keeps_its_hash() -> None:
    version = load_file(SAMPLE_2026)
    assert all(item.materials for ind in version.indicators for item in ind.items)
    back = read_workbook(version_workbook(version), SAMPLE_2026.name)
    assert back.content_hash == version.content_hash
    assert back.indicators == version.indicators


def test_edited_materials_count() -> None:
    version = with_materials(load_file(SAMPLE_2026))
    book = book_of(version)
    ws = book[BASE]
    at, rows = header(ws, "证明材料"), rows_by_code(ws)
    ws.cell(rows["T2-1"], at).value = "社保缴费记录\r\n\n  不动产权证书  \n"  # a blank line and spaces: left out
    ws.cell(rows["T2-2"], at).value = None  # no materials
    ws.cell(rows["T3-1"], at).value = "住房公积金缴存证明，含单位盖章、经办人签字"  # commas stay in one entry
    doc = to_document(version)
    items = {i["code"]: i for ind in doc["indicators"] for i in ind["items"]}
    items["T2-1"]["materials"] = ["社保缴费记录", "不动产权证书"]
    del items["T2-2"]["materials"]
    items["T3-1"]["materials"] = ["住房公积金缴存证明，含单位盖章、经办人签字"]
    back = read_workbook(saved(book), "edited.xlsx")
    assert back.content_hash == parse_document(doc).content_hash
    assert {i.code: i.materials for ind in back.indicators for i in ind.items}["T2-2"] == ()


def test_materials_beyond_the_schemas_limits_are_refused_at_the_cell() -> None:
    book = book_of(with_materials(load_file(SAMPLE_2026)))
    ws = book[BASE]
    at, rows = header(ws, "证明材料"), rows_by_code(ws)
    letter = openpyxl.utils.get_column_letter(at)
    ws.cell(rows["T2-1"], at).value = "\n".join(f"材料{k}" for k in range(21))
    ws.cell(rows["T2-2"], at).value = "居住证\n" + "长" * 201
    ws.cell(rows["T2"], at).value = "居住证"  # an indicator has no materials
    problems = problems_of(saved(book))
    assert [(p.path, p.text("zh")) for p in problems] == [
        (f"{BASE}!{letter}{rows['T2']}", "指标的这一列不读取，请留空"),
        (f"{BASE}!{letter}{rows['T2-1']}", "证明材料最多填写 20 项（每项一行），现有 21 项"),
        (f"{BASE}!{letter}{rows['T2-2']}", "证明材料第 2 项有 201 个字，每项最多 200 个字"),
    ]
    assert problems[1].message == "proof materials: at most 20 entries (one a line), got 21"
    assert problems[2].message == "proof materials: entry 2 has 201 characters; each may have at most 200"


# -- the earlier layout ---------------------------------------------------------------------------------------------


def test_a_workbook_of_the_earlier_layout_imports_with_no_materials() -> None:
    data = FORMAT_1.read_bytes()
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book["_jifen"]["A2"].value == 1
    assert "证明材料" not in [c.value for c in book[BASE][4]]
    exported = json.loads(book["_jifen"]["A3"].value)["content_hash"]
    back = read_workbook(data, FORMAT_1.name)
    assert back.content_hash == exported and back.status == "draft"
    assert all(i.materials == () for ind in back.indicators for i in ind.items)
    # its cells are still read by what they showed when exported: an indicator's name edited, one emptied
    ws = book[BASE]
    rows = rows_by_code(ws)
    ws.cell(rows["T2"], header(ws, "指标")).value = "参保缴费情况"
    ws.cell(rows["T2-1"], header(ws, "细则")).value = None
    problems = problems_of(saved(book))
    assert [p.path for p in problems] == [f"{BASE}!C{rows['T2-1']}"]
    ws.cell(rows["T2-1"], header(ws, "细则")).value = "在本市累计缴纳社会保险"
    back = read_workbook(saved(book), FORMAT_1.name)
    assert {i.code: i.name for i in back.indicators}["T2"] == "参保缴费情况"
    assert {i.code: i.label for ind in back.indicators for i in ind.items}["T2-1"] == "在本市累计缴纳社会保险"


def test_a_deleted_materials_column_of_a_new_workbook_is_named() -> None:
    book = book_of(load_file(SAMPLE_2026))
    ws = book[BASE]
    ws.delete_cols(header(ws, "证明材料"))
    assert "missing column '证明材料'" in str(problems_of(saved(book))[0])


# -- a field declared with a workbook column --------------------------------------------------------------------------


def test_a_new_item_field_with_a_column_appears_without_an_edit() -> None:
    note = Field("remark", "note", "审核备注", "remark", column="审核备注", help="审核时的备注")
    part = Part("item", ITEM.zh, ITEM.en, (*ITEM.fields, note), key="code")
    columns = table({"indicator": INDICATOR, "item": part}, CATEGORY_ORDER)
    headers = [c.header for c in columns]
    assert headers == [*(c.header for c in CATEGORY_COLUMNS[:-1]), "审核备注", MACHINE.header]
    assert field_values(columns, "item", {"code": "X-1", "remark": "核对原件"})["remark"] == "核对原件"
    assert "remark" in edits(columns, "item") and "remark" not in edits(columns, "indicator")
    replaced, read = edits(columns, "item")["remark"]
    assert replaced == ("remark",) and read("  核对原件 ") == {"remark": "核对原件"}
    # and a field that has no column is not in the workbook
    hidden = Part("item", ITEM.zh, ITEM.en, tuple(replace(f, column=None) if f is MATERIALS else f
                                                  for f in ITEM.fields), key="code")  # fmt: skip
    assert "证明材料" not in [c.header for c in table({"indicator": INDICATOR, "item": hidden}, CATEGORY_ORDER)]


def test_the_workbook_follows_the_schemas_declaration_end_to_end(monkeypatch: pytest.MonkeyPatch) -> None:
    # the same field declared with another workbook column: written there, read back from there
    item = Part("item", ITEM.zh, ITEM.en, tuple(replace(f, column="所需材料") if f is MATERIALS else f
                                                for f in ITEM.fields), key="code")  # fmt: skip
    monkeypatch.setitem(SHEET_COLUMNS, "category", table({"indicator": INDICATOR, "item": item}, CATEGORY_ORDER))
    version = load_file(SAMPLE_2026)
    book = book_of(version)
    ws = book[BASE]
    headers = [c.value for c in ws[4]]
    assert "证明材料" not in headers and headers.index("所需材料") == headers.index("依据") + 1
    at, rows = header(ws, "所需材料"), rows_by_code(ws)
    t2_1 = next(i for ind in version.indicators for i in ind.items if i.code == "T2-1")
    assert ws.cell(rows["T2-1"], at).value == "\n".join(t2_1.materials)
    assert read_workbook(saved(book), "declared.xlsx").content_hash == version.content_hash
    ws.cell(rows["T2-1"], at).value = "社保缴费记录\n身份证"
    back = read_workbook(saved(book), "declared.xlsx")
    assert {i.code: i.materials for ind in back.indicators for i in ind.items}["T2-1"] == ("社保缴费记录", "身份证")
