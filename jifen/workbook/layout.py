"""What the ruleset workbook looks like: its sheets, columns, header rows, styles and print setup.

The writer and the reader both work from these tables, so that a column the writer adds is a column the reader
knows. A table's columns are the fields that engine.schema declares with a workbook ``column`` (its header, its
kind and limits), placed in the order given here, and the few composite columns that show more than one field
(条件, 分值, 范围或可选值, the machine data). Columns are found by their header text in row 4, never by position:
a clerk may insert a column for comments (意见) anywhere, and a deleted column is named in the error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from engine.canonical import plain_number
from engine.schema import CASE, CATEGORY, FACT, INDICATOR, ITEM, REQUIREMENT, VERSION, Field, Part

FORMAT = "jifen-ruleset-workbook"
# 2: the index lists each sheet's column headers, and rows' machine data names the cells by the fields' keys
FORMAT_VERSION = 2
INDEX_SHEET = "_jifen"  # hidden: the format marker and the version's identity
BASE_ROW, BASE_CHUNK = 4, 32000  # the index's cells from A4 down: the exported content, packed
MAX_BASE = 20 * 1024 * 1024  # unpacked, at most (a version's content is some 30 kB)
COVER_SHEET = "版本说明"
FACTS_SHEET = "事实目录"
CASES_SHEET = "测试用例"
RESERVED_SHEETS = (INDEX_SHEET, COVER_SHEET, FACTS_SHEET, CASES_SHEET)

HEADER_TEXT_ROWS = 3  # title; version, status, effective date, content hash; what the sheet holds
HEADER_ROW = 4  # column headers
FIRST_ROW = 5


def _names(f: Field) -> dict[str, str]:
    return dict(zip(f.choices, f.choice_labels))


STATUS_NAMES = _names(VERSION.field("status"))
TYPE_NAMES = _names(FACT.field("type"))
KIND_NAMES = _names(CATEGORY.field("kind"))

# the kinds of field a cell is read back as (the others are shown only: a code that others refer to, a choice)
READABLE_KINDS = frozenset({"code", "text", "note", "points", "number", "texts", "boolean", "date"})
_TEXT_KINDS = frozenset({"code", "identifier"})  # typed as text in Excel, so that 1-2 never becomes a date
_WIDTHS = {"code": 8, "identifier": 20, "text": 24, "note": 30, "texts": 30, "boolean": 6, "date": 11}


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table: its header and width, and the schema fields it shows on each kind of row."""

    key: str
    header: str
    width: float
    text: bool = False  # typed as text in Excel, so that a code such as 1-2 never becomes a date
    fields: tuple[tuple[str, Field], ...] = ()  # (kind of row, the field shown on such a row)
    joiner: str = "\n"  # between the entries of a list: one a line (Alt+Enter), or 、 for short names
    read_only: bool = False  # shown, never read back, although its kind could be
    covers: tuple[str, ...] = ()  # other document keys shown here (a composite column: 条件, 分值…)
    # what a column that is not read back shows, and where to change it instead: (English, Chinese, hint, Chinese hint)
    shows: tuple[str, str, str, str] | None = None

    def field(self, kind: str) -> Field | None:
        """The field this column shows on a row of ``kind``."""
        return next((f for k, f in self.fields if k == kind), None)

    def editable(self, kind: str) -> Field | None:
        """The field read back from this column on a row of ``kind``, if it is read back."""
        f = self.field(kind)
        return f if f is not None and not self.read_only and f.kind in READABLE_KINDS else None

    def what_it_shows(self) -> tuple[str, str, str, str]:
        """What a cell of this column that is not read back shows, and where to change it (see ``shows``)."""
        if self.shows is not None:
            return self.shows
        names = [f for _, f in self.fields]
        en, zh = (names[0].en, names[0].zh) if names else (self.key, self.header)
        return (f"the {en}", zh, "change it in the console", "请在管理后台修改")

    def keys(self, kind: str) -> tuple[str, ...]:
        """The document keys of a row of ``kind`` this column shows (where the loader's problems are put)."""
        f = self.field(kind)
        return ((f.key,) if f is not None else ()) + self.covers


def at(header: str, width: float, **options: Any) -> Column:
    """A column of the fields whose ``column`` is ``header`` (filled in by :func:`table`)."""
    return Column("", header, width, **options)


def table(parts: dict[str, Part], order: Sequence[Column]) -> tuple[Column, ...]:
    """A sheet's columns: those of ``order`` (``at`` a field's header, or composite), then every other field of
    ``parts`` that has a workbook column, then the machine column.

    A field declared with a ``column`` in engine.schema appears here without an edit; ``order`` only places it.
    """
    by_header: dict[str, list[tuple[str, Field]]] = {}
    for kind, part in parts.items():
        for f in part.fields:
            if f.column is not None:
                by_header.setdefault(f.column, []).append((kind, f))
    listed = {c.header for c in order}
    extra = [at(h, _WIDTHS.get(pairs[0][1].kind, 12)) for h, pairs in by_header.items() if h not in listed]
    columns = []
    for column in (*order, *extra):
        if column.key == "":
            if column.header not in by_header:
                raise LookupError(f"no field of {', '.join(parts)} has the workbook column {column.header!r}")
            pairs = tuple(by_header[column.header])
            first = pairs[0][1]
            column = replace(column, key=first.key, fields=pairs, text=first.kind in _TEXT_KINDS)
        columns.append(column)
    columns.append(MACHINE)
    keys = [c.key for c in columns]
    assert len(set(keys)) == len(keys), f"two columns of one sheet share a key: {keys}"
    return tuple(columns)


MACHINE = Column("machine", "机读数据（请勿修改）", 40)

_CONSOLE = "change it in the console", "请在管理后台修改"
_CASE = ("the test case", "测试用例的内容", "test cases are changed in the console", "测试用例请在管理后台修改")
# a category sheet: indicator rows, each followed by its items' rows; the fields not placed here (证明材料…) follow
CATEGORY_ORDER = (
    at("编号", 7), at("指标", 13), at("细则", 26),
    Column("condition", "条件", 30, covers=("when",), shows=(
        "the item's condition", "细则的条件", "conditions are changed in the console", "条件请在管理后台修改")),
    Column("points", "分值", 17, covers=("fixed", "per_unit")),
    at("上限", 6), at("不累加分组", 9), at("责任部门", 14, joiner="、"), at("依据", 26),
)  # fmt: skip
CATEGORY_COLUMNS = table({"indicator": INDICATOR, "item": ITEM}, CATEGORY_ORDER)
FACT_COLUMNS = table({"fact": FACT}, (
    at("字段", 22, shows=("the field's name, which conditions and cases refer to", "条件和用例引用的字段名",
                          "rename fields in the console", "字段名请在管理后台修改")),
    at("名称", 30),
    at("类型", 16, covers=("derived",), shows=("the field's type", "字段类型", *_CONSOLE)),
    Column("range", "范围或可选值", 40, covers=("values", "value_labels", "min", "max"),
           shows=("the field's range or options", "字段的范围或可选值", *_CONSOLE)),
    at("必填", 6), at("责任部门", 16), at("说明", 28),
))  # fmt: skip
CASE_COLUMNS = table({"case": CASE}, (
    at("用例", 28), at("评分日期", 11, read_only=True, shows=_CASE), at("申请事实", 62, shows=_CASE),
    at("预期结果", 52, shows=_CASE),
))  # fmt: skip
# the cover: one line per field of the version's information, then the categories and the eligibility requirements
COVER_COLUMNS = (
    Column("topic", "项目", 14, shows=("the name of this line", "本行的项目名称", "it names the line", "它只是本行的名称")),
    Column("code", "编号", 14, text=True, fields=(("category", CATEGORY.field("code")),
                                                 ("requirement", REQUIREMENT.field("code"))),
           shows=("a code that other parts refer to", "被其他内容引用的编号",
                  "codes of categories and requirements are changed in the console", "类别和资格条件的编号请在管理后台修改")),
    Column("content", "内容", 64, fields=(("category", CATEGORY.field("name")),
                                        ("requirement", REQUIREMENT.field("reason"))),
           shows=("the version as exported", "导出时的版本信息", "the reference stays; a workbook whose reference is "
                  "taken by other content is imported as the next revision", "版本号不变；如该版本号已有不同内容，导入为下一修订")),
    Column("detail", "条件或计分方式", 40, fields=(("category", CATEGORY.field("kind")),
                                             ("requirement", REQUIREMENT.field("when"))),
           shows=("the category's kind or the requirement's condition", "类别的计分方式或资格条件", *_CONSOLE)),
    Column("cap", "上限", 8, fields=(("category", CATEGORY.field("cap")),)),
    MACHINE,
)  # fmt: skip
# the version's own fields on the cover, in order; the lines marked 不读取 only show what was exported
META_LINES = ("title", "ref", "status", "effective_from", "sample", "legal_basis", "description", "content_hash")
META_SHOWN = {"ref": "版本（不读取）", "status": "状态（不读取）", "content_hash": "内容指纹（不读取）"}
SHEET_COLUMNS = {"cover": COVER_COLUMNS, "facts": FACT_COLUMNS, "cases": CASE_COLUMNS, "category": CATEGORY_COLUMNS}
# a workbook of format 1 had no column for these, and named two columns of a category sheet otherwise
FORMAT_1_LACKS = frozenset({"证明材料"})
FORMAT_1_KEYS = {"indicator": "name", "item": "label"}

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


def field_values(columns: Sequence[Column], kind: str, doc: dict[str, Any]) -> dict[str, Any]:
    """What each column of a field shows on a row of ``kind`` whose object in the document is ``doc``."""
    out: dict[str, Any] = {}
    for column in columns:
        f = column.field(kind)
        if f is not None:
            out[column.key] = _shown(f, doc.get(f.key), column.joiner)
    return out


def _shown(f: Field, value: Any, joiner: str) -> Any:
    if value is None or isinstance(value, dict):  # a condition, a mapping: the writer words it
        return None
    if isinstance(value, bool):
        return "是" if value else None
    if isinstance(value, list | tuple):
        return joiner.join(str(v) for v in value) or None
    if f.kind == "choice":
        return _names(f).get(value, value)
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
    ws.freeze_panes = f"A{FIRST_ROW}"
    ws.print_title_rows = f"1:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    properties = ws.sheet_properties
    assert properties.pageSetUpPr is not None and properties.outlinePr is not None  # a new sheet has both
    properties.pageSetUpPr.fitToPage = True
    properties.outlinePr.summaryRight = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    footer = ws.oddFooter
    assert footer is not None and footer.center is not None and footer.right is not None
    footer.center.text = "第 &P 页，共 &N 页"
    footer.right.text = "&A"


def first_sheet(book: Workbook, title: str) -> Worksheet:
    """The sheet a new workbook starts with, named ``title``."""
    ws = book.active
    assert isinstance(ws, Worksheet)
    ws.title = title
    return ws


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
