"""A list's reasons and flags in words (jifen/words/scenes.toml): 未达到分数线（差3.5分）, 名额已满（第312名，名额300）,
积分已失效（2026-05-02 居住证注销）."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jifen.words import word


def _filled(params: Mapping[str, Any]) -> dict[str, Any]:
    filled = dict(params)
    if "why" in filled:
        filled["why"] = word(f"scene_void_reasons.{filled['why']}")
    return filled


def reason(outcome: str, params: Mapping[str, Any]) -> str:
    """The reason of an outcome: ``reason("below_threshold", {"gap": "3.5"})`` is 未达到分数线（差3.5分）."""
    return word(f"scene_reasons.{outcome}", **_filled(params))


def flag(kind: str, params: Mapping[str, Any]) -> str:
    """What changed since publication: ``flag("voided", {"on": "2026-09-01", "why": "permit_cancelled"})``."""
    return word(f"scene_flags.{kind}", **_filled(params))
