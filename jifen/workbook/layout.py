"""What the ruleset workbook looks like: its sheets, columns, header rows, styles and print setup.

The writer and the reader both work from these tables, so that a column the writer adds is a column the reader
knows. Columns are found by their header text in row 4, never by position: a clerk may insert a column for
comments (意见) anywhere, and a deleted column is named in the error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.canonical import plain_number

FORMAT = "jifen-ruleset-workbook"
FORMAT_VERSION = 1
INDEX_SHEET = "_jifen"  # hidden: the format marker and the version's identity
COVER_SHEET = "版本说明"
FACTS_SHEET = "事实目录"
CASES_SHEET = "测试用例"
RESERVED_SHEETS = (INDEX_SHEET, COVER_SHEET, FACTS_SHEET, CASES_SHEET)

HEADER_TEXT_ROWS = 3  # title; version, status, effective date, content hash; what the sheet holds
HEADER_ROW = 4  # column headers
FIRST_ROW = 5

STATUS_NAMES = {"draft": "草稿", "published": "已发布", "retired": "已停用"}
TYPE_NAMES = {"bool": "是/否", "int": "整数", "number": "数字", "date": "日期", "enum": "选项", "string": "文字"}
KIND_NAMES = {"add": "加分", "deduct": "减分"}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str
    width: float
    text: bool = False  # typed as text in Excel, so that a code such as 1-2 never becomes a date


MACHINE = Column("machine", "机读数据（请勿修改）", 40)

CATEGORY_COLUMNS = (
    Column("code", "编号", 7, text=True),
    Column("indicator", "指标", 13),
    Column("item", "细则", 26),
    Column("condition", "条件", 30),
    Column("points", "分值", 17),
    Column("cap", "上限", 6),
    Column("group", "不累加分组", 9, text=True),
    Column("departments", "责任部门", 14),
    Column("reference", "依据", 26),
    MACHINE,
)
FACT_COLUMNS = (
    Column("name", "字段", 22, text=True),
    Column("label", "名称", 30),
    Column("type", "类型", 16),
    Column("range", "范围或可选值", 40),
    Column("required", "必填", 6),
    Column("department", "责任部门", 16),
    Column("description", "说明", 28),
    MACHINE,
)
CASE_COLUMNS = (
    Column("name", "用例", 28),
    Column("as_of", "评分日期", 11),
    Column("facts", "申请事实", 62),
    Column("expected", "预期结果", 52),
    MACHINE,
)
COVER_COLUMNS = (
    Column("topic", "项目", 14),
    Column("code", "编号", 14, text=True),
    Column("content", "内容", 64),
    Column("detail", "条件或计分方式", 40),
    Column("cap", "上限", 8),
    MACHINE,
)
IMPACT_COLUMNS = (
    Column("case", "用例", 34),
    Column("from", "来自", 6),
    Column("a", "A 总分", 10),
    Column("b", "B 总分", 10),
    Column("delta", "变化", 10),
)

_FONT = "宋体"
_THIN = Side(style="thin", color="999999")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
TITLE_FONT = Font(name=_FONT, size=14, bold=True)
NOTE_FONT = Font(name=_FONT, size=10, color="555555")
HEADER_FONT = Font(name=_FONT, size=11, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BODY_FONT = Font(name=_FONT, size=11)
GROUP_FONT = Font(name=_FONT, size=11, bold=True)
GROUP_FILL = PatternFill("solid", fgColor="F2F2F2")
CHANGED_FILL = PatternFill("solid", fgColor="FFF2CC")
MACHINE_FONT = Font(name="Consolas", size=8, color="808080")


def cell_value(value: Any) -> Any:
    """A value as it goes into a cell: numbers as numbers (``Decimal('0.25') -> 0.25``), nothing as empty."""
    if isinstance(value, Decimal):
        return plain_number(value)
    if value == "" or value is None:
        return None
    return value


def header_texts(
    title: str, ref: str, status: str, effective_from: dt.date, content_hash: str, caption: str
) -> list[str]:
    """The three lines on top of every sheet."""
    status_text = STATUS_NAMES.get(status, status)
    line = f"版本 {ref}　状态 {status_text}　生效日期 {effective_from.isoformat()}　内容指纹 {content_hash}"
    return [title, line, caption]


def start_sheet(ws: Worksheet, header: Sequence[str], columns: Sequence[Column]) -> None:
    """Header lines, column headers, widths, frozen header, and a page set up for printing on A4 landscape."""
    for row, (text, font) in enumerate(zip(header, (TITLE_FONT, NOTE_FONT, NOTE_FONT)), start=1):
        cell = ws.cell(row=row, column=1, value=text)
        cell.font = font
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=HEADER_ROW, column=index, value=column.header)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, WRAP
        dimension = ws.column_dimensions[get_column_letter(index)]
        dimension.width = column.width
        if column is MACHINE:
            # the machine column is grouped and hidden: out of the clerk's way and off the printed page
            dimension.hidden = True
            dimension.outlineLevel = 1
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=1)
    ws.print_title_rows = f"1:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.sheet_properties.outlinePr.summaryRight = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.right.text = "&A"


def write_row(
    ws: Worksheet, row: int, columns: Sequence[Column], values: dict[str, Any], *, group: bool = False
) -> dict[str, Any]:
    """Write one table row; returns what each cell shows (the cells left empty are not listed)."""
    shown: dict[str, Any] = {}
    for index, column in enumerate(columns, start=1):
        value = cell_value(values.get(column.key))
        cell = ws.cell(row=row, column=index, value=value)
        if column is MACHINE:
            cell.font = MACHINE_FONT
            continue
        cell.font = GROUP_FONT if group else BODY_FONT
        cell.border, cell.alignment = BORDER, WRAP
        if group:
            cell.fill = GROUP_FILL
        if column.text:
            cell.number_format = "@"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        if value is not None:
            shown[column.key] = value.isoformat() if isinstance(value, dt.date) else value
    return shown


def sheet_title(name: str, taken: Iterable[str]) -> str:
    """A valid, unused sheet name for a category: Excel forbids []:*?/\\ and more than 31 characters."""
    clean = "".join("_" if ch in "[]:*?/\\" else ch for ch in name).strip("' ") or "类别"
    used = {t.lower() for t in taken}
    candidate, n = clean[:31], 1
    while candidate.lower() in used:
        n += 1
        suffix = f"（{n}）"
        candidate = clean[: 31 - len(suffix)] + suffix
    return candidate
