"""api/ is fully typed: mypy --strict finds nothing in it (pyproject's [tool.mypy] lists it)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_api_passes_mypy_strict() -> None:
    api = pytest.importorskip("mypy.api")
    stdout, stderr, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), str(ROOT / "api")])
    assert status == 0, stdout + stderr
