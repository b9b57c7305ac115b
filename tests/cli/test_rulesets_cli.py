"""``flask rulesets validate``: a report per file, non-zero exit on any problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.conftest import RULESETS


def test_shipped_files_validate(runner: Any) -> None:
    result = runner.invoke(args=["rulesets", "validate"])
    assert result.exit_code == 0, result.output
    assert "ok   tongxiang-2026.yaml: tongxiang/2026/1 (published) sha256:" in result.output
    assert "16/16 test cases passed" in result.output


def test_broken_file_is_reported(runner: Any, tmp_path: Path) -> None:
    text = (RULESETS / "tongxiang-2026.yaml").read_text(encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace("field: age, op: <=", "field: agee, op: =<", 1), encoding="utf-8")
    result = runner.invoke(args=["rulesets", "validate", str(broken)])
    assert result.exit_code == 1
    assert "broken.yaml: indicators[0].items[0].when.field: unknown field 'agee'" in result.output
    assert "broken.yaml: indicators[0].items[0].when.op: unknown operator '=<'" in result.output
    assert "Traceback" not in result.output


def test_failing_case_is_reported(runner: Any, tmp_path: Path) -> None:
    text = (RULESETS / "tongxiang-2026.yaml").read_text(encoding="utf-8")
    raised = tmp_path / "raised.yaml"
    raised.write_text(text.replace("fixed: 20", "fixed: 19", 1), encoding="utf-8")
    result = runner.invoke(args=["rulesets", "validate", str(raised)])
    assert result.exit_code == 1
    assert "FAIL raised.yaml" in result.output
    assert "total: expected 20, got 19" in result.output


def test_static_checks_are_reported_with_the_cases(runner: Any, tmp_path: Path) -> None:
    text = (RULESETS / "tongxiang-2026.yaml").read_text(encoding="utf-8")
    assert (
        "0 static error(s), 0 warning(s); 16/16 test cases passed"
        in runner.invoke(args=["rulesets", "validate", str(RULESETS / "tongxiang-2026.yaml")]).output
    )
    stale = tmp_path / "stale.yaml"  # the label says 每件得4分, the rule now 5: a warning, which does not fail
    stale.write_text(
        text.replace("label: 获得实用新型专利，每件得4分", "label: 获得实用新型专利，每件得3分", 1), encoding="utf-8"
    )
    result = runner.invoke(args=["rulesets", "validate", str(stale)])
    assert result.exit_code == 0, result.output
    assert "ok   stale.yaml" in result.output and "0 static error(s), 1 warning(s)" in result.output
    assert "warning label_mismatch  T4: T4-2: The label of item T4-2" in result.output
    unreachable = tmp_path / "unreachable.yaml"  # an item no applicant can reach: a static error, which fails
    unreachable.write_text(text.replace("{field: skill_level, op: ==, value: 4}", "{field: skill_level, op: ==, value: 7}", 1),
                           encoding="utf-8")  # fmt: skip
    result = runner.invoke(args=["rulesets", "validate", str(unreachable)])
    assert result.exit_code == 1 and "FAIL unreachable.yaml" in result.output
    assert "1 static error(s)" in result.output and "error unreachable  P3: P3-3" in result.output
