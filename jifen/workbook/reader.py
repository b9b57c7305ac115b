"""Read a ruleset workbook back into a version, with every problem located by sheet, row and column.

The rows are the structure: which indicators, items, facts and cases there are, in which order, in which
category (the sheet). A cell a clerk can sensibly edit (a name, a label, points, a cap, departments, a reference)
counts when it was changed; a cell that only shows something the workbook cannot express (a condition, a
field's type, a test case) must keep its exported text, or the import is refused naming the cell. The document
built this way goes through the engine's loader, as a YAML file does, and the loader's problems are moved to the
cells their values came from.
"""

from __future__ import annotations

import io
import json
import re
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from engine import Problem, RulesetError, RulesetVersion, parse_document
from jifen.workbook import cells
from jifen.workbook.cells import ABSENT, Unreadable, normal
from jifen.workbook.layout import (
    CASE_COLUMNS,
    CATEGORY_COLUMNS,
    COVER_COLUMNS,
    COVER_SHEET,
    FACT_COLUMNS,
    FIRST_ROW,
    FORMAT,
    FORMAT_VERSION,
    HEADER_ROW,
    HEADER_TEXT_ROWS,
    INDEX_SHEET,
    MACHINE,
    Column,
)
from jifen.workbook.problems import CellProblem, problem

MAX_UNPACKED_MB = 50

# editable columns of each kind of row: column → (document key, reader); every other column is checked
_INDICATOR = {"code": ("code", cells.text), "indicator": ("name", cells.text), "cap": ("cap", cells.cap),
              "departments": ("departments", cells.listing), "reference": ("reference", cells.optional_text)}  # fmt: skip
_ITEM = {"code": ("code", cells.text), "item": ("label", cells.text), "points": ("points", None),
         "cap": ("cap", cells.cap), "group": ("group", cells.optional_text),
         "reference": ("reference", cells.optional_text)}  # fmt: skip
_FACT = {"label": ("label", cells.text), "required": ("required", cells.yes_no),
         "department": ("department", cells.optional_text), "description": ("description", cells.optional_text)}  # fmt: skip
_CASE = {"name": ("name", cells.text)}
_CATEGORY = {"content": ("name", cells.text), "cap": ("cap", cells.cap)}
_REQUIREMENT = {"content": ("reason", cells.text)}
_META = {"title": cells.text, "effective_from": cells.date, "sample": cells.yes_no,
         "legal_basis": cells.optional_text, "description": cells.optional_text}  # fmt: skip
_META_SHOWN = ("ref", "status", "content_hash")

# where the loader's document keys are shown: key → column (anything deeper is located at the key's cell)
_INDICATOR_CELLS = {"code": "code", "name": "indicator", "cap": "cap", "departments": "departments",
                    "reference": "reference", "items": "code"}  # fmt: skip
_ITEM_CELLS = {"code": "code", "label": "item", "when": "condition", "fixed": "points", "per_unit": "points",
               "cap": "cap", "group": "group", "reference": "reference"}  # fmt: skip
_FACT_CELLS = {"name": "name", "label": "label", "type": "type", "derived": "type", "values": "range",
               "value_labels": "range", "min": "range", "max": "range", "required": "required",
               "department": "department", "description": "description"}  # fmt: skip
_CASE_CELLS = {"name": "name", "as_of": "as_of", "facts": "facts", "expected": "expected"}
_CATEGORY_CELLS = {"code": "code", "name": "content", "kind": "detail", "cap": "cap"}
_REQUIREMENT_CELLS = {"code": "code", "when": "detail", "reason": "content"}

# what a checked column shows, and where to change it instead: (English, Chinese, hint, Chinese hint)
_SHOWS = {
    "condition": ("the item's condition", "细则的条件", "conditions are changed in the console", "条件请在管理后台修改"),
    "detail": ("the category's kind or the requirement's condition", "类别的计分方式或资格条件",
               "change it in the console", "请在管理后台修改"),
    "topic": ("the name of this line", "本行的项目名称", "it names the line", "它只是本行的名称"),
    "code": ("a code that other parts refer to", "被其他内容引用的编号", "codes of categories and requirements are "
             "changed in the console", "类别和资格条件的编号请在管理后台修改"),
    "content": ("the version as exported", "导出时的版本信息", "the reference stays; a workbook whose reference is "
                "taken by other content is imported as the next revision", "版本号不变；如该版本号已有不同内容，导入为下一修订"),
    "name": ("the field's name, which conditions and cases refer to", "条件和用例引用的字段名",
             "rename fields in the console", "字段名请在管理后台修改"),
    "type": ("the field's type", "字段类型", "change it in the console", "请在管理后台修改"),
    "range": ("the field's range or options", "字段的范围或可选值", "change it in the console", "请在管理后台修改"),
    "as_of": ("the test case", "测试用例的内容", "test cases are changed in the console", "测试用例请在管理后台修改"),
    "facts": ("the test case", "测试用例的内容", "test cases are changed in the console", "测试用例请在管理后台修改"),
    "expected": ("the test case", "测试用例的内容", "test cases are changed in the console", "测试用例请在管理后台修改"),
}  # fmt: skip

_FIRST_AT = re.compile(r"\(first at ([^)]+)\)")


@dataclass(slots=True)
class _Row:
    """One row of a table: where it is, its cells by column key, and its machine data."""

    sheet: str
    number: int
    columns: dict[str, int]
    values: dict[str, Any]
    machine: dict[str, Any]
    doc: Any = None
    children: list[_Row] = field(default_factory=list)

    def address(self, key: str) -> tuple[str, int, int]:
        return (self.sheet, self.number, self.columns.get(key, 1))


def _address(where: tuple[str, int, int]) -> str:
    sheet, row, column = where
    return f"{sheet}!{get_column_letter(column)}{row}"


class _Fatal(Exception):
    """The workbook cannot be read further; the problems found so far say why."""


def read_workbook(data: bytes, source: str) -> RulesetVersion:
    """The version a workbook holds (as a draft); RulesetError lists every problem at its ``Sheet!A1`` cell."""
    reader = _Reader(source)
    try:
        return reader.read(_open(data, source))
    except _Fatal:
        raise RulesetError(source, reader.sorted_problems()) from None


def _open(data: bytes, source: str) -> Workbook:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise RulesetError(source, [problem("not_xlsx", "", detail=str(exc) or type(exc).__name__)]) from None
    if unpacked > MAX_UNPACKED_MB * 1024 * 1024:
        raise RulesetError(source, [problem("too_large", "", limit=MAX_UNPACKED_MB)])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about extensions it does not read; nothing we use
            return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # an untrusted file through a third-party parser: any failure means "not readable"
        detail = f"{type(exc).__name__}: {exc}"[:200]
        raise RulesetError(source, [problem("not_xlsx", "", detail=detail)]) from None


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[tuple[str, int, int] | None, CellProblem]] = []
        self.bad_rows: set[tuple[str, int]] = set()
        self.where: dict[str, tuple[str, int, int]] = {}
        self.sheet_order: dict[str, int] = {}

    # -- problems ---------------------------------------------------------------------------------------

    def add(self, code: str, where: tuple[str, int, int] | None, **params: Any) -> None:
        self.problems.append((where, problem(code, _address(where) if where else "", **params)))
        if where is not None:
            self.bad_rows.add(where[:2])

    def sorted_problems(self) -> list[Problem]:
        def key(entry: tuple[tuple[str, int, int] | None, CellProblem]) -> tuple[int, int, int]:
            where = entry[0]
            return (-1, 0, 0) if where is None else (self.sheet_order.get(where[0], 999), where[1], where[2])

        return [p for _, p in sorted(self.problems, key=key)]

    # -- the workbook -----------------------------------------------------------------------------------

    def read(self, book: Workbook) -> RulesetVersion:
        index = self._index(book)
        sheets: dict[str, Worksheet] = {}
        for spec in index["sheets"]:
            if spec["name"] not in book.sheetnames:
                self.add("missing_sheet", None, sheet=spec["name"], what=spec["kind"])
                continue
            sheets[spec["name"]] = book[spec["name"]]
        self.sheet_order = {name: n for n, name in enumerate(book.sheetnames)}
        if len(sheets) < len(index["sheets"]):
            raise _Fatal
        tables: dict[str, dict[str, int]] = {}
        for spec in index["sheets"]:
            columns = {"cover": COVER_COLUMNS, "facts": FACT_COLUMNS, "cases": CASE_COLUMNS}.get(
                spec["kind"], CATEGORY_COLUMNS
            )
            ws = sheets[spec["name"]]
            self._check_header(ws, spec["header"])
            tables[spec["name"]] = self._columns(ws, columns)
        if any(not t for t in tables.values()):
            raise _Fatal

        by_kind = {spec["kind"]: spec["name"] for spec in index["sheets"]}
        doc: dict[str, Any] = {k: index[k] for k in ("ruleset", "year", "revision")}
        doc["status"] = "draft"  # a workbook comes back from circulation: it is never taken as published
        cover = by_kind["cover"]
        self._read_cover(sheets[cover], tables[cover], doc)
        fields = self._read_facts(sheets[by_kind["facts"]], tables[by_kind["facts"]], doc)
        per_category: dict[str, list[_Row]] = {}
        for spec in index["sheets"]:
            if spec["kind"] == "category":
                ws = sheets[spec["name"]]
                rows = self._read_category(ws, tables[spec["name"]], spec["category"], fields, by_kind["facts"])
                per_category.setdefault(spec["category"], []).extend(rows)
        indicators = _in_exported_order(per_category, index["indicator_categories"])
        doc["indicators"] = [self._indicator_doc(n, row) for n, row in enumerate(indicators)]
        self._read_cases(sheets[by_kind["cases"]], tables[by_kind["cases"]], doc)
        # problems about a whole list or the identity: at the table's header, or at the index's cell
        first_category = next((s["name"] for s in index["sheets"] if s["kind"] == "category"), cover)
        for key, sheet in (("facts", by_kind["facts"]), ("cases", by_kind["cases"]), ("categories", cover),
                           ("eligibility", cover), ("indicators", first_category)):  # fmt: skip
            self.where.setdefault(key, (sheet, HEADER_ROW, 1))
        for key in ("ruleset", "year", "revision"):
            self.where[key] = (INDEX_SHEET, 3, 1)
        try:
            version = parse_document(doc, self.source)
        except RulesetError as exc:
            # an indicator or category the loader refused is reported at its own row; the cases naming it need not
            # repeat that once each
            present = {str(obj.get("code")) for key in ("indicators", "categories") for obj in doc[key]}
            for p in exc.problems:
                if not (p.message.startswith("unknown code") and p.path.rpartition(".")[2] in present):
                    self._relay(p)
            raise _Fatal from None
        except ArithmeticError:  # the loader's decimal arithmetic on an absurd number in the machine data
            self.add("machine_data_damaged", None, detail="a number out of range")
            raise _Fatal from None
        if self.problems:
            raise _Fatal
        return version

    def _index(self, book: Workbook) -> dict[str, Any]:
        if INDEX_SHEET not in book.sheetnames or book[INDEX_SHEET]["A1"].value != FORMAT:
            self.add("not_ours", None, sheet=INDEX_SHEET)
            raise _Fatal
        ws = book[INDEX_SHEET]
        found = ws["A2"].value
        if not isinstance(found, int) or found > FORMAT_VERSION:
            self.add("newer_format", (INDEX_SHEET, 2, 1), found=found, expected=FORMAT_VERSION)
            raise _Fatal
        try:
            index = json.loads(ws["A3"].value)
            sheets = index["sheets"]
            kinds = [spec["kind"] for spec in sheets]
            valid = (
                all(isinstance(index[k], int) for k in ("year", "revision"))
                and isinstance(index["ruleset"], str)
                and all(isinstance(s["name"], str) for s in sheets)
                and all(isinstance(s["header"], list) and len(s["header"]) == HEADER_TEXT_ROWS for s in sheets)
                and set(kinds) <= {"cover", "facts", "cases", "category"}
                and all(kinds.count(k) == 1 for k in ("cover", "facts", "cases"))
                and all(isinstance(s.get("category"), str) for s in sheets if s["kind"] == "category")
                and all(isinstance(code, str) for code in index["indicator_categories"])
            )
        except (TypeError, ValueError, KeyError, AttributeError):
            valid = False
        if not valid:
            self.add("not_ours", (INDEX_SHEET, 3, 1), sheet=INDEX_SHEET)
            raise _Fatal
        return index  # type: ignore[no-any-return]

    def _check_header(self, ws: Worksheet, lines: list[str]) -> None:
        for row, expected in enumerate(lines, start=1):
            if normal(ws.cell(row=row, column=1).value) != normal(expected):
                self.add("header_changed", (ws.title, row, 1), expected=expected, cover=COVER_SHEET)

    def _columns(self, ws: Worksheet, columns: tuple[Column, ...]) -> dict[str, int]:
        """Column key → column number, found by header text; empty when a column is missing."""
        found: dict[str, int] = {}
        for number in range(ws.max_column, 0, -1):  # backwards: the first of two equal headers wins
            header = normal(ws.cell(row=HEADER_ROW, column=number).value)
            for column in columns:
                if header == column.header:
                    found[column.key] = number
        missing = [c for c in columns if c.key not in found]
        for column in missing:
            last = get_column_letter(max(ws.max_column, 1))
            self.problems.append(
                ((ws.title, HEADER_ROW, 1),
                 problem("missing_column", f"{ws.title}!A{HEADER_ROW}:{last}{HEADER_ROW}", header=column.header,
                         row=HEADER_ROW))
            )  # fmt: skip
        return {} if missing else found

    def _rows(self, ws: Worksheet, columns: dict[str, int], new_kind: str, kinds: set[str]) -> Iterator[_Row]:
        """The table's rows with their machine data (rows with a problem are reported and left out)."""
        machine_column = columns[MACHINE.key]
        readable = {k: n for k, n in columns.items() if k != MACHINE.key}
        for number, values in enumerate(ws.iter_rows(min_row=FIRST_ROW, values_only=True), start=FIRST_ROW):
            cell = {k: values[n - 1] if n - 1 < len(values) else None for k, n in columns.items()}
            raw = cell.pop(MACHINE.key)
            filled = any(normal(v) for v in cell.values())
            if normal(raw) == "":
                if filled:
                    self.add("row_without_machine_data", (ws.title, number, 1),
                             column=get_column_letter(machine_column), what=new_kind)  # fmt: skip
                continue
            try:
                machine = json.loads(str(raw))
                assert isinstance(machine, dict) and isinstance(machine["kind"], str)
                assert isinstance(machine["shown"], dict) and "data" in machine
                assert machine["kind"] == "meta" or isinstance(machine["data"], dict)
            except (TypeError, ValueError, KeyError, AssertionError) as exc:
                detail = "not the JSON this service writes" if not isinstance(exc, KeyError) else f"no {exc}"
                self.add("machine_data_damaged", (ws.title, number, machine_column), detail=detail)
                continue
            if machine["kind"] not in kinds:
                known = machine["kind"] in ("indicator", "item", "fact", "case", "category", "requirement", "meta")
                if known:
                    self.add("wrong_sheet", (ws.title, number, 1), what=machine["kind"])
                else:
                    self.add("machine_data_damaged", (ws.title, number, machine_column), detail="unknown kind")
                continue
            if not filled:
                self.add("row_emptied", (ws.title, number, 1), what=machine["kind"])
                continue
            yield _Row(ws.title, number, readable, cell, machine)

    def _edited(self, row: _Row, editable: dict[str, tuple[str, Any]], context: Any = None) -> Any:
        """The row's object: its exported data, with the edited cells read back and the others checked."""
        data = row.machine["data"]
        data = dict(data) if isinstance(data, dict) else data
        shown = row.machine["shown"]
        for key, value in row.values.items():
            exported = shown.get(key)
            if normal(value) == normal(exported):
                continue
            where = row.address(key)
            if key not in editable:
                if exported is None:
                    self.add("not_used", where, row_kind=row.machine["kind"])
                else:
                    en, zh_text, hint, zh_hint = _SHOWS.get(key, _SHOWS["content"])
                    self.add("not_editable", where, shows=en, shows_zh=zh_text, hint=hint, hint_zh=zh_hint,
                             expected=normal(exported))  # fmt: skip
                continue
            doc_key, read = editable[key]
            try:
                new = cells.points(value, *context) if doc_key == "points" else read(value)
            except Unreadable as bad:
                self.add(bad.code, where, **bad.params)
                continue
            if doc_key == "points":
                data.pop("fixed", None)
                data.pop("per_unit", None)
                data.update(new)
            elif new is ABSENT:
                data.pop(doc_key, None)
            else:
                data[doc_key] = new
        return data

    def _register(self, path: str, row: _Row, keys: dict[str, str], doc: Any = None) -> Any:
        """Remember where each key of the object at ``path`` is shown; returns the object."""
        self.where[path] = row.address("code" if "code" in row.columns else next(iter(row.columns)))
        for key, column in keys.items():
            self.where[f"{path}.{key}"] = row.address(column)
        return row.doc if doc is None else doc

    # -- sheets -------------------------------------------------------------------------------------------

    def _read_cover(self, ws: Worksheet, columns: dict[str, int], doc: dict[str, Any]) -> None:
        doc["categories"], doc["eligibility"] = [], []
        for row in self._rows(ws, columns, "category", {"meta", "category", "requirement"}):
            kind = row.machine["kind"]
            if kind == "meta":
                key = row.machine.get("key")
                if not isinstance(key, str) or (key not in _META and key not in _META_SHOWN):
                    self.add("machine_data_damaged", row.address(MACHINE.key), detail=f"unknown line {key!r}")
                    continue
                # the line's object is its one value: read it as {key: value}, like the other rows' objects
                exported = row.machine["data"]
                row.machine = {**row.machine, "data": {} if exported is None else {key: exported}}
                value = self._edited(row, {"content": (key, _META[key])} if key in _META else {})
                if key in _META and key in value:
                    doc[key] = value[key]
                self.where[key] = row.address("content")
            elif kind == "category":
                row.doc = self._edited(row, _CATEGORY)
                doc["categories"].append(self._register(f"categories[{len(doc['categories'])}]", row, _CATEGORY_CELLS))
            else:
                row.doc = self._edited(row, _REQUIREMENT)
                doc["eligibility"].append(
                    self._register(f"eligibility[{len(doc['eligibility'])}]", row, _REQUIREMENT_CELLS)
                )

    def _read_facts(self, ws: Worksheet, columns: dict[str, int], doc: dict[str, Any]) -> dict[str, set[str]]:
        """The catalogue into ``doc``; returns every name a fact is known by (for reading points back)."""
        doc["facts"] = []
        known: dict[str, set[str]] = {}
        for row in self._rows(ws, columns, "fact", {"fact"}):
            exported = row.machine["data"]
            row.doc = self._edited(row, _FACT)
            for name in (exported.get("label"), row.doc.get("label"), row.doc.get("name")):
                if isinstance(name, str) and isinstance(row.doc.get("name"), str):
                    known.setdefault(name, set()).add(row.doc["name"])
            doc["facts"].append(self._register(f"facts[{len(doc['facts'])}]", row, _FACT_CELLS))
        return known

    def _read_category(
        self, ws: Worksheet, columns: dict[str, int], category: str, fields: dict[str, set[str]], facts_sheet: str
    ) -> list[_Row]:
        indicators: list[_Row] = []
        for row in self._rows(ws, columns, "item", {"indicator", "item"}):
            if row.machine["kind"] == "indicator":
                row.doc = {**self._edited(row, _INDICATOR), "category": category}
                indicators.append(row)
            elif not indicators:
                self.add("item_before_indicator", row.address("code"))
            else:
                row.doc = self._edited(row, _ITEM, (fields, facts_sheet))
                indicators[-1].children.append(row)
        return indicators

    def _read_cases(self, ws: Worksheet, columns: dict[str, int], doc: dict[str, Any]) -> None:
        doc["cases"] = []
        for row in self._rows(ws, columns, "case", {"case"}):
            row.doc = self._edited(row, _CASE)
            doc["cases"].append(self._register(f"cases[{len(doc['cases'])}]", row, _CASE_CELLS))

    def _indicator_doc(self, n: int, row: _Row) -> dict[str, Any]:
        path = f"indicators[{n}]"
        self._register(path, row, _INDICATOR_CELLS)
        self.where[f"{path}.category"] = (row.sheet, 3, 1)
        items = [self._register(f"{path}.items[{j}]", child, _ITEM_CELLS) for j, child in enumerate(row.children)]
        return {**row.doc, "items": items}

    # -- the loader's problems, moved to cells -------------------------------------------------------------

    def _locate(self, path: str) -> tuple[tuple[str, int, int] | None, str]:
        """The cell shown for ``path`` (or its nearest parent), and what is left of the path below it."""
        probe = path
        while probe and probe not in self.where:
            probe = probe[: probe.rindex("[")] if probe.endswith("]") else probe.rpartition(".")[0]
        rest = path[len(probe) :].lstrip(".") if probe else path
        return self.where.get(probe), rest

    def _relay(self, p: Problem) -> None:
        where, rest = self._locate(p.path)
        if where is not None and where[:2] in self.bad_rows:
            return  # the row is reported already; what the loader says about it follows from that
        message = _FIRST_AT.sub(lambda m: f"(first at {self._cell_of(m.group(1))})", p.message)
        address = _address(where) if where else p.path
        if rest and where is not None:
            address += f" ({rest})"
        self.problems.append((where, CellProblem(address, message, p.text("zh", self._cell_of))))

    def _cell_of(self, path: str) -> str:
        where, rest = self._locate(path)
        return _address(where) if where and not rest else path


def _in_exported_order(per_category: dict[str, list[_Row]], exported: list[str]) -> list[_Row]:
    """All indicators in one list: each category's indicators in their sheet's row order, placed in the slots
    the exported version gave that category (versions may interleave categories); extra ones go last."""
    queues = {code: list(rows) for code, rows in per_category.items()}
    ordered = [queues[code].pop(0) for code in exported if queues.get(code)]
    for rows in queues.values():
        ordered.extend(rows)
    return ordered
