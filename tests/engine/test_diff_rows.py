"""A comparison's changes in sentences: every attribute a change names is read by a line, never dumped raw."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from engine.diff import _PARTS, change_rows, diff_versions
from engine.model import Indicator, RulesetVersion


def test_every_attribute_of_the_samples_is_read_by_a_line(versions: dict[int, RulesetVersion]) -> None:
    for a, b in ((versions[2025], versions[2026]), (versions[2026], versions[2025])):
        rows = change_rows(a, b, diff_versions(a, b)["changes"])
        assert rows and all(line.key in {p.key for p in _PARTS[r.object]} for r in rows for line in r.lines)


def _with_t3(version: RulesetVersion, change: Any) -> RulesetVersion:
    indicators = tuple(change(i) if i.code == "T3" else i for i in version.indicators)
    return dataclasses.replace(version, indicators=indicators)


def test_a_changed_item_reads_as_its_sentence_in_both_versions(versions: dict[int, RulesetVersion]) -> None:
    before = versions[2026]

    def raise_rent(ind: Indicator) -> Indicator:
        items = tuple(dataclasses.replace(i, points=dataclasses.replace(i.points, points=Decimal(12)))
                      if i.code == "T3-3" else i for i in ind.items)  # fmt: skip
        return dataclasses.replace(ind, items=items, reference="附件2 第3项（修订）")

    after = _with_t3(before, raise_rent)
    rows = {r.code: r for r in change_rows(before, after, diff_versions(before, after)["changes"])}
    [rule] = rows["T3-3"].lines
    assert rule.before == "当在本市的住所为登记备案的租赁住房时，得10分（与T3-2、T3-4不累加，只取最高）"
    assert rule.after == "当在本市的住所为登记备案的租赁住房时，得12分（与T3-2、T3-4不累加，只取最高）"
    assert rows["T3-3"].parent_label == "T3 居住情况及住所" and rows["T3-3"].affects_points
    lines = {line.key: line for line in rows["T3"].lines}
    assert lines["rule"].before == lines["rule"].after == "属于本市基础分指标，本指标最高60分"
    assert lines["reference"].after == "政策依据条款：附件2 第3项（修订）"
    assert rows["T3"].parent_label == "本市基础分指标"


def test_an_added_or_removed_object_reads_on_one_side_only(versions: dict[int, RulesetVersion]) -> None:
    a, b = versions[2025], versions[2026]
    [hero] = [r for r in change_rows(a, b, diff_versions(a, b)["changes"]) if r.code == "T5-5"]
    assert [(line.before, line.after) for line in hero.lines] == [
        (None, "当获见义勇为确认时，得20分"),
        (None, "证明材料：见义勇为确认书"),
    ]
    [gone] = [r for r in change_rows(b, a, diff_versions(b, a)["changes"]) if r.code == "T5-5"]
    assert gone.change == "removed" and [(line.before, line.after) for line in gone.lines] == [
        ("当获见义勇为确认时，得20分", None),
        ("证明材料：见义勇为确认书", None),
    ]
