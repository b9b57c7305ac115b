"""校验: a version checked whole — its structure, the static checks and its test cases — in one verdict.

A version passes only when its document is valid, the static checks find no error and every test case passes; a
warning does not stop it (the publisher acknowledges each), but is counted and shown. Publishing checks the same
things (``rulesets._check_publishable``), so that 校验通过 means the draft can be published once its warnings are
acknowledged.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine import CaseOutcome, Problem, RulesetError, RulesetVersion, run_cases
from engine.findings import Chinese
from engine.labels import label_findings
from engine.lint import Finding, counts, lint
from engine.regions import Space
from jifen.standard.stored import RulesetVersionRow, load_model


@dataclass(frozen=True, slots=True)
class Verdict:
    """What 校验 found: the document's problems; with a valid document, the static checks' findings (errors first)
    and each test case's outcome."""

    problems: list[Problem]
    findings: list[Finding]
    outcomes: list[CaseOutcome]

    @property
    def valid(self) -> bool:
        """The document is valid (its structure: what the loader checks)."""
        return not self.problems

    @property
    def counts(self) -> dict[str, int]:
        """The findings by severity: ``{"error": n, "warning": n, "info": n}``."""
        return counts(self.findings)

    @property
    def failed(self) -> list[CaseOutcome]:
        return [o for o in self.outcomes if not o.passed]

    @property
    def passed(self) -> bool:
        """Valid, no static error, at least one test case and every one passing."""
        return self.valid and not self.counts["error"] and bool(self.outcomes) and not self.failed


def check(row: RulesetVersionRow) -> Verdict:
    """Check a stored version whole: structure, then (when it is valid) static checks and test cases."""
    try:
        model = load_model(row)
    except RulesetError as exc:
        return Verdict(list(exc.problems), [], [])
    return Verdict([], lint(model), run_cases(model))


def label_mismatches(row: RulesetVersionRow, indicator: str | None = None, item: str | None = None) -> list[Finding]:
    """The labels that say one thing while their rule scores another, of one indicator or item (all: None) — what a
    clerk who has just changed points or bounds is told at once, without the whole static check."""
    try:
        model = load_model(row)
    except RulesetError:
        return []
    return model_label_mismatches(model, indicator, item)


def model_label_mismatches(model: RulesetVersion | None, indicator: str | None = None, item: str | None = None,
                           ) -> list[Finding]:  # fmt: skip
    """``label_mismatches`` of a version already loaded (a draft just saved: ``drafts.Edited.model``; None, a draft
    that does not load, has none)."""
    if model is None:
        return []
    return [
        f
        for f in label_findings(model, Chinese(model, Space(model)))
        if (indicator is None or f.indicator == indicator) and (item is None or item in f.items)
    ]
