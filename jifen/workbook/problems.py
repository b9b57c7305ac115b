"""Problems found in a ruleset workbook: a code, the cell it is about, and its English and Chinese sentences.

The texts live in one catalogue (a test proves every code has both); a problem the engine's loader finds is
passed on in its own words, moved to the cell its value came from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engine.errors import Problem

# code → (English, Chinese); the placeholders are the problem's parameters
TEXTS: dict[str, tuple[str, str]] = {
    "not_xlsx": (
        "not an Excel workbook (.xlsx): {detail}",
        "不是 Excel 工作簿（.xlsx）：{detail}",
    ),
    "too_large": (
        "the workbook unpacks to more than {limit} MB; a ruleset workbook is far smaller",
        "工作簿解压后超过 {limit} MB，不是指标标准工作簿",
    ),
    "too_many_rows": (
        "sheet {sheet!r} has more than {limit} rows; nothing of the workbook was read",
        "工作表“{sheet}”超过 {limit} 行，工作簿未读取",
    ),
    "too_many_cells": (
        "the workbook has more than {limit} cells; nothing of it was read",
        "工作簿超过 {limit} 个单元格，未读取",
    ),
    "too_many_strings": (
        "the workbook holds more than {limit} different texts; nothing of it was read",
        "工作簿中不同的文字超过 {limit} 项，未读取",
    ),
    "reading_too_long": (
        "reading the workbook took more than {limit} seconds; split it into smaller workbooks",
        "读取工作簿超过 {limit} 秒，已停止；请分成几个较小的工作簿",
    ),
    "not_ours": (
        "not a ruleset workbook exported by this service (its hidden sheet {sheet!r} is missing or damaged); "
        "export one with `flask rulesets export VERSION --format xlsx`",
        "不是本系统导出的指标标准工作簿（缺少或损坏了隐藏工作表“{sheet}”）；请先从本系统导出 Excel 再修改",
    ),
    "newer_format": (
        "the workbook has format version {found}; this service reads version {expected}",
        "工作簿格式版本为 {found}，本系统只能读取版本 {expected}",
    ),
    "missing_sheet": (
        "missing sheet {sheet!r} ({what}); restore it from the exported workbook",
        "缺少工作表“{sheet}”（{what_zh}）；请从导出的原工作簿恢复",
    ),
    "missing_column": (
        "missing column {header!r} in the header row {row}; restore it from the exported workbook",
        "第 {row} 行（表头）缺少“{header}”列；请从导出的原工作簿恢复",
    ),
    "header_changed": (
        "the sheet's header line was changed; it repeats the version as exported ({expected!r}) and is not read "
        "back: change the title and dates on sheet {cover!r}",
        "表头说明行已被修改；它只是导出时版本信息的说明，不会被读取（应为“{expected}”）；标题和日期请在“{cover}”工作表修改",
    ),
    "row_without_machine_data": (
        "this row was not exported (it has no machine data in column {column}): add {what} in the console, "
        "or copy the whole row of a similar one and change it",
        "此行不是导出时的行（{column} 列没有机读数据）：请在管理后台新增{what_zh}，或复制一整行相近的内容再修改",
    ),
    "machine_data_damaged": (
        "the machine data of this row is damaged ({detail}); restore the row from the exported workbook",
        "此行的机读数据已损坏（{detail}）；请从导出的原工作簿恢复此行",
    ),
    "wrong_sheet": (
        "this row holds {what}, which does not belong on this sheet",
        "此行是{what_zh}，不应出现在这个工作表",
    ),
    "row_emptied": (
        "the cells of this row were emptied but its machine data remains; to remove {what}, delete the whole row",
        "此行的内容已清空，但机读数据仍在；要删除{what_zh}，请删除整行",
    ),
    "item_before_indicator": (
        "item row before any indicator row: an item belongs to the indicator on a row above it",
        "细则行前面没有指标行：细则属于它上方的指标",
    ),
    "not_editable": (
        "this cell shows {shows} and is not read back; it must keep its exported text {expected!r} ({hint})",
        "此单元格显示{shows_zh}，导入时不读取，须保持导出时的内容“{expected}”（{hint_zh}）",
    ),
    "not_used": (
        "nothing is read from this cell on {row_kind}; leave it empty",
        "{row_kind_zh}的这一列不读取，请留空",
    ),
    "not_a_number": (
        "expected a number, got {got!r}",
        "应为数字，填写的是“{got}”",
    ),
    "number_out_of_range": (
        "expected a number below {limit}, got {got!r}",
        "数字应小于 {limit}，填写的是“{got}”",
    ),
    "too_many_entries": (
        "{label_en}: at most {limit} entries (one a line), got {count}",
        "{label}最多填写 {limit} 项（每项一行），现有 {count} 项",
    ),
    "entry_too_long": (
        "{label_en}: entry {n} has {length} characters; each may have at most {limit}",
        "{label}第 {n} 项有 {length} 个字，每项最多 {limit} 个字",
    ),
    "not_yes_no": (
        "expected 是 or 否 (or empty for 否), got {got!r}",
        "应为“是”或“否”（留空即“否”），填写的是“{got}”",
    ),
    "not_points": (
        "cannot read the points {got!r}: write a number such as 20 (fixed points), "
        "「<field>每满1得0.5分」 (points per unit) or 「得（60 − <field>）分」",
        "无法识别分值“{got}”：请填写数字如 20（固定分值），或「<字段名称>每满1得0.5分」（按单位计分），"
        "或「得（60 − <字段名称>）分」",
    ),
    "unknown_field_label": (
        "{label!r} is not the name of a fact of the catalogue (sheet {sheet!r})",
        "“{label}”不是事实目录（“{sheet}”工作表）中字段的名称",
    ),
    "ambiguous_field_label": (
        "{label!r} is the name of more than one fact ({names}); keep the text as exported",
        "“{label}”是多个字段的名称（{names}），请保持导出时的内容",
    ),
}

# what a row or a column is, in both languages, for the parameters above
WHAT = {
    "indicator": ("an indicator", "指标"),
    "item": ("an item", "细则"),
    "fact": ("a fact of the catalogue", "事实字段"),
    "case": ("a test case", "测试用例"),
    "category": ("a category", "指标类别"),
    "requirement": ("an eligibility requirement", "申请资格条件"),
    "meta": ("version information", "版本信息"),
    "cover": ("version, categories and eligibility", "版本说明、指标类别和申请资格"),
    "facts": ("the fact catalogue", "事实目录"),
    "cases": ("the test cases", "测试用例"),
}


@dataclass(frozen=True, slots=True)
class CellProblem(Problem):
    """A problem of a workbook, at ``Sheet!A1`` (``path``); ``zh_message`` is empty for the loader's problems."""

    zh_message: str = ""
    code: str = ""

    def text(self, language: str = "en", place: Callable[[str], str] | None = None) -> str:
        return self.zh_message if language == "zh" and self.zh_message else self.message


def problem(code: str, where: str, **params: Any) -> CellProblem:
    """A catalogued problem; ``what``/``row_kind`` parameters are given as keys of WHAT and rendered in both."""
    en_params, zh_params = dict(params), dict(params)
    for key in ("what", "row_kind"):
        if key in params:
            en_params[key], zh_params[key + "_zh"] = WHAT[params[key]]
    en, zh = TEXTS[code]
    return CellProblem(where, en.format(**en_params), zh.format(**zh_params), code)
