"""bench/cpu_time.py: the CPU time of the service's processes, read from /proc, per request."""

from __future__ import annotations

import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "bench"


def cpu_time() -> Any:
    spec = importlib.util.spec_from_file_location("bench_cpu_time", BENCH / "cpu_time.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_cpu_time"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_the_cpu_a_process_spends_is_counted_as_the_service_s() -> None:
    bench = cpu_time()
    before = bench.sample(os.getpid())
    deadline = time.process_time() + 0.3
    while time.process_time() < deadline:  # 0.3 s of this process's CPU
        pass
    after = bench.sample(os.getpid())
    spent = after.service_user + after.service_system - before.service_user - before.service_system
    assert 0.25 <= spent <= 0.6, spent
    database = after.database_since(before)
    assert abs(bench.service_and_database(before, after, 100) - (spent + database) / 100) < 1e-9
    line = bench.per_request(before, after, 100)
    assert line.startswith("   CPU per request: service ") and "machine idle" in line
    per_request = int(line.split("service ")[1].split(" µs")[0])
    assert abs(per_request - spent / 100 * 1e6) <= 1


def test_a_database_process_that_ends_between_samples_is_left_out() -> None:
    bench = cpu_time()
    before = bench.Sample(0.0, 1.0, 1.0, 0.0, {10: 5.0, 11: 9.0})
    after = bench.Sample(1.0, 1.0, 1.0, 0.0, {10: 5.5, 12: 0.25})  # 11 ended, 12 began
    assert after.database_since(before) == 0.5
