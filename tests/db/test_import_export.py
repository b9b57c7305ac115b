"""Ruleset files in and out of the database: idempotent import, exact round trip, clear refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from engine import RulesetError, load_file
from jifen.errors import Conflict, Refused
from jifen.standard import rulesets
from jifen.store.models import AuditEntry
from tests.conftest import RULESETS

FILES = sorted(RULESETS.glob("*.yaml"))


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_import_export_import_keeps_the_hash(db: Any, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    with db.transaction() as s:
        row, created = rulesets.import_text(s, text, path.name, "tester")
        assert created and row.status == "published"
        assert row.content_hash == load_file(path).content_hash
        exported = rulesets.export_yaml(row)
    assert exported == text  # canonical form: the export is the file itself
    with db.transaction() as s:
        again, created = rulesets.import_text(s, exported, "exported.yaml", "tester")
        assert not created and again.content_hash == row.content_hash
        assert rulesets.load_model(again).content_hash == row.content_hash


def test_same_identity_other_content_is_refused(db: Any) -> None:
    text = (RULESETS / "tongxiang-2026.yaml").read_text(encoding="utf-8")
    with db.transaction() as s:
        rulesets.import_text(s, text, "a.yaml", "tester")
    changed = text.replace("fixed: 20", "fixed: 19", 1).replace("total: 20\n", "total: 19\n")
    with pytest.raises(Conflict, match="tongxiang/2026/1 already exists with other content"), db.transaction() as s:
        rulesets.import_text(s, changed, "b.yaml", "tester")


def test_published_file_with_failing_case_is_refused(db: Any) -> None:
    text = (RULESETS / "tongxiang-2026.yaml").read_text(encoding="utf-8").replace("fixed: 20", "fixed: 19", 1)
    with pytest.raises(Refused, match="test case"), db.transaction() as s:
        rulesets.import_text(s, text, "bad.yaml", "tester")
    with db.transaction() as s:
        assert rulesets.list_versions(s) == []


def test_broken_file_is_refused_with_its_problems(db: Any) -> None:
    with pytest.raises(RulesetError) as info, db.transaction() as s:
        rulesets.import_text(s, "ruleset: tongxiang\nyear: 1999\n", "broken.yaml", "tester")
    assert "broken.yaml" in str(info.value) and "year" in str(info.value)


def test_import_is_audited(db: Any) -> None:
    with db.transaction() as s:
        rulesets.import_text(s, (RULESETS / "tongxiang-2025.yaml").read_text(encoding="utf-8"), "f.yaml", "alice")
    with db.transaction() as s:
        entry = s.scalars(select(AuditEntry)).one()
        assert (entry.actor, entry.action, entry.object_ref) == ("alice", "import", "tongxiang/2025/1")
        assert entry.after["status"] == "published" and entry.note == "来自 f.yaml"


def test_cli_import_list_show_export(runner: Any, tmp_path: Path) -> None:
    result = runner.invoke(args=["rulesets", "import", *map(str, FILES)])
    assert result.exit_code == 0, result.output
    assert "imported  tongxiang/2026/1 (published)" in result.output
    again = runner.invoke(args=["rulesets", "import", str(FILES[0])])
    assert "unchanged tongxiang/2025/1" in again.output
    listing = runner.invoke(args=["rulesets", "list", "--json"])
    assert [v["ref"] for v in __import__("json").loads(listing.output)] == ["tongxiang/2026/1", "tongxiang/2025/1"]
    shown = runner.invoke(args=["rulesets", "show", "tongxiang/2026/1"])
    assert shown.exit_code == 0, shown.output
    assert "P4-1 在浙江省累计缴纳社会保险每满1个月得0.5分" in shown.output
    assert (
        "    T3-2 当在本市的住所为自有产权住房时，得30分（与T3-3、T3-4不累加，只取最高）\n      证明材料：不动产权证书（或房屋所有权证、土地使用证）\n"
        in shown.output
    )
    out = tmp_path / "out.yaml"
    exported = runner.invoke(args=["rulesets", "export", "tongxiang/2026/1", "--out", str(out)])
    assert exported.exit_code == 0 and out.read_text(encoding="utf-8") == FILES[1].read_text(encoding="utf-8")


def test_cli_import_reports_each_bad_file(runner: Any, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("ruleset: [", encoding="utf-8")
    result = runner.invoke(args=["rulesets", "import", str(bad), str(FILES[1]), str(tmp_path / "missing.yaml")])
    assert result.exit_code == 1
    assert "FAIL bad.yaml" in result.output and "not valid YAML" in result.output
    assert "imported  tongxiang/2026/1" in result.output
    assert "missing.yaml: cannot read the file" in result.output
    assert "Traceback" not in result.output
