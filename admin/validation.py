"""The words of a verdict of 校验 (``jifen.standard.validation``): one sentence saying structure, static checks and
test cases together — 「结构无误；2个警告；3个测试用例未通过」 — never 校验通过 while a case fails."""

from __future__ import annotations

from flask import flash

from admin.words import word
from engine import RulesetVersion
from jifen.standard.validation import Verdict, model_label_mismatches


def summary(verdict: Verdict) -> str:
    """「结构无误；2个警告；3个测试用例未通过」; a document with problems says only how many, and that the rest waits."""
    if not verdict.valid:
        return "；".join((word("validation.structure_bad", count=len(verdict.problems)), word("validation.not_run")))
    parts = [word("validation.structure_ok")]
    counts = verdict.counts
    if counts["error"]:
        parts.append(word("validation.errors", count=counts["error"]))
    if counts["warning"]:
        parts.append(word("validation.warnings", count=counts["warning"]))
    if not counts["error"] and not counts["warning"]:
        parts.append(word("validation.clean"))
    if not verdict.outcomes:
        parts.append(word("validation.no_cases"))
    elif verdict.failed:
        parts.append(word("validation.cases_failed", count=len(verdict.failed)))
    else:
        parts.append(word("validation.cases_passed", count=len(verdict.outcomes)))
    return "；".join(parts)


def sentence(ref: str, verdict: Verdict) -> str:
    """「tongxiang/2027/1 校验通过：结构无误；没有错误和警告；16个测试用例全部通过」, or 校验未通过 with the same."""
    if verdict.passed:
        return word("validation.passed", ref=ref, summary=summary(verdict))
    return word("validation.failed", ref=ref, summary=summary(verdict))


def label_warnings(model: RulesetVersion | None, indicator: str | None = None, item: str | None = None) -> list[str]:
    """After a save: each label of the saved indicator or item that no longer says what its rule does, as a
    sentence to show at once (「请注意：……」); ``model`` is the draft as the save loaded it (``drafts.Edited``)."""
    return [
        word("validation.label_warning", message=f.message("zh"))
        for f in model_label_mismatches(model, indicator, item)
    ]


def warn_stale_labels(model: RulesetVersion | None, kind: str, code: str) -> None:
    """After saving an item or an indicator: flash each of its labels that no longer says what its rule does."""
    if kind in ("item", "indicator"):
        for text in label_warnings(model, **{kind: code}):
            flash(text, "warning")
