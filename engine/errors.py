"""Errors raised by the engine, each carrying enough context to act on."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in a ruleset definition: where it is and what was expected (``message``, in English)."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message

    def text(self, language: str = "en", place: Callable[[str], str] | None = None) -> str:
        """The sentence in ``language``; ``place`` names a path in words (see ``engine.problems``)."""
        return self.message


@dataclass(frozen=True, slots=True)
class CodedProblem(Problem):
    """A problem of the catalogue (``engine.problems``): its ``code`` and ``params`` give its sentence in English
    (``message``) and in Chinese.

    >>> p = coded("indicators[0].code", "too_long", limit=16, length=20)
    >>> p.message, p.text("zh")
    ('at most 16 characters, got 20', '最多16个字符，填写了20个')
    """

    code: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)

    def text(self, language: str = "en", place: Callable[[str], str] | None = None) -> str:
        from engine.problems import render

        return render(self.code, self.params, language, place)


def coded(path: str, code: str, /, **params: Any) -> CodedProblem:
    """A problem of the catalogue at ``path``."""
    from engine.problems import render

    return CodedProblem(path, render(code, params), code, params)


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
    """Facts do not fit the version's catalogue; ``errors`` maps each field to its messages (English), ``problems``
    to the same as catalogued problems (for their Chinese)."""

    def __init__(self, errors: Mapping[str, list[Any]]) -> None:
        self.problems: dict[str, list[Problem]] = {
            name: [m if isinstance(m, Problem) else Problem(name, str(m)) for m in messages]
            for name, messages in errors.items()
        }
        self.errors = {name: [p.message for p in found] for name, found in self.problems.items()}
        detail = "; ".join(f"{field}: {', '.join(msgs)}" for field, msgs in sorted(self.errors.items()))
        super().__init__(f"invalid facts: {detail}")

    def texts(self, language: str = "en") -> dict[str, list[str]]:
        """The messages per field in ``language``."""
        return {name: [p.text(language) for p in found] for name, found in self.problems.items()}


class VersionNotFound(EngineError):
    """No ruleset version matches the request (none in force, or no such version)."""


class EngineFailure(EngineError):
    """The rule engine itself failed while matching; never caused by the caller's facts."""
