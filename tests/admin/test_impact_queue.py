"""影响分析 wait in line: one runs at a time over the whole service, a user may have two queued or running, the
page shows a waiting job's place, and a job that ends (or whose process was killed) lets the next one start."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from jifen.errors import Refused
from jifen.standard import impact_jobs
from tests.admin.test_impact_page import population, wait_for

REQUEST = {"version": 2, "base": 1, "date": "2026-06-01", "cutoffs": [], "population": {"kind": "stored", "year": 2026}}


@pytest.fixture
def launched(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Jobs are "started" as this test's own (living) process instead of a real one; their ids, in order."""
    started: list[str] = []

    def launch(directory: Path, database_url: str, running: int) -> None:
        started.append(directory.name)
        (directory / "pid").write_text(str(os.getpid()), encoding="ascii")

    monkeypatch.setattr(impact_jobs, "_launch", launch)
    return started


def _finish(root: Path, job_id: str, pid: int | None = None) -> None:
    progress = {"state": "done", "pid": os.getpid()} if pid is None else {"state": "running", "pid": pid}
    (root / job_id / "progress.json").write_text(impact_jobs.dumps(progress), encoding="utf-8")


def test_one_runs_the_others_wait_in_line(tmp_path: Path, launched: list[str]) -> None:
    limits = impact_jobs.Limits(running=1, per_user=2)
    first = impact_jobs.start(tmp_path, {**REQUEST, "user": "a"}, "sqlite://", None, limits)
    second = impact_jobs.start(tmp_path, {**REQUEST, "user": "b"}, "sqlite://", None, limits)
    third = impact_jobs.start(tmp_path, {**REQUEST, "user": "a"}, "sqlite://", None, limits)
    assert launched == [first]
    places = {j: impact_jobs.position(tmp_path, impact_jobs.load(tmp_path, j)) for j in (first, second, third)}  # type: ignore[arg-type]
    assert places == {first: None, second: 1, third: 2}
    with pytest.raises(Refused) as refused:
        impact_jobs.start(tmp_path, {**REQUEST, "user": "a"}, "sqlite://", None, limits)
    assert str(refused.value).startswith("you have 2 impact analyses queued or running already")
    assert len([d for d in tmp_path.iterdir() if d.is_dir()]) == 3  # the refused one left nothing behind

    _finish(tmp_path, first)
    impact_jobs.advance(tmp_path, "sqlite://", limits)
    assert launched == [first, second]
    assert impact_jobs.position(tmp_path, impact_jobs.load(tmp_path, third)) == 1  # type: ignore[arg-type]
    impact_jobs.start(tmp_path, {**REQUEST, "user": "a"}, "sqlite://", None, limits)  # a's first one has ended


def test_a_killed_job_frees_its_place(tmp_path: Path, launched: list[str]) -> None:
    limits = impact_jobs.Limits(running=1, per_user=2)
    first = impact_jobs.start(tmp_path, {**REQUEST, "user": "a"}, "sqlite://", None, limits)
    second = impact_jobs.start(tmp_path, {**REQUEST, "user": "b"}, "sqlite://", None, limits)
    gone = subprocess.Popen(["true"])
    gone.wait()
    _finish(tmp_path, first, pid=gone.pid)  # "running", in a process that no longer exists
    impact_jobs.advance(tmp_path, "sqlite://", limits)
    assert launched == [first, second]


def test_two_at_once_allowed(tmp_path: Path, launched: list[str]) -> None:
    limits = impact_jobs.Limits(running=2, per_user=5)
    jobs = [impact_jobs.start(tmp_path, {**REQUEST, "user": "a"}, "sqlite://", None, limits) for _ in range(3)]
    assert launched == jobs[:2]


def test_the_console_shows_the_place_and_refuses_a_third(console: Any, seeded: Any, launched: list[str]) -> None:
    console.login("auditor")
    data = {"version": "2", "base": "1", "kind": "stored", "year": "2026", "date": "2026-06-01", "cutoffs": ""}
    first = console.post("/admin/impact/", data=data, content_type="multipart/form-data")
    second = console.post("/admin/impact/", data=data, content_type="multipart/form-data")
    assert first.status_code == second.status_code == 302
    waiting = second.headers["Location"]
    html = console.get(waiting).get_data(as_text=True)
    assert "排队等候：第 1 位（全系统同时最多运行 1 个影响分析，前面的完成后自动开始）" in html
    third = console.post("/admin/impact/", data=data, content_type="multipart/form-data")
    assert third.status_code == 422
    assert "您已有 2 个影响分析在排队或运行，请等其中一个完成后再开始新的分析" in third.get_data(as_text=True)


def test_the_next_in_line_starts_when_a_real_job_ends(console: Any, seeded: Any) -> None:
    console.login("editor")
    data = {"version": "2", "base": "1", "kind": "file", "year": "2026", "date": "2026-06-01", "cutoffs": ""}
    ids = []
    for n in (20, 30):
        response = console.post("/admin/impact/", data={**data, "population": (io.BytesIO(population(n)), "p.jsonl")},
                                content_type="multipart/form-data")  # fmt: skip
        assert response.status_code == 302, response.get_data(as_text=True)
        ids.append(response.headers["Location"].rstrip("/").split("/")[-1])
    # nobody reads the pages meanwhile: the first job's process starts the second when it ends
    assert [wait_for(seeded, job_id).state for job_id in ids] == ["done", "done"]
