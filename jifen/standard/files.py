"""Ruleset versions read from the files in ``rulesets/``."""

from __future__ import annotations

from pathlib import Path

from engine import RulesetVersion, load_file


def ruleset_files(directory: str | Path) -> list[Path]:
    """The ruleset files of a directory, in name order."""
    return sorted(Path(directory).glob("*.yaml"))


def load_directory(directory: str | Path) -> list[RulesetVersion]:
    """Every version in ``directory``; a broken file raises RulesetError naming it."""
    return [load_file(path) for path in ruleset_files(directory)]
