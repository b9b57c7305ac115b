"""``rulesets import`` of a workbook downloaded from a draft: it updates that draft, and a workbook older than the
draft's last save is refused (the console's rules, without its preview)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl

from jifen.standard import rulesets, stored
from tests.conftest import RULESETS

SAMPLE_2026 = RULESETS / "tongxiang-2026.yaml"


def export_draft(runner: Any, tmp_path: Path, name: str) -> Path:
    out = tmp_path / name
    result = runner.invoke(args=["rulesets", "export", "tongxiang/2026/2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def retitle(path: Path, title: str) -> None:
    book = openpyxl.load_workbook(path)
    book["版本说明"]["C5"] = title
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())


def test_a_workbook_of_a_draft_updates_it_and_a_stale_one_is_refused(runner: Any, db: Any, tmp_path: Path) -> None:
    assert runner.invoke(args=["rulesets", "import", str(SAMPLE_2026)]).exit_code == 0
    with db.transaction() as s:
        rulesets.clone(s, "tongxiang/2026/1", "editor")
    first, second = export_draft(runner, tmp_path, "first.xlsx"), export_draft(runner, tmp_path, "second.xlsx")
    retitle(first, "第一稿")
    retitle(second, "第二稿")
    done = runner.invoke(args=["rulesets", "import", str(first)])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("updated   tongxiang/2026/2 (draft)")
    refused = runner.invoke(args=["rulesets", "import", str(second)])
    assert refused.exit_code == 1
    assert "second.xlsx was downloaded from tongxiang/2026/2 before its last saves" in refused.output
    with db.transaction() as s:
        assert [v.ref for v in rulesets.list_versions(s, year=2026)] == ["tongxiang/2026/2", "tongxiang/2026/1"]
        assert stored.document(rulesets.get_version(s, "tongxiang/2026/2"))["title"] == "第一稿"
