"""自助测算: the self-assessment form built from the fact catalogue of the standard in force, the engine's result for
the facts in the address (a form submit is a GET, so the address can be shared), and the one-time materials notice
as a page of its own to print. Facts of a person: never stored, never kept by a cache, never logged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, request, url_for
from werkzeug.datastructures import MultiDict

from engine.facts import EARLIEST_DATE, LATEST_DATE
from jifen import unit_of_work
from jifen.scoring import assessment
from jifen.words import word
from public.blueprint import bp
from public.pages import private, render

FIRST_YEAR, LAST_YEAR = 2000, 2100  # the API's range of years


@bp.get("/self-assessment")
def self_assessment() -> Response:
    """The form, and with facts in the address their result and the materials to bring."""
    return private(
        render("public/assessment.html", title=word("public_assessment.title"), crumbs=[], **_assessment(request.args))
    )


@bp.get("/self-assessment/materials")
def materials() -> Response:
    """The materials to bring for the facts in the address, on one printable page (the form while they are wrong)."""
    page = _assessment(request.args)
    if page["result"] is None:
        return private(render("public/assessment.html", title=word("public_assessment.title"), crumbs=[], **page))
    crumbs = [(word("public_assessment.title"), page["assessment_url"])]
    return private(
        render("public/assessment_materials.html", title=word("public_assessment.materials_title"), crumbs=crumbs,
               **page)
    )  # fmt: skip


def today() -> dt.date:
    """The date of the assessment (the API's dry run scores as of today too)."""
    return dt.date.today()


def _year(raw: str | None) -> tuple[int | None, str | None]:
    """The year asked for (None: this year's) and what is wrong with it."""
    text = (raw or "").strip()
    if text == "":
        return None, None
    if text.isascii() and text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text), None
    return None, word("public_assessment.year_invalid", text=text[:20], low=FIRST_YEAR, high=LAST_YEAR)


def _assessment(args: MultiDict[str, str]) -> dict[str, Any]:
    """Everything the form and its result show, for the parameters of the address."""
    day = today()
    asked, year_error = _year(args.get(assessment.YEAR))
    with unit_of_work.current().read() as session:
        choice = assessment.choose(session, asked, day)
        if choice.missing:
            year_error = word("public_assessment.year_missing", year=choice.year)
        page: dict[str, Any] = {"choice": choice, "today": day, "year_error": year_error, "result": None,
                                "errors": {}, "texts": {}, "form": None, "notice": [],
                                "date_range": (EARLIEST_DATE.isoformat(), LATEST_DATE.isoformat())}  # fmt: skip
        if choice.version is None:
            return page
        form = assessment.questionnaire(assessment.model(session, choice.version))
        answers = assessment.read_answers(form, args.to_dict(flat=False))
        page.update(form=form, texts=answers.texts, stated=answers.stated)
        if not answers.stated or year_error:
            return page
        outcome = assessment.assess(session, choice.version, answers.facts, day)
    errors = {name: list(messages) for name, messages in outcome.errors.items()}
    for name in answers.repeated:
        errors.setdefault(name, []).append(word("public_assessment.repeated"))
    page["errors"] = errors
    if not errors and outcome.result is not None:
        query = request.query_string.decode("utf-8", "replace")
        page.update(
            result=outcome.result,
            notice=outcome.materials,
            items=_item_labels(outcome.result),
            assessment_url=f"{url_for('public.self_assessment')}?{query}",
            materials_url=f"{url_for('public.materials')}?{query}",
        )
    return page


def _item_labels(result: dict[str, Any]) -> dict[str, str]:
    """Each item's label by its code, to name what a material proves."""
    return {item["code"]: item["label"] for indicator in result["indicators"] for item in indicator["items"]}
