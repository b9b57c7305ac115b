"""影响分析 in the console: who may use it, a run in a background process, the report, the workbook."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from jifen.standard import impact_jobs

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


def population(n: int = 40) -> bytes:
    lines = [
        json.dumps({"application_ref": f"W-{k}", "facts": {**BASE, "income_tax_paid": k * 500}}, ensure_ascii=False)
        for k in range(n)
    ]
    lines.append(json.dumps({"application_ref": "W-BAD", "facts": {**BASE, "agee": 1}}))
    return ("\n".join(lines) + "\n").encode()


def wait_for(app: Any, job_id: str, seconds: float = 120) -> impact_jobs.Job:
    root = Path(app.config["INSTANCE_DIR"]) / "impact"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = impact_jobs.load(root, job_id)
        assert job is not None
        if job.state in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def start(console: Any, **form: Any) -> str:
    data = {"version": "2", "base": "1", "kind": "file", "year": "2026", "date": "2026-06-01", "cutoffs": "", **form}
    response = console.post("/admin/impact/", data=data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return str(response.headers["Location"].rstrip("/").split("/")[-1])


@pytest.mark.parametrize(("role", "status"), [("editor", 200), ("auditor", 200), ("publisher", 403), ("admin", 403)])
def test_editors_and_auditors_only(console: Any, role: str, status: int) -> None:
    console.login(role)
    assert console.get("/admin/impact/").status_code == status


def test_anonymous_is_sent_to_login(console: Any) -> None:
    response = console.get("/admin/impact/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_a_run_on_an_uploaded_file(console: Any, seeded: Any) -> None:
    seeded.config["MAX_CONTENT_LENGTH"] = 2000  # the API's limit does not bound a population upload
    console.login("editor")
    page = console.get("/admin/impact/").get_data(as_text=True)
    assert "影响分析" in page and "tongxiang/2026/1" in page
    began = time.monotonic()
    job_id = start(console, population=(io.BytesIO(population()), "人群.jsonl"), cutoffs="22, 24.5")
    assert time.monotonic() - began < 10  # the request only starts the job
    job = wait_for(seeded, job_id)
    assert job.state == "done", job.progress
    assert job.pid is not None and job.pid != os.getpid()  # scored in a process of its own
    html = console.get(f"/admin/impact/jobs/{job_id}").get_data(as_text=True)
    assert 'id="impact-summary"' in html and "<svg" in html and "总分分布" in html
    assert "W-BAD" in html and "未知字段" in html  # the error, in Chinese
    assert 'id="cutoff-22"' in html and 'id="cutoff-24.5"' in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # nothing from elsewhere
    report = job.report()
    assert report is not None and report["applications"] == 41 and len(report["errors"]) == 1
    assert report["population"] == "人群.jsonl"
    download = console.get(f"/admin/impact/jobs/{job_id}/report.xlsx")
    assert download.status_code == 200
    assert "impact-tongxiang-2026-1-vs-tongxiang-2025-1.xlsx" in download.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(download.data))
    assert book.sheetnames == ["概要", "总分分布", "指标变化", "跨越分数线", "错误"]
    summary = {row[0]: row[1] for row in book["概要"].iter_rows(min_row=5, values_only=True)}
    assert summary["申请数"] == "41" and summary["总分变化人数"] == str(report["changed"])
    crossings = list(book["跨越分数线"].iter_rows(min_row=5, values_only=True))
    assert len(crossings) == sum(c["up"] + c["down"] for c in report["cutoffs"].values()) > 0
    first_error = next(book["错误"].iter_rows(min_row=5, values_only=True))
    assert first_error[:4] == (41, "W-BAD", "基准版本", "facts.agee")
    # the list of runs shows it, with its state
    assert "已完成" in console.get("/admin/impact/").get_data(as_text=True)


def test_a_run_on_the_stored_scores_of_a_year(console: Any, seeded: Any, db: Any) -> None:
    from jifen import unit_of_work
    from jifen.access.api_clients import Caller
    from jifen.scoring import scores

    caller = Caller(None, "test", frozenset({"score"}))  # type: ignore[arg-type]
    with seeded.app_context():
        for k in range(3):
            request = scores.ScoreRequest(f"S-{k}", 2026, {**BASE, "income_tax_paid": 3000}, as_of=dt.date(2026, 3, 1))
            scores.score(unit_of_work.current(), request, caller)
    console.login("auditor")
    job = wait_for(seeded, start(console, kind="stored", year="2026"))
    assert job.state == "done", job.progress
    report = job.report()
    assert report is not None and report["applications"] == 3 and report["indicators"]["T7"]["changed"] == 3
    page = console.get(f"/admin/impact/jobs/{job.id}").get_data(as_text=True)
    assert "2026 年已存储的积分（各申请的当前积分）" in page and "stored scores" not in page


def test_form_errors_in_chinese(console: Any) -> None:
    console.login("editor")
    html = console.post(
        "/admin/impact/", data={"version": "2", "base": "1", "kind": "file", "date": "2026-13-01", "cutoffs": "abc"}
    ).get_data(as_text=True)
    assert "请选择申请文件" in html and "日期无效" in html and "分数线应为0到10000之间的数字" in html
    html = console.post(
        "/admin/impact/", data={"version": "999", "base": "1", "kind": "stored", "year": "2026", "date": "2026-06-01"}
    ).get_data(as_text=True)
    assert '<div class="invalid-feedback d-block">没有版本 999</div>' in html and "no ruleset version" not in html


def test_unknown_jobs(console: Any) -> None:
    console.login("editor")
    assert console.get("/admin/impact/jobs/0123456789abcdef0123456789abcdef").status_code == 404
    assert console.get("/admin/impact/jobs/..%2F..%2Fsecret").status_code == 404


def test_a_broken_upload_fails_with_a_message(console: Any, seeded: Any) -> None:
    console.login("editor")
    job = wait_for(seeded, start(console, population=(io.BytesIO(b'[{"application_ref": "A"'), "bad.json")))
    assert job.state == "failed"
    html = console.get(f"/admin/impact/jobs/{job.id}").get_data(as_text=True)
    assert "分析失败" in html and "不是有效的 JSON 数组" in html


def _hand_made_job(app: Any, progress: dict[str, Any]) -> str:
    job_id = "ab" * 16
    directory = Path(app.config["INSTANCE_DIR"]) / "impact" / job_id
    directory.mkdir(parents=True)
    request = {"version": 2, "version_ref": "tongxiang/2026/1", "base": 1, "base_ref": "tongxiang/2025/1",
               "date": "2026-06-01", "cutoffs": [], "population": {"kind": "stored", "year": 2026}, "user": "editor",
               "created_at": "2026-06-01T08:00:00+00:00"}  # fmt: skip
    (directory / "request.json").write_text(json.dumps(request), encoding="utf-8")
    (directory / "progress.json").write_text(json.dumps(progress), encoding="utf-8")
    return job_id


def test_a_running_job_shows_its_progress_and_reloads(console: Any, seeded: Any) -> None:
    job_id = _hand_made_job(seeded, {"state": "running", "pid": os.getpid(), "done": 250, "total": 1000})
    console.login("auditor")
    html = console.get(f"/admin/impact/jobs/{job_id}").get_data(as_text=True)
    assert "正在分析… 25%" in html and '<progress class="w-100" value="0.25" max="1">' in html
    assert '<meta http-equiv="refresh" content="2">' in html


def test_a_job_whose_process_vanished_has_failed(console: Any, seeded: Any) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()  # its pid belongs to no process now
    job_id = _hand_made_job(seeded, {"state": "running", "pid": finished.pid, "done": 10, "total": 100})
    console.login("editor")
    html = console.get(f"/admin/impact/jobs/{job_id}").get_data(as_text=True)
    assert "分析失败：后台进程意外退出" in html and 'http-equiv="refresh"' not in html


def test_errors_name_facts_by_their_labels_and_an_unreadable_entry_as_such(console: Any, seeded: Any) -> None:
    lines = [json.dumps({"application_ref": "G-1", "facts": {**BASE, "income_tax_paid": "很多"}}, ensure_ascii=False),
             "{not json"]  # fmt: skip
    console.login("editor")
    job_id = start(console, population=(io.BytesIO(("\n".join(lines) + "\n").encode()), "坏.jsonl"))
    assert wait_for(seeded, job_id).state == "done"
    html = console.get(f"/admin/impact/jobs/{job_id}").get_data(as_text=True)
    table = html[html.index('id="impact-errors"') :]
    assert "上一年度在本市缴纳个人所得税（元）：" in table and "申请内容：" in table
    assert "input：" not in table and "facts.income_tax_paid" not in table
