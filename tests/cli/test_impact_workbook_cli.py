"""``flask rulesets impact`` on the console's workbook of applicants, and on the applications received in a year."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from engine import load_file
from jifen.workbook.applicants import applicants_template
from tests.conftest import RULESETS

VERSION = load_file(RULESETS / "tongxiang-2026.yaml")
ARGS = ["rulesets", "impact", "tongxiang/2026/1", "--base", "tongxiang/2025/1", "--date", "2026-06-01"]


@pytest.fixture(autouse=True)
def _sample_rulesets(seeded: Any) -> None:
    """The sample versions imported, as the command reads them from the database."""


def workbook(tmp_path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.load_workbook(io.BytesIO(applicants_template(VERSION.facts, VERSION.ref)))
    ws = book["申请人"]
    headers = [c.value for c in ws[1]]
    for n, row in enumerate(rows, start=2):
        for label, value in row:
            ws.cell(row=n, column=headers.index(label) + 1, value=value)
    path = tmp_path / "applicants.xlsx"
    book.save(path)
    return path


PERSON = [("持有桐乡市范围内有效的浙江省居住证", "是"), ("浙江省居住证已完成本年度签注", "是"),
          ("出生日期", dt.date(1990, 5, 1)), ("上一年度在本市缴纳个人所得税（元）", 4000)]  # fmt: skip


def test_a_workbook_of_applicants_is_read_as_the_population(runner: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path, [[("申请编号", "C-1"), *PERSON], [("申请编号", "C-2"), *PERSON]])
    result = runner.invoke(args=[*ARGS, "--population", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["applications"] == 2 and report["errors"] == []


def test_a_bad_cell_is_named(runner: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path, [[("申请编号", "C-1"), *PERSON, ("出生日期", "yesterday")]])
    result = runner.invoke(args=[*ARGS, "--population", str(path)])
    assert result.exit_code == 1
    assert "the workbook has 1 problem(s):" in result.output
    assert "申请人!D2: expected a date such as 1990-05-01, got 'yesterday'" in result.output


def test_the_applications_of_a_year_and_one_population_only(runner: Any) -> None:
    result = runner.invoke(args=[*ARGS, "--applications-year", "2026", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["applications"] == 0
    both = runner.invoke(args=[*ARGS, "--applications-year", "2026", "--stored-year", "2026"])
    assert both.exit_code == 2 and "(or --applications-year YEAR)" in both.output


def test_score_refuses_a_workbook_as_a_whole(runner: Any, tmp_path: Path) -> None:
    path = workbook(tmp_path, [[("申请编号", "C-1"), *PERSON]])
    result = runner.invoke(args=["score", "--year", "2026", "--date", "2026-06-01", str(path)])
    assert result.exit_code == 1
    assert "this is an Excel workbook (.xlsx), not JSON Lines or a JSON array" in result.output
    assert "not valid UTF-8" not in result.output
