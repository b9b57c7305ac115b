"""The one-time materials notice: the materials of the items a result fired, by department, each named once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine import materials
from engine.evaluator import score
from engine.loader import load_file

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def v2026():  # type: ignore[no-untyped-def]
    return load_file(ROOT / "rulesets/tongxiang-2026.yaml")


def _notice(version, facts):  # type: ignore[no-untyped-def]
    result = score(version, facts, as_of=dt.date(2026, 6, 1))
    return materials.as_json(materials.notice(version, materials.fired_items(result)))


def test_only_what_the_facts_fire_grouped_by_the_checking_department(v2026) -> None:  # type: ignore[no-untyped-def]
    facts = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "education": "college",
             "provident_fund_months": 10, "dwelling": "registered_rental"}  # fmt: skip
    assert _notice(v2026, facts) == [
        {"department": "公安局", "materials": [{"name": "浙江省居住证", "items": ["P1-1"]},
                                            {"name": "居民身份证", "items": ["P1-1"]}]},
        {"department": "教育局", "materials": [{"name": "毕业证书", "items": ["P2-2"]},
                                            {"name": "学信网《教育部学历证书电子注册备案表》（在线验证）", "items": ["P2-2"]}]},
        {"department": "住房公积金桐乡分中心",
         "materials": [{"name": "住房公积金缴存证明（住房公积金桐乡分中心出具）", "items": ["T2-2"]}]},
        {"department": "自然资源和规划局", "materials": [{"name": "登记备案的房屋租赁合同", "items": ["T3-3"]},
                                                {"name": "租赁登记备案证明", "items": ["T3-3"]}]},
    ]  # fmt: skip


def test_a_material_several_items_need_is_listed_once_naming_them_all(v2026) -> None:  # type: ignore[no-untyped-def]
    facts = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "skill_level": 2,
             "title": "intermediate", "residence_months": 12, "local_residence_months": 12}  # fmt: skip
    notice = _notice(v2026, facts)
    names = [m["name"] for group in notice for m in group["materials"]]
    assert len(names) == len(set(names))
    police = next(g for g in notice if g["department"] == "公安局")
    assert police["materials"][0] == {"name": "浙江省居住证", "items": ["P1-1", "P5-1", "T3-1"]}
    hr = next(g for g in notice if g["department"] == "人力社保局")
    assert hr["materials"][0] == {"name": "职业资格证书或职业技能等级证书（可在人社部门网站查询）",
                                  "items": ["P3-1", "T1-2"]}  # fmt: skip


def test_unknown_item_codes_are_an_error_not_silence(v2026) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(KeyError, match="T9-9"):
        materials.notice(v2026, ["P1-1", "T9-9"])
    assert materials.notice(v2026, []) == []
