"""/api/v1/events: the change feed — every change of the applications a key may see, after a cursor."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request

from api import readings
from api.auth import current_caller, require
from api.event_schemas import FeedQuerySchema, FeedSchema
from api.http import json_response
from api.openapi import doc
from jifen import unit_of_work
from jifen.access.api_clients import Caller
from jifen.applications import feed, queue
from jifen.privacy import need
from jifen.unit_of_work import Session, get_session

bp = Blueprint("events", __name__)
_query = FeedQuerySchema()


def visibility(caller: Caller) -> feed.Visibility:
    """``read``/``publish``: every application; ``apply``: those the key received; ``verify``: those its department
    has (or had) a task of, shared units included — the union of what the key's scopes allow."""
    if not caller.scopes.isdisjoint({"read", "publish"}):
        return feed.Visibility(everything=True)
    return feed.Visibility(
        received_by=caller.name if "apply" in caller.scopes else None,
        department=caller.department if "verify" in caller.scopes else None,
    )


def _seen(session: Session, events: list[dict[str, Any]], who: need.Reader) -> dict[tuple[str, int], str]:
    """Each event's changes as the key may see their facts (as in the application's history); what was shown."""
    sight, lenses, shown = who.sight(), {}, {}
    for entry in events:
        key = (entry["application_ref"], entry["year"])
        if key not in lenses:
            own = need.own_facts(session, *key, who.department) if sight == need.OWN else frozenset()
            lenses[key] = need.Lens(sight, own)
            if sight != need.NONE and (sight != need.OWN or own):
                shown[key] = sight
        entry["changes"] = lenses[key].redact(entry["changes"])
    return shown


@bp.get("/events")
@doc(
    "The change feed: every event of the applications the key may see, after a cursor, in one order that never "
    "skips or repeats an event",
    tag="events",
    query=FeedQuerySchema,
    responses={200: ("The events after the cursor, and the cursor to send next", FeedSchema)},
    response_headers={200: need.HEADER_DOC},
    errors=("invalid_fields",),
    description="Follow it with `after` = the last answer's `next`. With `wait` (up to 30 seconds) an answer "
    "without events waits for one and comes as soon as one is committed; the service holds no database "
    f"connection meanwhile. At most {feed.MAX_WAITERS} requests wait at once per server process: the others are "
    "answered at once, maybe without events (pause a second before asking again). A key sees the events of the "
    "applications its scopes allow: `read` and `publish` all of them, `apply` those it received, `verify` those "
    "its department has or had a task of. The facts in `changes` are shown as in the application's history: all "
    "with `apply` or `facts`, a department's own to a `verify` key, none otherwise (`Jifen-Facts` says so); each "
    "answer that shows facts is logged for each application it shows.",
)
@require("read", "publish", "apply", "verify")
def list_events() -> Response:
    query = _query.load(request.args.to_dict())
    seen = visibility(current_caller())
    types, limit = query.get("types", ()), query["limit"]
    session = get_session()
    first = feed.read(session, query.get("after", 0), seen, queue.units_of, types, limit)
    if not first.events and query["wait"]:
        session.commit()  # the request's read ends: its connection goes back to the pool while the request waits

        def read_after(after: int) -> feed.Page:
            with unit_of_work.current().read() as reading:
                return feed.read(reading, after, seen, queue.units_of, types, limit)

        wait = min(query["wait"], current_app.config.get("FEED_MAX_WAIT", feed.MAX_WAIT))
        first = feed.follow(read_after, first, wait)
    who = readings.reader()
    readings.logged(who, "api_events", _seen(get_session(), first.events, who))
    return readings.headed(json_response({"events": first.events, "next": first.next, "more": first.more}), who.sight())
