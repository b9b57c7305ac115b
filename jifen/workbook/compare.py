"""The comparison of two versions (``rulesets.diff``) as a workbook an auditor can print, filter and annotate."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from difflib import SequenceMatcher
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.styles.colors import Color

from engine.canonical import plain_number
from engine.diff import ChangeRow
from jifen.workbook.layout import (
    CHANGED_FILL,
    FIRST_ROW,
    IMPACT_COLUMNS,
    Column,
    first_sheet,
    start_sheet,
    write_row,
)

CHANGE_NAMES = {"added": "新增", "removed": "删除", "changed": "修改"}
# the keys of a test case's expectation, for a comparison shown without the versions' sentences
_EXPECTED_NAMES = {"eligible": "具备申请资格", "total": "总分", "categories": "类别", "indicators": "指标项"}

# numbers and codes are compared whole (10 → 12, not 1 kept and 0 → 2); anything else character by character
_TOKEN = re.compile(r"\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|.", re.DOTALL)
Runs = list[tuple[str, bool]]


def marks(before: str, after: str) -> tuple[Runs, Runs]:
    """Both texts as runs of ``(text, differs)``: what only A has, what only B has, marked.

    >>> marks("登记备案租赁住房，得10分", "登记备案租赁住房，得12分")
    ([('登记备案租赁住房，得', False), ('10', True), ('分', False)], [('登记备案租赁住房，得', False), ('12', True), ('分', False)])
    """
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    spans = [(tag == "equal", "".join(a[i1:i2]), "".join(b[j1:j2]))
             for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes()]  # fmt: skip
    # a single character in common between two changes (「的」, 「，」) reads better as part of the change
    for k in range(1, len(spans) - 1):
        same, text, _ = spans[k]
        if same and len(text) == 1 and not spans[k - 1][0] and not spans[k + 1][0]:
            spans[k] = (False, text, text)
    left: Runs = []
    right: Runs = []
    for same, x, y in spans:
        _extend(left, x, not same)
        _extend(right, y, not same)
    return left, right


def _extend(runs: Runs, text: str, differs: bool) -> None:
    if not text:
        return
    if runs and runs[-1][1] == differs:
        runs[-1] = (runs[-1][0] + text, differs)
    else:
        runs.append((text, differs))


def marked_lines(row: ChangeRow) -> tuple[list[Runs], list[Runs]]:
    """A change's lines in A and in B, each as marked runs; an added (removed) object has no lines in A (B) and
    its lines are not marked: all of it is new (gone)."""
    before: list[Runs] = []
    after: list[Runs] = []
    for line in row.lines:
        if line.before is not None and line.after is not None:
            left, right = marks(line.before, line.after)
            before.append(left)
            after.append(right)
        elif line.before is not None:
            before.append([(line.before, False)])
        elif line.after is not None:
            after.append([(line.after, False)])
    return before, after


def _scalar(value: bool | str | Decimal | dt.date) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return str(plain_number(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def shown(value: Any) -> str:
    """A before/after value of a comparison (``engine.diff``) as a reader sees it: 是/否, 、-lists, clauses."""
    if value is None:
        return "—"
    if isinstance(value, dict) and set(value) <= {"field", "op", "value"}:
        return " ".join(shown(value.get(k)) for k in ("field", "op", "value") if k in value)
    if isinstance(value, bool | str | Decimal | dt.date):
        return _scalar(value)
    if isinstance(value, dict):
        return "，".join(f"{_EXPECTED_NAMES.get(key, key)} {shown(item)}" for key, item in value.items()) or "（空）"
    if isinstance(value, list | tuple):
        return "、".join(shown(item) for item in value) or "（空）"
    return str(value)


def _total(side: dict[str, Any], name: str) -> Any:
    return side["total"] if side["total"] is not None else f"事实不符合{name}的字段目录"


SENTENCE_COLUMNS = (
    Column("affects", "影响得分", 8),
    Column("change", "变化", 6),
    Column("object", "对象", 10),
    Column("code", "编号", 14, text=True),
    Column("label", "名称", 26),
    Column("before", "修改前（A）", 50),
    Column("after", "修改后（B）", 50),
)
_FONT = "宋体"
_GONE = InlineFont(rFont=_FONT, sz=11, b=True, color=Color("C00000"), strike=True)
_NEW = InlineFont(rFont=_FONT, sz=11, b=True, color=Color("00703C"), u="single")


def _rich(lines: list[Runs], font: InlineFont) -> CellRichText | None:
    """Lines of marked runs as one cell: the differing runs in ``font``, lines on lines of their own."""
    text = CellRichText()
    for n, runs in enumerate(lines):
        if n:
            text.append("\n")
        for part, differs in runs:
            text.append(TextBlock(font, part) if differs else part)
    return text if lines else None


def _sentence_row(row: ChangeRow) -> dict[str, Any]:
    before, after = marked_lines(row)
    label = row.label + (f"（属 {row.parent_label}）" if row.parent_label else "")
    return {"affects": "★" if row.affects_points else None, "change": CHANGE_NAMES[row.change],
            "object": row.object_label, "code": row.code, "label": label,
            "before": _rich(before, _GONE), "after": _rich(after, _NEW)}  # fmt: skip


def comparison_workbook(result: dict[str, Any], rows: Sequence[ChangeRow]) -> bytes:
    """Two sheets: the changes (★ for those that can move a score) and the test cases' totals.

    ``rows`` are ``engine.diff.change_rows`` of the result's changes (``rulesets.compare`` gives both): each change
    is one row, before → after in sentences with the differing parts marked.
    """
    a, b = result["a"], result["b"]
    title = f"版本对比：{a['ref']} → {b['ref']}"
    line = f"A {a['ref']} {a['content_hash']}　B {b['ref']} {b['content_hash']}"
    book = Workbook()
    ws = first_sheet(book, "结构差异")
    start_sheet(ws, [title, line, f"结构差异 {len(result['changes'])} 处；标 ★ 的可能改变得分；"
                                  "修改前后不同之处以红、绿粗体标出。"], SENTENCE_COLUMNS)  # fmt: skip
    row = FIRST_ROW
    for change_row in rows:
        write_row(ws, row, SENTENCE_COLUMNS, _sentence_row(change_row))
        if change_row.affects_points:
            for cell in ws[row]:
                cell.fill = CHANGED_FILL
        row += 1
    if not result["changes"]:
        write_row(ws, row, SENTENCE_COLUMNS, {"label": "两个版本的内容相同"})
    ws.auto_filter.ref = f"A4:{chr(ord('A') + len(SENTENCE_COLUMNS) - 1)}{max(row - 1, 4)}"

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
