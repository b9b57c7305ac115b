"""自助测算: the self-assessment form built from the fact catalogue of the standard in force, the engine's result for
the facts in the address (a form submit is a GET, so the address can be shared), and the one-time materials notice
as a page of its own to print. Facts of a person: never stored, never kept by a cache, never logged.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from flask import Response, request, url_for
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from engine.facts import EARLIEST_DATE, LATEST_DATE
from engine.model import FactField
from jifen import unit_of_work, words
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
                                "fields": {}}  # fmt: skip
        if choice.version is None:
            return page
        form = assessment.questionnaire(assessment.model(session, choice.version))
        answers = assessment.read_answers(form, args.to_dict(flat=False))
        page.update(form=form, fields=fields(form), texts=answers.texts)
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
            proves=_proves(outcome),
            by_category=_by_category(outcome.result),
            caps=caps(form, outcome.result),
            assessment_url=f"{url_for('public.self_assessment')}?{query}",
            materials_url=f"{url_for('public.materials')}?{query}",
        )
    return page


def _proves(outcome: assessment.Outcome) -> dict[str, str]:
    """What each material proves: the labels of its items, by the material's name."""
    assert outcome.result is not None
    labels = {item["code"]: item["label"] for ind in outcome.result["indicators"] for item in ind["items"]}
    return {m.name: "、".join(labels[code] for code in m.items) for group in outcome.materials for m in group.materials}


def _by_category(result: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The result's indicators under their categories' codes, in the result's order."""
    grouped: dict[str, list[dict[str, Any]]] = {c["code"]: [] for c in result["categories"]}
    for indicator in result["indicators"]:
        grouped.setdefault(indicator["category"], []).append(indicator)
    return grouped


# -- the inputs of a version's questions, drawn once per version ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    """What the form shows of one question whatever is typed: its label, hint, and the control's fixed parts."""

    name: str
    label: str
    required: bool
    mark: str  # what marks it required
    hint: str
    attributes: Markup  # the input's type, limits and ``required``
    options: tuple[tuple[str, str], ...] = ()  # a select's (value, text), the blank one first


def _hint(fact: FactField, indicators: tuple[str, ...]) -> str:
    parts = [fact.description] if fact.description else []
    low, high = (None if v is None else words.points(v) for v in (fact.min, fact.max))
    if fact.type == "int":
        if low is not None and high is not None:
            parts.append(word("public_assessment.hint_int_range", min=low, max=high))
        else:
            parts.append(word("public_assessment.hint_int_min", min=low) if low else word("public_assessment.hint_int"))
    elif fact.type == "number":
        parts.append(
            word("public_assessment.hint_number_min", min=low) if low else word("public_assessment.hint_number")
        )
    elif fact.type == "date":
        parts.append(word("public_assessment.hint_date"))
    if indicators:
        parts.append(word("public_assessment.hint_readers", names="、".join(indicators)))
    return " ".join(parts)


def _attributes(fact: FactField) -> Markup:
    limits = {"int": {"type": "number", "inputmode": "numeric", "step": "1"},
              "number": {"type": "number", "inputmode": "decimal", "step": "any"},
              "date": {"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}}  # fmt: skip
    attributes = dict(limits.get(fact.type, {"type": "text"})) if fact.type not in ("bool", "enum") else {}
    if fact.type in ("int", "number"):
        attributes.update({k: words.points(v) for k, v in (("min", fact.min), ("max", fact.max)) if v is not None})
    text = "".join(f' {k}="{escape(v)}"' for k, v in attributes.items())
    return Markup(text + (" required" if fact.required else ""))


def _field(question: assessment.Question) -> Field:
    fact = question.fact
    options: tuple[tuple[str, str], ...] = ()
    if fact.type in ("bool", "enum"):
        blank = word("public_assessment.choose") if fact.required else word("public_assessment.not_stated")
        choices = question.options if fact.type == "enum" else (
            ("true", word("public_assessment.yes")), ("false", word("public_assessment.no")))  # fmt: skip
        options = (("", blank), *choices)
    return Field(fact.name, fact.label, fact.required, word("public_assessment.required"),
                 _hint(fact, question.indicators), _attributes(fact), options)  # fmt: skip


_fields: dict[str, dict[str, Field]] = {}
_fields_lock = threading.Lock()


def fields(form: assessment.Questionnaire) -> dict[str, Field]:
    """The inputs of ``form``'s questions by fact name, drawn once per version per process."""
    found = _fields.get(form.content_hash)
    if found is None:
        found = {q.name: _field(q) for q in form.questions}
        with _fields_lock:
            _fields[form.content_hash] = found
    return found


_caps: dict[str, dict[str, str]] = {}


def caps(form: assessment.Questionnaire, result: dict[str, Any]) -> dict[str, str]:
    """What the breakdown says of each category's and indicator's cap, worded once per version per process."""
    found = _caps.get(form.content_hash)
    if found is None:
        found = {
            part["code"]: word("public_assessment.deducted")
            if part.get("kind") == "deduct"
            else word("public_assessment.cap", cap=words.points(part["cap"]))
            for part in (*result["categories"], *result["indicators"])
            if part["cap"] is not None or part.get("kind") == "deduct"
        }
        _caps[form.content_hash] = found
    return found
