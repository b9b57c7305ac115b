"""How points are counted: exact decimals, caps at every level, exclusive groups, deductions, eligibility."""

from __future__ import annotations

import copy
import datetime as dt
import threading
from decimal import Decimal
from typing import Any

from engine import RulesetVersion, compile_version, dumps, parse_document
from tests.engine.test_loader_errors import MINIMAL

ON = dt.date(2026, 6, 1)
BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


def indicator(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in result["indicators"] if i["code"] == code)


def item(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(it for ind in result["indicators"] for it in ind["items"] if it["code"] == code)


def test_tenths_add_up_exactly() -> None:
    doc = copy.deepcopy(MINIMAL)
    doc["indicators"][0]["items"][1]["per_unit"]["rate"] = 0.1
    result = compile_version(parse_document(doc)).score({"birth_date": "1950-01-01", "months": 3}, as_of=ON)
    assert result["total"] == Decimal("0.3")
    assert dumps({"total": result["total"]}) == '{"total":0.3}'


def test_result_shape(versions: dict[int, RulesetVersion]) -> None:
    version = versions[2026]
    result = compile_version(version).score({**BASE, "insurance_months": 7}, as_of=ON)
    assert result["version"] == {
        "ruleset": "tongxiang",
        "year": 2026,
        "revision": 1,
        "content_hash": version.content_hash,
    }
    assert result["valid_until"] == "2026-12-31"
    assert result["eligible"] is True and result["ineligible_reasons"] == []
    p4 = indicator(result, "P4")
    assert list(p4["departments"]) == ["人力社保局"] and "附件1" in p4["reference"]
    assert (p4["raw"], p4["cap"], p4["points"]) == (Decimal("3.5"), Decimal(30), Decimal("3.5"))
    assert item(result, "P4-1") == {
        "code": "P4-1",
        "label": "在浙江省累计缴纳社会保险，每满1个月得0.5分",
        "fired": True,
        "raw": Decimal("3.5"),
        "cap": None,
        "points": Decimal("3.5"),
        "counted": True,
    }
    assert item(result, "P1-2")["fired"] is False


def test_item_indicator_and_category_caps(versions: dict[int, RulesetVersion]) -> None:
    facts = {
        **BASE,
        "local_insurance_months": 100,
        "provident_fund_months": 200,
        "labor_contract": True,
        "shortage_post": True,
        "dwelling": "owned",
        "local_residence_months": 400,
    }
    result = compile_version(versions[2026]).score(facts, as_of=ON)
    t21 = item(result, "T2-1")
    assert (t21["raw"], t21["points"]) == (Decimal(50), Decimal(36))
    t3 = indicator(result, "T3")
    assert (t3["raw"], t3["points"]) == (Decimal(60), Decimal(60))
    base = next(c for c in result["categories"] if c["code"] == "base")
    assert base["raw"] == Decimal(36 + 12 + 4 + 8 + 60) and base["points"] == Decimal(120)


def test_exclusive_group_counts_only_the_highest(versions: dict[int, RulesetVersion]) -> None:
    result = compile_version(versions[2026]).score(
        {**BASE, "skill_level": 3, "title": "senior", "special_cert": "ordinary"}, as_of=ON
    )
    counted = {it["code"]: it["counted"] for it in indicator(result, "T1")["items"] if it["fired"]}
    assert counted == {"T1-1": True, "T1-3": False, "T1-5": False}
    assert item(result, "T1-3")["excluded_by"] == "T1-1"
    assert indicator(result, "T1")["raw"] == 30


def test_deductions_subtract_and_total_floors_at_zero(versions: dict[int, RulesetVersion]) -> None:
    result = compile_version(versions[2026]).score({**BASE, "criminal_records": 1}, as_of=ON)
    assert next(c for c in result["categories"] if c["code"] == "deduction")["points"] == 50
    assert result["points_before_floor"] == Decimal(20 - 50)
    assert result["total"] == 0


def test_ineligible_keeps_breakdown_but_totals_zero(versions: dict[int, RulesetVersion]) -> None:
    result = compile_version(versions[2026]).score({**BASE, "permit_endorsed": False, "education": "master"}, as_of=ON)
    assert result["eligible"] is False and result["total"] == 0
    assert [r["code"] for r in result["ineligible_reasons"]] == ["permit_endorsed"]
    assert indicator(result, "P2")["points"] == 10


def test_per_unit_counts_full_units_only(versions: dict[int, RulesetVersion]) -> None:
    compiled = compile_version(versions[2026])
    below = compiled.score({**BASE, "volunteer_hours": 99.99}, as_of=ON)
    assert item(below, "T6-1")["points"] == 2
    none = compiled.score({**BASE, "volunteer_hours": 49.99}, as_of=ON)
    assert item(none, "T6-1")["fired"] is False and item(none, "T6-1")["points"] == 0


def test_compiled_once_per_content() -> None:
    first = compile_version(parse_document(copy.deepcopy(MINIMAL)))
    assert compile_version(parse_document(copy.deepcopy(MINIMAL))) is first
    doc = copy.deepcopy(MINIMAL)
    doc["indicators"][0]["items"][0]["fixed"] = 19
    assert compile_version(parse_document(doc)) is not first


def test_safe_from_many_threads(versions: dict[int, RulesetVersion]) -> None:
    compiled = compile_version(versions[2026])
    samples = [{**BASE, "insurance_months": n, "education": "college" if n % 2 else "master"} for n in range(40)]
    expected = [compiled.score(f, as_of=ON)["total"] for f in samples]
    failures: list[str] = []

    def work() -> None:
        for _ in range(25):
            for facts, want in zip(samples, expected):
                got = compiled.score(facts, as_of=ON)["total"]
                if got != want:
                    failures.append(f"{facts['insurance_months']}: {got} != {want}")

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
