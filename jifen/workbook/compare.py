"""The comparison of two versions (``rulesets.diff``) as a workbook an auditor can print, filter and annotate."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from openpyxl import Workbook

from engine.canonical import plain_number
from jifen.workbook.layout import CHANGED_FILL, DIFF_COLUMNS, FIRST_ROW, IMPACT_COLUMNS, start_sheet, write_row

CHANGE_NAMES = {"added": "新增", "removed": "删除", "changed": "修改"}


def shown(value: Any) -> str:
    """A before/after value of a comparison (``engine.diff``) as a reader sees it: 是/否, 、-lists, clauses."""
    if value is None:
        return "—"
    if isinstance(value, dict) and set(value) <= {"field", "op", "value"}:
        return " ".join(shown(value.get(k)) for k in ("field", "op", "value") if k in value)
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return str(plain_number(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return "，".join(f"{key} {shown(item)}" for key, item in value.items()) or "（空）"
    if isinstance(value, list | tuple):
        return "、".join(shown(item) for item in value) or "（空）"
    return str(value)


def _rows(change: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per changed attribute; one row for an added or removed object."""
    head = {
        "affects": "★" if change["affects_points"] else None,
        "change": CHANGE_NAMES[change["change"]],
        "object": change["object_label"],
        "code": change["code"],
        "label": change["label"],
    }
    if change["change"] == "changed":
        return [{**head, "attribute": a["attribute_label"], "before": shown(a["before"]), "after": shown(a["after"])}
                for a in change["attributes"]]  # fmt: skip
    return [{
        **head,
        "attribute": f"所属 {change['parent']}" if change.get("parent") else None,
        "before": shown(change["before"]) if "before" in change else None,
        "after": shown(change["after"]) if "after" in change else None,
    }]  # fmt: skip


def _total(side: dict[str, Any], name: str) -> Any:
    return side["total"] if side["total"] is not None else f"事实不符合{name}的字段目录"


def comparison_workbook(result: dict[str, Any]) -> bytes:
    """Two sheets: the structural differences (★ for changes that can move a score) and the test cases' totals."""
    a, b = result["a"], result["b"]
    title = f"版本对比：{a['ref']} → {b['ref']}"
    line = f"A {a['ref']} {a['content_hash']}　B {b['ref']} {b['content_hash']}"
    book = Workbook()
    ws = book.active
    ws.title = "结构差异"
    start_sheet(ws, [title, line, f"结构差异 {len(result['changes'])} 处；标 ★ 的可能改变得分。"], DIFF_COLUMNS)
    row = FIRST_ROW
    for change in result["changes"]:
        for values in _rows(change):
            write_row(ws, row, DIFF_COLUMNS, values)
            if change["affects_points"]:
                for cell in ws[row]:
                    cell.fill = CHANGED_FILL
            row += 1
    if not result["changes"]:
        write_row(ws, row, DIFF_COLUMNS, {"label": "两个版本的内容相同"})
    ws.auto_filter.ref = f"A4:H{max(row - 1, 4)}"

    cases = book.create_sheet("测试用例影响")
    start_sheet(cases, [title, line, "每个测试用例在 A、B 两个版本下的总分。"], IMPACT_COLUMNS)
    for row, case in enumerate(result["cases"], start=FIRST_ROW):
        delta = case["delta"]
        values = {
            "case": case["case"],
            "from": case["from"].upper(),
            "a": _total(case["a"], "A"),
            "b": _total(case["b"], "B"),
            "delta": delta if isinstance(delta, Decimal) and delta != 0 else None,
        }
        write_row(cases, row, IMPACT_COLUMNS, values)
        if case["changed"]:
            for cell in cases[row]:
                cell.fill = CHANGED_FILL
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
