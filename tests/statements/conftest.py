"""An application's life through the service layer, with the app's signer: received, verified, published (2025)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from jifen import applications
from jifen.applications import Actor, Context, workdays
from jifen.statements.signing import signer_for

APPLICANT = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "education": "bachelor",
             "insurance_months": 36, "residence_months": 24}  # fmt: skip
CONFIRMED = {
    "公安局": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "residence_months": 24,
              "criminal_records": None, "detentions": None, "drug_rehab": None, "serious_traffic_violations": None},
    "教育局": {"education": "bachelor"},
    "人力社保局": {"insurance_months": 36},
    "法院": {"court_noncompliance": None, "professional_lending": None},
    "信访局": {"petition_disorder": None},
}  # fmt: skip
RECEIVED, PUBLISHED = dt.date(2025, 3, 3), dt.date(2025, 4, 1)


class Life:
    """Transitions of applications of 2025, each in its own write transaction, on a day the test chooses."""

    def __init__(self, app: Any, db: Any) -> None:
        self.app, self.db, self.today = app, db, PUBLISHED

    def run(self, change: Callable[[Context], Any], signer: Any = "app", department: str | None = None) -> Any:
        chosen = signer_for(self.app) if signer == "app" else signer
        who = Actor("client", department or "bureau", None, department)
        with self.db.transaction() as s:
            return change(Context(s, who, self.today, workdays.load(s), chosen))

    def scored(self, ref: str) -> None:
        self.run(lambda c: applications.receive(c, ref, 2025, RECEIVED, "window", APPLICANT))
        for department, facts in CONFIRMED.items():
            self.run(lambda c, d=department, f=facts: applications.verify(c, ref, 2025, d, f), department=department)

    def published(self, ref: str, on: dt.date = PUBLISHED) -> None:
        self.scored(ref)
        self.run(lambda c: applications.publish(c, ref, 2025, on))

    def re_reviewed(self, ref: str, insurance_months: int) -> None:
        """An objection to the insurance months, and the department's re-review: republished at once."""
        self.run(lambda c: applications.object_to(c, ref, 2025, self.today, {"insurance_months": insurance_months}))
        facts = {"insurance_months": insurance_months}
        self.run(lambda c: applications.verify(c, ref, 2025, "人力社保局", facts), department="人力社保局")


@pytest.fixture
def life(seeded: Any, db: Any) -> Life:
    seeded.config["TODAY"] = lambda: life_.today
    life_ = Life(seeded, db)
    return life_
