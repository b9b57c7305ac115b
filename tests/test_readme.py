"""The README fits on a screen and works as written: the two commands first, the Python range pyproject's, its
links lead to pages that exist, and every shell block of its five-minute tour, run twice in a row against a fresh
instance, prints what the README shows under it."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.pasting import Block, fresh_instance, matches, paste_twice, shell_blocks

README = (ROOT / "README.md").read_text(encoding="utf-8")
TOUR_HEADING = "## A five-minute tour"


def test_it_fits_on_a_screen_and_starts_with_the_two_commands() -> None:
    lines = README.splitlines()
    assert len(lines) <= 150
    first_block = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert [line.split()[0] for line in first_block] == ["./scripts/start", "./scripts/test"]


def test_python_range_is_pyprojects() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert f'`requires-python = "{pyproject["project"]["requires-python"]}"`' in README
    assert isinstance(pyproject["project"]["license"], str)  # an SPDX expression: setuptools warns on a table


def test_its_links_lead_to_pages_that_exist() -> None:
    links = re.findall(r"\]\((docs/[^)#]+)", README)
    assert len(links) >= 15
    assert [link for link in links if not (ROOT / link).is_file()] == []


def tour_blocks(text: str = README) -> list[Block]:
    """Each ```sh block of the tour with the ```text block right under it (its expected output), if any."""
    return shell_blocks(text.split(TOUR_HEADING, 1)[1].split("\n## ", 1)[0])


def test_the_output_check_sees_a_difference() -> None:
    assert matches("a … b\n200", "a anything b\n200\n")
    assert not matches("a … b\n200", "a anything b\n404")
    assert not matches("a … b", "a x b\nan extra line")
    assert len(tour_blocks()) >= 4 and all(expected for _block, expected in tour_blocks())


@pytest.mark.skipif(not (ROOT / ".venv/bin/activate").is_file(), reason="the tour sources .venv (./scripts/setup)")
@pytest.mark.skipif(shutil.which("curl") is None, reason="the tour calls the API with curl")
def test_the_tour_runs_twice_as_shown(tmp_path: Path) -> None:
    assert paste_twice(tour_blocks(), fresh_instance(tmp_path), timeout=240) == []
