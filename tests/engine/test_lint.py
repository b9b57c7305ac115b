"""Static checks of a version: each code from a small change to the sample standard that triggers it, a near
change that does not, and every witness scored by the engine to show what its finding says."""

from __future__ import annotations

import copy
import datetime as dt
import re
import string
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import RulesetVersion, compile_version, load_file, parse_document, to_document, to_plain
from engine.facts import full_years
from engine.lint import CHECKS, Finding, lint, report, unacknowledged
from tests.conftest import RULESETS

Edit = Callable[[dict[str, Any]], None]
SAMPLE = to_document(load_file(RULESETS / "tongxiang-2026.yaml"))


def edited(*edits: Edit) -> RulesetVersion:
    doc = copy.deepcopy(SAMPLE)
    for edit in edits:
        edit(doc)
    return parse_document(doc)


def item(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for ind in doc["indicators"] for i in ind["items"] if i["code"] == code)


def indicator(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in doc["indicators"] if i["code"] == code)


def clause(field: str, op: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "op": op} if value is None else {"field": field, "op": op, "value": value}


def when(code: str, condition: dict[str, Any]) -> Edit:
    return lambda doc: item(doc, code).update(when=condition)


def bands(kind: str, first: dict[str, Any], second: dict[str, Any]) -> Edit:
    """A fact ``x`` of ``kind`` (≥ 0) and two items of T7 that band it."""

    def edit(doc: dict[str, Any]) -> None:
        doc["facts"].append({"name": "x", "type": kind, "label": "测试事实", "min": 0})
        indicator(doc, "T7")["items"] += [
            {"code": "X-1", "label": "第一档", "when": {"field": "x", **first}, "fixed": 1},
            {"code": "X-2", "label": "第二档", "when": {"field": "x", **second}, "fixed": 2},
        ]

    return edit


def uncapped(doc: dict[str, Any]) -> None:
    del item(doc, "T7-1")["cap"], indicator(doc, "T7")["cap"]
    doc["categories"][2]["cap"] = None


def unused(doc: dict[str, Any]) -> None:
    doc["facts"].append({"name": "pet_count", "type": "int", "label": "宠物数量", "min": 0})


def too_complex(doc: dict[str, Any]) -> None:
    either = {"any": [clause("skill_level", "==", 1), clause("title", "==", "senior")]}
    item(doc, "T1-1")["when"] = {"all": [either] * 13}  # 2¹³ cases


def impossible_requirement(doc: dict[str, Any]) -> None:
    doc["eligibility"][0]["when"] = {"all": [clause("permit_valid", "==", True), clause("permit_valid", "!=", True)]}


# name → (edits, code, indicator, items, params that must hold)
TRIGGERS: dict[str, tuple[tuple[Edit, ...], str, str | None, tuple[str, ...], dict[str, str]]] = {
    "overlap": (
        (when("P1-1", clause("age", "<=", 41)), lambda d: item(d, "P1-1").update(label="年龄41周岁及以下")),
        "overlap", "P1", ("P1-1", "P1-2"), {"where": "age 41"},
    ),
    "overlap_decimal": (
        (bands("number", {"op": "<=", "value": 40}, {"op": ">=", "value": 40}),),
        "overlap", "T7", ("X-1", "X-2"), {"where": "x 40"},
    ),
    "gap_integer": (
        (lambda d: item(d, "P1-2")["when"]["all"][0].update(value=42),),
        "gap", "P1", ("P1-1", "P1-2", "P1-3", "P1-4"), {"values": "41", "range": "≥ 0"},
    ),
    "gap_above_the_last_band": (
        (lambda d: indicator(d, "P1")["items"].pop(),), "gap", "P1", ("P1-1", "P1-2", "P1-3"), {"values": "≥ 61"},
    ),
    "gap_decimal_point": (
        (bands("number", {"op": "<", "value": 40}, {"op": ">", "value": 40}),),
        "gap", "T7", ("X-1", "X-2"), {"values": "40"},
    ),
    "gap_decimal_interval": (
        (bands("number", {"op": "<=", "value": 40}, {"op": ">=", "value": 41}),),
        "gap", "T7", ("X-1", "X-2"), {"values": "(40, 41)"},
    ),
    "gap_integer_open_bounds": (
        (bands("int", {"op": "<", "value": 40}, {"op": ">", "value": 40}),),
        "gap", "T7", ("X-1", "X-2"), {"values": "40"},
    ),
    "unreachable_out_of_range": (
        (when("P3-3", clause("skill_level", "==", 7)),),
        "unreachable", "P3", ("P3-3",), {"condition": "skill_level == 7", "range": "skill_level 1–5"},
    ),
    "unreachable_contradiction": (
        (when("P1-3", {"all": [clause("age", ">=", 60), clause("age", "<=", 50)]}),),
        "unreachable", "P1", ("P1-3",), {"condition": "all(age >= 60, age <= 50)"},
    ),
    "unreachable_options": (
        (when("T3-4", {"all": [clause("dwelling", "==", "dormitory"), clause("dwelling", "in", ["owned"])]}),),
        "unreachable", "T3", ("T3-4",), {},
    ),
    "exceeds_cap": (
        (lambda d: item(d, "T5-5").update(fixed=25),),
        "exceeds_cap", "T5", ("T5-5",), {"points": "25", "cap": "20", "owner": "T5"},
    ),
    "unbounded": ((uncapped,), "unbounded", "T7", ("T7-1",), {"field": "income_tax_paid", "category": "bonus"}),
    "category_caps": (
        # under the total (over it the loader refuses the document: tests/engine/test_bounds.py)
        (lambda d: d["categories"][2].pop("cap"),), "category_caps", None, (), {"total": "∞", "expected": "300"},
    ),
    "unused_fact": ((unused,), "unused_fact", None, (), {"field": "pet_count"}),
    "label_mismatch": (
        (lambda d: item(d, "T4-2")["per_unit"].update(rate=5),),
        "label_mismatch", "T4", ("T4-2",), {"stated": "“每件得4分”"},
    ),
    "dead_branch": (
        (lambda d: item(d, "P3-1")["when"]["any"].__setitem__(0, clause("skill_level", "<=", 0)),),
        "dead_branch", "P3", ("P3-1",), {"condition": "skill_level <= 0"},
    ),
    "unsatisfiable_requirement": ((impossible_requirement,), "unsatisfiable_requirement", None, (), {}),
    "too_complex": ((too_complex,), "too_complex", "T1", ("T1-1",), {"owner": "T1-1"}),
}  # fmt: skip


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def test_the_sample_standards_have_no_errors_and_no_warnings(versions: dict[int, RulesetVersion]) -> None:
    assert lint(versions[2026]) == []
    # 2025 has no heroic_act item (added in 2026), but its catalogue already lists the fact
    (note,) = lint(versions[2025])
    assert (note.code, note.severity, note.fields) == ("unused_fact", "info", ("heroic_act",))


@pytest.mark.parametrize("name", TRIGGERS)
def test_each_code_is_triggered(name: str) -> None:
    edits, code, ind, items, params = TRIGGERS[name]
    findings = lint(edited(*edits))
    found = [f for f in findings if f.code == code and f.items == items]
    assert len(found) == 1, [f.to_dict() for f in findings]
    (finding,) = found
    assert finding.indicator == ind and finding.severity == CHECKS[code].severity
    assert {k: finding.params[k] for k in params} == params
    for language in ("zh", "en"):
        assert "{" not in finding.message(language)


def test_every_code_has_a_trigger_and_both_languages() -> None:
    assert {code for _, code, *_ in TRIGGERS.values()} == set(CHECKS)
    for code, check in CHECKS.items():
        slots = [{name for _, name, _, _ in string.Formatter().parse(text) if name} for text in (check.zh, check.en)]
        assert slots[0] == slots[1], code  # the same parameters in both sentences
        assert re.search(r"[\u4e00-\u9fff]", check.zh), code
        assert check.en.isascii() and check.en[0].isupper(), code


def test_integer_bands_that_meet_leave_no_gap_and_do_not_overlap() -> None:
    assert lint(edited(bands("int", {"op": "<=", "value": 40}, {"op": ">=", "value": 41}))) == []
    assert lint(edited(bands("int", {"op": "<", "value": 41}, {"op": ">", "value": 40}))) == []


@pytest.mark.parametrize(
    ("first", "second"),
    [({"op": "<=", "value": 40}, {"op": ">", "value": 40}), ({"op": "<", "value": 40}, {"op": ">=", "value": 40})],
)
def test_decimal_bands_that_meet_leave_no_gap_and_do_not_overlap(first: dict[str, Any], second: dict[str, Any]) -> None:
    assert lint(edited(bands("number", first, second))) == []


def test_items_of_one_exclusive_group_may_overlap() -> None:
    # a registered rental and an owned home both match T3-3, but the dwelling group counts only the highest
    version = edited(when("T3-3", clause("dwelling", "in", ["registered_rental", "owned"])))
    assert lint(version) == []


def test_items_on_different_facts_add_up_without_a_finding() -> None:
    # T2-3 (labor contract) and T2-4 (shortage post) can both fire: they add up by design, on different facts
    assert "overlap" not in codes(lint(edited(lambda d: item(d, "T2-4").pop("group"))))


def test_a_per_unit_item_below_the_indicator_cap_is_normal() -> None:
    # P4-1 has no item cap and relies on P4's cap of 30; T5-5 gives exactly its indicator's cap
    assert lint(edited(lambda d: item(d, "T5-5").update(fixed=20))) == []


def test_deductions_and_bounded_facts_are_not_unbounded() -> None:
    def skill_points(doc: dict[str, Any]) -> None:
        uncapped(doc)
        item(doc, "T7-1")["per_unit"] = {"field": "skill_level", "rate": 2}  # at most 10: skill_level is 1–5
        item(doc, "T7-1")["label"] = "按职业技能等级计分"  # not 「每满1000元得1分」 any more

    assert codes(lint(edited(skill_points))) == ["category_caps"]
    # the bonus category's cap alone bounds the item
    only_category = edited(lambda d: (item(d, "T7-1").pop("cap"), indicator(d, "T7").pop("cap")))
    assert lint(only_category) == []


def test_a_fact_only_a_case_uses_is_used() -> None:
    def in_a_case(doc: dict[str, Any]) -> None:
        unused(doc)
        doc["cases"][0]["facts"]["pet_count"] = 2

    assert lint(edited(in_a_case)) == []


def test_unreachable_is_an_error_and_explains_without_a_witness() -> None:
    (finding,) = [f for f in lint(edited(when("P3-3", clause("skill_level", "==", 7)))) if f.code == "unreachable"]
    assert finding.witness is None
    assert finding.message("en") == (
        "Item P3-3 of indicator P3 can never apply: within the facts' ranges (skill_level 1–5) no applicant meets "
        "skill_level == 7."
    )
    assert finding.message("zh") == (
        "指标P3（职业技能）的细则P3-3永远不会得分：在事实的取值范围内（“职业资格或职业技能等级（1级最高，5级最低）” 1–5），"
        "没有申请人能满足“职业资格或职业技能等级（1级最高，5级最低）为7”。"
    )


def test_an_age_witness_is_a_birth_date_and_an_application_date() -> None:
    (finding,) = lint(edited(*TRIGGERS["overlap"][0]))
    witness = finding.witness
    assert witness is not None and witness.derived == {"age": 41}
    assert "age" not in witness.facts
    born = dt.date.fromisoformat(witness.facts["birth_date"])
    applied = dt.date.fromisoformat(witness.facts["application_date"])
    assert full_years(born, applied) == 41 and witness.as_of == applied


def _items(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {it["code"]: it for ind in result["indicators"] for it in ind["items"]}


@pytest.mark.parametrize("name", TRIGGERS)
def test_every_witness_shows_its_finding_when_scored(name: str) -> None:
    version = edited(*TRIGGERS[name][0])
    for finding in lint(version):
        if finding.code in ("overlap", "gap", "exceeds_cap", "unbounded"):
            assert finding.witness is not None, finding.to_dict()
        if finding.witness is None:
            continue
        assert finding.witness.verified is True, finding.to_dict()
        result = compile_version(version).score(finding.witness.facts, as_of=finding.witness.as_of)
        assert result["eligible"] is True  # witnesses are applicants that the rest of the standard accepts
        items = _items(result)
        ind = next(i for i in result["indicators"] if i["code"] == finding.indicator)
        if finding.code == "overlap":
            assert all(items[code]["fired"] and items[code]["counted"] for code in finding.items)
        elif finding.code == "gap":
            assert not any(it["fired"] for it in ind["items"])
        elif finding.code == "exceeds_cap":
            (code,) = finding.items
            assert items[code]["points"] > ind["points"] == ind["cap"]
        elif finding.code == "unbounded":
            (code,) = finding.items
            assert items[code]["points"] > 300


def test_report_shape(versions: dict[int, RulesetVersion]) -> None:
    version = edited(*TRIGGERS["overlap"][0])
    plain = to_plain(report(version, lint(version)))
    assert plain["version"] == {"ref": "tongxiang/2026/1", "content_hash": version.content_hash}
    assert plain["counts"] == {"error": 0, "warning": 1, "info": 0}
    (finding,) = plain["findings"]
    assert set(finding) == {"code", "severity", "indicator", "items", "fields", "params", "message", "witness"}
    assert set(finding["message"]) == {"zh", "en"}
    assert set(finding["witness"]) == {"facts", "as_of", "derived", "verified"}
    assert finding["witness"]["facts"]["permit_valid"] is True


def test_errors_come_first() -> None:
    findings = lint(edited(uncapped, *TRIGGERS["overlap"][0], unused))
    assert [f.severity for f in findings] == ["error", "warning", "warning", "info"]


def test_a_note_acknowledges_a_warning_by_its_code() -> None:
    findings = lint(edited(*TRIGGERS["overlap"][0], *TRIGGERS["exceeds_cap"][0], unused))
    assert codes(unacknowledged(findings, "2027年度标准")) == ["overlap", "exceeds_cap"]
    assert codes(unacknowledged(findings, "已知悉overlap、Exceeds_Cap")) == []
    assert codes(unacknowledged(findings, "overlapping bands; exceeds_caps")) == ["overlap", "exceeds_cap"]


def test_exact_numbers_need_no_sampling() -> None:
    # a gap of one cent between two decimal bands is found, and its witness sits inside it
    version = edited(bands("number", {"op": "<", "value": 40}, {"op": ">=", "value": 40.01}))
    (finding,) = lint(version)
    assert finding.params["values"] == "[40, 40.01)"
    assert finding.witness is not None and finding.witness.facts["x"] == Decimal(40)


# -- the checks agree with the engine, value by value ------------------------------------------------------

_OPS = ("<", "<=", ">", ">=", "==")
_band_clause = st.fixed_dictionaries({"op": st.sampled_from(_OPS), "value": st.integers(0, 10)})
_band = st.one_of(
    _band_clause.map(lambda c: {"field": "x", **c}),
    st.tuples(st.sampled_from(("all", "any")), _band_clause, _band_clause).map(
        lambda t: {t[0]: [{"field": "x", **t[1]}, {"field": "x", **t[2]}]}
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(("int", "number")), first=_band, second=_band)
def test_overlap_gap_and_unreachable_match_the_engine_value_by_value(
    kind: str, first: dict[str, Any], second: dict[str, Any]
) -> None:
    def edit(doc: dict[str, Any]) -> None:
        doc["facts"].append({"name": "x", "type": kind, "label": "测试事实", "min": 0, "max": 10})
        indicator(doc, "T7")["items"] += [
            {"code": "X-1", "label": "第一档", "when": first, "fixed": 1},
            {"code": "X-2", "label": "第二档", "when": second, "fixed": 2},
        ]

    version = edited(edit)
    # every region between integer thresholds holds a multiple of ½, so this grid meets every case
    grid = [Decimal(n) / 2 for n in range(21)] if kind == "number" else [Decimal(n) for n in range(11)]
    compiled = compile_version(version)
    fired = []
    for value in grid:
        facts = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-01-01", "x": value}
        items = _items(
            compiled.score({**facts, "x": int(value) if kind == "int" else value}, as_of=dt.date(2026, 6, 1))
        )
        fired.append((items["X-1"]["fired"], items["X-2"]["fired"]))
    found = {f.code: f for f in lint(version) if f.indicator == "T7" or f.code == "unreachable"}
    assert ("overlap" in found) == any(a and b for a, b in fired)
    assert ("gap" in found) == any(not a and not b for a, b in fired)
    never = {code for n, code in enumerate(("X-1", "X-2")) if not any(pair[n] for pair in fired)}
    assert {f.items[0] for f in lint(version) if f.code == "unreachable"} == never
