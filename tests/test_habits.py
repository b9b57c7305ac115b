"""The house rules, checked on every run of the suite (issue 16, habits).

- ``mypy --strict`` finds nothing in any product package (the packages and modules listed under
  ``[tool.mypy]`` in pyproject.toml, which must cover every package that pyproject installs);
- no product file is over 400 lines;
- no function, method or class is over cyclomatic complexity 15, as radon counts it (bench/ too);
- ``ruff check`` finds nothing.

The product is what pyproject's ``[tool.setuptools]`` installs; migrations/ is exempt (Alembic's scripts).
The same checks by hand: ``mypy``, ``radon cc -s -n C engine jifen api admin application.py wsgi.py bench``,
``ruff check .``.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import mypy.api
import pytest
from radon.complexity import cc_visit

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]
MYPY = PYPROJECT["tool"]["mypy"]

MAX_LINES = 400
MAX_COMPLEXITY = 15


def _top_level(names: list[str]) -> list[str]:
    return sorted({name.split(".")[0] for name in names})


PACKAGES = _top_level(SETUPTOOLS["packages"])
MODULES = sorted(SETUPTOOLS["py-modules"])


def _files(*tops: str) -> Iterator[Path]:
    for top in tops:
        path = ROOT / top
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.py") if "migrations" not in p.relative_to(ROOT).parts)
        else:
            yield ROOT / f"{top}.py"


def product_files() -> list[Path]:
    return list(_files(*PACKAGES, *MODULES))


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_mypy_checks_every_product_package() -> None:
    assert sorted(MYPY["packages"]) == PACKAGES
    assert sorted(MYPY["modules"]) == MODULES
    assert MYPY["strict"] is True


def test_mypy_strict_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the packages listed in pyproject are found from the project's root
    stdout, stderr, status = mypy.api.run(["--config-file", str(ROOT / "pyproject.toml")])
    assert status == 0, stdout + stderr


def test_no_product_file_over_400_lines() -> None:
    files = product_files()
    assert len(files) > 50  # the product was found
    long = {_where(p): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"over {MAX_LINES} lines: {long}"


def test_no_function_over_complexity_15() -> None:
    over = {}
    for path in [*product_files(), *_files("bench")]:
        blocks = list(cc_visit(path.read_text(encoding="utf-8")))
        blocks += [method for block in blocks for method in getattr(block, "methods", [])]
        for block in blocks:
            if block.complexity > MAX_COMPLEXITY:
                over[f"{_where(path)}:{block.lineno} {block.fullname}"] = block.complexity
    assert not over, f"over cyclomatic complexity {MAX_COMPLEXITY} (radon): {over}"


def test_ruff_finds_nothing() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
