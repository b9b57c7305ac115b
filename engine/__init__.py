"""Scoring engine: ruleset model, file loader, durable_rules compiler and evaluator.

Knows nothing of the web or the database: it takes a ruleset version and facts and returns an explained
result.
"""

from __future__ import annotations

from engine import native

# before any module of the package is imported: its hot modules compiled, when a build of these sources is there
NATIVE = native.load(__path__)

from engine.canonical import canonical_json, content_hash, dump_yaml, to_document
from engine.cases import CaseOutcome, run_cases
from engine.errors import EngineError, EngineFailure, FactsError, Problem, RulesetError, VersionNotFound
from engine.evaluator import CompiledVersion, compile_version, score
from engine.loader import load_file, parse_document, parse_yaml
from engine.model import RulesetVersion
from engine.result import dumps, to_plain

__all__ = [
    "CaseOutcome",
    "CompiledVersion",
    "EngineError",
    "EngineFailure",
    "FactsError",
    "Problem",
    "RulesetError",
    "RulesetVersion",
    "VersionNotFound",
    "canonical_json",
    "compile_version",
    "content_hash",
    "dump_yaml",
    "dumps",
    "load_file",
    "parse_document",
    "parse_yaml",
    "run_cases",
    "score",
    "to_document",
    "to_plain",
]
