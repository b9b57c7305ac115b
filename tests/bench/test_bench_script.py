"""The benchmark script keeps working (a tiny run; the figures themselves are not asserted)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scoring.py"


def test_scoring_benchmark_runs_and_checks_totals(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_scoring", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scoring"] = module
    spec.loader.exec_module(module)
    cpu = sorted(__import__("os").sched_getaffinity(0))[0]
    try:
        assert module.main(["--n", "300", "--repeat", "1", "--cpu", str(cpu)]) == 0
    finally:
        __import__("os").sched_setaffinity(0, set(range(__import__("os").cpu_count() or 1)))
    out = capsys.readouterr().out
    assert "full scoring" in out
    if importlib.util.find_spec("zen") is not None:
        assert "totals equal on all 300" in out


@pytest.mark.parametrize("stage", ["full", "json", "total"])
def test_the_instruction_count_runs_each_stage(stage: str) -> None:
    # what bench/instructions.py runs under valgrind, here without it (valgrind is not a test dependency)
    spec = importlib.util.spec_from_file_location("bench_instructions", BENCH.with_name("instructions.py"))
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = str(BENCH.parents[1])
    subprocess.run([sys.executable, "-c", module._WORK, root, stage, "1", "20"], check=True, timeout=120)
