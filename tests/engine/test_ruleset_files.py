"""The shipped ruleset files: valid, their own cases pass, and they round-trip exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine import dump_yaml, load_file, parse_yaml, run_cases
from tests.conftest import RULESETS

FILES = sorted(RULESETS.glob("*.yaml"))


def test_both_sample_years_are_shipped() -> None:
    assert {load_file(p).year for p in FILES} >= {2025, 2026}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_own_cases_pass(path: Path) -> None:
    version = load_file(path)
    assert len(version.cases) >= 12
    failures = [(o.name, o.mismatches) for o in run_cases(version) if not o.passed]
    assert failures == []


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_file_is_in_canonical_form_and_round_trips(path: Path) -> None:
    version = load_file(path)
    text = path.read_text(encoding="utf-8")
    assert dump_yaml(version) == text, "the file differs from its export; regenerate it with dump_yaml"
    assert parse_yaml(dump_yaml(version)).content_hash == version.content_hash


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_city_part_is_labelled_as_sample(path: Path) -> None:
    version = load_file(path)
    assert version.sample is True
    assert "样例" in version.title


def test_status_is_not_part_of_the_content_hash() -> None:
    version = load_file(RULESETS / "tongxiang-2026.yaml")
    retired = parse_yaml(dump_yaml(version).replace("status: published", "status: retired"))
    assert retired.status == "retired"
    assert retired.content_hash == version.content_hash


def test_any_content_change_changes_the_hash() -> None:
    version = load_file(RULESETS / "tongxiang-2026.yaml")
    changed = parse_yaml(dump_yaml(version).replace("fixed: 20", "fixed: 19", 1))
    assert changed.content_hash != version.content_hash
