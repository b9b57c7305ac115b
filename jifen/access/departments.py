"""Departments (职能部门) as the fact catalogues name them: who verifies which fact.

A catalogue fact names one department, or several that share it ("交通运输局、综合行政执法局": whichever of them
employs the applicant verifies it). Such a shared name is one *unit*: one verification task, which any of its
member departments may complete.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import RulesetError
from jifen.errors import Refused
from jifen.messages import refusal, say
from jifen.standard import stored
from jifen.store.models import RulesetVersionRow

_SEPARATORS = re.compile(r"[、，,;；/／]")


def members(unit: str) -> tuple[str, ...]:
    """The departments of a catalogue's department name: ``members("交通运输局、综合行政执法局")`` is both."""
    return tuple(part.strip() for part in _SEPARATORS.split(unit) if part.strip())


def known(session: Session) -> list[str]:
    """Every department that some version's fact catalogue names, sorted (a draft that does not load is skipped)."""
    names: set[str] = set()
    for row in session.scalars(select(RulesetVersionRow)):
        try:
            catalogue = stored.load_model(row).facts
        except RulesetError:
            continue
        names.update(name for field in catalogue if field.department for name in members(field.department))
    return sorted(names)


def check(session: Session, department: str | None) -> str:
    """``department`` if a fact catalogue names it; Refused with the known departments otherwise.

    A key or a user bound to a misspelt department could never verify anything, so it is refused at once.
    """
    name = (department or "").strip()
    names = known(session)
    if name not in names:
        known_ = say(
            "known_departments", names="、".join(names) or "(none yet)", names_zh="、".join(names) or "（暂无）"
        )
        if name:
            raise refusal(Refused, "unknown_department", name=name, reasons=[known_])
        raise refusal(Refused, "no_department", reasons=[known_])
    return name
