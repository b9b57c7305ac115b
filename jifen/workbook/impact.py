"""The impact of a version on a population (``services.impact.analyse``) as a workbook for the bureau."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from engine.canonical import plain_number
from jifen.workbook.layout import CHANGED_FILL, FIRST_ROW, STATUS_NAMES, Column, first_sheet, start_sheet, write_row

SIDE_NAMES = {"base": "基准版本", "version": "新版本", "input": "输入"}
DIRECTION_NAMES = {"up": "升至线上", "down": "降至线下"}

SUMMARY_COLUMNS = (Column("label", "项目", 30), Column("value", "数值", 60))
HISTOGRAM_COLUMNS = (
    Column("label", "总分区间", 14, text=True),
    Column("base", "基准版本人数", 14),
    Column("version", "新版本人数", 14),
    Column("change", "人数变化", 12),
)
CHANGE_COLUMNS = (
    Column("kind", "类型", 8),
    Column("code", "编号", 12, text=True),
    Column("name", "名称", 28),
    Column("changed", "得分变化人数", 14),
    Column("sum", "变化合计（分）", 16),
    Column("mean", "人均变化（变化者）", 18),
    Column("mean_all", "人均变化（全部）", 18),
)
CROSSING_COLUMNS = (
    Column("cutoff", "分数线", 10),
    Column("direction", "方向", 12),
    Column("position", "序号", 8),
    Column("ref", "申请编号", 22, text=True),
    Column("base", "基准总分", 12),
    Column("version", "新总分", 12),
    Column("eligible", "申请资格", 16),
    Column("moved", "得分变化的指标项", 50),
)
ERROR_COLUMNS = (
    Column("position", "序号", 8),
    Column("ref", "申请编号", 22, text=True),
    Column("side", "拒绝方", 12),
    Column("field", "字段", 28, text=True),
    Column("message", "原因", 50),
)


def number(value: Any) -> str:
    """A figure as people read it: 20, 0.5, −3.25; ``—`` for none."""
    if value is None:
        return "—"
    return str(plain_number(value)) if isinstance(value, Decimal) else str(value)


def signed(value: Any) -> str:
    text = number(value)
    return f"+{text}" if isinstance(value, (Decimal, int)) and value > 0 else text


def version_line(side: dict[str, Any]) -> str:
    return f"{side['ref']}（{STATUS_NAMES.get(side['status'], side['status'])}）{side['content_hash']}"


def summary_rows(report: dict[str, Any]) -> list[tuple[str, str]]:
    """The report's headline figures, labelled in Chinese (the console shows the same rows)."""
    delta = report["delta"]
    return [
        ("新版本", version_line(report["version"])),
        ("基准版本", version_line(report["base"])),
        ("评分日期", report["date"]),
        ("申请人群", report["population"]),
        ("申请数", number(report["applications"])),
        ("已评分（两个版本均可评分）", number(report["scored"])),
        ("错误（未计入以下各项）", number(len(report["errors"]))),
        ("具备申请资格：基准版本", number(report["eligible"]["base"])),
        ("具备申请资格：新版本", number(report["eligible"]["version"])),
        ("总分变化人数", number(report["changed"])),
        ("其中上升", number(report["gained"])),
        ("其中下降", number(report["lost"])),
        ("总分不变", number(report["unchanged"])),
        ("总分变化：平均（四舍五入到0.01）", signed(delta["mean"])),
        ("总分变化：中位数", signed(delta["median"])),
        ("总分变化：最小", signed(delta["min"])),
        ("总分变化：最大", signed(delta["max"])),
    ]


def _histogram_sheet(book: Workbook, head: list[str], report: dict[str, Any]) -> None:
    hist = book.create_sheet("总分分布")
    start_sheet(
        hist, [*head, "每10分一段，含下限不含上限：[0,10) … [290,300)、[300,310)（即300分）。"], HISTOGRAM_COLUMNS
    )
    last = FIRST_ROW - 1
    for last, h in enumerate(report["histogram"], start=FIRST_ROW):
        write_row(hist, last, HISTOGRAM_COLUMNS, {**h, "change": h["version"] - h["base"]})
    if report["histogram"]:
        chart = BarChart()
        chart.title, chart.y_axis.title, chart.x_axis.title = "总分分布", "人数", "总分区间"
        chart.add_data(
            Reference(hist, min_col=2, max_col=3, min_row=FIRST_ROW - 1, max_row=last), titles_from_data=True
        )
        chart.set_categories(Reference(hist, min_col=1, min_row=FIRST_ROW, max_row=last))
        chart.width, chart.height = 24, 10
        hist.add_chart(chart, "F4")


def _changes_sheet(book: Workbook, head: list[str], report: dict[str, Any]) -> None:
    changes = book.create_sheet("指标变化")
    start_sheet(
        changes, [*head, "得分变化人数、变化合计；人均变化按得分变化者与全部已评分申请分别计算。"], CHANGE_COLUMNS
    )
    row = FIRST_ROW
    for kind, key in (("类别", "categories"), ("指标项", "indicators")):
        for code, c in report[key].items():
            write_row(changes, row, CHANGE_COLUMNS, {"kind": kind, "code": code, **c})
            if c["changed"]:
                for cell in changes[row]:
                    cell.fill = CHANGED_FILL
            row += 1


def _crossings_sheet(book: Workbook, head: list[str], report: dict[str, Any]) -> None:
    crossings = book.create_sheet("跨越分数线")
    counts = "；".join(f"{k}分：升至线上 {c['up']} 人，降至线下 {c['down']} 人" for k, c in report["cutoffs"].items())
    start_sheet(crossings, [*head, counts or "未设分数线。"], CROSSING_COLUMNS)
    row = FIRST_ROW
    for c in report["cutoffs"].values():
        for x in c["crossings"]:
            eligible = x["eligible"]
            write_row(
                crossings,
                row,
                CROSSING_COLUMNS,
                {
                    "cutoff": c["cutoff"],
                    "direction": DIRECTION_NAMES[x["direction"]],
                    "position": x["position"],
                    "ref": x["application_ref"],
                    "base": x["base"],
                    "version": x["version"],
                    "eligible": ""
                    if eligible["base"] == eligible["version"]
                    else f"{'具备' if eligible['base'] else '不具备'} → {'具备' if eligible['version'] else '不具备'}",
                    "moved": "；".join(f"{m['code']} {signed(m['change'])}" for m in x["indicators"]),
                },
            )
            row += 1
    crossings.auto_filter.ref = f"A4:H{max(row - 1, 4)}"


def _errors_sheet(book: Workbook, head: list[str], report: dict[str, Any], translate: Callable[[str], str]) -> None:
    errors = book.create_sheet("错误")
    start_sheet(errors, [*head, f"{len(report['errors'])} 份申请未能评分，未计入任何统计。"], ERROR_COLUMNS)
    row = FIRST_ROW
    for e in report["errors"]:
        for side, fields in (e.get("reasons_zh") or e["reasons"]).items():
            for field, messages in fields.items():
                write_row(
                    errors,
                    row,
                    ERROR_COLUMNS,
                    {
                        "position": e["position"],
                        "ref": e["application_ref"],
                        "side": SIDE_NAMES.get(side, side),
                        "field": field,
                        "message": "；".join(translate(m) for m in messages),
                    },
                )
                row += 1


def impact_workbook(report: dict[str, Any], translate: Callable[[str], str] = str) -> bytes:
    """Five sheets: summary, distribution of totals (with a chart), changes per category and indicator, the
    applications that cross each cutoff, and the errors; ``translate`` words the engine's messages."""
    title = f"影响分析：{report['version']['ref']} 对比 {report['base']['ref']}"
    line = f"评分日期 {report['date']}　申请人群 {report['population']}"
    book = Workbook()
    ws = first_sheet(book, "概要")
    start_sheet(ws, [title, line, "每份申请分别按两个版本评分；不具备申请资格的按0分计。"], SUMMARY_COLUMNS)
    for row, (label, value) in enumerate(summary_rows(report), start=FIRST_ROW):
        write_row(ws, row, SUMMARY_COLUMNS, {"label": label, "value": value})
    _histogram_sheet(book, [title, line], report)
    _changes_sheet(book, [title, line], report)
    _crossings_sheet(book, [title, line], report)
    _errors_sheet(book, [title, line], report, translate)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
