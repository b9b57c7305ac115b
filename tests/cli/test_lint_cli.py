"""``flask rulesets lint``: a file or a stored version, text or JSON, exit status 1 on errors; and the lint
check when publishing (errors refuse, warnings are acknowledged by naming their code in the note)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from engine import dump_yaml, load_file, parse_document, to_document
from jifen.standard import rulesets
from tests.conftest import RULESETS

SAMPLE_2026 = RULESETS / "tongxiang-2026.yaml"


def item(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for ind in doc["indicators"] for i in ind["items"] if i["code"] == code)


def write(tmp_path: Path, name: str, edit: Callable[[dict[str, Any]], None]) -> Path:
    doc = to_document(load_file(SAMPLE_2026))
    edit(doc)
    path = tmp_path / name
    path.write_text(dump_yaml(parse_document(doc)), encoding="utf-8")
    return path


def unreachable(doc: dict[str, Any]) -> None:
    item(doc, "P3-3")["when"] = {"field": "skill_level", "op": "==", "value": 7}


def overlapping(doc: dict[str, Any]) -> None:
    item(doc, "P1-1")["when"] = {"field": "age", "op": "<=", "value": 41}
    item(doc, "P1-1")["label"] = "年龄41周岁及以下"  # the label says so too: only the overlap is wrong


def above_cap(doc: dict[str, Any]) -> None:
    item(doc, "T5-5")["fixed"] = 25  # no test case has a heroic act: the cases still pass


def test_the_sample_file_is_clean(runner: Any) -> None:
    result = runner.invoke(args=["rulesets", "lint", str(SAMPLE_2026)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("tongxiang/2026/1 sha256:")
    assert "0 error(s), 0 warning(s), 0 note(s)" in result.output


def test_json_shape(runner: Any) -> None:
    result = runner.invoke(args=["rulesets", "lint", str(RULESETS / "tongxiang-2025.yaml"), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"version", "counts", "findings"}
    assert out["version"]["ref"] == "tongxiang/2025/1" and out["version"]["content_hash"].startswith("sha256:")
    assert out["counts"] == {"error": 0, "warning": 0, "info": 1}
    assert out["findings"] == [
        {
            "code": "unused_fact",
            "severity": "info",
            "indicator": None,
            "items": [],
            "fields": ["heroic_act"],
            "params": {"field": "heroic_act", "label": "获见义勇为确认"},
            "message": {
                "zh": "事实“获见义勇为确认”（公安局核查）没有被任何细则、资格条件或测试用例使用。",
                "en": "Fact heroic_act (获见义勇为确认) is used by no item, eligibility requirement or test case.",
            },
            "witness": None,
        }
    ]


def test_a_warning_shows_its_witness_and_exits_0(runner: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "overlap.yaml", overlapping)
    result = runner.invoke(args=["rulesets", "lint", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 1 warning(s), 0 note(s)" in result.output
    assert "warning overlap  P1: P1-1, P1-2" in result.output
    assert "指标P1（年龄）的细则P1-1与P1-2不在同一“不累加”组" in result.output
    assert "witness (confirmed by scoring on 2026-01-01): age 41; " in result.output
    assert '"birth_date":"1985-01-01"' in result.output

    out = json.loads(runner.invoke(args=["rulesets", "lint", str(path), "--json"]).output)
    (finding,) = out["findings"]
    assert finding["witness"]["derived"] == {"age": 41} and finding["witness"]["verified"] is True


def test_an_error_exits_1(runner: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "unreachable.yaml", unreachable)
    result = runner.invoke(args=["rulesets", "lint", str(path)])
    assert result.exit_code == 1
    assert "error   unreachable  P3: P3-3" in result.output
    assert "no applicant meets skill_level == 7" in result.output
    assert runner.invoke(args=["rulesets", "lint", str(path), "--json"]).exit_code == 1


def test_unreadable_targets_are_reported(runner: Any, tmp_path: Path) -> None:
    missing = runner.invoke(args=["rulesets", "lint", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 1 and "no such file" in missing.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(SAMPLE_2026.read_text(encoding="utf-8").replace("field: age, op: <=", "field: agee, op: <="))
    result = runner.invoke(args=["rulesets", "lint", str(broken)])
    assert result.exit_code == 1 and "unknown field 'agee'" in result.output and "Traceback" not in result.output


def test_a_stored_version(runner: Any, seeded: Any) -> None:
    result = runner.invoke(args=["rulesets", "lint", "tongxiang/2025/1", "--json"])
    assert result.exit_code == 0, result.output
    assert [f["code"] for f in json.loads(result.output)["findings"]] == ["unused_fact"]
    unknown = runner.invoke(args=["rulesets", "lint", "tongxiang/2031/1"])
    assert unknown.exit_code == 1 and "no ruleset version tongxiang/2031/1" in unknown.output


def _draft(db: Any, edit: Callable[[dict[str, Any]], None]) -> str:
    with db.transaction() as s:
        row = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        doc = to_document(rulesets.load_model(row))
        edit(doc)
        rulesets.save_draft(s, row.ref, doc, row.lock_version, "editor")
        return row.ref


def test_publishing_refuses_lint_errors(runner: Any, seeded: Any, db: Any) -> None:
    ref = _draft(db, unreachable)
    result = runner.invoke(args=["rulesets", "publish", ref, "--note", "2027年度标准", "--user", "publisher"])
    assert result.exit_code == 1
    assert "cannot be published: 1 lint error(s)" in result.output
    assert "unreachable (P3: P3-3): 指标P3（职业技能）的细则P3-3永远不会得分" in result.output
    with db.transaction() as s:
        assert rulesets.get_version(s, ref).status == "draft"


def test_publishing_needs_each_warning_acknowledged_in_the_note(runner: Any, seeded: Any, db: Any) -> None:
    ref = _draft(db, above_cap)
    publish = ["rulesets", "publish", ref, "--user", "publisher", "--note"]
    refused = runner.invoke(args=[*publish, "2027年度标准"])
    assert refused.exit_code == 1
    assert "1 lint warning(s) not acknowledged; name each code in the note, e.g. 已知悉 exceeds_cap" in refused.output
    assert (
        "exceeds_cap (T5: T5-5): 指标T5（表彰奖励）的细则T5-5最多可得25分，高于指标T5（表彰奖励）的上限20分"
        in refused.output
    )
    published = runner.invoke(args=[*publish, "2027年度标准；已知悉 exceeds_cap：见义勇为按20分计"])
    assert published.exit_code == 0, published.output
    with db.transaction() as s:
        assert rulesets.get_version(s, ref).status == "published"


def test_a_published_file_with_a_lint_error_is_not_imported(runner: Any, tmp_path: Path) -> None:
    path = write(tmp_path, "unreachable.yaml", unreachable)
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert doc["status"] == "published"
    result = runner.invoke(args=["rulesets", "import", str(path)])
    assert result.exit_code == 1 and "lint error" in result.output
