"""The tables of a ruleset workbook as rows: the file opened, its index checked, its columns found by header, and
each row with the machine data the writer left in it.

Problems are collected in a :class:`Problems` with the cell they are about; a fault that stops the reading raises
:class:`Fatal` after recording its problem.
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from engine import Problem, RulesetError
from jifen.workbook import limits
from jifen.workbook.cells import normal
from jifen.workbook.layout import (
    FIRST_ROW,
    FORMAT,
    FORMAT_1_KEYS,
    FORMAT_1_LACKS,
    FORMAT_VERSION,
    HEADER_ROW,
    HEADER_TEXT_ROWS,
    INDEX_SHEET,
    MACHINE,
    Column,
)
from jifen.workbook.problems import CellProblem, problem

MAX_UNPACKED_MB = 50
# a ruleset's workbook has some hundreds of rows in all; openpyxl reads these bounds' worth in about two seconds
BOUNDS = limits.Bounds(unpacked_mb=MAX_UNPACKED_MB, rows=5_000, cells=200_000, strings=100_000)
ROW_KINDS = ("indicator", "item", "fact", "case", "category", "requirement", "meta")
SHEET_KINDS = ("cover", "facts", "cases", "category")

Where = tuple[str, int, int]  # sheet, row, column


def address(where: Where) -> str:
    sheet, row, column = where
    return f"{sheet}!{get_column_letter(column)}{row}"


@dataclass(slots=True)
class Row:
    """One row of a table: where it is, its cells by column key, and its machine data."""

    sheet: str
    number: int
    table: dict[str, Column]  # the sheet's columns by key
    columns: dict[str, int]  # where each column is, of those the sheet has
    values: dict[str, Any]
    machine: dict[str, Any]
    doc: Any = None
    children: list[Row] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return str(self.machine["kind"])

    def address(self, key: str) -> Where:
        return (self.sheet, self.number, self.columns.get(key, 1))


@dataclass(frozen=True, slots=True)
class Sheet:
    """A sheet of the workbook with the columns of its kind of table and where it has them."""

    ws: Worksheet
    table: tuple[Column, ...]
    columns: dict[str, int]  # column key → column number, of the columns the sheet has


class Fatal(Exception):
    """The workbook cannot be read further; the problems found so far say why."""


class Problems:
    """The problems found so far, each with its cell; the rows they are on."""

    def __init__(self) -> None:
        self.found: list[tuple[Where | None, CellProblem]] = []
        self.bad_rows: set[tuple[str, int]] = set()
        self.sheet_order: dict[str, int] = {}

    def add(self, code: str, where: Where | None, **params: Any) -> None:
        self.found.append((where, problem(code, address(where) if where else "", **params)))
        if where is not None:
            self.bad_rows.add(where[:2])

    def sorted(self) -> list[Problem]:
        def key(entry: tuple[Where | None, CellProblem]) -> tuple[int, int, int]:
            where = entry[0]
            return (-1, 0, 0) if where is None else (self.sheet_order.get(where[0], 999), where[1], where[2])

        return [p for _, p in sorted(self.found, key=key)]


def open_workbook(data: bytes, source: str) -> Workbook:
    try:
        limits.check(data, BOUNDS)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise RulesetError(source, [problem("not_xlsx", "", detail=str(exc) or type(exc).__name__)]) from None
    except limits.TooLarge as exc:
        raise RulesetError(source, [problem(exc.code, "", **exc.params)]) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read; nothing we use
            return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # an untrusted file through a third-party parser: any failure means "not readable"
        detail = f"{type(exc).__name__}: {exc}"[:200]
        raise RulesetError(source, [problem("not_xlsx", "", detail=detail)]) from None


def _valid_sheets(sheets: Any, format_version: int) -> bool:
    kinds = [spec["kind"] for spec in sheets]
    return (
        all(isinstance(s["name"], str) for s in sheets)
        and all(isinstance(s["header"], list) and len(s["header"]) == HEADER_TEXT_ROWS for s in sheets)
        and set(kinds) <= set(SHEET_KINDS)
        and all(kinds.count(k) == 1 for k in ("cover", "facts", "cases"))
        and all(isinstance(s.get("category"), str) for s in sheets if s["kind"] == "category")
        and (format_version < 2 or all(isinstance(s["columns"], list) for s in sheets))
    )


def read_index(book: Workbook, problems: Problems) -> dict[str, Any]:
    """The hidden index: the format, the version's identity, and each sheet's name, kind, header and columns."""
    if INDEX_SHEET not in book.sheetnames or book[INDEX_SHEET]["A1"].value != FORMAT:
        problems.add("not_ours", None, sheet=INDEX_SHEET)
        raise Fatal
    ws = book[INDEX_SHEET]
    found = ws["A2"].value
    if not isinstance(found, int) or found > FORMAT_VERSION:
        problems.add("newer_format", (INDEX_SHEET, 2, 1), found=found, expected=FORMAT_VERSION)
        raise Fatal
    try:
        index = json.loads(str(ws["A3"].value))
        valid = (
            all(isinstance(index[k], int) for k in ("year", "revision"))
            and isinstance(index["ruleset"], str)
            and _valid_sheets(index["sheets"], found)
            and all(isinstance(code, str) for code in index["indicator_categories"])
        )
    except (TypeError, ValueError, KeyError, AttributeError):
        valid = False
    if not valid:
        problems.add("not_ours", (INDEX_SHEET, 3, 1), sheet=INDEX_SHEET)
        raise Fatal
    index["format"] = found
    return index  # type: ignore[no-any-return]


def find_columns(ws: Worksheet, columns: Sequence[Column], written: Sequence[str] | None,
                 problems: Problems) -> dict[str, int]:  # fmt: skip
    """Column key → column number, found by header text; empty when a column the workbook was written with is
    missing (``written``: the headers it was written with; None for a workbook of format 1)."""
    found: dict[str, int] = {}
    for number in range(ws.max_column, 0, -1):  # backwards: the first of two equal headers wins
        header = normal(ws.cell(row=HEADER_ROW, column=number).value)
        for column in columns:
            if header == column.header:
                found[column.key] = number
    expected = [c for c in columns if (c.header not in FORMAT_1_LACKS if written is None else c.header in written)]
    missing = [c for c in expected if c.key not in found]
    for column in missing:
        last = get_column_letter(max(ws.max_column, 1))
        problems.found.append(
            ((ws.title, HEADER_ROW, 1),
             problem("missing_column", f"{ws.title}!A{HEADER_ROW}:{last}{HEADER_ROW}", header=column.header,
                     row=HEADER_ROW))
        )  # fmt: skip
    return {} if missing else found


def _machine(raw: Any, format_version: int) -> dict[str, Any]:
    """A row's machine data (ValueError, KeyError or AssertionError when it is not what the writer leaves)."""
    machine = json.loads(str(raw))
    assert isinstance(machine, dict) and isinstance(machine["kind"], str)
    assert isinstance(machine["shown"], dict) and "data" in machine
    assert machine["kind"] == "meta" or isinstance(machine["data"], dict)
    if format_version < 2:
        machine["shown"] = {FORMAT_1_KEYS.get(k, k): v for k, v in machine["shown"].items()}
    return machine


def table_rows(sheet: Sheet, new_kind: str, kinds: set[str], format_version: int,
               problems: Problems) -> Iterator[Row]:  # fmt: skip
    """The table's rows with their machine data (rows with a problem are reported and left out)."""
    ws, columns = sheet.ws, sheet.columns
    machine_column = columns[MACHINE.key]
    readable = {k: n for k, n in columns.items() if k != MACHINE.key}
    by_key = {c.key: c for c in sheet.table}
    for number, values in enumerate(ws.iter_rows(min_row=FIRST_ROW, values_only=True), start=FIRST_ROW):
        cell = {k: values[n - 1] if n - 1 < len(values) else None for k, n in columns.items()}
        raw = cell.pop(MACHINE.key)
        filled = any(normal(v) for v in cell.values())
        if normal(raw) == "":
            if filled:
                problems.add("row_without_machine_data", (ws.title, number, 1),
                             column=get_column_letter(machine_column), what=new_kind)  # fmt: skip
            continue
        try:
            machine = _machine(raw, format_version)
        except (TypeError, ValueError, KeyError, AssertionError) as exc:
            detail = "not the JSON this service writes" if not isinstance(exc, KeyError) else f"no {exc}"
            problems.add("machine_data_damaged", (ws.title, number, machine_column), detail=detail)
            continue
        if machine["kind"] not in kinds:
            if machine["kind"] in ROW_KINDS:
                problems.add("wrong_sheet", (ws.title, number, 1), what=machine["kind"])
            else:
                problems.add("machine_data_damaged", (ws.title, number, machine_column), detail="unknown kind")
            continue
        if not filled:
            problems.add("row_emptied", (ws.title, number, 1), what=machine["kind"])
            continue
        yield Row(ws.title, number, by_key, readable, cell, machine)
