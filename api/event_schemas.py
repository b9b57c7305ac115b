"""The query and the answer of /api/v1/events, the change feed (marshmallow)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields

from api import fields as f
from api.application_schemas import ActorSchema  # one Actor in the document: the history's
from api.enums import OpenEnum
from jifen.applications import STATES, feed

CURSOR = "An opaque cursor of this feed: resume after the event that gave it"


class TypeList(fields.String):
    """``types``: event types separated by commas (``scored,published``)."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> list[str]:
        names = [n.strip() for n in str(value).split(",") if n.strip()]
        unknown = [n for n in names if n not in feed.EVENT_TYPES]
        if unknown or not names:
            shown = ", ".join(repr(n) for n in unknown) or "nothing"
            raise ValidationError(f"{shown}: expected event types among {', '.join(feed.EVENT_TYPES)}")
        return names


class Cursor(fields.String):
    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> int:
        try:
            if not isinstance(value, str) or len(value) > 64:
                raise feed.BadCursor(value)
            return feed.position(value)
        except feed.BadCursor:
            raise ValidationError("not a cursor of this feed: send the `next` or an event's `cursor`") from None


class FeedQuerySchema(f.ApiSchema):
    after = Cursor(
        metadata={
            "description": "Resume after this cursor (the answer's `next`, or an event's `cursor`); leave it out to "
            "read from the first event",
            "pattern": "^[A-Za-z0-9_-]{1,64}$",
            "minLength": 1,
            "maxLength": 64,
        },
    )
    types = TypeList(
        metadata={
            "description": "Only these event types, separated by commas: " + ", ".join(feed.EVENT_TYPES),
            "pattern": "^[a-z_]+(,[a-z_]+)*$",
        }
    )
    limit = f.QueryInteger(
        load_default=feed.DEFAULT_LIMIT,
        validate=f.Range(1, feed.MAX_LIMIT),
        metadata={"description": f"At most this many events (1 to {feed.MAX_LIMIT}, default {feed.DEFAULT_LIMIT})"},
    )
    wait = f.QueryInteger(
        load_default=0,
        validate=f.Range(0, int(feed.MAX_WAIT)),
        metadata={
            "description": "Seconds to wait for an event when there is none yet (0 to 30, default 0): the answer "
            "comes as soon as one is committed"
        },
    )


class FeedEventSchema(Schema):
    """One change of an application, as its history records it."""

    cursor = fields.String(required=True, metadata={"description": CURSOR})
    id = fields.Integer(required=True, metadata={"description": "The event's id, as in the application's history"})
    type = OpenEnum("EventType", feed.EVENT_TYPES, required=True, metadata={"description": "What happened"})
    at = fields.DateTime(required=True, metadata={"description": "When it was recorded (UTC)"})
    application_ref = fields.String(required=True)
    year = fields.Integer(required=True)
    state_before = OpenEnum("ApplicationState", STATES, required=True, allow_none=True,
                            metadata={"description": "null for a receipt"})  # fmt: skip
    state_after = OpenEnum("ApplicationState", STATES, required=True)
    actor = fields.Nested(ActorSchema, required=True)
    score_id = fields.String(required=True, allow_none=True,
                             metadata={"description": "The score it stored or concerns (GET /scores/{id})"})  # fmt: skip
    changes = fields.Dict(
        required=True,
        metadata={"description": "What changed, as in the application's history (getApplicationHistory)"},
    )


class FeedSchema(Schema):
    events = fields.List(fields.Nested(FeedEventSchema), required=True,
                         metadata={"description": "In the feed's order: each application's in its own order"})  # fmt: skip
    next = fields.String(required=True, metadata={"description": "Send it as `after` for what comes next"})
    more = fields.Boolean(required=True, metadata={"description": "True when `limit` stopped the page: read again now"})
