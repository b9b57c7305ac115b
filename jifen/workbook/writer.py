"""A version as the workbook a bureau circulates for comments (征求意见), readable and printable, read back whole.

Every row carries, in a hidden column, the object it shows as the ruleset document holds it (``data``) and what
each of its cells showed (``shown``): the reader takes a cell that still shows what was exported as the exported
value, so that an untouched workbook reads back to the same content hash.
"""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from engine import RulesetVersion, dumps, to_document
from engine.describe import condition_sentence, number_text, points_sentence, value_text
from engine.model import Category, FactField, Fixed, TestCase
from jifen.errors import Refused
from jifen.workbook.layout import (
    CASE_COLUMNS,
    CASES_SHEET,
    CATEGORY_COLUMNS,
    COVER_COLUMNS,
    COVER_SHEET,
    FACT_COLUMNS,
    FACTS_SHEET,
    FIRST_ROW,
    FORMAT,
    FORMAT_VERSION,
    INDEX_SHEET,
    KIND_NAMES,
    RESERVED_SHEETS,
    STATUS_NAMES,
    TYPE_NAMES,
    Column,
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


def _row(ws: Worksheet, row: int, columns: tuple[Column, ...], values: dict[str, Any], kind: str, data: Any,
         *, group: bool = False, **extra: Any) -> None:  # fmt: skip
    shown = write_row(ws, row, columns, values, group=group)
    ws.cell(row=row, column=len(columns), value=_machine(kind, data, shown, **extra))


def category_caption(cat: Category) -> str:
    cap = f"类别上限 {number_text(cat.cap)} 分" if cat.cap is not None else "不设上限"
    how = "各指标得分相加" if cat.kind == "add" else "以下分值从总分中扣除"
    return f"{cat.name}（{KIND_NAMES[cat.kind]}，{cap}）：{how}；同一指标内“不累加分组”相同的细则只计最高一项。"


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
    doc = to_document(version)
    catalogue = version.catalogue
    book = Workbook()
    cover = book.active
    cover.title = COVER_SHEET

    def header(caption: str) -> list[str]:
        return header_texts(version.title, version.ref, version.status, version.effective_from,
                            version.content_hash, caption)  # fmt: skip

    sheets: list[dict[str, Any]] = []

    # -- cover: the version's own fields, the categories, the eligibility requirements
    lines = header("版本信息、指标类别和申请资格条件。白底单元格可修改；标“不读取”的内容只作说明。")
    start_sheet(cover, lines, COVER_COLUMNS)
    sheets.append({"name": COVER_SHEET, "kind": "cover", "header": lines})
    meta = [
        ("title", "标题", version.title),
        ("ref", "版本（不读取）", version.ref),
        ("status", "状态（不读取）", f"{STATUS_NAMES.get(version.status, version.status)}（导出时；导入后为草稿）"),
        ("effective_from", "生效日期", version.effective_from),
        ("sample", "样例标准", "是" if version.sample else "否"),
        ("legal_basis", "政策依据", version.legal_basis),
        ("description", "说明", version.description),
        ("content_hash", "内容指纹（不读取）", version.content_hash),
    ]
    row = FIRST_ROW
    for key, topic, value in meta:
        _row(cover, row, COVER_COLUMNS, {"topic": topic, "content": value}, "meta", doc.get(key), key=key)
        row += 1
    for cat, cat_doc in zip(version.categories, doc["categories"]):
        values: dict[str, Any] = {"topic": "指标类别", "code": cat.code, "content": cat.name, "detail": KIND_NAMES[cat.kind],
                  "cap": cat.cap}  # fmt: skip
        _row(cover, row, COVER_COLUMNS, values, "category", cat_doc, group=False)
        row += 1
    for req, req_doc in zip(version.eligibility, doc["eligibility"]):
        values = {"topic": "申请资格条件（内容为不符合时的原因）", "code": req.code, "content": req.reason,
                  "detail": "须满足：" + condition_sentence(req.when, catalogue)}  # fmt: skip
        _row(cover, row, COVER_COLUMNS, values, "requirement", req_doc)
        row += 1

    # -- one sheet per category: an indicator row, then its items
    titles = list(RESERVED_SHEETS)
    for cat in version.categories:
        title = sheet_title(cat.name, titles)
        titles.append(title)
        ws = book.create_sheet(title)
        lines = header(category_caption(cat))
        start_sheet(ws, lines, CATEGORY_COLUMNS)
        sheets.append({"name": title, "kind": "category", "category": cat.code, "header": lines})
        row = FIRST_ROW
        for ind, ind_doc in zip(version.indicators, doc["indicators"]):
            if ind.category != cat.code:
                continue
            values = {"code": ind.code, "indicator": ind.name, "cap": ind.cap,
                      "departments": "、".join(ind.departments), "reference": ind.reference}  # fmt: skip
            data = {k: v for k, v in ind_doc.items() if k not in ("items", "category")}
            _row(ws, row, CATEGORY_COLUMNS, values, "indicator", data, group=True)
            row += 1
            for item, item_doc in zip(ind.items, ind_doc["items"]):
                points: Any = item.points.points if isinstance(item.points, Fixed) else points_sentence(item, catalogue)
                values = {"code": item.code, "item": item.label, "points": points, "cap": item.cap,
                          "group": item.group, "reference": item.reference,
                          "condition": condition_sentence(item.when, catalogue) if item.when is not None else None}  # fmt: skip
                _row(ws, row, CATEGORY_COLUMNS, values, "item", item_doc)
                row += 1

    # -- the fact catalogue
    ws = book.create_sheet(FACTS_SHEET)
    lines = header("事实目录：申请人信息字段。条件和测试用例按“字段”引用；名称、必填、责任部门和说明可修改。")
    start_sheet(ws, lines, FACT_COLUMNS)
    sheets.append({"name": FACTS_SHEET, "kind": "facts", "header": lines})
    for row, (f, f_doc) in enumerate(zip(version.facts, doc["facts"]), start=FIRST_ROW):
        values = {"name": f.name, "label": f.label, "type": type_text(f, catalogue), "range": range_text(f),
                  "required": "是" if f.required else None, "department": f.department,
                  "description": f.description}  # fmt: skip
        _row(ws, row, FACT_COLUMNS, values, "fact", f_doc)

    # -- the test cases
    ws = book.create_sheet(CASES_SHEET)
    lines = header("测试用例：申请事实及预期结果（发布前须全部通过）。用例名称可修改，其余内容请在管理后台修改。")
    start_sheet(ws, lines, CASE_COLUMNS)
    sheets.append({"name": CASES_SHEET, "kind": "cases", "header": lines})
    for row, (case, case_doc) in enumerate(zip(version.cases, doc["cases"]), start=FIRST_ROW):
        values = {"name": case.name, "as_of": case.as_of, "facts": facts_text(case, catalogue),
                  "expected": expected_text(case, version)}  # fmt: skip
        _row(ws, row, CASE_COLUMNS, values, "case", case_doc)

    # -- the hidden index: what this workbook is, and where each part lives
    index = book.create_sheet(INDEX_SHEET)
    index.sheet_state = "hidden"
    index["A1"], index["B1"] = FORMAT, "此工作表供系统读取，请勿修改。"
    index["A2"] = FORMAT_VERSION
    identity = {k: doc[k] for k in ("ruleset", "year", "revision")}
    index["A3"] = dumps({
        **identity, "status": version.status, "content_hash": version.content_hash, "sheets": sheets,
        "indicator_categories": [ind.category for ind in version.indicators],
    })  # fmt: skip

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
