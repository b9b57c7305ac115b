"""The one-time materials notice at receipt (一次性告知, policy §四(一)): for an application's claims, every proof
material to bring, grouped by the department that checks it, each material once (``engine.materials``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from engine.materials import as_json, fired_items, notice
from jifen.errors import NoVersionInForce
from jifen.scoring import compiled, scores
from jifen.store.models import Application


def receipt_notice(session: Session, app: Application) -> list[dict[str, Any]]:
    """The notice for ``app``'s claims: ``[{"department", "materials": [{"name", "items"}]}]``.

    The items are those whose condition holds when the claims alone are evaluated under the version in force on
    the day of receipt — the items the claims can fire once the departments confirm them. The claims are all the
    engine needs: the receipt has checked them against the catalogue (required facts present, every value of its
    type), derived facts (age) are computed from them, and a fact not claimed is absent, as the engine reads any
    optional fact not given. So the deductions' facts (records, detentions …), which an applicant never claims and
    the departments check in their own records, fire nothing and ask the applicant for no material — the notice
    lists what the applicant must bring, not what the departments look up. A version in force that no longer takes
    the claims (one published since the receipt) gives an empty notice rather than a failure.
    """
    request = scores.ScoreRequest(app.application_ref, app.year, app.claimed_facts, as_of=app.received_on, dry_run=True)
    try:
        ref, result = scores.evaluate(session, request)
    except (scores.FieldErrors, NoVersionInForce):
        return []
    version = compiled.compiled_for(session, ref).version
    return as_json(notice(version, fired_items(result)))


def labelled(session: Session, app: Application) -> list[dict[str, Any]]:
    """The notice as a person reads it: each material with the labels of the items it proves, not their codes."""
    groups = receipt_notice(session, app)
    if not groups:
        return groups
    ref = compiled.select_version(session, app.year, app.received_on)
    version = compiled.compiled_for(session, ref).version
    labels = {item.code: item.label for indicator in version.indicators for item in indicator.items}
    for group in groups:
        for material in group["materials"]:
            material["items"] = [labels.get(code, code) for code in material["items"]]
    return groups
