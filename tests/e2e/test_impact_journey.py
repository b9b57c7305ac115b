"""影响分析 in a real headless Chromium: upload a population, watch it run, read the report, download it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import SHOTS, Visit

pytestmark = pytest.mark.browser
BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1988-05-01", "application_date": "2026-03-15"}


def test_an_editor_measures_a_version_on_a_population(server: str, browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "申请.jsonl"
    entries = [
        {
            "application_ref": f"TX-{k:04d}",
            "facts": {
                **BASE,
                "local_insurance_months": k % 90,
                "dwelling": "registered_rental",
                "income_tax_paid": 700 * (k % 40),
                "serious_traffic_violations": k % 3,
            },
        }
        for k in range(1200)
    ]
    entries[5]["facts"]["agee"] = 30
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries), encoding="utf-8")

    editor = Visit(browser, server)
    errors: list[str] = []
    editor.page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    editor.login("editor")
    editor.page.click("nav >> text=影响分析")
    editor.page.select_option("#version", label="tongxiang/2026/1（已发布）")
    editor.page.select_option("#base", label="tongxiang/2025/1（已发布）")
    editor.page.check("#kind-file")
    editor.page.set_input_files("#population", str(path))
    editor.page.fill("#date", "2026-06-01")
    editor.page.fill("#cutoffs", "40, 45")
    editor.shot("impact-01-form")
    editor.page.click("#impact-form button[type=submit]")
    editor.page.wait_for_selector("#impact-summary", timeout=120_000)  # the page reloads itself until done
    editor.shot("impact-02-report")
    summary = editor.page.inner_text("#impact-summary")
    assert "申请数\t1200" in summary and "错误（未计入以下各项）\t1" in summary
    charts = editor.page.locator("svg.impact-chart")
    assert charts.count() == 2
    for n in range(2):
        charts.nth(n).screenshot(path=str(SHOTS / f"impact-03-chart-{n + 1}.png"))
    assert "TX-0005" in editor.page.inner_text("#impact-errors")
    with editor.page.expect_download() as download:
        editor.page.click("#impact-xlsx")
    assert download.value.suggested_filename == "impact-tongxiang-2026-1-vs-tongxiang-2025-1.xlsx"
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []
    editor.close()
