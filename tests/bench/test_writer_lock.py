"""bench/writer_lock.py and its probe: the SQLite writer lock's holds timed in the worker, read back per run."""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from jifen.store import writer_lock

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_probe_writes_each_hold_of_the_real_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIFEN_BENCH_HOLDS", str(tmp_path))
    monkeypatch.setitem(sys.modules, "wsgi", types.SimpleNamespace(app="the service"))
    monkeypatch.setattr(writer_lock.WriterLock, "held", writer_lock.WriterLock.held)  # put back after the test
    probe = load("writer_lock_probe")
    assert probe.app == "the service"
    lock = writer_lock.WriterLock(tmp_path / "d.db", timeout=1)
    for _ in range(100):
        with lock.held():
            pass
    lines = (tmp_path / f"holds.{os.getpid()}").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 100
    at, waited, held = (float(v) for v in lines[0].split())
    assert at > 1e9 and 0 <= waited < 1 and 0 <= held < 1


def test_holds_of_one_run_are_read_from_every_worker(tmp_path: Path) -> None:
    bench = load("writer_lock")
    (tmp_path / "holds.1").write_text("10.0 0.001 0.002\n20.0 0.003 0.004\n", encoding="utf-8")
    (tmp_path / "holds.2").write_text("15.0 0.005 0.006\n30.0 0.007 0.008\n", encoding="utf-8")
    assert sorted(bench.holds(tmp_path, 12.0, 25.0)) == [(0.003, 0.004), (0.005, 0.006)]


def test_distribution_in_microseconds() -> None:
    bench = load("writer_lock")
    line = bench.distribution([k / 1e6 for k in range(1, 101)])
    assert line == "p10     11 p50     51 p90     91 p99    100   mean     50 µs"
    assert bench.distribution([]) == "none"
