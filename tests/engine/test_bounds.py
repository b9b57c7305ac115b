"""What a version can score, as the measures set it: caps of the adding categories within 总分300分, points never
negative in an adding category, deductions written as positive amounts, and a case expecting no more than the
version can give — each refused by the loader with its own problem code, at the value's place."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from engine import RulesetError, load_file, parse_document, to_document
from engine.bounds import POLICY_TOTAL, most_total
from engine.errors import CodedProblem
from tests.conftest import RULESETS

SAMPLE = to_document(load_file(RULESETS / "tongxiang-2026.yaml"))
Edit = Callable[[dict[str, Any]], None]


def item(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for ind in doc["indicators"] for i in ind["items"] if i["code"] == code)


def problems(edit: Edit) -> list[tuple[str, str, str]]:
    """(path, code, Chinese sentence) of each problem the edited sample has."""
    doc = copy.deepcopy(SAMPLE)
    edit(doc)
    with pytest.raises(RulesetError) as caught:
        parse_document(doc)
    found = caught.value.problems
    assert all(isinstance(p, CodedProblem) for p in found)
    return [(p.path, p.code, p.text("zh")) for p in found if isinstance(p, CodedProblem)]


def accepted(edit: Edit) -> None:
    doc = copy.deepcopy(SAMPLE)
    edit(doc)
    parse_document(doc)


T4_2 = "indicators[8].items[1]"  # 获得实用新型专利，每件得4分 (bonus: adding)
T8_4 = "indicators[12].items[3]"  # 每次扣5分 (deduction)


@pytest.mark.parametrize(
    ("edit", "path", "code", "text"),
    [
        (lambda d: item(d, "T4-2")["per_unit"].update(rate=-5), f"{T4_2}.per_unit.rate", "negative_in_add",
         "加分类别中的分值不能为负数，填写的是-5"),
        (lambda d: item(d, "T4-2")["per_unit"].update(offset=-1), f"{T4_2}.per_unit.offset", "negative_in_add",
         "加分类别中的分值不能为负数，填写的是-1"),
        (lambda d: item(d, "T4-4").update(fixed=-5), "indicators[8].items[3].fixed", "negative_in_add",
         "加分类别中的分值不能为负数，填写的是-5"),
        (lambda d: item(d, "T8-4")["per_unit"].update(rate=-5), f"{T8_4}.per_unit.rate", "negative_in_deduct",
         "减分类别中的扣分应填写为正数（扣5分就填5），填写的是-5"),
        (lambda d: item(d, "T8-3").update(fixed=-30), "indicators[12].items[2].fixed", "negative_in_deduct",
         "减分类别中的扣分应填写为正数（扣5分就填5），填写的是-30"),
    ],
)  # fmt: skip
def test_negative_amounts_are_refused_by_what_their_category_does(edit: Edit, path: str, code: str, text: str) -> None:
    assert problems(edit) == [(path, code, text)]


def test_a_score_counting_down_from_a_base_is_not_negative() -> None:
    # P1-2: 得（60－年龄）分 — a negative rate from a positive base, in an adding category
    assert item(SAMPLE, "P1-2")["per_unit"] == {"field": "age", "rate": -1, "offset": 60}
    accepted(lambda d: item(d, "T4-2")["per_unit"].update(rate=-1, offset=10))
    accepted(lambda d: item(d, "T4-4").update(fixed=0))


def test_caps_of_the_adding_categories_over_300_are_refused() -> None:
    found = problems(lambda d: d["categories"][2].update(cap=60))  # 100 + 150 + 60
    assert found == [("categories[2].cap", "caps_over_total", "加分类别的上限合计为310分，超过办法规定的总分300分")]
    # a deducting category's cap is not part of the total
    accepted(lambda d: d["categories"][3].update(cap=400 - 100))


def test_a_case_expects_no_more_than_the_version_can_give() -> None:
    def lower(doc: dict[str, Any]) -> None:
        doc["categories"][2]["cap"] = 40  # the adding caps sum to 290
        doc["cases"] = [c for c in doc["cases"] if c["expected"].get("total", 0) <= 290]
        doc["cases"][0]["expected"]["total"] = 291

    assert problems(lower) == [
        (
            "cases[0].expected.total",
            "expected_over_most",
            "不能超过290分（此版本各加分类别上限之和，即能得到的最高分），填写的是291",
        )
    ]

    def at_most(doc: dict[str, Any]) -> None:
        lower(doc)
        doc["cases"][0]["expected"]["total"] = 290
        doc["cases"][0]["expected"].pop("categories", None)
        doc["cases"][0]["expected"].pop("indicators", None)

    accepted(at_most)


def test_most_total() -> None:
    version = load_file(RULESETS / "tongxiang-2026.yaml")
    assert most_total(version.categories) == POLICY_TOTAL == Decimal(300)
    doc = copy.deepcopy(SAMPLE)
    doc["categories"][0]["cap"] = 90
    doc["cases"] = []
    assert most_total(parse_document(doc).categories) == 290
    del doc["categories"][1]["cap"]  # a category without a cap: the measures' 300
    assert most_total(parse_document(doc).categories) == 300
