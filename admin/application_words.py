"""The console's Chinese for an application's life: names of states, events and outcomes, fact values by their
catalogue labels, times in Beijing, and the service's refusals looked up by their code (never by rewording the
English message)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping
from typing import Any

from admin import clock
from engine.canonical import plain_number
from engine.describe import value_text
from engine.model import FactField
from jifen.errors import CodedError
from jifen.scoring import claims

STATE_NAMES = {"verifying": "核查中", "scored": "已计分，待公示", "published": "已公示", "re_reviewing": "复核中",
               "voided": "已作废"}  # fmt: skip
STATE_BADGES = {"verifying": "info", "scored": "warning", "published": "success", "re_reviewing": "primary",
                "voided": "secondary"}  # fmt: skip
CHANNEL_NAMES = {"online": "网上申请（浙里新市民）", "window": "镇（街道）窗口受理"}
VOID_REASON_NAMES = {"permit_suspended": "居住证被暂停", "permit_cancelled": "居住证被注销"}
KIND_NAMES = {"verification": "核查", "re_review": "复核"}
TASK_STATUS_NAMES = {"open": "待办", "done": "已完成", "cancelled": "已取消（申请作废）"}
OUTCOME_NAMES = {
    claims.CONFIRMED: "属实",
    claims.CORRECTED: "更正",
    claims.NOT_PROVEN: "未能证实",
    claims.NONE: "无记录",
}
ACTION_NAMES = {"received": "受理", "supplemented": "补充材料", "verified": "部门核查", "extended": "延长核查期限",
                "scored": "计算积分", "published": "公示", "objected": "提出异议", "re_reviewed": "部门复核",
                "republished": "公布复核结果", "voided": "积分作废"}  # fmt: skip
ACTOR_KIND_NAMES = {"client": "接口", "user": "控制台用户"}
INVALID_REASON_NAMES = {
    "voided": "已作废",
    "expired": "已过有效期",
    "not_scored": "尚未计分",
    "not_published": "尚未公示",
}
CALENDAR_KIND_NAMES = {"holiday": "休息日（节假日）", "workday": "上班日（调休）"}
WEEKDAYS = "一二三四五六日"

# Every code the applications service (and the calendar it counts with) refuses with, as the console says it.
# Placeholders are filled from the application (see ``problem_text``); a test checks that no code is missing.
PROBLEMS = {
    "application_exists": "该申请已受理过。",
    "application_voided": "该申请已于 {voided_on} 作废（{void_reason}），不能再办理；居住证恢复后须重新申请。",
    "supplement_used": "申请人已补充过一次材料，不能再补充。",
    "supplement_closed": "结果已公示，不能再补充材料；对结果有异议的，可提出异议。",
    "no_open_task": "该申请目前{state}，没有待核查的任务。",
    "task_done": "本部门已完成该申请本轮的核查，不能重复提交。",
    "no_task": "该申请没有本部门的核查任务。",
    "no_department": "您的账户没有绑定部门，不能核查；请联系管理员。",
    "department_mismatch": "只能以您所在的部门（{department}）核查。",
    "not_department_facts": "只能核查本部门负责的事实。",
    "extension_used": "该任务已延长过一次，每个任务只能延长一次。",
    "extension_not_allowed": "复核的7个工作日期限不能延长；只有核查的15个工作日期限可以延长一次。",
    "verification_pending": "还有部门没有完成核查，暂不能公示：{pending}。",
    "already_published": "该申请已于 {published_on} 公示。",
    "not_published": "只有已公示的结果可以提出异议。",
    "objection_already_filed": "该申请已提出过异议，复核结果为最终结果。",
    "objection_window_closed": "已超过异议期限（{objection_deadline}），逾期提出的，不予受理。",
    "invalid_fields": "提交的内容有误，请按提示修改。",
    "no_calendar_data": "期限落在没有节假日数据的年份，无法计算；请先在“工作日历”中录入该年度的节假日和调休上班日。",
    "already_scored": "该申请编号在本年度已有积分记录。",
    "stale_supersedes": "该申请的积分刚被他人更新，请刷新页面后重试。",
}
_TYPE_NAMES = {"bool": "“是”或“否”", "int": "整数", "number": "数字", "date": "日期（年-月-日）", "string": "文字"}


class _Params(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "—"


def problem_text(exc: CodedError, params: Mapping[str, Any] | None = None) -> str:
    """The refusal in Chinese, by its code; placeholders come from ``params`` (what the page knows)."""
    template = PROBLEMS.get(exc.code, "操作未能完成（{code}）。")
    return template.format_map(_Params({"code": exc.code, **(params or {})}))


def label(catalogue: Mapping[str, FactField], name: str) -> str:
    field = catalogue.get(name)
    return field.label if field is not None else name


def expected_text(field: FactField) -> str:
    """What a field takes: 「整数，不小于 0」, 「以下之一：大学本科、大专（高职）…」."""
    if field.type == "enum":
        return "以下之一：" + "、".join(field.value_labels or field.values)
    text = _TYPE_NAMES.get(field.type, field.type)
    if field.min is not None:
        text += f"，不小于 {plain_number(field.min)}"
    if field.max is not None:
        text += f"，不大于 {plain_number(field.max)}"
    return text


def fact_problem(field: FactField | None, value: Any, sent: bool) -> str:
    """Why the service refused one fact's verified value, said from the catalogue: the service's field message is
    English, and which rule failed is known from the field and the value."""
    if field is None:
        return "该事实不在事实目录中。"
    if not sent:
        return "请填写核查结果。"
    if value is None and field.required:
        return "必填事实不能为“未能证实”，请填写核实的值。"
    if value is not None and claims.check_value(field, value) is not None:
        return f"应为{expected_text(field)}；填写的是“{value_text(value, None, '—')}”。"
    return f"该事实由{field.department or '其他部门'}核查，不属于本部门的任务。"


def local_time(at: dt.datetime | str | None) -> str:
    """A moment in Beijing time, to the second: 2025-02-20 09:30:05."""
    return clock.local_time(at, seconds=True)


def day_text(day: dt.date | str | None) -> str:
    """A date with its weekday: 2025-02-20（周四）."""
    if day is None:
        return "—"
    date = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{date.isoformat()}（周{WEEKDAYS[date.weekday()]}）"


def control_problem(text: str) -> str | None:
    """Why typed text cannot be kept (a NUL or another control character, which PostgreSQL refuses), or None."""
    if any(unicodedata.category(c) == "Cc" and c not in "\n\r\t" for c in text):
        return "含有无法保存的控制字符，请删除后再提交。"
    return None
