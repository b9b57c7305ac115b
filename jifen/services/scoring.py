"""Scoring with versions from the database: compiled once per content hash per process."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from engine import CompiledVersion, RulesetError, compile_version
from engine.evaluator import compiled_if_cached
from jifen.errors import Refused
from jifen.models import RulesetVersionRow
from jifen.services import rulesets


def compiled_for(row: RulesetVersionRow) -> CompiledVersion:
    """The compiled form of a version; its rows are read only when this process has not compiled it yet."""
    compiled = compiled_if_cached(row.content_hash) if row.content_hash else None
    if compiled is not None:
        return compiled
    try:
        model = rulesets.load_model(row)
    except RulesetError as exc:
        raise Refused(f"{row.ref} is not valid and cannot score", [str(p) for p in exc.problems]) from None
    return compile_version(model)


def select_version(session: Session, year: int | None, on: dt.date, ref: str | None = None) -> RulesetVersionRow:
    """A pinned version, or the one in force for ``year`` on ``on``."""
    if ref:
        return rulesets.get_version(session, ref)
    if year is None:
        raise Refused("no year given", ["give the scoring year (or pin a version)"])
    return rulesets.in_force(session, year, on)


def score(row: RulesetVersionRow, facts: Any, as_of: dt.date) -> dict[str, Any]:
    """Score facts under a version row (FactsError on bad facts)."""
    return compiled_for(row).score(facts, as_of=as_of)
