"""The verdict of 校验 as a service: structure, static checks and test cases, and what counts as passing."""

from __future__ import annotations

from typing import Any

from engine import parse_document
from jifen.standard import rulesets, validation


def _draft(db: Any, edit: Any = None, valid: bool = True) -> int:
    """A 2027 draft cloned from the sample 2026 (``seeded``: the samples imported), edited."""
    with db.transaction() as s:
        row = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        if edit is not None:
            doc = rulesets.document(row)
            edit(doc)
            if valid:
                rulesets.store_model(row, parse_document({**doc, "status": "draft"}))
            else:
                rulesets.store_invalid(row, doc)
        return row.id


def _item(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for ind in doc["indicators"] for i in ind["items"] if i["code"] == code)


def _verdict(db: Any, vid: int) -> validation.Verdict:
    with db.transaction() as s:
        return validation.check(rulesets.get_version(s, vid))


def test_a_clean_draft_passes(seeded: Any, db: Any) -> None:
    verdict = _verdict(db, _draft(db))
    assert verdict.valid and verdict.passed and verdict.counts == {"error": 0, "warning": 0, "info": 0}
    assert len(verdict.outcomes) == 16 and verdict.failed == []


def test_a_warning_alone_does_not_fail_but_a_failing_case_does(seeded: Any, db: Any) -> None:
    def stale(doc: dict[str, Any]) -> None:
        _item(doc, "T6-2")["label"] = "无偿献血每次得3分"  # the rule gives 2

    verdict = _verdict(db, _draft(db, stale))
    assert verdict.counts["warning"] == 1 and verdict.passed
    failing = _verdict(db, _draft(db, lambda d: _item(d, "T3-3").update(fixed=12)))
    assert failing.failed and not failing.passed


def test_structure_problems_stop_the_rest(seeded: Any, db: Any) -> None:
    verdict = _verdict(db, _draft(db, lambda d: d["categories"][2].update(cap=60), valid=False))
    assert not verdict.valid and not verdict.passed
    assert [p.path for p in verdict.problems] == ["categories[2].cap"]
    assert verdict.findings == [] and verdict.outcomes == []


def test_a_static_error_or_no_case_is_not_a_pass(seeded: Any, db: Any) -> None:
    def unreachable(doc: dict[str, Any]) -> None:
        _item(doc, "P3-3")["when"] = {"field": "skill_level", "op": "==", "value": 7}

    verdict = _verdict(db, _draft(db, unreachable))
    assert verdict.counts["error"] == 1 and not verdict.failed and not verdict.passed
    assert not _verdict(db, _draft(db, lambda d: d.update(cases=[]))).passed


def test_label_mismatches_of_one_indicator_or_item(seeded: Any, db: Any) -> None:
    def two(doc: dict[str, Any]) -> None:
        _item(doc, "T6-2")["label"] = "无偿献血每次得3分"
        _item(doc, "T4-2")["per_unit"]["rate"] = 5

    vid = _draft(db, two)
    with db.transaction() as s:
        row = rulesets.get_version(s, vid)
        assert [f.items for f in validation.label_mismatches(row)] == [("T4-2",), ("T6-2",)]
        assert [f.items for f in validation.label_mismatches(row, indicator="T6")] == [("T6-2",)]
        assert [f.items for f in validation.label_mismatches(row, item="T4-2")] == [("T4-2",)]
        assert validation.label_mismatches(row, item="T3-3") == []
