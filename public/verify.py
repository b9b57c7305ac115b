"""核验积分凭证 (``/verify``): anyone checks a statement of a published result — pasted into the form (POST) or
arriving from the receipt's QR code (``/verify?s=<statement>``): whether the service's key signed it as it is, what
it says, and what the service says of that result today (valid, superseded by a re-review, voided, expired).

No login, no session, no script: the form posts without a CSRF token (nothing a forged post could gain, like the
lookup); the statement is bounded (``MAX_LENGTH`` characters) and the answer is never cached."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, current_app, request, url_for

from jifen import unit_of_work
from jifen.applications import Application
from jifen.statements import receipt, status
from jifen.statements.signing import signer_for
from jifen.statements.verify import MAX_LENGTH
from jifen.words import names, word
from public.blueprint import bp
from public.pages import private, render, today

STATUS_NAMES = names("public_verify_statuses")
PROBLEM_NAMES = names("public_verify_problems")
CATEGORY_NAMES = names("public_verify_categories")


def _day(text: Any) -> str:
    try:
        day = dt.date.fromisoformat(str(text))
    except ValueError:
        return str(text)
    return word("public_verify.date", year=day.year, month=day.month, day=day.day)


def statement_receipt(application: Application) -> receipt.Receipt | None:
    """The receipt of an application's published result (its QR code opens this page), for a page that prints it."""
    verify_page = url_for("public.verify_page", _external=True)
    title = word("statement_receipt.qr_title")
    return receipt.of_application(unit_of_work.get_session(), application, verify_page, title)


def _page(token: str, code: int = 200, errors: list[str] | None = None) -> Response:
    checked = None
    if token and not errors:
        signer = signer_for(current_app)
        checked = status.check(unit_of_work.get_session(), token, signer.keys, signer.issuer, today())
    page = render(
        "public/verify.html",
        title=word("public_verify.title"),
        crumbs=[],
        statement=token,
        max_length=MAX_LENGTH,
        errors=errors or [],
        checked=checked,
        statuses=STATUS_NAMES,
        problems=PROBLEM_NAMES,
        categories=CATEGORY_NAMES,
        day=_day,
    )
    return private(page, code)


@bp.get("/verify")
def verify_page() -> Response:
    """The form; with ``?s=`` (the QR code's address) the statement checked at once."""
    token = request.args.get("s", "").strip()
    if len(token) > MAX_LENGTH:
        return _page("", 422, [word("public_verify.too_long", limit=MAX_LENGTH)])
    return _page(token)


@bp.post("/verify")
def verify_answer() -> Response:
    """A pasted statement, checked."""
    if (request.content_length or 0) > 4 * MAX_LENGTH:
        return _page("", 413, [word("public_verify.too_long", limit=MAX_LENGTH)])
    token = "".join(request.form.get("statement", "").split())  # a statement copied over lines
    if not token:
        return _page("", 422, [word("public_verify.missing")])
    if len(token) > MAX_LENGTH:
        return _page("", 422, [word("public_verify.too_long", limit=MAX_LENGTH)])
    return _page(token)
