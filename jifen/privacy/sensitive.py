"""The sensitive facts, declared once: how a list shows each (a birth date as its year, a record as 有/无).

Every other fact is shown as it is wherever the reader may see facts at all; the full value of a sensitive fact is
shown only where the reading is logged as ``full`` (a score's own page, an export).
"""

from __future__ import annotations

from typing import Any

from jifen.words import word

YEAR, PRESENCE = "year", "presence"

# fact (as the versions' catalogues name it) → how a list masks it
SENSITIVE: dict[str, str] = {
    "birth_date": YEAR,
    "criminal_records": PRESENCE,
    "detentions": PRESENCE,
    "drug_rehab": PRESENCE,
    "serious_traffic_violations": PRESENCE,
    "court_noncompliance": PRESENCE,
    "professional_lending": PRESENCE,
    "petition_disorder": PRESENCE,
}


def masked(name: str, value: Any) -> Any:
    """``value`` of fact ``name`` as a list shows it: ``"1990-05-01"`` → ``"1990"``, ``2`` → 有, ``0`` → 无.

    >>> masked("birth_date", "1990-05-01"), masked("education", "bachelor"), masked("detentions", None)
    ('1990', 'bachelor', None)
    """
    kind = SENSITIVE.get(name)
    if kind is None or value is None:
        return value
    if kind == YEAR:
        return str(value)[:4]
    return word("privacy_mask.present" if value else "privacy_mask.absent")
