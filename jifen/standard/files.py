"""Where ruleset versions are kept as files: the YAML files of a directory such as ``rulesets/``."""

from __future__ import annotations

from pathlib import Path


def ruleset_files(directory: str | Path) -> list[Path]:
    """The ruleset files of a directory, in name order."""
    return sorted(Path(directory).glob("*.yaml"))
