"""The console's impact jobs keep the newest finished runs only (their reports hold applicants' results)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from jifen.standard import impact_jobs


def _job(root: Path, n: int, state: str, pid: int | None = None) -> str:
    job_id = f"{n:032x}"
    directory = root / job_id
    directory.mkdir(parents=True)
    (directory / "request.json").write_text(json.dumps({"created_at": f"2026-11-{1 + n // 24:02d}T{n % 24:02d}:00:00"}))
    (directory / "progress.json").write_text(json.dumps({"state": state, **({"pid": pid} if pid else {})}))
    (directory / "report.json").write_text("{}")
    return job_id


def test_prune_keeps_the_newest_finished_and_every_running_job(tmp_path: Path) -> None:
    ids = [_job(tmp_path, n, "failed" if n % 7 == 0 else "done") for n in range(60)]
    running = _job(tmp_path, 60 + 1, "running", os.getpid())  # newest, running: stays
    (tmp_path / "notes").mkdir()  # not a job: left alone
    old_running = f"{99:032x}"
    directory = tmp_path / old_running
    directory.mkdir()
    (directory / "request.json").write_text(json.dumps({"created_at": "2026-01-01T00:00:00"}))
    (directory / "progress.json").write_text(json.dumps({"state": "running", "pid": os.getpid()}))
    removed = impact_jobs.prune(tmp_path, keep=10)
    assert sorted(removed) == sorted(ids[:51])  # 62 jobs; the 10 newest kept; the old running one stays
    left = {d.name for d in tmp_path.iterdir()}
    assert left == {*ids[51:], running, old_running, "notes"}
    assert impact_jobs.prune(tmp_path, keep=10) == []
