"""Comparing versions: structural differences with Chinese labels, and the impact on the test cases."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from jifen.standard import rulesets


def test_2025_to_2026_shows_exactly_the_four_scoring_differences(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        result = rulesets.diff(s, "tongxiang/2025/1", "tongxiang/2026/1")
    scoring = {(c["change"], c["code"]): c for c in result["changes"] if c["affects_points"]}
    assert set(scoring) == {("changed", "T2-2"), ("changed", "T7-1"), ("added", "T5-5"), ("changed", "T8-4")}
    attrs = {
        code: {a["attribute"]: (a["before"], a["after"]) for a in c.get("attributes", [])}
        for (_, code), c in scoring.items()
    }
    assert attrs["T2-2"] == {
        "label": ("在本市累计缴存住房公积金，每满1个月得0.2分", "在本市累计缴存住房公积金，每满1个月得0.25分"),
        "per_unit.rate": (0.2, 0.25),
        "materials": (None, ["住房公积金缴存证明（住房公积金桐乡分中心出具）"]),
    }
    assert attrs["T7-1"]["per_unit.unit"] == (2000, 1000)
    assert attrs["T8-4"]["per_unit.rate"] == (3, 5)
    added = scoring[("added", "T5-5")]
    assert added["object_label"] == "赋分细则" and added["parent"] == "T5" and added["after"]["fixed"] == 20
    assert (
        next(a for a in scoring[("changed", "T2-2")]["attributes"] if a["attribute"] == "per_unit.rate")[
            "attribute_label"
        ]
        == "每单位分值"
    )
    # besides them: the identity, test cases that follow from them, and the proof materials 2026 lists per item
    others = {(c["object"], c["change"]) for c in result["changes"] if not c["affects_points"]}
    assert others == {("version", "changed"), ("case", "changed"), ("item", "changed")}
    version = next(c for c in result["changes"] if c["object"] == "version")
    assert {a["attribute"] for a in version["attributes"]} == {"year", "effective_from", "title", "description"}
    materials = [c for c in result["changes"] if c["object"] == "item" and not c["affects_points"]]
    assert {a["attribute"] for c in materials for a in c["attributes"]} == {"materials"}
    assert {a["attribute_label"] for c in materials for a in c["attributes"]} == {"证明材料"}
    t3_2 = next(a for c in materials if c["code"] == "T3-2" for a in c["attributes"])
    assert (t3_2["before"], t3_2["after"]) == (None, ["不动产权证书（或房屋所有权证、土地使用证）"])


def test_case_impact_lists_each_case_under_both_versions(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        result = rulesets.diff(s, "tongxiang/2025/1", "tongxiang/2026/1")
    tax = next(c for c in result["cases"] if c["case"] == "个人纳税4000元" and c["from"] == "a")
    assert (tax["a"]["total"], tax["b"]["total"], tax["delta"], tax["changed"]) == (
        Decimal(22),
        Decimal(24),
        Decimal(2),
        True,
    )
    unchanged = next(c for c in result["cases"] if c["case"] == "仅有身份信息的申请人" and c["from"] == "a")
    assert unchanged["changed"] is False
    assert {c["from"] for c in result["cases"]} == {"a", "b"}


def test_a_version_against_itself_has_no_changes(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        result = rulesets.diff(s, "tongxiang/2026/1", "tongxiang/2026/1")
    assert result["changes"] == []
    assert not any(c["changed"] for c in result["cases"])


def test_cli_diff(seeded: Any, runner: Any) -> None:
    text = runner.invoke(args=["rulesets", "diff", "tongxiang/2025/1", "tongxiang/2026/1"])
    assert text.exit_code == 0, text.output
    assert "* 新增 赋分细则 T5-5 获见义勇为确认" in text.output
    assert "每单位分值（per_unit.rate）: 3 → 5" in text.output
    assert "个人纳税4000元 [a]: 22 → 24  CHANGED" in text.output
    as_json = runner.invoke(args=["rulesets", "diff", "tongxiang/2025/1", "tongxiang/2026/1", "--json"])
    data = json.loads(as_json.output)
    assert sum(c["affects_points"] for c in data["changes"]) == 4
    missing = runner.invoke(args=["rulesets", "diff", "tongxiang/2025/1", "tongxiang/2030/1"])
    assert missing.exit_code == 1 and "no ruleset version tongxiang/2030/1" in missing.output
