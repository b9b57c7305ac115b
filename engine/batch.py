"""Score many applications given as JSON texts: the work of one worker process of ``score`` and ``impact``.

A worker is started with ``start_*`` (it compiles its versions there, in its own process: the durable_rules
core is never shared between processes) and is then given chunks of *entries*, the JSON text of one
``{"application_ref": …, "facts": {…}}`` each, which it parses and scores. This module imports nothing of
the web or the database, so that a worker process starts small.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, TypeAlias

from engine.errors import FactsError, Problem, coded
from engine.evaluator import CompiledVersion, compile_version
from engine.impact import Frame, Side, Tally
from engine.model import RulesetVersion
from engine.result import dumps_bytes

# (position among the entries, 1-based; the input line where it starts; its JSON text, or None; the reason it
# could not be read, or None). A plain tuple: entries cross to worker processes by the thousand.
Entry: TypeAlias = "tuple[int, int, bytes | str | None, str | None]"

ENTRY_KEYS = ("application_ref", "facts")


def parse(entry: Entry) -> tuple[Any, Any, dict[str, list[str]]]:
    """``(application_ref, facts, errors)`` of an entry; ``errors`` says what is wrong with its text or shape.

    >>> parse((1, 1, b'{"application_ref": "A", "facts": {"volunteer_hours": 12.5}}', None))
    ('A', {'volunteer_hours': Decimal('12.5')}, {})
    """
    ref, facts, problems = parse_problems(entry)
    return ref, facts, texts(problems)


def parse_problems(entry: Entry) -> tuple[Any, Any, dict[str, list[Problem]]]:
    """As ``parse``, with the errors as problems of the catalogue (for their Chinese)."""
    _position, line, text, problem = entry
    if problem is not None or text is None:
        found: list[Problem] = [
            Problem("input", problem) if problem is not None else coded("input", "line_empty", line=line)
        ]
        return None, None, {"input": found}
    try:
        value = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        return None, None, {"input": [coded("input", "line_not_json", line=line, detail=exc.msg, column=exc.colno)]}
    except UnicodeDecodeError:
        return None, None, {"input": [coded("input", "line_not_utf8", line=line)]}
    if not isinstance(value, dict):
        return None, None, {"input": [coded("input", "entry_not_object")]}
    errors: dict[str, list[Problem]] = {str(k): [coded(str(k), "fact_unknown")] for k in value if k not in ENTRY_KEYS}
    ref = value.get("application_ref")
    if not isinstance(ref, str) or not ref.strip():
        errors["application_ref"] = [coded("application_ref", "entry_ref_required")]
    if "facts" not in value:
        errors["facts"] = [coded("facts", "fact_required")]
    return ref, value.get("facts"), errors


def texts(problems: dict[str, list[Problem]], language: str = "en") -> dict[str, list[str]]:
    """Problems per field as their sentences in ``language``."""
    return {name: [p.text(language) for p in found] for name, found in problems.items()}


def facts_errors(exc: FactsError, language: str = "en") -> dict[str, list[str]]:
    """A FactsError's messages keyed by the path in the entry (``facts.insurance_months``)."""
    return {k if k == "facts" else f"facts.{k}": v for k, v in exc.texts(language).items()}


class _Worker:
    """What one worker process holds between chunks."""

    compiled: CompiledVersion
    base: CompiledVersion
    on: dt.date
    frame: Frame


_worker = _Worker()


# -- score ----------------------------------------------------------------------------------------------


def start_scoring(version: RulesetVersion, on: dt.date) -> None:
    """Prepare this process to score under ``version`` on ``on``."""
    _worker.compiled = compile_version(version)
    _worker.on = on


def score_chunk(chunk: list[Entry]) -> tuple[bytes, int]:
    """The output lines of a chunk (one JSON result, or its errors, per entry; UTF-8) and how many are errors."""
    compiled, on = _worker.compiled, _worker.on
    lines = []
    failed = 0
    for entry in chunk:
        ref, facts, errors = parse(entry)
        if not errors:
            try:
                body = compiled.score_json(facts, as_of=on).body
                lines.append(b'{"application_ref":' + dumps_bytes(ref) + b"," + body[1:])
                continue
            except FactsError as exc:
                errors = facts_errors(exc)
        failed += 1
        lines.append(dumps_bytes({"application_ref": ref, "errors": errors}))
    lines.append(b"")
    return b"\n".join(lines), failed


# -- impact ---------------------------------------------------------------------------------------------


def start_impact(base: RulesetVersion, version: RulesetVersion, on: dt.date, frame: Frame) -> None:
    """Prepare this process to score under both versions on ``on`` and tally the comparison in ``frame``."""
    _worker.base = compile_version(base)
    _worker.compiled = compile_version(version)
    _worker.on = on
    _worker.frame = frame


def impact_chunk(chunk: list[Entry]) -> Tally:
    """The tally of a chunk: each entry scored under both versions, or listed as an error with the reasons."""
    versions = (("base", _worker.base), ("version", _worker.compiled))
    on = _worker.on
    tally = Tally(_worker.frame)
    for entry in chunk:
        ref, facts, problems = parse_problems(entry)
        if problems:
            tally.refuse(entry[0], ref, {"input": texts(problems)}, {"input": texts(problems, "zh")})
            continue
        reasons: dict[str, dict[str, list[str]]] = {}
        reasons_zh: dict[str, dict[str, list[str]]] = {}
        sides = []
        for name, compiled in versions:
            try:
                sides.append(Side.of(compiled.score(facts, as_of=on)))
            except FactsError as exc:
                reasons[name], reasons_zh[name] = facts_errors(exc), facts_errors(exc, "zh")
        if reasons:
            tally.refuse(entry[0], ref, reasons, reasons_zh)
        else:
            tally.add(entry[0], ref, sides[0], sides[1])
    return tally
