"""Recognised provincial points applied to a result: the statement's points, the shape kept, the total again."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest

from engine import compile_version, load_file
from engine.recognition import Recognised, inconsistency, recognise
from engine.result import ScoreResult, dumps_bytes
from tests.api.test_result_types import _mismatches
from tests.conftest import RULESETS

FACTS = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "education": "college",
         "insurance_months": 10, "local_insurance_months": 24}  # fmt: skip
PROVINCIAL_POINTS = {"P1": 20, "P2": 10, "P3": 10, "P4": 30, "P5": 17.5}
CLAIMS = {"iss": "cn-zj-hangzhou", "sub": "HZ-2026-000007", "year": 2026, "score_id": "5d1c",
          "provincial": {"hash": "sha256:00", "points": 87.5,
                         "indicators": {"P1": 20, "P2": 10, "P3": 10, "P4": 30, "P5": 17.5}}}  # fmt: skip


@pytest.fixture(scope="module")
def scored() -> ScoreResult:
    return compile_version(load_file(RULESETS / "tongxiang-2026.yaml")).score(FACTS, as_of=dt.date(2026, 6, 1))


def _by_code(rows: list[Any]) -> dict[str, Any]:
    return {r["code"]: r for r in rows}


def test_the_provincial_points_are_the_statements_and_the_total_follows(scored: ScoreResult) -> None:
    before = json.loads(dumps_bytes(scored))
    after = recognise(scored, Recognised.from_claims(CLAIMS))
    assert json.loads(dumps_bytes(scored)) == before  # the evaluator's result is left as it was
    categories = _by_code(after["categories"])
    assert categories["provincial"]["points"] == Decimal("87.5") and categories["provincial"]["raw"] == Decimal("87.5")
    others = [c for c in after["categories"] if c["code"] != "provincial"]
    assert others == [c for c in scored["categories"] if c["code"] != "provincial"]
    city = sum(c["points"] if c["kind"] == "add" else -c["points"] for c in others)
    assert after["total"] == after["points_before_floor"] == Decimal("87.5") + city
    p5 = _by_code(after["indicators"])["P5"]
    assert p5["points"] == Decimal("17.5") and p5["items"][0]["code"] == "P5-recognised"
    assert "cn-zj-hangzhou" in p5["items"][0]["label"] and "HZ-2026-000007" in p5["items"][0]["label"]
    assert p5["items"][0]["counted"] and not any(i["counted"] for i in p5["items"][1:])
    assert {i["excluded_by"] for i in p5["items"][1:]} == {"P5-recognised"}
    assert [i["code"] for i in p5["items"][1:]] == [i["code"] for i in _by_code(scored["indicators"])["P5"]["items"]]
    assert _by_code(after["indicators"])["T2"] == _by_code(scored["indicators"])["T2"]


def test_the_recognised_result_keeps_the_typed_shape(scored: ScoreResult) -> None:
    after = recognise(scored, Recognised.from_claims(CLAIMS))
    assert _mismatches(ScoreResult, json.loads(dumps_bytes(after))) == []
    assert len(after["indicators"]) == len(scored["indicators"])


def test_an_ineligible_application_still_scores_zero(scored: ScoreResult) -> None:
    ineligible: dict[str, Any] = {**scored, "eligible": False, "total": Decimal(0)}
    after = recognise(ineligible, Recognised.from_claims(CLAIMS))
    assert after["total"] == 0 and after["points_before_floor"] > 0


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"provincial": None}, "no provincial part"),
        ({"provincial": {"hash": "sha256:0", "points": 1}}, "no provincial indicators"),
        ({"sub": ""}, "sub"),
        ({"year": "2026"}, "year"),
        ({"provincial": {**CLAIMS["provincial"], "points": "87.5"}}, "provincial.points"),  # type: ignore[dict-item]
        ({"provincial": {**CLAIMS["provincial"], "indicators": {"P1": -1}}}, "provincial.indicators.P1"),  # type: ignore[dict-item]
    ],
)
def test_claims_without_what_recognition_needs_are_refused(change: dict[str, Any], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        Recognised.from_claims({**CLAIMS, **change})


def test_points_a_provincial_table_cannot_give_are_named() -> None:
    version = load_file(RULESETS / "tongxiang-2026.yaml")
    assert inconsistency(Recognised.from_claims(CLAIMS), version) is None
    over = {**CLAIMS, "provincial": {"hash": "h", "points": 100, "indicators": {**PROVINCIAL_POINTS, "P1": 25}}}
    assert inconsistency(Recognised.from_claims(over), version) == "points above the cap of P1"
    capped = {"P1": 20, "P2": 10, "P3": 10, "P4": 30, "P5": 30}
    full = {**CLAIMS, "provincial": {"hash": "h", "points": 100, "indicators": capped}}
    assert inconsistency(Recognised.from_claims(full), version) is None
    missing = {**CLAIMS, "provincial": {"hash": "h", "points": 20, "indicators": {"P1": 20}}}
    assert "not P1" in str(inconsistency(Recognised.from_claims(missing), version))
