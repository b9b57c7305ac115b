"""Impact analyses for the console, each run in a background process, with its progress and report in files.

A job is a directory ``<root>/<id>``: ``request.json`` (what was asked, by whom), ``population.upload`` (an
uploaded population), ``progress.json`` (state, how far, the process id), ``report.json`` and ``report.xlsx``
once done, ``job.log`` (the process's output), ``pid``. The console starts a job with ``start`` and reads it with
``load``; the work runs in ``python -m jifen.standard.impact_jobs DIR``, a process of its own at a lower
priority, so that no thread of the server scores a population and the server keeps answering while it runs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from engine import dumps
from jifen.config import PROJECT_ROOT
from jifen.errors import Refused
from jifen.messages import chinese, refusal
from jifen.parallel import usable_cores
from jifen.standard import impact
from jifen.standard.population import ApplicationsSource, FileSource, PopulationError, Source, StoredSource
from jifen.store.db import Database
from jifen.workbook.impact import impact_workbook

DATABASE_ENV = "JIFEN_IMPACT_DATABASE_URL"
RUNNING_ENV = "JIFEN_IMPACT_RUNNING"  # passed to a job's process, which starts the next in line when it ends
_ID = re.compile(r"[0-9a-f]{32}")
_PROGRESS_EVERY = 0.5  # seconds between writes of progress.json


@dataclass(frozen=True, slots=True)
class Limits:
    """How many analyses run at once over the whole service, and how many one user may have queued or running."""

    running: int = 1
    per_user: int = 2


@dataclass(frozen=True, slots=True)
class Job:
    """A job as the console shows it."""

    id: str
    directory: Path
    request: dict[str, Any]
    progress: dict[str, Any]

    @property
    def state(self) -> str:
        """queued, running, done or failed (a process that vanished without a word has failed)."""
        state = str(self.progress.get("state", "queued"))
        pid = self.pid
        if pid is None and state == "queued":
            return state  # started this instant: its process id is being written
        if state in ("queued", "running") and not _alive(pid):
            return "failed"
        return state

    @property
    def waiting(self) -> bool:
        """In line: queued, and no process started for it yet."""
        return self.state == "queued" and self.pid is None

    @property
    def pid(self) -> int | None:
        """The job's process (written by the process itself, or by ``start`` before it has begun)."""
        pid = self.progress.get("pid")
        if isinstance(pid, int):
            return pid
        try:
            return int((self.directory / "pid").read_text(encoding="ascii"))
        except (OSError, ValueError):
            return None

    @property
    def fraction(self) -> float | None:
        done, total = self.progress.get("done"), self.progress.get("total")
        return min(1.0, done / total) if done is not None and total else None

    def report(self) -> dict[str, Any] | None:
        path = self.directory / "report.json"
        if self.state != "done" or not path.exists():
            return None
        loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        return loaded

    @property
    def workbook(self) -> Path | None:
        path = self.directory / "report.xlsx"
        return path if self.state == "done" and path.exists() else None


def _alive(pid: Any) -> bool:
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a child of this process that has exited but not been waited for is a zombie, not alive
        return os.waitpid(pid, os.WNOHANG) == (0, 0)
    except ChildProcessError:
        return True


def _write_json(path: Path, value: Any) -> None:
    """Write a file whole or not at all: a reader never sees half of it."""
    partial = path.with_suffix(".partial")
    partial.write_text(dumps(value), encoding="utf-8")
    os.replace(partial, path)


KEEP = 50  # finished jobs kept (their reports and uploaded populations); older ones are removed


def prune(root: Path, keep: int = KEEP) -> list[str]:
    """Remove the files of finished jobs beyond the ``keep`` newest (a job still queued or running stays, and so
    does a directory that is not a job's); returns the ids removed."""
    if not root.is_dir():
        return []
    jobs = [job for d in root.iterdir() if (job := load(root, d.name)) is not None]
    jobs.sort(key=lambda job: str(job.request.get("created_at", "")), reverse=True)
    removed = []
    for job in jobs[keep:]:
        if job.state in ("done", "failed"):
            shutil.rmtree(job.directory, ignore_errors=True)
            removed.append(job.id)
    return removed


def start(root: Path, request: dict[str, Any], database_url: str, upload: IO[bytes] | None = None,
          limits: Limits = Limits()) -> str:  # fmt: skip
    """Create a job, in line (after removing the oldest finished jobs), and start it if a place is free; its id.

    ``request``: ``version``, ``base`` (ids), ``date`` (ISO), ``cutoffs`` (numbers), ``population``
    (``{"kind": "stored" or "applications", "year": Y}``, or ``{"kind": "file" or "workbook", "name": …}`` with
    ``upload``, JSON Lines or a JSON array), ``user``. Refused (nothing kept) when the user has ``limits.per_user``
    analyses queued or running already.
    """
    root.mkdir(parents=True, exist_ok=True)
    with _line(root):
        prune(root, KEEP - 1)
        user = request.get("user")
        if sum(1 for job in _active(root) if job.request.get("user") == user) >= limits.per_user:
            raise refusal(Refused, "impact_user_limit", limit=limits.per_user)
        job_id = uuid.uuid4().hex
        directory = root / job_id
        directory.mkdir()
        if upload is not None:
            with (directory / "population.upload").open("wb") as out:
                while block := upload.read(1 << 20):
                    out.write(block)
        _write_json(directory / "request.json", {**request, "created_at": dt.datetime.now(dt.UTC).isoformat()})
        _write_json(directory / "progress.json", {"state": "queued"})
        _advance(root, database_url, limits.running)
    return job_id


def advance(root: Path, database_url: str, limits: Limits = Limits()) -> None:
    """Start the jobs first in line while fewer than ``limits.running`` run."""
    if root.is_dir():
        with _line(root):
            _advance(root, database_url, limits.running)


def position(root: Path, job: Job) -> int | None:
    """The job's place in line (1: next to start), or None when it is not waiting."""
    if not job.waiting:
        return None
    waiting = [j.id for j in _active(root) if j.waiting]
    return waiting.index(job.id) + 1 if job.id in waiting else None


@contextlib.contextmanager
def _line(root: Path) -> Any:
    with (root / ".queue.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _active(root: Path) -> list[Job]:
    """The jobs queued or running, oldest first."""
    jobs = [
        job for d in root.iterdir() if (job := load(root, d.name)) is not None and job.state in ("queued", "running")
    ]
    jobs.sort(key=lambda job: str(job.request.get("created_at", "")))
    return jobs


def _advance(root: Path, database_url: str, running: int) -> None:
    jobs = _active(root)
    busy = sum(1 for job in jobs if not job.waiting)
    for job in (j for j in jobs if j.waiting):
        if busy >= running:
            return
        _launch(job.directory, database_url, running)
        busy += 1


def _launch(directory: Path, database_url: str, running: int) -> None:
    with (directory / "job.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "jifen.standard.impact_jobs", str(directory)],
            cwd=PROJECT_ROOT,
            env={**os.environ, DATABASE_ENV: database_url, RUNNING_ENV: str(running)},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # not in the server's process group: a signal to the server is not its
        )
    # not in progress.json: the process may already be writing that (a job's files have one writer each)
    (directory / "pid").write_text(str(process.pid), encoding="ascii")


def load(root: Path, job_id: str) -> Job | None:
    """The job with this id, or None (no such job, or not an id)."""
    if not _ID.fullmatch(job_id):
        return None
    directory = root / job_id
    try:
        request = json.loads((directory / "request.json").read_text(encoding="utf-8"))
        progress = json.loads((directory / "progress.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Job(job_id, directory, request, progress)


def recent(root: Path, limit: int = 20) -> list[Job]:
    """The latest jobs, newest first."""
    if not root.is_dir():
        return []
    found = [job for d in root.iterdir() if (job := load(root, d.name)) is not None]
    found.sort(key=lambda job: str(job.request.get("created_at", "")), reverse=True)
    return found[:limit]


# -- in the job's own process -----------------------------------------------------------------------------


def _progress_writer(path: Path, pid: int) -> Callable[[int, int | None], None]:
    last = 0.0

    def write(done: int, total: int | None) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= _PROGRESS_EVERY:
            last = now
            _write_json(path, {"state": "running", "pid": pid, "done": done, "total": total})

    return write


UPLOADED = ("file", "workbook")  # populations uploaded with the request: JSON, or a workbook read into JSON Lines


def _source(population: dict[str, Any], stream: IO[bytes] | None, database: Database) -> Source:
    """The population a job's request names (the descriptions are the console's report's, in Chinese)."""
    if stream is not None:
        return FileSource(stream, population.get("name") or "上传文件")
    year = int(population["year"])
    if population["kind"] == "applications":
        return ApplicationsSource(database.factory, year, f"{year} 年度受理的申请（作废的除外）")
    return StoredSource(database.factory, year, f"{year} 年已存储的积分（各申请的当前积分）")


def run(directory: Path) -> int:
    """Do the job in ``directory``: the report, then its workbook; a failure is written down, not raised."""
    progress_path = directory / "progress.json"
    pid = os.getpid()
    _write_json(progress_path, {"state": "running", "pid": pid, "done": 0, "total": None})
    database = Database(os.environ[DATABASE_ENV])
    try:
        request = json.loads((directory / "request.json").read_text(encoding="utf-8"))
        with database.factory() as session:
            version = impact.load_version(session, request["version"])
            base = impact.load_version(session, request["base"])
        population = request["population"]
        upload = directory / "population.upload"
        uploaded = population["kind"] in UPLOADED
        with upload.open("rb") if uploaded else contextlib.nullcontext() as stream:
            source = _source(population, stream, database)
            report = impact.analyse(
                base,
                version,
                source,
                dt.date.fromisoformat(request["date"]),
                [Decimal(str(c)) for c in request.get("cutoffs", [])],
                jobs=usable_cores(),
                progress=_progress_writer(progress_path, pid),
            )
        _write_json(directory / "report.json", report)
        (directory / "report.xlsx").write_bytes(impact_workbook(report))
    except PopulationError as exc:
        message = exc.zh or f"上传的文件不是有效的 JSON 数组：{exc}"
        _write_json(progress_path, {"state": "failed", "pid": pid, "message": message})
        return 1
    except Exception as exc:  # written for the page to show; the traceback goes to job.log
        traceback.print_exc()
        _write_json(progress_path, {"state": "failed", "pid": pid, "message": chinese(exc)})
        return 1
    finally:
        database.engine.dispose()
    _write_json(progress_path, {"state": "done", "pid": pid})
    return 0


def _next_in_line(directory: Path) -> None:
    """Start the next job in line, now that this one's place is free."""
    try:
        advance(directory.parent, os.environ[DATABASE_ENV], Limits(running=int(os.environ.get(RUNNING_ENV, "1"))))
    except Exception:  # the console starts it at its next reading
        traceback.print_exc()


if __name__ == "__main__":
    os.nice(10)  # the service's requests come first; the workers inherit the lower priority
    status = run(Path(sys.argv[1]))
    _next_in_line(Path(sys.argv[1]))
    sys.exit(status)
