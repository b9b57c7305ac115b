"""A scene's list as an Excel workbook (Chinese throughout), written row by row: 100,000 lines stay small in memory."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from engine.canonical import number_text
from jifen.scenes.listing import Line

ENTITLED = {True: "是", False: "否", None: "待决定"}
HEADERS = ("序号", "申请编号", "排名", "积分", "是否享受", "理由", "公布后变化")
WIDTHS = (8, 20, 8, 10, 10, 48, 40)
BOLD = Font(bold=True)


def list_workbook(scene: dict[str, Any], lines: Iterable[Line]) -> bytes:
    """One sheet: the scene's definition on top, then one row per applicant in the list's order."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名单")
    for column, width in zip("ABCDEFG", WIDTHS):
        sheet.column_dimensions[column].width = width
    quota = "不限" if scene["quota"] is None else str(scene["quota"])
    state = (
        f"已公布（{scene['published_at']:%Y-%m-%d}）" if scene["status"] == "published" else "草稿（按当前积分计算）"
    )
    ties = "并列者全部入选" if scene["ties"] == "admit_all" else "并列者待决定"
    sheet.append([f"{scene['name']}（{scene['year']} 年）", None, None, None, None, state])
    sheet.append([f"{scene['department']}　截止日期 {scene['cutoff_date']}　分数线 {number_text(scene['threshold'])} 分"
                  f"　名额 {quota}　末位并列：{ties}"])  # fmt: skip
    sheet.append([f"名单哈希 {scene['list_hash']}" if scene["list_hash"] else "草稿名单未冻结，公布时冻结并签名"])
    bold = []
    for text in HEADERS:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = BOLD
        bold.append(cell)
    sheet.append(bold)
    for line in lines:
        total = None if line.total is None else float(line.total)
        sheet.append([line.position, line.application_ref, line.rank, total, ENTITLED[line.entitled], line.reason,
                      "；".join(line.flags)])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
