"""bench/targets.py reads each target's figure off the benchmarks' own output and says whether it holds."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def targets() -> Any:
    spec = importlib.util.spec_from_file_location("bench_targets", ROOT / "bench" / "targets.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_targets"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


# the summary api_load.py prints (bench/api_load.py main), figures made up
API_LOAD = """\
   dry / healthz throughput: 4.14
stored / healthz throughput: 0.79
 chain / healthz throughput: 1.78
stored / dry throughput: 0.61
 chain / dry throughput: 0.43
batch applications / dry throughput: 1.65
dry / stored CPU per request (service and database): 0.58
"""


def test_the_scoring_figures_are_read_off_a_real_run() -> None:
    bench = targets()
    cpu = sorted(os.sched_getaffinity(0))[0]
    command = [sys.executable, "bench/scoring.py", "--n", "300", "--repeat", "1", "--cpu", str(cpu)]
    output = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    rate, *ratios = [bench.figure(output, target) for target in bench.SCORING]
    assert rate > 100 and all(0 < f < 100 for f in ratios), output
    assert f"{rate:,.0f}/s" in output  # the full scoring's median, the first rate the benchmark prints


def test_the_median_of_several_rounds_and_each_round_beside_it() -> None:
    bench = targets()
    target = bench.storing("SQLite", 0.5)[0]
    rounds = [(API_LOAD.replace("0.61", value), load) for value, load in
              (("0.44", "1.00 → 2.00"), ("0.52", "2.00 → 3.00"), ("0.47", "3.00 → 4.00"))]  # fmt: skip
    assert bench.median_of_rounds(rounds, target) == (0.47, "rounds 0.44 0.52 0.47; 1.00 → 4.00")
    assert bench.median_of_rounds(rounds[:1], target) == (0.44, "1.00 → 2.00")


def test_nothing_is_measured_without_wrk(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    bench = targets()
    monkeypatch.setattr(bench, "engine_modules", lambda: "native")
    monkeypatch.setattr(bench.shutil, "which", lambda _name: None)
    assert bench.main([]) == 2
    assert "wrk is missing" in capsys.readouterr().out


def test_the_storing_figures_and_verdicts() -> None:
    bench = targets()
    rows = [(t, bench.figure(API_LOAD, t), "1.00 → 2.00") for t in bench.storing("PostgreSQL", 0.6)]
    assert [value for _, value, _ in rows] == [0.61, 0.79, 1.65, 0.58]
    table, held = bench.verdicts(rows)
    assert not held  # stored/healthz 0.79 < 0.8
    lines = table.splitlines()
    assert "holds" in lines[1] and "0.61" in lines[1]
    assert "NOT MET" in lines[2] and "≥ 0.8" in lines[2]
    for line in lines[3:5]:  # the batch ratio and the CPU ratio have no target
        assert "holds" not in line and "NOT MET" not in line


def test_a_missing_figure_is_an_error_naming_the_line() -> None:
    bench = targets()
    with pytest.raises(ValueError, match="stored / dry throughput"):
        bench.figure("stored/dry: 0.5\n", bench.storing("SQLite", 0.5)[0])


def test_nothing_is_measured_with_the_engine_as_python(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIFEN_NATIVE", "0")
    assert targets().main([]) == 2
    assert "engine modules: python" in capsys.readouterr().out
