"""Need to know on the queue's and the feed's pages: what a key sees of the facts of each application listed, and
one entry in the facts access log per application whose facts a page showed (jifen/privacy/need.py)."""

from __future__ import annotations

from flask import Response

from api.auth import current_caller
from jifen import unit_of_work
from jifen.privacy import log, need


def reader() -> need.Reader:
    return need.Reader.of_client(current_caller())


def logged(who: need.Reader, channel: str, shown: dict[tuple[str, int], str]) -> None:
    """Record each application whose facts were shown (``(ref, year) → extent``), in one write."""
    if shown:
        with unit_of_work.current().write() as session:
            for (ref, year), extent in sorted(shown.items()):
                log.record(session, who, channel, extent, ref, year)


def headed(response: Response, sight: str) -> Response:
    """The answer with ``Jifen-Facts`` when the key's sight leaves facts out."""
    value = need.header(need.Lens(sight))
    if value is not None:
        response.headers[need.FACTS_HEADER] = value
    return response
