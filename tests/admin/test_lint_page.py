"""静态检查 in the console: every role reads a version's lint findings in Chinese, with an applicant that shows each."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from jifen.standard import rulesets
from tests.conftest import RULESETS


def version_id(db: Any, ref: str) -> int:
    with db.transaction() as s:
        return rulesets.get_version(s, ref).id


@pytest.mark.parametrize("role", ["editor", "publisher", "auditor", "admin"])
def test_every_role_reads_the_findings(console: Any, db: Any, role: str) -> None:
    console.login(role)
    clean = console.get(f"/admin/lint/{version_id(db, 'tongxiang/2026/1')}")
    assert clean.status_code == 200
    page = clean.get_data(as_text=True)
    assert "错误 0 个，警告 0 个，提示 0 个：未发现问题" in page
    noted = console.get(f"/admin/lint/{version_id(db, 'tongxiang/2025/1')}").get_data(as_text=True)
    assert "提示 1 个" in noted and "未使用的事实" in noted and "获见义勇为确认" in noted
    assert "unused_fact" not in noted and "heroic_act" not in noted  # the check and the fact named in Chinese


def test_a_draft_with_a_cap_below_its_points(console: Any, db: Any) -> None:
    document = yaml.safe_load((RULESETS / "tongxiang-2026.yaml").read_text(encoding="utf-8"))
    document.update(revision=2, status="draft")
    document["indicators"][0]["cap"] = 10  # P1 年龄: P1-1 gives 20 points, of which only 10 can count
    with db.transaction() as s:
        row, _created = rulesets.import_text(s, yaml.safe_dump(document, allow_unicode=True), "p1.yaml", "test")
        vid = row.id
    console.login("editor")
    detail = console.get(f"/admin/versions/{vid}").get_data(as_text=True)
    assert f"/admin/lint/{vid}" in detail
    page = console.get(f"/admin/lint/{vid}").get_data(as_text=True)
    assert "警告" in page and "分值超过上限" in page and "P1-1" in page and "exceeds_cap" not in page
    assert "高于指标P1（年龄）的上限10分" in page
    assert "出生日期：" in page  # the witness, by the facts' Chinese labels


def test_unknown_version_and_anonymous(console: Any) -> None:
    assert console.get("/admin/lint/1").status_code in (302, 303)  # not logged in: to the login page
    console.login("auditor")
    missing = console.get("/admin/lint/999999")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
