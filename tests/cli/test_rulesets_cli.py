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
