"""The shared conformance cases, through the engine's public entry point."""

from __future__ import annotations

from typing import Any

import pytest

from engine import RulesetVersion, score
from tests.conftest import expected_matches, golden_cases

pytestmark = pytest.mark.golden


@pytest.mark.parametrize("case", golden_cases())
def test_golden_case(case: dict[str, Any], versions: dict[int, RulesetVersion]) -> None:
    result = score(versions[case["year"]], case["facts"])
    assert expected_matches(case["expected"], result) == []
    # every category and indicator of the version is listed, also those with 0 points
    version = versions[case["year"]]
    assert [c["code"] for c in result["categories"]] == [c.code for c in version.categories]
    assert [i["code"] for i in result["indicators"]] == [i.code for i in version.indicators]
