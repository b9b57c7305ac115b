"""The answers about application periods (申请与受理时间), and the query that picks a year."""

from __future__ import annotations

from marshmallow import Schema, fields

from api import fields as f
from api.schemas import YEARS


class PeriodQuerySchema(f.ApiSchema):
    year = f.QueryInteger(validate=YEARS, metadata={"description": "Only this year's periods (default: every year)"})


class PeriodSchema(Schema):
    """One period in which new applications of a year are received, both days included."""

    id = fields.Integer(required=True, metadata={"description": "The period's id in this service"})
    year = fields.Integer(required=True, metadata={"description": "The year whose applications it takes"})
    starts_on = fields.Date(required=True, metadata={"description": "Its first day (included)"})
    ends_on = fields.Date(required=True, metadata={"description": "Its last day (included)"})
    note = fields.String(required=True, metadata={"description": "What the centre says of it (may be empty)"})


class PeriodListSchema(Schema):
    items = fields.List(
        fields.Nested(PeriodSchema),
        required=True,
        metadata={
            "description": "By year, then first day. A year with periods receives new applications only within "
            "them (422 outside_application_period); a year without any receives them on every day."
        },
    )
