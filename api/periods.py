"""/api/v1/application-periods: when new applications of a year are received, as the centre publishes it."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from api.auth import require
from api.http import conditional, json_response
from api.openapi import doc
from api.period_schemas import PeriodListSchema, PeriodQuerySchema
from jifen.applications import periods
from jifen.unit_of_work import get_session

bp = Blueprint("periods", __name__)
_query = PeriodQuerySchema()
# The example of the document: two periods of 2026
EXAMPLE = {
    "items": [
        {"id": 1, "year": 2026, "starts_on": "2026-03-01", "ends_on": "2026-03-31", "note": "春季受理"},
        {"id": 2, "year": 2026, "starts_on": "2026-09-01", "ends_on": "2026-09-30", "note": ""},
    ]
}


def _item(period: periods.Period) -> dict[str, Any]:
    return {"id": period.id, "year": period.year, "starts_on": period.starts_on, "ends_on": period.ends_on,
            "note": period.note}  # fmt: skip


@bp.get("/application-periods")
@doc("The application periods of every year, or of one", tag="periods", query=PeriodQuerySchema,
     responses={200: ("The periods", PeriodListSchema)}, errors=("invalid_fields",),
     description="The answer carries an ETag: it changes when a period is added or removed.",
     conditional=True)  # fmt: skip
@require("read")
def list_application_periods() -> Response:
    query = _query.load(request.args.to_dict())
    items = [_item(p) for p in periods.listed(get_session(), query.get("year"))]
    return conditional(json_response({"items": items}))
