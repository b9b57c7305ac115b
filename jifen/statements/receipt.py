"""The printable receipt of a published result: its statement, the address that verifies it and that address as a
QR code (segno, inline SVG: served by the page itself, no CDN, no script)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import segno
from sqlalchemy.orm import Session

from jifen.statements import status
from jifen.store.models import Application


@dataclass(frozen=True, slots=True)
class Receipt:
    statement: str
    kid: str
    url: str
    qr_svg: str
    claims: dict[str, Any]


@functools.lru_cache(maxsize=256)
def qr_svg(url: str, title: str) -> str:
    """``url`` as a QR code, inline SVG (error correction M). A fixed mask: choosing the best of eight takes ~0.15 s
    in pure Python for a statement's ~1,100 characters, and any mask reads; kept for the statements shown lately."""
    return str(segno.make(url, error="m", mask=2).svg_inline(scale=2, border=4, title=title, svgclass="qr"))


def of_application(session: Session, app: Application, verify_page: str, title: str) -> Receipt | None:
    """The receipt of the application's current result, once published (None before); ``verify_page`` is the
    absolute address of the public /verify page."""
    row = status.of_score(session, app.score_id)
    if row is None:
        return None
    url = f"{verify_page}?s={quote(row.jws, safe='')}"
    return Receipt(row.jws, row.kid, url, qr_svg(url, title), status.claims_of(row.jws))
