"""api/ is fully typed: mypy --strict finds nothing in it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_api_passes_mypy_strict() -> None:
    api = pytest.importorskip("mypy.api")
    # what api/ imports is read for its types; its own findings are its package's (the whole-project run checks it)
    command = ["--config-file", str(ROOT / "pyproject.toml"), "--follow-imports=silent", str(ROOT / "api")]
    stdout, stderr, status = api.run(command)
    assert status == 0, stdout + stderr
