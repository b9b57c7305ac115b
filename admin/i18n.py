"""Chinese wording for the messages the engine and the services write in English (facts, rulesets, refusals)."""

from __future__ import annotations

import re

_MESSAGES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r) for p, r in [
        (r"^unknown field$", "未知字段"),
        (r"^is computed from (\w+) and must not be sent$", r"由 \1 自动计算，不能填写"),
        (r"^expected true or false, got (.+)$", r"应为“是”或“否”，填写的是 \1"),
        (r"^expected a whole number, got (.+)$", r"应为整数，填写的是 \1"),
        (r"^expected an integer, got (.+)$", r"应为整数，填写的是 \1"),
        (r"^must be at least (\S+), got (.+)$", r"不能小于 \1（填写的是 \2）"),
        (r"^must be at most (\S+), got (.+)$", r"不能大于 \1（填写的是 \2）"),
        (r"^expected a number, got (.+)$", r"应为数字，填写的是 \1"),
        (r"^not a valid date: (.+) \(expected YYYY-MM-DD\)$", r"日期无效：\1（格式为 年-月-日，如 2026-03-15）"),
        (r"^expected a date as YYYY-MM-DD, got (.+)$", r"应为日期（格式为 年-月-日），填写的是 \1"),
        (r"^must be one of: (.+); got (.+)$", r"应为以下之一：\1（填写的是 \2）"),
        (r"^expected a string, got (.+)$", r"应为文字"),
        (r"^required field is missing$", "必填项，未填写"),
        (r"^is after (\w+) \((.+)\)$", r"晚于 \1（\2）"),
        (r"^expected an object of facts, got (.+)$", r"申请事实应为字段与值的集合"),
        (r"^unknown field (.+) \(not in the fact catalogue\)$", r"未知字段 \1（事实字段目录中没有）"),
        (r"^unknown operator (.+) \(expected one of: (.+)\)$", r"未知运算符 \1（可选：\2）"),
        (r"^exceeds the cap of its indicator \((.+)\)$", r"超过所属指标项的上限（\1分）"),
        (r"^exceeds the cap of category (\w+) \((.+)\)$", r"超过类别 \1 的上限（\2分）"),
        (r"^duplicate (.+) '(.+)' \(first at (.+)\)$", r"编号“\2”重复（首次出现于 \3）"),
        (r"^missing required key$", "缺少必填项"),
        (r"^unknown key \(expected one of: (.+)\)$", r"无法识别的项（可用：\1）"),
        (r"^must not be negative, got (.+)$", r"不能为负数（填写的是 \1）"),
        (r"^must be greater than 0, got (.+)$", r"必须大于0（填写的是 \1）"),
        (r"^at most 2 decimal places, got (.+)$", r"最多两位小数（填写的是 \1）"),
        (r"^expected exactly one points rule: 'fixed' or 'per_unit'$", "须且只能有一种计分方式：固定分值或按单位计分"),
        (r"^total: expected (.+), got (.+)$", r"总分：预期 \1，实际 \2"),
        (r"^eligible: expected (.+), got (.+)$", r"申请资格：预期 \1，实际 \2"),
        (r"^indicators\.(\S+): expected (.+), got (.+)$", r"指标项 \1：预期 \2，实际 \3"),
        (r"^categories\.(\S+): expected (.+), got (.+)$", r"类别 \1：预期 \2，实际 \3"),
        (r"^(.+) cannot be published: (\d+) test case\(s\) fail$", r"\1 不能发布：\2 个测试用例未通过"),
        (r"^(.+) cannot be published: it is not valid$", r"\1 不能发布：校验未通过"),
        (r"^(.+) cannot be published without a note$", r"\1 发布时必须填写发布说明"),
        (r"^(.+) cannot be published$", r"\1 不能发布"),
        (r"^it has no test cases: add at least one$", "没有测试用例：请至少添加一个"),
        (r"^(\S+) \((\w+)\) may not do this: needs the role (.+)$", r"\1 无权执行此操作（需要角色：\3）"),
        (r"^(.+) is (published|retired): only drafts can be edited$", r"\1 已发布或已停用，只有草稿可以修改"),
        (r"^(.+) was changed by someone else.*$", r"\1 已被其他人修改，您的修改未保存；请刷新页面后重新修改"),
        (r"^(.+) already exists with other content.*$", r"\1 已存在且内容不同；请使用新的修订号，或编辑草稿"),
        (r"^no version in force for (\d+) on (.+)$", r"\1 年在 \2 没有生效的版本"),
        (r"^only a draft can be published$", "只有草稿可以发布"),
        (r"^only a published version can be retired$", "只有已发布的版本可以停用"),
        (r"^not valid YAML: (.+)$", r"不是有效的 YAML：\1"),
        (r"^cannot read the file: (.+)$", r"无法读取文件：\1"),
    ]
]  # fmt: skip

_PATH = [
    (re.compile(r"facts\[(\d+)\]"), "事实字段第{}项"),
    (re.compile(r"eligibility\[(\d+)\]"), "资格条件第{}项"),
    (re.compile(r"categories\[(\d+)\]"), "类别第{}项"),
    (re.compile(r"indicators\[(\d+)\]"), "指标项第{}项"),
    (re.compile(r"items\[(\d+)\]"), "细则第{}项"),
    (re.compile(r"cases\[(\d+)\]"), "测试用例第{}项"),
]
_WORDS = {"when": "条件", "field": "字段", "op": "运算符", "value": "值", "cap": "上限", "fixed": "固定分值",
          "per_unit": "按单位计分", "rate": "每单位分值", "unit": "单位", "offset": "基础分", "label": "名称",
          "code": "编号", "name": "名称", "group": "不累加分组", "reference": "政策依据", "expected": "预期结果",
          "total": "总分", "facts": "申请事实", "category": "所属类别", "departments": "责任部门"}  # fmt: skip


_VALUES = [
    (re.compile(r"the string '([^']*)'"), r"“\1”"),
    (re.compile(r"the text '([^']*)'"), r"“\1”"),
    (re.compile(r"the boolean (true|false)"), r"\1"),
    (re.compile(r"\ba list\b"), "一个列表"),
    (re.compile(r"\ban object\b"), "一个对象"),
]


def zh(message: str) -> str:
    """A message in Chinese when its form is known; otherwise as it is."""
    for pattern, replacement in _MESSAGES:
        if pattern.match(message):
            message = pattern.sub(replacement, message)
            break
    for pattern, replacement in _VALUES:
        message = pattern.sub(replacement, message)
    return message


def zh_path(path: str) -> str:
    """``indicators[0].items[1].when.field`` → 「指标项第1项 · 细则第2项 · 条件 · 字段」."""
    if not path:
        return ""
    parts = []
    for segment in path.split("."):
        for pattern, template in _PATH:
            m = pattern.fullmatch(segment)
            if m:
                parts.append(template.format(int(m.group(1)) + 1))
                break
        else:
            parts.append(_WORDS.get(segment, segment))
    return " · ".join(parts)
