"""The impact benchmark keeps working (a tiny run; the figures themselves are not asserted)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "impact.py"


def test_impact_benchmark_runs(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_impact", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_impact"] = module
    spec.loader.exec_module(module)
    status = module.main(["--n", "600", "--jobs", "2", "--keep", str(tmp_path)])
    out = capsys.readouterr().out
    # 2: a target missed. Whether it is met depends on the machine's load; the benchmark's figures are read from
    # its own runs (docs/developer/benchmarks.md), never asserted by the suite.
    assert status in (0, 2), out
    assert "impact report: 600 applications" in out
    assert re.search(r"targets ≤ 15 s: (met|MISSED), ≤ \d+ MiB: (met|MISSED)", out), out
    assert "score    wall" in out
