"""Errors raised by the engine, each carrying enough context to act on."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a ruleset definition: where it is and what was expected."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class EngineError(Exception):
    """Base class of every error the engine raises on purpose."""


class RulesetError(EngineError):
    """A ruleset definition is invalid; ``problems`` lists every problem found, not only the first."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s)"]
        lines += [f"  {self.source}: {problem}" for problem in self.problems]
        return "\n".join(lines)


class FactsError(EngineError):
    """Facts do not fit the version's catalogue; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        detail = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in sorted(errors.items()))
        super().__init__(f"invalid facts: {detail}")


class VersionNotFound(EngineError):
    """No ruleset version matches the request (none in force, or no such version)."""


class EngineFailure(EngineError):
    """The rule engine itself failed while matching; never caused by the caller's facts."""
