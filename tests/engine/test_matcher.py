"""The matcher's limits and short cuts: many rules firing at once, rule names, negated requirements, and the
read-only entries results share."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine import CompiledVersion, compile_version, load_file, parse_document, plans
from engine.adapter import RULES_PER_PART, Matcher, negation, refusal, rule_names
from engine.model import Clause, Condition, Group
from engine.result import dumps_bytes

ROOT = Path(__file__).resolve().parents[2]
ON = dt.date(2026, 6, 1)


@pytest.mark.parametrize("count", [RULES_PER_PART, RULES_PER_PART + 1, 95, 200])
def test_every_rule_may_fire_at_once(count: int) -> None:
    # The core keeps at most 64 fired rules pending: before the parts, a 65th distinct condition holding on the
    # same assert failed it (error 303) and the next one aborted the process (free(): invalid pointer).
    names = rule_names(count)
    matcher = Matcher({name: Clause("n", ">=", i) for i, name in enumerate(names)}, {"n": "int"})
    for _ in range(3):
        assert matcher.match({"n": 10_000}) == set(names)
    assert matcher.match({"n": 5}) == set(names[:6])
    assert matcher.match({}) == set()


def test_rule_names_are_one_character_while_they_last_then_one_width() -> None:
    short = rule_names(91)
    assert len(set(short)) == 91 and {len(n) for n in short} == {1}
    assert not set("".join(short)) & set('"\\$')
    long = rule_names(92)
    assert len(set(long)) == 92 and {len(n) for n in long} == {3}


def test_a_version_of_many_items_holding_at_once_scores_them_all() -> None:
    doc = yaml.safe_load((ROOT / "rulesets" / "tongxiang-2026.yaml").read_text(encoding="utf-8"))
    doc["cases"] = []
    bonus = next(ind for ind in doc["indicators"] if ind["code"] == "T5")
    bonus.pop("cap", None)
    bonus["items"] = [
        {
            "code": f"T5-{n}",
            "label": f"第{n}项",
            "fixed": 0.25,
            "when": {"field": "volunteer_hours", "op": ">=", "value": n},
        }
        for n in range(1, 81)
    ]
    compiled = compile_version(parse_document(doc))
    facts = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-01-01", "volunteer_hours": 100}
    result = compiled.score(facts, as_of=ON)
    t5 = next(ind for ind in result["indicators"] if ind["code"] == "T5")
    assert sum(item["fired"] for item in t5["items"]) == 80
    assert str(t5["raw"]) == "20.00"
    assert dumps_bytes(result) == compiled.score_json(facts, as_of=ON).body


FIELDS = {"n": "int", "s": "enum", "b": "bool"}
clauses = st.one_of(
    st.builds(Clause, st.just("n"), st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), st.integers(0, 4)),
    st.builds(
        Clause,
        st.just("n"),
        st.sampled_from(["in", "not_in"]),
        st.lists(st.integers(0, 4), min_size=1, max_size=3).map(tuple),
    ),
    st.builds(Clause, st.just("s"), st.sampled_from(["==", "!="]), st.sampled_from(["u", "v"])),
    st.builds(Clause, st.just("b"), st.just("=="), st.booleans()),
    st.builds(Clause, st.sampled_from(["n", "s", "b"]), st.sampled_from(["exists", "not_exists"])),
)
conditions = st.recursive(
    clauses,
    lambda inner: st.builds(Group, st.sampled_from(["all", "any"]), st.lists(inner, min_size=1, max_size=3).map(tuple)),
    max_leaves=6,
)
facts = st.fixed_dictionaries(
    {}, optional={"n": st.integers(0, 5), "s": st.sampled_from(["u", "v"]), "b": st.booleans()}
)


@settings(max_examples=150, deadline=None)
@given(conditions, st.lists(facts, min_size=1, max_size=8))
def test_a_negated_condition_holds_exactly_when_the_condition_does_not(
    cond: Condition, cases: list[dict[str, Any]]
) -> None:
    # requirements are matched negated (their rule fires when one is not met); absent fields included. A negation
    # the core does not take in one rule (error 113) is not used: the requirement is then matched as it is (below).
    assume(refusal(negation(cond), FIELDS) is None)
    matcher = Matcher({"!": cond, "#": negation(cond)}, FIELDS)
    try:
        for fact in cases:
            assert len(matcher.match(fact)) == 1, (cond, fact)
    finally:
        matcher.close()


def test_a_requirement_whose_negation_the_core_refuses_is_matched_as_it_is() -> None:
    # all of six (insurance > i or residence > i): the core takes it, but not its negation, any of six all of
    # (absent or at most i) pairs, which is more tests in one rule than it takes (error 113)
    when = {"all": [{"any": [{"field": "insurance_months", "op": ">", "value": i},
                             {"field": "residence_months", "op": ">", "value": i}]} for i in range(6)]}  # fmt: skip
    doc = yaml.safe_load((ROOT / "rulesets" / "tongxiang-2026.yaml").read_text(encoding="utf-8"))
    doc["cases"] = []
    doc["eligibility"].append({"code": "enough_months", "when": when, "reason": "月数不足"})
    version = parse_document(doc)
    requirement = version.eligibility[-1].when
    assert requirement is not None
    assert refusal(requirement, {"insurance_months": "int", "residence_months": "int"}) is None
    assert "113" in str(refusal(negation(requirement), {"insurance_months": "int", "residence_months": "int"}))
    compiled = CompiledVersion(version)
    try:
        base = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-01-01"}
        for months, eligible in [({"insurance_months": 6}, True), ({"residence_months": 9}, True),
                                 ({"insurance_months": 5, "residence_months": 5}, False), ({}, False)]:  # fmt: skip
            facts = {**base, **months}
            result = compiled.score(facts, as_of=ON)
            assert result["eligible"] is eligible, months
            assert [r["code"] for r in result["ineligible_reasons"]] == ([] if eligible else ["enough_months"])
            assert compiled.score_json(facts, as_of=ON).body == dumps_bytes(result)
            typed = compiled.validate(facts, ON)[0]
            assert compiled.total(typed) == result["total"]
    finally:
        compiled.close()


def test_the_entries_results_share_refuse_changes_and_copies_do_not() -> None:
    compiled = compile_version(load_file(ROOT / "rulesets" / "tongxiang-2026.yaml"))
    facts = {"permit_valid": True, "permit_endorsed": False, "birth_date": "1990-01-01"}
    first: Any = compiled.score(facts, as_of=ON)
    before = dumps_bytes(first)
    idle = next(ind for ind in first["indicators"] if not any(item["fired"] for item in ind["items"]))
    with pytest.raises(TypeError, match="shared by other results"):
        idle["points"] = 5
    with pytest.raises(TypeError, match="shared by other results"):
        idle["items"].append(idle["items"][0])
    with pytest.raises(TypeError, match="shared by other results"):
        first["ineligible_reasons"][0].update(reason="x")
    # what a result owns can change without touching another; copies of shared parts are plain and changeable
    first["indicators"][0] = {**idle, "points": 5}
    first["version"]["revision"] = 99
    deep: Any = copy.deepcopy(first)
    deep["indicators"][1]["items"][0]["points"] = 7
    again = pickle.loads(pickle.dumps(first))
    again["indicators"][1]["items"].clear()
    second = compiled.score(facts, as_of=ON)
    assert dumps_bytes(second) == before
    assert orjson.loads(before) == orjson.loads(dumps_bytes(orjson.loads(before)))


def test_indicators_remember_at_most_their_budget_and_answer_alike_beyond_it(monkeypatch: pytest.MonkeyPatch) -> None:
    version = load_file(ROOT / "rulesets" / "tongxiang-2026.yaml")
    remembering = CompiledVersion(version)
    monkeypatch.setattr(plans, "REMEMBERED", 5)
    short = CompiledVersion(version)
    base = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-01-01", "insurance_months": 30}
    for n in range(40):  # each a new count of months, of thousands of yuan of tax, of homes
        facts = {
            **base,
            "local_residence_months": n,
            "income_tax_paid": 1000 * n + 1,
            "dwelling": ("owned", "dormitory", "other")[n % 3],
        }
        assert dumps_bytes(short.score(facts, as_of=ON)) == dumps_bytes(remembering.score(facts, as_of=ON))
        assert short.score_json(facts, as_of=ON).body == remembering.score_json(facts, as_of=ON).body
    assert sum(len(ind.memo or {}) for ind in short._plan.indicators) <= 5
    assert sum(len(ind.memo or {}) for ind in remembering._plan.indicators) > 40
