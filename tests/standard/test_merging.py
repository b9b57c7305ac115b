"""The three-way merge of a workbook's changes over a draft saved since: part by part, never deciding a conflict."""

from __future__ import annotations

import copy
import json
from typing import Any

from engine import canonical_json, load_file, parse_document
from jifen.standard.merging import merge
from tests.conftest import RULESETS

BASE: dict[str, Any] = json.loads(canonical_json(load_file(RULESETS / "tongxiang-2026.yaml")))


def item(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for ind in doc["indicators"] for i in ind["items"] if i["code"] == code)


def indicator(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for i in doc["indicators"] if i["code"] == code)


def sides() -> tuple[dict[str, Any], dict[str, Any]]:
    return copy.deepcopy(BASE), copy.deepcopy(BASE)


def test_changes_to_different_parts_are_both_kept() -> None:
    mine, theirs = sides()
    item(mine, "T7-1")["per_unit"]["unit"] = 2000
    item(theirs, "T6-2")["label"] = "改过的名称"
    theirs["title"] = "第二稿"
    merged, conflicts = merge(BASE, mine, theirs)
    assert conflicts == []
    assert item(merged, "T7-1")["per_unit"]["unit"] == 2000 and item(merged, "T6-2")["label"] == "改过的名称"
    assert merged["title"] == "第二稿"
    parse_document({**merged, "status": "draft"})  # still a valid version


def test_the_same_part_changed_apart_is_a_conflict_and_theirs_is_kept() -> None:
    mine, theirs = sides()
    item(mine, "T7-1")["label"] = "甲"
    item(theirs, "T7-1")["label"] = "乙"
    indicator(mine, "T7")["cap"] = 30
    indicator(theirs, "T7")["cap"] = 25
    merged, conflicts = merge(BASE, mine, theirs)
    assert conflicts == [("indicator", "T7"), ("item", "T7-1")]
    assert item(merged, "T7-1")["label"] == "乙" and indicator(merged, "T7")["cap"] == 25


def test_alike_changes_agree_and_a_removal_against_a_change_conflicts() -> None:
    mine, theirs = sides()
    mine["title"] = theirs["title"] = "同样的标题"
    indicator(mine, "T7")["items"] = [i for i in indicator(mine, "T7")["items"] if i["code"] != "T7-1"]
    item(theirs, "T7-1")["label"] = "他们改了"
    merged, conflicts = merge(BASE, mine, theirs)
    assert merged["title"] == "同样的标题" and conflicts == [("item", "T7-1")]


def test_additions_keep_their_place_and_removals_by_one_side_count() -> None:
    mine, theirs = sides()
    items = indicator(mine, "T7")["items"]
    items.insert(1, {**items[0], "code": "T7-9", "label": "新增的细则"})
    theirs["cases"] = theirs["cases"][1:]  # they removed the first case
    merged, conflicts = merge(BASE, mine, theirs)
    assert conflicts == []
    assert [i["code"] for i in indicator(merged, "T7")["items"]][:2] == [items[0]["code"], "T7-9"]
    assert [c["name"] for c in merged["cases"]] == [c["name"] for c in BASE["cases"][1:]]


def test_rows_moved_in_the_workbook_keep_their_new_order() -> None:
    mine, theirs = sides()
    mine["facts"] = list(reversed(mine["facts"]))
    theirs["title"] = "第二稿"
    merged, conflicts = merge(BASE, mine, theirs)
    assert conflicts == [] and [f["name"] for f in merged["facts"]] == [f["name"] for f in reversed(BASE["facts"])]
