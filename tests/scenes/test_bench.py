"""The scenes benchmark keeps working (a tiny run; its figures are read from its own runs, never asserted)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "scenes.py"


def test_scenes_benchmark_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("DATABASE_URL", "JIFEN_SIGNING_KEY_DIR"):  # the benchmark sets them: put back after the test
        monkeypatch.setenv(name, "")
    spec = importlib.util.spec_from_file_location("bench_scenes", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_scenes"] = module
    spec.loader.exec_module(module)
    status = module.main(["--n", "300", "--keep", str(tmp_path)])
    out = capsys.readouterr().out
    assert status in (0, 2), out
    assert "scene list of 300 applicants" in out and "verified ok" in out
    assert re.search(r"targets for compute ≤ 5 s \(CPU\): (met|MISSED), ≤ 300 MiB: (met|MISSED)", out), out
