"""A number fact nearer zero than durable_rules can read (1e-6 and below) is scored as any tiny number is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from engine import compile_version, load_file
from engine.result import dumps_bytes
from tests.engine.regression import ROOT

ON = dt.date(2026, 6, 1)
FACTS = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-01-01", "income_tax_paid": 2600}


@pytest.mark.parametrize("tiny", [1e-300, 1e-7, 3e-6, Decimal("1E-300"), Decimal("0.0000001")])
@pytest.mark.parametrize("field", ["volunteer_hours", "donation_amount"])
def test_a_tiny_number_is_scored_like_one_the_core_reads(tiny: float | Decimal, field: str) -> None:
    version = compile_version(load_file(ROOT / "rulesets" / "tongxiang-2026.yaml"))
    readable = dumps_bytes(version.score({**FACTS, field: 0.0001}, as_of=ON))
    assert dumps_bytes(version.score({**FACTS, field: tiny}, as_of=ON)) == readable
    assert version.score_json({**FACTS, field: tiny}, as_of=ON).body == readable
