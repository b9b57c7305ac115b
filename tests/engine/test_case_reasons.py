"""A failing test case says what decided it, in words: the eligibility requirement not met, the items that counted
for an indicator, the indicators that scored when only a total was expected."""

from __future__ import annotations

import copy
from typing import Any

from engine import RulesetVersion, load_file, parse_document, run_cases, to_document
from tests.conftest import RULESETS

SAMPLE = to_document(load_file(RULESETS / "tongxiang-2026.yaml"))
FACTS = {"application_date": "2026-03-15", "birth_date": "1996-03-15", "permit_valid": True, "permit_endorsed": True}


def version_with(case: dict[str, Any], edit: Any = None) -> RulesetVersion:
    doc = copy.deepcopy(SAMPLE)
    doc["cases"] = [case]
    if edit is not None:
        edit(doc)
    return parse_document(doc)


def test_an_eligibility_mismatch_names_the_requirement_not_met() -> None:
    case = {"name": "未签注", "facts": {**FACTS, "permit_endorsed": False}, "expected": {"eligible": True}}
    (outcome,) = run_cases(version_with(case))
    (mismatch,) = outcome.mismatches
    assert mismatch.text("zh") == "申请资格：预期是，实际否——未满足“浙江省居住证已完成本年度签注”（permit_endorsed）"
    assert str(mismatch) == "eligible: expected true, got false (not met: permit_endorsed)"


def test_a_new_requirement_is_named_when_it_fails_an_old_case() -> None:
    def new_requirement(doc: dict[str, Any]) -> None:
        doc["eligibility"].append({"code": "contract", "when": {"field": "labor_contract", "op": "==", "value": True},
                                   "reason": "须与本市用人单位签订劳动合同"})  # fmt: skip

    case = {"name": "无合同", "facts": FACTS, "expected": {"eligible": True, "total": 20}}
    (outcome,) = run_cases(version_with(case, new_requirement))
    texts = [m.text("zh") for m in outcome.mismatches]
    assert texts[0] == "申请资格：预期是，实际否——未满足“与本市用人单位签订劳动合同”（contract）"
    assert texts[1] == "总分：预期 20，实际 0"  # the line above says why


def test_expecting_ineligible_of_an_eligible_applicant() -> None:
    case = {"name": "应不具备资格", "facts": FACTS, "expected": {"eligible": False}}
    (outcome,) = run_cases(version_with(case))
    assert [m.text("zh") for m in outcome.mismatches] == ["申请资格：预期否，实际是"]


def test_a_total_alone_names_the_indicators_that_scored() -> None:
    case = {"name": "只写总分", "facts": {**FACTS, "utility_patents": 2}, "expected": {"total": 20}}
    (outcome,) = run_cases(version_with(case))
    (mismatch,) = outcome.mismatches
    assert mismatch.text("zh") == "总分：预期 20，实际 28——实际得分的指标项：P1 年龄 20、T4 创新发明 8"
    assert str(mismatch) == "total: expected 20, got 28 (scored: P1 20, T4 8)"


def test_an_indicator_names_the_items_that_counted_or_none() -> None:
    case = {"name": "专利", "facts": {**FACTS, "utility_patents": 2}, "expected": {"indicators": {"T4": 4, "T5": 6}}}
    (outcome,) = run_cases(version_with(case))
    assert [m.text("zh") for m in outcome.mismatches] == [
        "指标项 T4 创新发明：预期 4，实际 8（计分的细则：T4-2“获得实用新型专利，每件得4分”8分）",
        "指标项 T5 表彰奖励：预期 6，实际 0（没有细则计分）",
    ]
