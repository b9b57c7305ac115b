"""An item's label against its rule: each kind of mismatch caught and named both ways, no false alarm on the
sample standards or on labels that state nothing the rule contradicts."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from engine import RulesetVersion, load_file, parse_document, to_document
from engine.labels import statements
from engine.lint import Finding, lint
from tests.conftest import RULESETS

SAMPLES = {year: to_document(load_file(RULESETS / f"tongxiang-{year}.yaml")) for year in (2025, 2026)}


def edited(edit: Callable[[dict[str, Any]], None], year: int = 2026) -> RulesetVersion:
    doc = copy.deepcopy(SAMPLES[year])
    edit(doc)
    return parse_document(doc)


def item(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for ind in doc["indicators"] for i in ind["items"] if i["code"] == code)


def mismatches(version: RulesetVersion) -> list[Finding]:
    return [f for f in lint(version) if f.code == "label_mismatch"]


@pytest.mark.parametrize("year", [2025, 2026])
def test_the_sample_standards_say_what_they_score(year: int) -> None:
    assert mismatches(edited(lambda d: None, year)) == []


def rate(doc: dict[str, Any]) -> None:
    item(doc, "T4-2")["per_unit"]["rate"] = 5  # label 「获得实用新型专利，每件得4分」


def unit(doc: dict[str, Any]) -> None:
    item(doc, "T6-1")["per_unit"]["unit"] = 40  # label 「志愿服务时长每满50小时得2分」


def band(doc: dict[str, Any]) -> None:
    item(doc, "P1-2")["when"]["all"][1]["value"] = 55  # label 「年龄41至54周岁，得（60－年龄）分」


def cap(doc: dict[str, Any]) -> None:
    item(doc, "T4-2")["label"] = "获得实用新型专利，每件得4分，最高12分"
    item(doc, "T4-2")["cap"] = 10


def fixed(doc: dict[str, Any]) -> None:
    item(doc, "T3-2")["label"] = "在本市拥有自有产权住房，得20分"  # fixed: 30


def upper(doc: dict[str, Any]) -> None:
    item(doc, "P1-1")["label"] = "年龄39周岁及以下"  # age <= 40


def above(doc: dict[str, Any]) -> None:
    item(doc, "P1-4")["when"]["value"] = 61  # 「年龄60周岁以上」: > 60 or >= 60, not > 61


def deduction(doc: dict[str, Any]) -> None:
    item(doc, "T8-4")["per_unit"]["rate"] = 3  # 「…每次扣5分」


@pytest.mark.parametrize(
    ("edit", "code", "stated", "actual"),
    [
        (rate, "T4-2", "每件得4分", "每件得5分"),
        (unit, "T6-1", "每满50小时得2分", "每满40小时得2分"),
        (band, "P1-2", "41至54周岁", "条件为年龄41至55周岁"),
        (cap, "T4-2", "最高12分", "最高10分"),
        (fixed, "T3-2", "得20分", "得30分"),
        (upper, "P1-1", "39周岁及以下", "条件为年龄40周岁及以下"),
        (above, "P1-4", "60周岁以上", "条件为年龄62周岁及以上"),
        (deduction, "T8-4", "每次扣5分", "每次扣3分"),
    ],
)
def test_each_kind_of_mismatch_is_a_warning_naming_both(
    edit: Callable[[dict[str, Any]], None], code: str, stated: str, actual: str
) -> None:
    (finding,) = mismatches(edited(edit))
    assert finding.severity == "warning" and finding.items == (code,)
    message = finding.message("zh")
    assert f"“{stated}”" in message and actual in message, message
    assert "{" not in finding.message("en") and code in finding.message("en")


def test_a_label_that_states_nothing_or_agrees_is_left_alone() -> None:
    def harmless(doc: dict[str, Any]) -> None:
        item(doc, "P1-4")["when"]["op"] = ">="  # 「60周岁以上」 may be read with or without 60
        item(doc, "P1-4")["when"]["value"] = 60
        item(doc, "T4-1")["label"] = "获得发明专利，每件得10分，最高20分"  # the item's cap
        item(doc, "P4-1")["label"] = "在浙江省累计缴纳社会保险，每满1个月得0.5分，最高30分"  # the indicator's cap
        item(doc, "T8-1")["label"] = "近5年有刑事犯罪记录3次以上的，每次扣50分"  # 次 of no bounded fact
        item(doc, "T2-3")["label"] = "与本市用人单位签订劳动合同满1年"  # 年 is not read

    assert mismatches(edited(harmless)) == []


@pytest.mark.parametrize(
    ("label", "kinds"),
    [
        ("年龄41至54周岁，得（60－年龄）分", ["bounds"]),
        ("在浙江省累计缴纳社会保险，每满1个月得0.5分", ["rate"]),
        ("无偿献血每次得2分", ["rate"]),
        ("不满12个月", ["bounds"]),
        ("满12个月得5分", ["points", "bounds"]),
        ("职业技能一级、二级", []),
        ("近3年被治安拘留，每次扣20分", ["rate"]),
    ],
)
def test_what_a_label_states(label: str, kinds: list[str]) -> None:
    assert [s.kind for s in statements(label)] == kinds
