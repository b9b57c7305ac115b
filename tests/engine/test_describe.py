"""Rules read as a clerk writes them: units, ranges, options by name, deductions as 扣, groups by their items."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine import RulesetVersion
from engine.describe import condition_sentence, version_sentences
from engine.model import Clause, FactField

SENTENCES_2026 = {
    "P1-1": "当年龄40周岁及以下时，得20分",
    "P1-2": "当年龄为41至54周岁时，得（60 − 年龄）分",
    "P1-4": "当年龄超过60周岁时，得0分",
    "P2-2": "当文化程度（最高学历）为大专（高职）时，得8分（与P2-1、P2-3不累加，只取最高）",
    "P3-1": "当职业资格或职业技能等级（1级最高，5级最低）为2及以下或专业技术职称为中级、副高级、正高级之一时，"
    "得10分（与P3-2、P3-3、P3-4不累加，只取最高）",
    "P3-3": "当职业资格或职业技能等级（1级最高，5级最低）为4时，得5分（与P3-1、P3-2、P3-4不累加，只取最高）",
    "P4-1": "在浙江省累计缴纳社会保险每满1个月得0.5分",
    "T3-3": "当在本市的住所为登记备案的租赁住房时，得10分（与T3-2、T3-4不累加，只取最高）",
    "T6-1": "志愿服务时长每满50小时得2分，本项最高10分",
    "T6-2": "无偿献血每次得2分，本项最高10分",
    "T7-1": "上一年度在本市缴纳个人所得税每满1000元得1分，本项最高20分",
    "T8-1": "近5年刑事犯罪记录每次扣50分",
    "T8-3": "当被采取社区戒毒、强制隔离戒毒等措施时，扣30分",
    "T8-5": "当年度有拒不履行法院生效法律文书行为时，扣30分",
}


@pytest.mark.parametrize(("code", "sentence"), sorted(SENTENCES_2026.items()))
def test_the_2026_items_read_as_written(versions: dict[int, RulesetVersion], code: str, sentence: str) -> None:
    assert version_sentences(versions[2026])[code] == sentence


def test_no_sentence_shows_a_code_of_an_option_or_a_group(versions: dict[int, RulesetVersion]) -> None:
    version = versions[2026]
    codes: set[Any] = {v for f in version.facts for v in f.values} | {
        i.group for ind in version.indicators for i in ind.items if i.group
    }
    for code, sentence in version_sentences(version).items():
        assert not any(str(c) in sentence for c in codes), (code, sentence)
        assert "当当" not in sentence and "每满1得" not in sentence and "≥" not in sentence


LEVEL = FactField("skill_level", "int", "职业资格或职业技能等级（1级最高，5级最低）")
AGE = FactField("age", "int", "年龄（周岁）")


@pytest.mark.parametrize(
    ("field", "op", "sentence"),
    [
        (LEVEL, "<=", "职业资格或职业技能等级（1级最高，5级最低）为2及以下"),
        (LEVEL, ">=", "职业资格或职业技能等级（1级最高，5级最低）为2及以上"),
        (LEVEL, "<", "职业资格或职业技能等级（1级最高，5级最低）不满2"),
        (LEVEL, ">", "职业资格或职业技能等级（1级最高，5级最低）超过2"),
        (LEVEL, "==", "职业资格或职业技能等级（1级最高，5级最低）为2"),
        (LEVEL, "!=", "职业资格或职业技能等级（1级最高，5级最低）不为2"),
        (AGE, "<=", "年龄2周岁及以下"),
        (AGE, ">=", "年龄2周岁及以上"),
        (AGE, "<", "年龄不满2周岁"),
        (AGE, ">", "年龄超过2周岁"),
    ],
)
def test_a_comparison_reads_with_its_verb(field: FactField, op: Any, sentence: str) -> None:
    """A bare number after a name needs 「为」; a unit after the number reads without it."""
    assert condition_sentence(Clause(field.name, op, Decimal(2)), {field.name: field}) == sentence
