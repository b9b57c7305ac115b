"""Read a ruleset workbook back into a version, with every problem located by sheet, row and column.

The rows are the structure: which indicators, items, facts and cases there are, in which order, in which
category (the sheet). A cell a clerk can sensibly edit (a name, a label, points, a cap, departments, a reference,
the proof materials) counts when it was changed; a cell that only shows something the workbook cannot express (a
condition, a field's type, a test case) must keep its exported text, or the import is refused naming the cell.
Which cell is which field comes from the layout's columns, and so from engine.schema. The document built this way
goes through the engine's loader, as a YAML file does, and the loader's problems are moved to the cells their
values came from.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from openpyxl.workbook import Workbook

from engine import Problem, RulesetError, RulesetVersion, parse_document
from engine.schema import VERSION, Field
from jifen.workbook import cells
from jifen.workbook.cells import ABSENT, Unreadable, normal
from jifen.workbook.layout import (
    BASE_ROW,
    COVER_SHEET,
    HEADER_ROW,
    INDEX_SHEET,
    MACHINE,
    MAX_BASE,
    META_LINES,
    META_SHOWN,
    SHEET_COLUMNS,
    Column,
)
from jifen.workbook.problems import CellProblem
from jifen.workbook.tables import (
    Fatal,
    Problems,
    Row,
    Sheet,
    Where,
    address,
    find_columns,
    open_workbook,
    read_index,
    table_rows,
)

# an editable cell: the document keys its value replaces, and how the cell is read into them
Edit = tuple[tuple[str, ...], Callable[[Any], dict[str, Any]]]

_FIRST_AT = re.compile(r"\(first at ([^)]+)\)")


@dataclass(frozen=True, slots=True)
class Origin:
    """The version a workbook was exported from, as its hidden index names it: its identity, its status and content
    hash then, and when it was exported (None for a workbook written before exports said so)."""

    ruleset: str
    year: int
    revision: int
    status: str
    content_hash: str | None
    exported_at: str | None
    base: str | None = None  # the content as exported (canonical JSON), when the workbook carries it

    @property
    def ref(self) -> str:
        return f"{self.ruleset}/{self.year}/{self.revision}"


def read_workbook(data: bytes, source: str) -> RulesetVersion:
    """The version a workbook holds (as a draft); RulesetError lists every problem at its ``Sheet!A1`` cell."""
    return read_with_origin(data, source)[0]


def read_with_origin(data: bytes, source: str) -> tuple[RulesetVersion, Origin]:
    """``read_workbook``, and the version the workbook was exported from."""
    reader = _Reader(source)
    try:
        version = reader.read(open_workbook(data, source))
    except Fatal:
        raise RulesetError(source, reader.problems.sorted()) from None
    index = reader.index
    status, content_hash, exported_at = (index.get(k) for k in ("status", "content_hash", "exported_at"))
    origin = Origin(index["ruleset"], index["year"], index["revision"],
                    status if status in ("draft", "published", "retired") else "published",
                    content_hash if isinstance(content_hash, str) else None,
                    exported_at if isinstance(exported_at, str) else None, reader.base)  # fmt: skip
    return version, origin


def _one(f: Field, joiner: str) -> Edit:
    read = cells.reader(f, joiner)
    return (f.key,), lambda value: {f.key: read(value)}


def edits(columns: Iterable[Column], kind: str) -> dict[str, Edit]:
    """The cells read back on a row of ``kind``: every column of a field the workbook reads (engine.schema)."""
    out: dict[str, Edit] = {}
    for column in columns:
        f = column.editable(kind)
        if f is not None:
            out[column.key] = _one(f, column.joiner)
    return out


_META = {key: _one(VERSION.field(key), "\n") for key in META_LINES if key not in META_SHOWN}


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems = Problems()
        self.where: dict[str, Where] = {}
        self.format = 1
        self.index: dict[str, Any] = {}
        self.base: str | None = None

    def add(self, code: str, where: Where | None, **params: Any) -> None:
        self.problems.add(code, where, **params)

    # -- the workbook -----------------------------------------------------------------------------------

    def read(self, book: Workbook) -> RulesetVersion:
        index = self.index = read_index(book, self.problems)
        self.base = _embedded_base(book)
        self.format = index["format"]
        tables = self._tables(book, index["sheets"])
        by_kind = {spec["kind"]: spec["name"] for spec in index["sheets"]}
        doc: dict[str, Any] = {k: index[k] for k in ("ruleset", "year", "revision")}
        doc["status"] = "draft"  # a workbook comes back from circulation: it is never taken as published
        cover = by_kind["cover"]
        self._read_cover(tables[cover], doc)
        fields = self._read_facts(tables[by_kind["facts"]], doc)
        per_category: dict[str, list[Row]] = {}
        for spec in index["sheets"]:
            if spec["kind"] == "category":
                rows = self._read_category(tables[spec["name"]], spec["category"], fields, by_kind["facts"])
                per_category.setdefault(spec["category"], []).extend(rows)
        indicators = _in_exported_order(per_category, index["indicator_categories"])
        doc["indicators"] = [self._indicator_doc(n, row) for n, row in enumerate(indicators)]
        self._read_cases(tables[by_kind["cases"]], doc)
        # problems about a whole list or the identity: at the table's header, or at the index's cell
        first_category = next((s["name"] for s in index["sheets"] if s["kind"] == "category"), cover)
        for key, sheet in (("facts", by_kind["facts"]), ("cases", by_kind["cases"]), ("categories", cover),
                           ("eligibility", cover), ("indicators", first_category)):  # fmt: skip
            self.where.setdefault(key, (sheet, HEADER_ROW, 1))
        for key in ("ruleset", "year", "revision"):
            self.where[key] = (INDEX_SHEET, 3, 1)
        return self._parse(doc)

    def _tables(self, book: Workbook, specs: list[dict[str, Any]]) -> dict[str, Sheet]:
        """Each sheet of the index with its columns found (Fatal when a sheet or a column is missing)."""
        missing = [spec for spec in specs if spec["name"] not in book.sheetnames]
        for spec in missing:
            self.add("missing_sheet", None, sheet=spec["name"], what=spec["kind"])
        self.problems.sheet_order = {name: n for n, name in enumerate(book.sheetnames)}
        if missing:
            raise Fatal
        tables: dict[str, Sheet] = {}
        for spec in specs:
            ws = book[spec["name"]]
            for row, expected in enumerate(spec["header"], start=1):
                if normal(ws.cell(row=row, column=1).value) != normal(expected):
                    self.add("header_changed", (ws.title, row, 1), expected=expected, cover=COVER_SHEET)
            table = SHEET_COLUMNS[spec["kind"]]
            tables[spec["name"]] = Sheet(ws, table, find_columns(ws, table, spec.get("columns"), self.problems))
        if any(not sheet.columns for sheet in tables.values()):
            raise Fatal
        return tables

    def _parse(self, doc: dict[str, Any]) -> RulesetVersion:
        try:
            version = parse_document(doc, self.source)
        except RulesetError as exc:
            # an indicator or category the loader refused is reported at its own row; the cases naming it need not
            # repeat that once each
            present = {str(obj.get("code")) for key in ("indicators", "categories") for obj in doc[key]}
            for p in exc.problems:
                if not (p.message.startswith("unknown code") and p.path.rpartition(".")[2] in present):
                    self._relay(p)
            raise Fatal from None
        except ArithmeticError:  # the loader's decimal arithmetic on an absurd number in the machine data
            self.add("machine_data_damaged", None, detail="a number out of range")
            raise Fatal from None
        if self.problems.found:
            raise Fatal
        return version

    def _rows(self, sheet: Sheet, new_kind: str, kinds: set[str]) -> list[Row]:
        return list(table_rows(sheet, new_kind, kinds, self.format, self.problems))

    def _edited(self, row: Row, composite: dict[str, Edit] | None = None) -> Any:
        """The row's object: its exported data, with the edited cells read back and the others checked (the
        cells of its fields by their kind, those of ``composite`` by their own reader)."""
        editable = {**edits(row.table.values(), row.kind), **(composite or {})}
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
                    self.add("not_used", where, row_kind=row.kind)
                else:
                    en, zh_text, hint, zh_hint = row.table[key].what_it_shows()
                    self.add("not_editable", where, shows=en, shows_zh=zh_text, hint=hint, hint_zh=zh_hint,
                             expected=normal(exported))  # fmt: skip
                continue
            replaced, read = editable[key]
            try:
                new = read(value)
            except Unreadable as bad:
                self.add(bad.code, where, **bad.params)
                continue
            for doc_key in replaced:
                data.pop(doc_key, None)
            data.update({k: v for k, v in new.items() if v is not ABSENT})
        return data

    def _register(self, path: str, row: Row) -> Any:
        """Remember where each key of the object at ``path`` is shown; returns the row's object."""
        self.where[path] = row.address("code" if "code" in row.columns else next(iter(row.columns)))
        for column in row.table.values():
            for key in column.keys(row.kind):
                self.where[f"{path}.{key}"] = row.address(column.key)
        return row.doc

    # -- sheets -------------------------------------------------------------------------------------------

    def _read_cover(self, sheet: Sheet, doc: dict[str, Any]) -> None:
        doc["categories"], doc["eligibility"] = [], []
        for row in self._rows(sheet, "category", {"meta", "category", "requirement"}):
            if row.kind != "meta":
                row.doc = self._edited(row)
                part = "categories" if row.kind == "category" else "eligibility"
                doc[part].append(self._register(f"{part}[{len(doc[part])}]", row))
                continue
            key = row.machine.get("key")
            if not isinstance(key, str) or key not in META_LINES:
                self.add("machine_data_damaged", row.address(MACHINE.key), detail=f"unknown line {key!r}")
                continue
            # the line's object is its one value: read it as {key: value}, like the other rows' objects
            exported = row.machine["data"]
            row.machine = {**row.machine, "data": {} if exported is None else {key: exported}}
            value = self._edited(row, {"content": _META[key]} if key in _META else {})
            if key in _META and key in value:
                doc[key] = value[key]
            self.where[key] = row.address("content")

    def _read_facts(self, sheet: Sheet, doc: dict[str, Any]) -> dict[str, set[str]]:
        """The catalogue into ``doc``; returns every name a fact is known by (for reading points back)."""
        doc["facts"] = []
        known: dict[str, set[str]] = {}
        for row in self._rows(sheet, "fact", {"fact"}):
            exported = row.machine["data"]
            row.doc = self._edited(row)
            for name in (exported.get("label"), row.doc.get("label"), row.doc.get("name")):
                if isinstance(name, str) and isinstance(row.doc.get("name"), str):
                    known.setdefault(name, set()).add(row.doc["name"])
            doc["facts"].append(self._register(f"facts[{len(doc['facts'])}]", row))
        return known

    def _read_category(self, sheet: Sheet, category: str, fields: dict[str, set[str]], facts_sheet: str) -> list[Row]:
        points: Edit = (("fixed", "per_unit"), lambda value: cells.points(value, fields, facts_sheet))
        indicators: list[Row] = []
        for row in self._rows(sheet, "item", {"indicator", "item"}):
            if row.kind == "indicator":
                row.doc = {**self._edited(row), "category": category}
                indicators.append(row)
            elif not indicators:
                self.add("item_before_indicator", row.address("code"))
            else:
                row.doc = self._edited(row, {"points": points})
                indicators[-1].children.append(row)
        return indicators

    def _read_cases(self, sheet: Sheet, doc: dict[str, Any]) -> None:
        doc["cases"] = []
        for row in self._rows(sheet, "case", {"case"}):
            row.doc = self._edited(row)
            doc["cases"].append(self._register(f"cases[{len(doc['cases'])}]", row))

    def _indicator_doc(self, n: int, row: Row) -> dict[str, Any]:
        path = f"indicators[{n}]"
        self._register(path, row)
        self.where[f"{path}.category"] = (row.sheet, 3, 1)
        items = [self._register(f"{path}.items[{j}]", child) for j, child in enumerate(row.children)]
        return {**row.doc, "items": items}

    # -- the loader's problems, moved to cells -------------------------------------------------------------

    def _locate(self, path: str) -> tuple[Where | None, str]:
        """The cell shown for ``path`` (or its nearest parent), and what is left of the path below it."""
        probe = path
        while probe and probe not in self.where:
            probe = probe[: probe.rindex("[")] if probe.endswith("]") else probe.rpartition(".")[0]
        rest = path[len(probe) :].lstrip(".") if probe else path
        return self.where.get(probe), rest

    def _relay(self, p: Problem) -> None:
        where, rest = self._locate(p.path)
        if where is not None and where[:2] in self.problems.bad_rows:
            return  # the row is reported already; what the loader says about it follows from that
        message = _FIRST_AT.sub(lambda m: f"(first at {self._cell_of(m.group(1))})", p.message)
        text = address(where) if where else p.path
        if rest and where is not None:
            text += f" ({rest})"
        self.problems.found.append((where, CellProblem(text, message, p.text("zh", self._cell_of))))

    def _cell_of(self, path: str) -> str:
        where, rest = self._locate(path)
        return address(where) if where and not rest else path


def _embedded_base(book: Workbook) -> str | None:
    """The content the workbook was exported with (packed in the hidden index from A4 down); None when it has none
    or it is damaged (the import then cannot tell whose a change is, and says so)."""
    ws = book[INDEX_SHEET]
    chunks = []
    for row in range(BASE_ROW, ws.max_row + 1):
        value = ws.cell(row=row, column=1).value
        if not isinstance(value, str) or not value:
            break
        chunks.append(value)
    unpack = zlib.decompressobj()
    try:
        text = unpack.decompress(base64.b64decode("".join(chunks), validate=True), MAX_BASE)
        return None if unpack.unconsumed_tail or not text else text.decode("utf-8")
    except (ValueError, zlib.error):
        return None


def _in_exported_order(per_category: dict[str, list[Row]], exported: list[str]) -> list[Row]:
    """All indicators in one list: each category's indicators in their sheet's row order, placed in the slots
    the exported version gave that category (versions may interleave categories); extra ones go last."""
    queues = {code: list(rows) for code, rows in per_category.items()}
    ordered = [queues[code].pop(0) for code in exported if queues.get(code)]
    for rows in queues.values():
        ordered.extend(rows)
    return ordered
