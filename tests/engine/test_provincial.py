"""The provincial part of a standard and its hash: what decides provincial points, and nothing else."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from engine import load_file, to_document
from engine.provincial import provincial_fields, provincial_hash, provincial_only_fields, provincial_part
from tests.conftest import RULESETS


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return to_document(load_file(RULESETS / "tongxiang-2026.yaml"))


def _changed(document: dict[str, Any], change: Any) -> dict[str, Any]:
    doc = copy.deepcopy(document)
    change(doc)
    return doc


def _indicator(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in doc["indicators"] if i["code"] == code)


def test_the_part_is_the_provincial_category_its_indicators_and_what_they_read(document: dict[str, Any]) -> None:
    part = provincial_part(document)
    assert part["category"] == {"code": "provincial", "kind": "add", "cap": 100}
    assert [i["code"] for i in part["indicators"]] == ["P1", "P2", "P3", "P4", "P5"]
    assert part["indicators"][3]["items"] == [{"code": "P4-1", "per_unit": {"field": "insurance_months", "rate": 0.5}}]
    assert {f["name"] for f in part["facts"]} == provincial_fields(document)
    assert "local_insurance_months" not in provincial_fields(document)  # a city indicator's fact


def test_a_version_and_its_document_give_the_same_hash(document: dict[str, Any]) -> None:
    version = load_file(RULESETS / "tongxiang-2026.yaml")
    assert provincial_hash(version) == provincial_hash(document)
    assert provincial_hash(document).startswith("sha256:") and len(provincial_hash(document)) == 71


def test_two_versions_with_the_same_provincial_table_share_the_hash() -> None:
    # 2025 and 2026 differ in their city indicators only (SPEC §3.3)
    v2025, v2026 = (load_file(RULESETS / f"tongxiang-{y}.yaml") for y in (2025, 2026))
    assert v2025.content_hash != v2026.content_hash
    assert provincial_hash(v2025) == provincial_hash(v2026)


def _retitle(doc: dict[str, Any]) -> None:
    doc.update(ruleset="jiaxing", year=2027, revision=3, title="嘉兴市居住证积分", description="另一个城市")


def _city_points(doc: dict[str, Any]) -> None:
    city = [i for i in doc["indicators"] if i["category"] != "provincial"]
    next(item for i in city for item in i["items"] if "fixed" in item)["fixed"] = 99
    city[0]["cap"] = 7


def _wording(doc: dict[str, Any]) -> None:
    p1 = _indicator(doc, "P1")
    p1.update(name="年龄（周岁）", reference="某市办法附件1")
    p1["items"][0].update(label="四十周岁以下", materials=["身份证"])
    doc["categories"][0]["name"] = "省级共性指标（全省通用）"


@pytest.mark.parametrize("change", [_retitle, _city_points, _wording], ids=["version", "city-points", "wording"])
def test_what_does_not_decide_provincial_points_leaves_the_hash(document: dict[str, Any], change: Any) -> None:
    assert provincial_hash(_changed(document, change)) == provincial_hash(document)


def _item_points(doc: dict[str, Any]) -> None:
    _indicator(doc, "P1")["items"][0]["fixed"] = 19


def _indicator_cap(doc: dict[str, Any]) -> None:
    _indicator(doc, "P4")["cap"] = 25


def _category_cap(doc: dict[str, Any]) -> None:
    doc["categories"][0]["cap"] = 90
    doc["cases"] = []  # they expect the whole 300 points


def _condition(doc: dict[str, Any]) -> None:
    _indicator(doc, "P1")["items"][0]["when"]["value"] = 45


def _rate(doc: dict[str, Any]) -> None:
    _indicator(doc, "P5")["items"][0]["per_unit"]["rate"] = 0.5


def _group(doc: dict[str, Any]) -> None:
    for item in _indicator(doc, "P2")["items"]:
        item.pop("group", None)


def _moved(doc: dict[str, Any]) -> None:
    _indicator(doc, "P5")["category"] = "base"


@pytest.mark.parametrize(
    "change",
    [_item_points, _indicator_cap, _category_cap, _condition, _rate, _group, _moved],
    ids=["item-points", "indicator-cap", "category-cap", "condition", "rate", "group", "moved-out"],
)
def test_what_decides_provincial_points_changes_the_hash(document: dict[str, Any], change: Any) -> None:
    assert provincial_hash(_changed(document, change)) != provincial_hash(document)


def test_only_provincial_facts_are_those_nothing_else_reads(document: dict[str, Any]) -> None:
    only = provincial_only_fields(document)
    # skill_level and title are read by a city indicator too; birth_date is required
    assert {"education", "insurance_months", "residence_months"} <= only
    assert not only & {"skill_level", "title", "birth_date", "permit_valid", "local_insurance_months"}


def test_the_engine_module_stays_pure() -> None:
    import engine.provincial as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    assert "flask" not in source.lower() and "sqlalchemy" not in source.lower()
