"""The catalogue of problems the engine reports: each has a stable code, parameters, and a sentence in English (the
CLI, the API) and in Chinese (the console), both looked up here by code. ``tests/engine/test_problems.py`` proves
that every code the engine raises has both.

Parameters are values, not text: ``got``/``sent`` are what was found (described per language), ``op``, ``type``
and ``kind`` are shown by their Chinese names in Chinese, numbers as written, lists joined, and a parameter
ending in ``_at`` is a place in the document (the console names it in words, given a ``place`` function).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from engine.schema import choice_names

# code → (English, Chinese)
TEXTS: dict[str, tuple[str, str]] = {
    # the shape of a document
    "not_mapping": ("expected a mapping, got {got}", "应为一组键值，填写的是{got}"),
    "unknown_key": ("unknown key (expected one of: {expected})", "无法识别的项（可用的项：{expected}）"),
    "missing": ("missing required key", "缺少此项"),
    "not_list": ("expected a list, got {got}", "应为列表，填写的是{got}"),
    "empty_list": ("must not be empty", "不能为空，至少要有一项"),
    "too_many": ("at most {limit} entries, got {count}", "最多{limit}项，填写了{count}项"),
    "empty_text": ("expected {what}, got {got}", "不能为空"),
    "too_long": ("at most {limit} characters, got {length}", "最多{limit}个字符，填写了{length}个"),
    "control_characters": ("must not contain control characters", "不能含有控制字符"),
    "control_characters_but_lines": (
        "must not contain control characters other than line breaks",
        "除换行外不能含有控制字符",
    ),
    "bad_code": (
        "expected a code, got {got}",
        "编号只能由字母、数字、点、下划线或连字符组成，并以字母或数字开头（填写的是{got}）",
    ),
    "bad_group": (
        "expected a group code, got {got}",
        "不累加分组的代码只能由字母、数字、点、下划线或连字符组成，并以字母或数字开头（填写的是{got}）",
    ),
    "bad_name": (
        "expected {what}, got {got}",
        "只能由小写字母、数字和下划线组成，并以小写字母开头（填写的是{got}）",
    ),
    "not_integer_between": (
        "expected an integer from {low} to {high}, got {got}",
        "应为{low}至{high}之间的整数，填写的是{got}",
    ),
    "not_boolean": ("expected true or false, got {got}", "应为“是”或“否”，填写的是{got}"),
    "not_number": ("expected a number, got {got}", "应为数字（如 12 或 0.5），填写的是{got}"),
    "not_finite": ("expected a finite number, got {got}", "应为有限的数字，填写的是{got}"),
    "out_of_range": ("must be between {low} and {high}, got {got}", "应在{low}至{high}之间，填写的是{got}"),
    "not_positive": ("must be greater than 0, got {got}", "必须大于0，填写的是{got}"),
    "negative": ("must not be negative, got {got}", "不能为负数，填写的是{got}"),
    "too_many_places": ("at most {places} decimal places, got {got}", "最多{places}位小数，填写的是{got}"),
    "duplicate": ("duplicate {what} {code!r} (first at {first_at})", "“{code}”重复（已用于{first_at}）"),
    # the version and its catalogue
    "unknown_status": ("expected one of: {expected}, got {got}", "状态应为草稿、已发布或已停用，填写的是{got}"),
    "unknown_type": (
        "expected one of: {expected}, got {got}",
        "类型应为是/否、整数、数字、日期、选项或文字之一，填写的是{got}",
    ),
    "unknown_kind": ("expected one of: {expected}, got {got}", "计分方向应为加分或扣分，填写的是{got}"),
    "unknown_function": ("expected one of: {expected}, got {got}", "计算方法应为按周岁计算，填写的是{got}"),
    "values_not_enum": ("only enum fields have values", "只有选项类型的字段有可选值"),
    "labels_count": (
        "expected one label per value ({values}), got {labels}",
        "可选值名称应与可选值一一对应（{values}个可选值，{labels}个名称）",
    ),
    "range_not_numeric": ("only int and number fields have a range", "只有整数和数字类型的字段有最小值和最大值"),
    "bound_not_whole": (
        "expected a whole number for an int field, got {got}",
        "整数类型字段的范围应为整数，填写的是{got}",
    ),
    "max_below_min": ("must not be below min ({min})", "不能小于最小值（{min}）"),
    "derived_not_int": ("a full_years field must be of type int", "按周岁计算的字段必须是整数类型"),
    "derived_required": ("a derived field is computed, it cannot be required", "自动计算的字段不能设为必填"),
    "derived_not_date": (
        "expected a date field of the catalogue, got {got}",
        "应为事实字段目录中的日期字段，填写的是{got}",
    ),
    # conditions
    "group_keys": ("a group has exactly one key, 'all' or 'any'", "条件组只能是“全部满足”或“任一满足”之一"),
    "unknown_field": ("unknown field {quoted} (not in the fact catalogue)", "事实字段目录中没有字段{quoted}"),
    "unknown_operator": (
        "unknown operator {quoted} (expected one of: {expected})",
        "无法识别的运算符{quoted}",
    ),
    "takes_no_value": ("'{op}' takes no value", "“{op}”不需要填写值"),
    "needs_value": ("'{op}' needs a value", "“{op}”需要填写比较的值"),
    "ordering_needs_number": (
        "'{op}' needs a number or date field; {field} is {type}",
        "“{op}”只适用于数字或日期字段，“{label}”是{type}字段",
    ),
    # categories, indicators, items
    "unknown_category": ("unknown category {quoted} (expected one of: {expected})", "没有类别{quoted}"),
    "over_category_cap": ("exceeds the cap of category {category} ({cap})", "超过所属类别“{name}”的上限（{cap}分）"),
    "over_indicator_cap": ("exceeds the cap of its indicator ({cap})", "超过所属指标项的上限（{cap}分）"),
    "negative_in_add": (
        "points must not be negative in an adding category, got {got}",
        "加分类别中的分值不能为负数，填写的是{got}",
    ),
    "negative_in_deduct": (
        "a deduction is written as a positive amount in a deducting category, got {got}",
        "减分类别中的扣分应填写为正数（扣5分就填5），填写的是{got}",
    ),
    "caps_over_total": (
        "the caps of the adding categories sum to {total}, above the policy's total of {limit} points",
        "加分类别的上限合计为{total}分，超过办法规定的总分{limit}分",
    ),
    "one_points_rule": (
        "expected exactly one points rule: 'fixed' or 'per_unit'",
        "须且只能选择一种计分方式：固定分值或按单位计分",
    ),
    "fixed_needs_condition": ("a fixed-points item needs a condition", "固定分值的细则至少需要一个条件"),
    "condition_too_complex": (
        "the rule engine cannot take this condition as one rule (too many groups within groups): simplify it or "
        "split the item",
        "条件过于复杂，规则引擎无法作为一条规则处理（“全部满足”“任一满足”层层嵌套过多）：请简化条件或拆分为多条细则",
    ),
    "per_unit_unknown_field": (
        "expected an int or number field, got {quoted} (not in the fact catalogue)",
        "请选择一个数值型事实字段（目录中没有{quoted}）",
    ),
    "per_unit_not_numeric": (
        "expected an int or number field, got {quoted} (it is {type})",
        "请选择一个数值型事实字段（“{label}”是{type}字段）",
    ),
    # test cases
    "case_facts_not_mapping": ("expected a mapping of facts, got {got}", "申请事实应为字段与值的集合"),
    "points_not_mapping": ("expected a mapping of code to points, got {got}", "应为编号与分值的集合"),
    "unknown_code": ("unknown code (expected one of: {expected})", "没有编号为“{code}”的项"),
    "expected_over_most": (
        "expected at most {most}, the most this version can give (its adding categories' caps), got {got}",
        "不能超过{most}分（此版本各加分类别上限之和，即能得到的最高分），填写的是{got}",
    ),
    "nothing_expected": (
        "expected at least one of: eligible, total, categories, indicators",
        "请至少填写一项预期结果",
    ),
    "mismatch_eligible": ("eligible: expected {expected}, got {actual}", "申请资格：预期{expected}，实际{actual}"),
    "mismatch_unmet": (
        "eligible: expected {expected}, got {actual} (not met: {codes})",
        "申请资格：预期{expected}，实际{actual}——未满足{unmet}",
    ),
    "mismatch_total": ("total: expected {expected}, got {actual}", "总分：预期 {expected}，实际 {actual}"),
    "mismatch_total_scored": (
        "total: expected {expected}, got {actual} (scored: {scored_en})",
        "总分：预期 {expected}，实际 {actual}——实际得分的指标项：{scored}",
    ),
    "mismatch_category": (
        "categories.{code} ({name}): expected {expected}, got {actual}",
        "类别“{name}”：预期 {expected}，实际 {actual}",
    ),
    "mismatch_indicator": (
        "indicators.{code} ({name}): expected {expected}, got {actual} ({counted_en})",
        "指标项 {code} {name}：预期 {expected}，实际 {actual}（{counted}）",
    ),
    "missing_category": ("categories.{code}: not in this version", "类别 {code}：此版本中没有"),
    "missing_indicator": ("indicators.{code}: not in this version", "指标项 {code}：此版本中没有"),
    # files
    "not_yaml": ("not valid YAML: {detail}", "不是有效的 YAML 文件，请检查此处的格式"),
    "unreadable": ("cannot read the file: {detail}", "无法读取文件"),
    # a line of a file of applications (engine/batch.py)
    "line_empty": ("line {line} is empty", "第{line}行是空行"),
    "line_not_json": ("line {line} is not valid JSON: {detail} (column {column})", "第{line}行不是有效的 JSON（第{column}列）"),
    "line_not_utf8": ("line {line} is not valid UTF-8", "第{line}行不是 UTF-8 编码"),
    "entry_not_object": ('expected an object {{"application_ref": …, "facts": {{…}}}}', "每条申请应为含 application_ref 和 facts 的对象"),
    "entry_ref_required": ("required: a non-empty string", "必填：申请编号不能为空"),
    # an application's facts (engine/facts.py)
    "fact_unknown": ("unknown field", "未知字段"),
    "fact_derived": ("is computed from {source} and must not be sent", "由{source_label}自动计算，不能填写"),
    "fact_required": ("required field is missing", "必填项，未填写"),
    "fact_after": ("is after {at} ({date})", "晚于{at_label}（{date}）"),
    "facts_not_object": ("expected an object of facts, got {sent}", "申请事实应为字段与值的集合"),
    "fact_not_boolean": ("expected true or false, got {sent}", "应为“是”或“否”，填写的是{sent}"),
    "fact_not_whole": ("expected a whole number, got {sent}", "应为整数，填写的是{sent}"),
    "fact_not_integer": ("expected an integer, got {sent}", "应为整数，填写的是{sent}"),
    "fact_not_number": ("expected a number, got {sent}", "应为数字，填写的是{sent}"),
    "fact_out_of_range": ("must be between {low} and {high}, got {sent}", "应在{low}至{high}之间，填写的是{sent}"),
    "fact_below_min": ("must be at least {min}, got {sent}", "不能小于 {min}（填写的是 {sent}）"),
    "fact_above_max": ("must be at most {max}, got {sent}", "不能大于 {max}（填写的是 {sent}）"),
    "fact_bad_date": ("not a valid date: {text!r} (expected YYYY-MM-DD)", "日期无效：{text}（格式为 年-月-日，如 2026-03-15）"),
    "fact_not_date": ("expected a date as YYYY-MM-DD, got {sent}", "应为日期（格式为 年-月-日，如 2026-03-15），填写的是{sent}"),
    "fact_date_out_of_range": ("must be between {low} and {high}, got {date}", "应在{low}至{high}之间，填写的是{date}"),
    "fact_not_option": ("must be one of: {values}; got {sent}", "应为以下之一：{labels}（填写的是{sent}）"),
    "fact_not_string": ("expected a string, got {sent}", "应为文字，填写的是{sent}"),
}  # fmt: skip

_OPS_ZH = {"==": "等于", "!=": "不等于", "<": "小于", "<=": "小于等于", ">": "大于", ">=": "大于等于", "in": "属于",
           "not_in": "不属于", "exists": "已填写", "not_exists": "未填写"}  # fmt: skip
_TYPES_ZH = choice_names("fact", "type")
_KINDS_ZH = {"add": "加分", "deduct": "扣分"}
_SHOWN = 40  # characters of a long value shown in a sentence


def _number(value: Decimal | int | float) -> str:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f") if value.is_finite() else str(value)
        return text
    return repr(value) if isinstance(value, float) else str(value)


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "…"


def found_en(node: Any) -> str:
    """A value found in a document, as English sentences name it (``the text 'x'``, ``nothing``)."""
    if node is None:
        return "nothing"
    if node is True or node is False:
        return f"the boolean {str(node).lower()}"
    if isinstance(node, str):
        return f"the text {node!r}"
    if isinstance(node, Mapping):
        return "a mapping"
    if isinstance(node, list):
        return "a list"
    return repr(node)


def sent_en(value: Any) -> str:
    """A value sent as a fact, as English sentences name it (``the string '12'``, ``true``)."""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, Decimal) and value.is_finite():
        return str(value)  # a number read from JSON as a Decimal: as it was written
    return repr(value)


def found_zh(value: Any) -> str:
    """A value in a Chinese sentence: 「“abc”」, 「“是”」, 「空」, numbers as written."""
    if value is None:
        return "空"
    if value is True or value is False:
        return "“是”" if value else "“否”"
    if isinstance(value, str):
        return f"“{_cut(value)}”" if value.strip() else "空白"
    if isinstance(value, Mapping):
        return "一组键值"
    if isinstance(value, (list, tuple)):
        return "一个列表"
    if isinstance(value, (int, float, Decimal)):
        return _cut(_number(value))
    return _cut(str(value))


# found values, shown per language: what was found (got), what a client sent (sent), a name looked up (quoted)
_FOUND: dict[str, tuple[Callable[[Any], str], Callable[[Any], str]]] = {
    "got": (found_en, found_zh),
    "sent": (sent_en, found_zh),
    "quoted": (lambda v: repr(v) if isinstance(v, str) else found_en(v), found_zh),
}
# codes shown by their Chinese names in Chinese
_NAMED_ZH = {"op": _OPS_ZH, "type": _TYPES_ZH, "kind": _KINDS_ZH}


def _show(key: str, value: Any, language: str, place: Callable[[str], str] | None) -> Any:
    zh = language == "zh"
    if key in _FOUND:
        return _FOUND[key][zh](value)
    if key.endswith("_at") and zh and place is not None and isinstance(value, str):
        return place(value)
    if zh and key in _NAMED_ZH:
        return _NAMED_ZH[key].get(value, value)
    if isinstance(value, (list, tuple)):
        return ("、" if zh else ", ").join(_show("item", v, language, place) for v in value)
    return _plain(value, zh)


def _plain(value: Any, zh: bool) -> Any:
    if value is True or value is False:
        return ("是" if value else "否") if zh else str(value).lower()
    if isinstance(value, Decimal):
        return _number(value)
    return value


def render(
    code: str, params: Mapping[str, Any], language: str = "en", place: Callable[[str], str] | None = None
) -> str:
    """The sentence of a problem in ``language`` (``en`` or ``zh``).

    >>> render("too_long", {"limit": 16, "length": 20}, "zh")
    '最多16个字符，填写了20个'
    """
    en, zh = TEXTS[code]
    shown = {key: _show(key, value, language, place) for key, value in params.items()}
    return (zh if language == "zh" else en).format(**shown)
