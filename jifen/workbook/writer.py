"""A version as the workbook a bureau circulates for comments (征求意见), readable and printable, read back whole.

Every row carries, in a hidden column, the object it shows as the ruleset document holds it (``data``) and what
each of its cells showed (``shown``): the reader takes a cell that still shows what was exported as the exported
value, so that an untouched workbook reads back to the same content hash.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import zlib
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from engine import RulesetVersion, canonical_json, dumps, to_document
from engine.canonical import number_text
from engine.describe import condition_sentence, points_sentence, value_text
from engine.model import Category, FactField, Fixed, TestCase
from engine.schema import CATEGORY, ITEM, REQUIREMENT, VERSION
from jifen.errors import Refused
from jifen.workbook.layout import (
    BASE_CHUNK,
    BASE_ROW,
    CASES_SHEET,
    COVER_SHEET,
    FACTS_SHEET,
    FIRST_ROW,
    FORMAT,
    FORMAT_VERSION,
    INDEX_SHEET,
    KIND_NAMES,
    META_LINES,
    META_SHOWN,
    RESERVED_SHEETS,
    SHEET_COLUMNS,
    STATUS_NAMES,
    TYPE_NAMES,
    Column,
    field_values,
    header_texts,
    sheet_title,
    start_sheet,
    write_row,
)

MAX_CELL = 32767  # Excel keeps no more characters in one cell


def _machine(kind: str, data: Any, shown: dict[str, Any], **extra: Any) -> str:
    text = dumps({"kind": kind, "data": data, "shown": shown, **extra})
    if len(text) > MAX_CELL:
        what = data.get("code") or data.get("name") if isinstance(data, dict) else kind
        raise Refused(f"{kind} {what!r} is too large for one Excel cell", ["export the version as YAML instead"])
    return text


def category_caption(cat: Category) -> str:
    cap = f"类别上限 {number_text(cat.cap)} 分" if cat.cap is not None else "不设上限"
    how = "各指标得分相加" if cat.kind == "add" else "以下分值从总分中扣除"
    group = ITEM.field("group").zh
    return f"{cat.name}（{KIND_NAMES[cat.kind]}，{cap}）：{how}；同一指标内“{group}”相同的细则只计最高一项。"


def type_text(f: FactField, catalogue: dict[str, FactField]) -> str:
    text = TYPE_NAMES[f.type]
    if f.derived is not None:
        names = "和".join(catalogue[n].label if n in catalogue else n for n in (f.derived.source, f.derived.at))
        text += f"（由{names}计算，不可填写）"
    return text


def range_text(f: FactField) -> str:
    if f.values:
        labels = f.value_labels or f.values
        return "、".join(f"{label}（{value}）" for value, label in zip(f.values, labels))
    if f.min is not None and f.max is not None:
        return f"{number_text(f.min)} 至 {number_text(f.max)}"
    if f.min is not None:
        return f"≥ {number_text(f.min)}"
    if f.max is not None:
        return f"≤ {number_text(f.max)}"
    return ""


def facts_text(case: TestCase, catalogue: dict[str, FactField]) -> str:
    parts = []
    for name, value in case.facts.items():
        field = catalogue.get(name)
        parts.append(f"{field.label if field else name}：{value_text(value, field)}")
    return "；\n".join(parts)


def expected_text(case: TestCase, version: RulesetVersion) -> str:
    exp = case.expected
    names = {c.code: c.name for c in version.categories}
    parts = []
    if exp.eligible is not None:
        parts.append("符合申请资格" if exp.eligible else "不符合申请资格")
    if exp.total is not None:
        parts.append(f"总分 {number_text(exp.total)}")
    if exp.categories:
        parts.append("类别：" + "，".join(f"{names.get(k, k)} {number_text(v)}" for k, v in exp.categories.items()))
    if exp.indicators:
        parts.append("指标：" + "，".join(f"{k} {number_text(v)}" for k, v in exp.indicators.items()))
    return "；\n".join(parts)


def version_workbook(version: RulesetVersion) -> bytes:
    """The workbook of ``version`` (.xlsx bytes): cover, one sheet per category, the fact catalogue, the cases."""
    book = Workbook()
    sheets: list[dict[str, Any]] = []
    _Sheets(version, book, sheets).write()
    # -- the hidden index: what this workbook is, and where each part lives
    index = book.create_sheet(INDEX_SHEET)
    index.sheet_state = "hidden"
    index["A1"], index["B1"] = FORMAT, "此工作表供系统读取，请勿修改。"
    index["A2"] = FORMAT_VERSION
    index["A3"] = dumps({
        "ruleset": version.ruleset, "year": version.year, "revision": version.revision, "status": version.status,
        "content_hash": version.content_hash, "sheets": sheets,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "indicator_categories": [ind.category for ind in version.indicators],
    })  # fmt: skip
    # the content as exported, so that an import after someone else's saves can tell their changes from the clerk's
    packed = base64.b64encode(zlib.compress(canonical_json(version).encode("utf-8"), 9)).decode("ascii")
    for row, start in enumerate(range(0, len(packed), BASE_CHUNK), start=BASE_ROW):
        index.cell(row=row, column=1, value=packed[start : start + BASE_CHUNK])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


class _Table:
    """A sheet being written: each row shows its object's fields by the columns of the sheet's kind of table."""

    def __init__(self, ws: Worksheet, columns: Sequence[Column]) -> None:
        self.ws, self.columns, self.next = ws, columns, FIRST_ROW

    def add(self, kind: str, data: Any, shown: dict[str, Any], *, group: bool = False, **extra: Any) -> None:
        """A row of ``kind`` for the document's object ``data``; ``shown`` gives what the composite cells show."""
        values = {**field_values(self.columns, kind, data if isinstance(data, dict) else {}), **shown}
        written = write_row(self.ws, self.next, self.columns, values, group=group)
        self.ws.cell(row=self.next, column=len(self.columns), value=_machine(kind, data, written, **extra))
        self.next += 1


class _Sheets:
    """The visible sheets of one version's workbook; each sheet's entry of the index is added to ``sheets``."""

    def __init__(self, version: RulesetVersion, book: Workbook, sheets: list[dict[str, Any]]) -> None:
        self.version, self.book, self.sheets = version, book, sheets
        self.doc = to_document(version)
        self.catalogue = version.catalogue

    def write(self) -> None:
        self.cover()
        titles = list(RESERVED_SHEETS)
        for cat in self.version.categories:
            title = sheet_title(cat.name, titles)
            titles.append(title)
            self.category(title, cat)
        self.facts()
        self.cases()

    def start(self, title: str, kind: str, caption: str, **extra: Any) -> _Table:
        ws: Worksheet = self.book.create_sheet(title)
        v = self.version
        lines = header_texts(v.title, v.ref, v.status, v.effective_from, v.content_hash, caption)
        columns = SHEET_COLUMNS[kind]
        start_sheet(ws, lines, columns)
        self.sheets.append({"name": title, "kind": kind, **extra, "header": lines,
                            "columns": [c.header for c in columns]})  # fmt: skip
        return _Table(ws, columns)

    def cover(self) -> None:
        """The version's own fields, the categories, the eligibility requirements."""
        del self.book[self.book.sheetnames[0]]  # the empty sheet a new workbook starts with
        out = self.start(
            COVER_SHEET, "cover", "版本信息、指标类别和申请资格条件。白底单元格可修改；标“不读取”的内容只作说明。"
        )
        v, doc = self.version, self.doc
        shown = {"ref": v.ref, "status": f"{STATUS_NAMES.get(v.status, v.status)}（导出时；导入后为草稿）",
                 "sample": "是" if v.sample else "否", "content_hash": v.content_hash}  # fmt: skip
        for key in META_LINES:
            topic = META_SHOWN.get(key) or VERSION.field(key).zh
            value = shown[key] if key in shown else getattr(v, key)
            out.add("meta", doc.get(key), {"topic": topic, "content": value}, key=key)
        for cat_doc in doc["categories"]:
            out.add("category", cat_doc, {"topic": CATEGORY.zh})
        topic = f"{REQUIREMENT.zh}（内容为{REQUIREMENT.field('reason').zh}）"
        for req, req_doc in zip(v.eligibility, doc["eligibility"]):
            out.add(
                "requirement",
                req_doc,
                {"topic": topic, "detail": "须满足：" + condition_sentence(req.when, self.catalogue)},
            )

    def category(self, title: str, cat: Category) -> None:
        """An indicator row, then its items, for each indicator of the category."""
        out = self.start(title, "category", category_caption(cat), category=cat.code)
        for ind, ind_doc in zip(self.version.indicators, self.doc["indicators"]):
            if ind.category != cat.code:
                continue
            out.add("indicator", {k: v for k, v in ind_doc.items() if k not in ("items", "category")}, {}, group=True)
            for item, item_doc in zip(ind.items, ind_doc["items"]):
                points = item.points.points if isinstance(item.points, Fixed) else points_sentence(item, self.catalogue)
                condition = condition_sentence(item.when, self.catalogue) if item.when is not None else None
                out.add("item", item_doc, {"points": points, "condition": condition})

    def facts(self) -> None:
        out = self.start(
            FACTS_SHEET,
            "facts",
            "事实目录：申请人信息字段。条件和测试用例按“字段”引用；名称、必填、责任部门和说明可修改。",
        )
        for f, f_doc in zip(self.version.facts, self.doc["facts"]):
            out.add("fact", f_doc, {"type": type_text(f, self.catalogue), "range": range_text(f)})

    def cases(self) -> None:
        out = self.start(
            CASES_SHEET,
            "cases",
            "测试用例：申请事实及预期结果（发布前须全部通过）。用例名称可修改，其余内容请在管理后台修改。",
        )
        for case, case_doc in zip(self.version.cases, self.doc["cases"]):
            shown = {"facts": facts_text(case, self.catalogue), "expected": expected_text(case, self.version)}
            out.add("case", case_doc, shown)
