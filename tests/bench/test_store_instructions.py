"""bench/store_instructions.py keeps working: what it runs under valgrind, here without it (a tiny run)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "store_instructions.py"


def test_the_measured_process_answers_dry_runs_and_stores_scores(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_store_instructions", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = BENCH.parents[1]
    env, key = module._setup(root, None, tmp_path)
    args = [str(root), "dry,stored", "1", "3", key, "test", "0"]
    subprocess.run([sys.executable, "-c", module._WORK, *args], cwd=root, env=env, check=True, timeout=180)
