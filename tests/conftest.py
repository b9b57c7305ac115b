from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from engine import RulesetVersion, load_file

ROOT = Path(__file__).resolve().parent.parent
RULESETS = ROOT / "rulesets"
GOLDEN_DIR = ROOT.parent / "shared" / "cases"


def golden_cases() -> list[Any]:
    """Every golden case as a pytest param, or one skipped param saying why there are none."""
    files = sorted(GOLDEN_DIR.glob("golden-*.json"))
    if not files:
        return [
            pytest.param(
                None, marks=pytest.mark.skip(reason=f"golden cases not found in {GOLDEN_DIR}"), id="no-golden-cases"
            )
        ]
    params = []
    for path in files:
        for case in json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal):
            params.append(pytest.param(case, id=case["name"]))
    return params


@pytest.fixture(scope="session")
def versions() -> dict[int, RulesetVersion]:
    return {v.year: v for v in (load_file(p) for p in sorted(RULESETS.glob("*.yaml")))}


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    from jifen import create_app
    from jifen.config import TestConfig

    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return create_app(TestConfig())


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


def expected_matches(expected: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Differences between a golden expectation and a result, compared as decimals."""
    from engine.cases import compare
    from engine.model import Expected

    exp = Expected(
        expected.get("eligible"),
        Decimal(str(expected["total"])) if "total" in expected else None,
        {k: Decimal(str(v)) for k, v in expected.get("categories", {}).items()},
        {k: Decimal(str(v)) for k, v in expected.get("indicators", {}).items()},
    )
    return compare(exp, result)
