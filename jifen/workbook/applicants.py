"""Applicants as an Excel workbook, for 影响分析: a template a clerk fills in, and the reader of a filled one.

The template has one column per fact a clerk can fill in (the version's fact catalogue, derived facts left out),
headed by the fact's Chinese label, with a drop-down of the options of a choice and of 是/否, and a sheet that
says how to fill each column. The reader finds the columns by their header (the label, or the fact's name), reads
each cell as its fact's type and checks it as the engine will (range, options, dates); every problem is named by
its cell (「申请人!D7」) in Chinese and in English, so that a clerk can find and correct it.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from engine import dumps
from engine.canonical import number_text
from engine.facts import Invalid, converter, plausible_date
from engine.model import FactField
from engine.problems import render
from jifen.workbook import limits
from jifen.workbook.layout import BODY_FONT, BORDER, HEADER_FILL, HEADER_FONT, TYPE_NAMES, WRAP, first_sheet
from jifen.workbook.problems import problem

SHEET = "申请人"
GUIDE_SHEET = "填写说明"
OPTIONS_SHEET = "可选值"
REF_HEADER = "申请编号"
REF_NAMES = (REF_HEADER, "application_ref")
ZIP_MAGIC = b"PK\x03\x04"
# a workbook is read while the page waits (some 3,000 to 10,000 rows a second): larger populations go as JSON Lines
MAX_ROWS = 50_000
MAX_ERRORS = 200  # named one by one; beyond them only counted
MAX_UNPACKED_MB = 200
# Checked before openpyxl reads anything (jifen.workbook.limits): a sheet of more rows than MAX_ROWS applicants and
# a header is refused at once; the reading itself is bounded by READING_SECONDS, so that a request is never held
# much longer than that.
BOUNDS = limits.Bounds(unpacked_mb=MAX_UNPACKED_MB, rows=MAX_ROWS + 1, cells=3_000_000, strings=1_000_000)
READING_SECONDS = 20
_TRUE = {"是", "有", "true", "yes", "y", "1", "√", "✓"}
_FALSE = {"否", "无", "false", "no", "n", "0", "×"}
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


def looks_like_xlsx(head: bytes) -> bool:
    """Whether the first bytes of a file are those of an Excel workbook (a zip archive)."""
    return head.startswith(ZIP_MAGIC)


@dataclass(frozen=True, slots=True)
class CellError:
    """A problem of a filled-in workbook at a cell (``申请人!D7``; a whole-file problem has no cell)."""

    cell: str
    zh: str
    en: str

    def text(self, language: str = "zh") -> str:
        said = self.zh if language == "zh" else self.en
        return (
            f"{self.cell}：{said}" if language == "zh" and self.cell else f"{self.cell}: {said}" if self.cell else said
        )


class ApplicantsError(Exception):
    """A workbook of applicants that cannot be used: ``errors`` (the first MAX_ERRORS) and how many there were."""

    def __init__(self, errors: list[CellError], count: int) -> None:
        self.errors, self.count = errors, count
        super().__init__("; ".join(e.text("en") for e in errors[:5]))


def fillable(catalogue: Sequence[FactField]) -> list[FactField]:
    """The facts a clerk fills in: every fact of the catalogue but the derived ones (age from the birth date)."""
    return [f for f in catalogue if f.derived is None]


# -- the template --------------------------------------------------------------------------------------------


def _range_text(f: FactField) -> str:
    if f.type == "enum":
        return "、".join(f.value_labels or f.values)
    if f.type == "bool":
        return "是、否"
    parts = []
    if f.min is not None:
        parts.append(f"≥ {number_text(f.min)}")
    if f.max is not None:
        parts.append(f"≤ {number_text(f.max)}")
    return "，".join(parts) + ("（如 1990-05-01）" if f.type == "date" else "")


def applicants_template(catalogue: Sequence[FactField], ref: str) -> bytes:
    """The workbook a clerk fills in with applicants for version ``ref`` (.xlsx bytes)."""
    book = Workbook()
    ws = first_sheet(book, SHEET)
    fields = fillable(catalogue)
    options = book.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    headers = [REF_HEADER, *(f.label for f in fields)]
    for column, header in enumerate(headers, start=1):
        cell = ws.cell(row=1, column=column, value=header)
        cell.font, cell.fill, cell.border, cell.alignment = HEADER_FONT, HEADER_FILL, BORDER, WRAP
        ws.column_dimensions[get_column_letter(column)].width = max(12, min(30, 2.2 * len(header) + 2))
    ws.freeze_panes = "B2"
    for column, f in enumerate(fields, start=2):
        letter = get_column_letter(column)
        labels = list(f.value_labels or f.values) if f.type == "enum" else ["是", "否"] if f.type == "bool" else []
        if labels:
            for row, label in enumerate(labels, start=1):
                options.cell(row=row, column=column, value=label)
            listed = f"'{OPTIONS_SHEET}'!${letter}$1:${letter}${len(labels)}"
            check = DataValidation(type="list", formula1=listed, allow_blank=True, showErrorMessage=True,
                                   errorTitle=f.label, error="请从下拉列表中选择")  # fmt: skip
            ws.add_data_validation(check)
            check.add(f"{letter}2:{letter}{MAX_ROWS}")
        elif f.type in _FORMATS:
            _format(ws, column, _FORMATS[f.type])
    _format(ws, 1, "@")  # references as typed: 000123 keeps its zeros
    _guide(book.create_sheet(GUIDE_SHEET), fields, ref)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


_FORMATS = {"date": "yyyy-mm-dd", "string": "@"}  # a date shown as one, a text kept as typed


def _format(ws: Any, column: int, number_format: str) -> None:
    for row in range(2, 502):  # the first rows formatted; Excel carries the format on down as rows are filled
        ws.cell(row=row, column=column).number_format = number_format


def _guide(ws: Any, fields: Sequence[FactField], ref: str) -> None:
    ws.append([f"申请人名单的填写说明（{ref} 的事实目录）"])
    ws.append(["每行一名申请人；不知道或不适用的留空。第1列“申请编号”可留空（按行号称呼）。列名须与下表“列名”一致；"
               "可以删去不需要的列，不要改列名。带下拉列表的列请从列表中选择。"])  # fmt: skip
    ws.append([])
    header = ["列名", "字段名", "类型", "必填", "范围或可选值", "核查部门", "说明"]
    ws.append(header)
    for cell in ws[4]:
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, BORDER
    for f in fields:
        ws.append([f.label, f.name, TYPE_NAMES.get(f.type, f.type), "是" if f.required else "", _range_text(f),
                   f.department or "", f.description or ""])  # fmt: skip
    for row in ws.iter_rows(min_row=5):
        for cell in row:
            cell.font, cell.border, cell.alignment = BODY_FONT, BORDER, WRAP
    for letter, width in zip("ABCDEFG", (18, 22, 8, 6, 30, 12, 40)):
        ws.column_dimensions[letter].width = width


# -- reading a filled-in workbook -----------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en


def _shown(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _bool(f: FactField, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _shown(value).strip().lower()
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    raise _Bad(f"应填“是”或“否”，填写的是“{_shown(value)}”", f"expected 是 (yes) or 否 (no), got {_shown(value)!r}")


def _number(f: FactField, value: Any) -> Decimal:
    if isinstance(value, bool):
        raise _Bad(f"应为数字，填写的是“{_shown(value)}”", f"expected a number, got {value!r}")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    text = _shown(value).strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise _Bad(f"应为数字，填写的是“{_shown(value)}”", f"expected a number, got {_shown(value)!r}")
    return number


def _int(f: FactField, value: Any) -> int:
    number = _number(f, value)
    if number != number.to_integral_value():
        raise _Bad(f"应为整数，填写的是“{_shown(value)}”", f"expected a whole number, got {_shown(value)!r}")
    return int(number)


def _date(f: FactField, value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    match = _DATE.fullmatch(_shown(value).strip())
    if match is not None:
        try:
            return dt.date(*(int(part) for part in match.groups())).isoformat()
        except ValueError:
            pass
    raise _Bad(f"应为日期（如 1990-05-01），填写的是“{_shown(value)}”",
               f"expected a date such as 1990-05-01, got {_shown(value)!r}")  # fmt: skip


def _enum(f: FactField, value: Any) -> str:
    text = _shown(value).strip()
    labels = list(f.value_labels or f.values)
    for option, label in zip(f.values, labels):
        if text in (option, label):
            return option
    raise _Bad(f"应为以下之一：{'、'.join(labels)}（填写的是“{text}”）",
               f"expected one of {', '.join(f.values)}, got {text!r}")  # fmt: skip


_READ: dict[str, Callable[[FactField, Any], Any]] = {"bool": _bool, "int": _int, "number": _number, "date": _date, "enum": _enum,
         "string": lambda _f, value: _shown(value).strip()}  # fmt: skip


def cell_fact(f: FactField, value: Any) -> Any:
    """A cell's value as fact ``f`` (a JSON value: a date as its ISO text), checked as the engine checks it."""
    fact = _READ[f.type](f, value)
    try:
        if f.type == "date":
            plausible_date(fact)
        else:
            converter(f)(fact)
    except Invalid as exc:
        raise _Bad(render(exc.code, exc.params, "zh"), str(exc)) from None
    return fact


def _too_many(cell: str) -> CellError:
    return CellError(cell, f"一个工作簿最多 {MAX_ROWS} 名申请人；更多的请分成几个工作簿分别分析，或转为 JSON Lines 文件",
                     f"at most {MAX_ROWS} applicants in a workbook; give more as JSON Lines")  # fmt: skip


class _Found:
    """The problems found so far: the first MAX_ERRORS kept, all counted."""

    def __init__(self) -> None:
        self.errors: list[CellError] = []
        self.count = 0

    def add(self, cell: str, zh: str, en: str) -> None:
        self.count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(CellError(cell, zh, en))


def _open(data: bytes) -> Workbook:
    if not looks_like_xlsx(data[:4]):
        raise ApplicantsError([CellError("", "不是 Excel 工作簿（.xlsx）", "not an Excel workbook (.xlsx)")], 1)
    try:
        limits.check(data, BOUNDS)
    except limits.TooLarge as exc:
        if exc.code == "too_many_rows":
            raise ApplicantsError([_too_many(f"{exc.params['sheet']}!A{exc.params['limit'] + 1}")], 1) from None
        error = problem(exc.code, "", **exc.params)
        raise ApplicantsError([CellError("", error.text("zh"), error.text("en"))], 1) from None
    except Exception:  # not an archive: said below, where openpyxl fails on it
        pass
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # an untrusted file through a third-party parser: any failure means "not readable"
        detail = f"{type(exc).__name__}: {exc}"[:200]
        raise ApplicantsError([CellError("", f"无法读取此 Excel 工作簿（{detail}）", f"unreadable workbook: {detail}")],
                              1) from None  # fmt: skip


def _columns(header: Sequence[Any], sheet: str, fields: dict[str, FactField], derived: dict[str, FactField],
             found: _Found) -> dict[int, FactField | None]:  # fmt: skip
    """Column index → the fact it holds (None: the application reference); problems of the header go in ``found``."""
    columns: dict[int, FactField | None] = {}
    seen: dict[str, str] = {}
    for index, value in enumerate(header):
        name = _shown(value).strip() if value is not None else ""
        if not name:
            continue
        cell = f"{sheet}!{get_column_letter(index + 1)}1"
        if name in seen:
            found.add(cell, f"列名“{name}”与 {seen[name]} 重复", f"column {name!r} repeats {seen[name]}")
            continue
        seen[name] = cell
        if name in REF_NAMES:
            columns[index] = None
        elif name in fields:
            columns[index] = fields[name]
        elif name in derived:
            found.add(cell, f"“{name}”由其他字段计算，不用填写；请删去此列",
                      f"{name!r} is derived from another fact: delete the column")  # fmt: skip
        else:
            found.add(cell, f"没有名为“{name}”的事实字段（列名见“{GUIDE_SHEET}”工作表）",
                      f"no fact named {name!r} (see the sheet {GUIDE_SHEET!r})")  # fmt: skip
    return columns


def read_applicants(data: bytes, catalogues: Sequence[Sequence[FactField]]) -> list[bytes]:
    """The applicants of a filled-in workbook as entries of ``score``'s input (JSON, one per applicant), their facts
    read by the fields of ``catalogues`` (the first naming a column wins); ApplicantsError names every bad cell."""
    book = _open(data)
    try:
        ws = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
        fields: dict[str, FactField] = {}
        derived: dict[str, FactField] = {}
        for catalogue in catalogues:
            for f in catalogue:
                for key in (f.label, f.name):
                    (derived if f.derived is not None else fields).setdefault(key, f)
        found = _Found()
        rows = ws.iter_rows(values_only=True)
        header = next(rows, ())
        columns = _columns(header, ws.title, fields, derived, found)
        if not any(f is not None for f in columns.values()) and not found.count:
            found.add(f"{ws.title}!A1", f"第1行应为列名（申请编号和各事实字段的名称，见“{GUIDE_SHEET}”）",
                      "row 1 must name the columns (申请编号 and the facts)")  # fmt: skip
        entries = list(_entries(rows, ws.title, columns, found, limits.Budget(READING_SECONDS)))
    finally:
        book.close()
    if found.count:
        raise ApplicantsError(found.errors, found.count)
    if not entries:
        raise ApplicantsError([CellError(f"{ws.title}!A2", "没有申请人（第2行起每行一名）", "no applicants")], 1)
    return entries


def _entries(rows: Iterator[tuple[Any, ...]], sheet: str, columns: dict[int, FactField | None],
             found: _Found, budget: limits.Budget) -> Iterator[bytes]:  # fmt: skip
    for number, row in enumerate(rows, start=2):
        if number % 1000 == 0 and budget.spent():
            error = problem("reading_too_long", "", limit=budget.seconds)
            found.add(f"{sheet}!A{number}", error.text("zh"), error.text("en"))
            return
        if number - 1 > MAX_ROWS:
            too_many = _too_many(f"{sheet}!A{number}")
            found.add(too_many.cell, too_many.zh, too_many.en)
            return
        if not all(_blank(value) for value in row):
            yield _entry(row, f"{sheet}!", number, columns, found)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _entry(row: tuple[Any, ...], sheet: str, number: int, columns: dict[int, FactField | None], found: _Found) -> bytes:
    """One row as an entry of ``score``'s input; its bad cells go in ``found`` (``sheet`` ends with its "!")."""
    ref, facts = f"第{number}行", {}
    for index, f in columns.items():
        value = row[index] if index < len(row) else None
        if _blank(value):
            continue
        if f is None:
            ref = _shown(value).strip()
            continue
        try:
            facts[f.name] = cell_fact(f, value)
        except _Bad as bad:
            found.add(f"{sheet}{get_column_letter(index + 1)}{number}", bad.zh, bad.en)
    return dumps({"application_ref": ref, "facts": facts}).encode()
