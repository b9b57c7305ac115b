"""Need to know: which facts of an application a reader sees, the answer redacted to them, the reading logged.

A console auditor or admin sees the facts masked in lists and pages of many facts (``sensitive.masked``) and in
full on a score's own page and in an export; a publisher sees them masked; a department user, and an API client
with the ``verify`` scope, the facts of their own department's tasks only (a shared task is shared); an API client
sees every fact with the ``facts`` scope, or with ``apply`` (the intake platform sent them for the applicant, and
tells the applicant what was verified), and none otherwise; the command line (an operator on the server) in full.
Results (points, the items that fired, the age a score derived) are not facts: they stay in every answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.privacy import log
from jifen.privacy.reader import FULL, MASKED, NONE, OWN, Reader
from jifen.privacy.sensitive import masked
from jifen.scoring import claims
from jifen.store.models import Application, VerificationTask
from jifen.store.unit_of_work import UnitOfWork

ERASED = "erased"  # what retention leaves of the facts: their names, no values
__all__ = ["FULL", "MASKED", "NONE", "OWN", "Lens", "Reader", "header", "own_facts", "reading"]
# the keys of an answer whose value is {fact: value}, and those whose value is {fact: {claimed, verified, outcome}}
FACT_MAPS = frozenset({"claimed_facts", "facts", "claims", "derived", "claims_before"})  # claims_before: a supplement's
RESULT_MAPS = frozenset({"results"})
# results, not facts: a score's breakdown and the provisional dry run of the claims
RESULTS = frozenset({"score", "provisional", "result"})
# the header an API answer carries when it leaves facts out (their fields are null), and its values
FACTS_HEADER = "Jifen-Facts"


@dataclass(frozen=True, slots=True)
class Lens:
    """What a reader sees of each fact: ``value`` of one, ``facts`` of a map, ``redact`` of a whole answer."""

    sight: str
    own: frozenset[str] = frozenset()

    @property
    def withheld(self) -> bool:
        """Whether the answer leaves facts out (the API then says so in ``FACTS_HEADER``)."""
        return self.sight in (NONE, OWN)

    def sees(self, name: str) -> bool:
        return self.sight in (FULL, MASKED) or (self.sight == OWN and name in self.own)

    def value(self, name: str, value: Any) -> Any:
        if self.sight == FULL:
            return value
        if self.sight == MASKED:
            return masked(name, value)
        return value if self.sight == OWN and name in self.own else None

    def facts(self, mapping: Mapping[str, Any]) -> dict[str, Any] | None:
        if self.sight == NONE:
            return None
        if self.sight == ERASED:
            return dict.fromkeys(mapping)
        return {k: self.value(k, v) for k, v in mapping.items() if self.sight != OWN or k in self.own}

    def results(self, mapping: Mapping[str, Any]) -> dict[str, Any] | None:
        if self.sight == NONE:
            return None
        return {
            name: {**r, "claimed": self.value(name, r.get("claimed")), "verified": self.value(name, r.get("verified"))}
            for name, r in mapping.items()
            if isinstance(r, Mapping) and (self.sight != OWN or name in self.own)
        }

    def redact(self, answer: Any) -> Any:
        """``answer`` (an application, its history, an event's changes, a stored score) with only what this lens
        shows of its facts; results stay."""
        return answer if self.sight == FULL else _walk(self, answer, None)


def _walk(lens: Lens, obj: Any, key: str | None) -> Any:
    if isinstance(obj, list):
        return [_walk(lens, item, key) for item in obj]
    if not isinstance(obj, Mapping):
        return obj
    out: dict[str, Any] = {}
    for k, v in obj.items():
        if k in RESULTS:
            out[k] = v
        elif k in FACT_MAPS and isinstance(v, Mapping):
            out[k] = lens.facts(v)
        elif k in RESULT_MAPS and isinstance(v, Mapping):
            out[k] = lens.results(v)
        else:
            out[k] = _walk(lens, v, k)
    return out


def own_facts(session: Session, application_ref: str, year: int, department: str | None) -> frozenset[str]:
    """The facts of the application's tasks that ``department`` works on (any round), from the tasks themselves."""
    if not department:
        return frozenset()
    rows = session.execute(
        select(VerificationTask.department, VerificationTask.claims)
        .join(Application, Application.id == VerificationTask.application_id)
        .where(Application.application_ref == application_ref, Application.year == year)
    )
    return frozenset(name for unit, task in rows if claims.serves(unit, department) for name in task or {})


def reading(
    uow: UnitOfWork,
    reader: Reader,
    channel: str,
    application_ref: str,
    year: int | None,
    *,
    score_id: str | None = None,
    detail: bool = False,
    reason: str | None = None,
) -> Lens:
    """What ``reader`` sees of the facts of an application (or one of its scores) through ``channel``; a reading
    that shows any fact is logged, in a write of its own, before the answer is made."""
    sight = reader.sight(detail)
    own: frozenset[str] = frozenset()
    if sight == OWN and year is not None:
        own = own_facts(uow.session, application_ref, year, reader.department)
    lens = Lens(sight, own)
    if sight != NONE and (sight != OWN or own):
        with uow.write() as session:
            log.record(session, reader, channel, lens.sight, application_ref, year, score_id, reason)
    return lens


def header(lens: Lens) -> str | None:
    """The value of ``FACTS_HEADER`` for an answer seen through ``lens``: ``withheld`` (no facts: the client lacks
    the ``facts`` scope), ``department`` (only its own department's facts), or None (every fact it holds)."""
    return {NONE: "withheld", OWN: "department"}.get(lens.sight)


# the documentation of ``FACTS_HEADER`` for the API's reference
HEADER_DOC = {
    FACTS_HEADER: {
        "description": "Present when the answer leaves facts out (their fields are null or partial): `withheld` "
        "for a client without the `facts` scope, `department` for a `verify` client, which sees the facts of its "
        "own department's tasks only. See the guide's section on personal data.",
        "required": False,
        "schema": {"type": "string", "enum": ["withheld", "department"]},
    }
}
