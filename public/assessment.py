"""自助测算: the self-assessment form built from the fact catalogue of the standard in force, the engine's result for
the facts in the address (a form submit is a GET, so the address can be shared), and the one-time materials notice
as a page of its own to print. Facts of a person: never stored, never kept by a cache, never logged.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request, url_for
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
                                "errors": {}, "texts": {}, "form": None, "notice": []}  # fmt: skip
        if choice.version is None:
            return page
        form = assessment.questionnaire(assessment.model(session, choice.version))
        answers = assessment.read_answers(form, args.to_dict(flat=False))
        page.update(form=form, texts=answers.texts)
        page["control"] = _control(form, answers.texts, {})
        if not answers.stated or year_error:
            return page
        outcome = assessment.assess(session, choice.version, answers.facts, day)
    errors = {name: list(messages) for name, messages in outcome.errors.items()}
    for name in answers.repeated:
        errors.setdefault(name, []).append(word("public_assessment.repeated"))
    page.update(errors=errors, control=_control(form, answers.texts, errors))
    if not errors and outcome.result is not None:
        query = request.query_string.decode("utf-8", "replace")
        page.update(
            result=outcome.result,
            notice=outcome.materials,
            proves=_proves(outcome),
            by_category=_by_category(outcome.result),
            row=_row(form, caps(form, outcome.result)),
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


# A question's input depends on the version and on the value typed: drawn by the template once per pair and kept (an
# input's value put between the two halves of its drawing with a placeholder); an input with errors is drawn anew.
_PLACEHOLDER = "\x00"
_drawn: dict[tuple[str, str, str], Markup | tuple[Markup, Markup]] = {}


def _question_macro() -> Any:
    return current_app.jinja_env.get_template("public/assessment_parts.html").module.question  # type: ignore[attr-defined]


def _draw(form: assessment.Questionnaire, name: str, value: str) -> Markup:
    field = fields(form)[name]
    if field.options:
        if value not in {code for code, _text in field.options}:
            return Markup(_question_macro()(field, value, None))
        key = (form.content_hash, name, value)
        drawn = _drawn.get(key)
        if drawn is None:
            drawn = _drawn[key] = Markup(_question_macro()(field, value, None))
        assert isinstance(drawn, Markup)
        return drawn
    key = (form.content_hash, name, _PLACEHOLDER)
    halves = _drawn.get(key)
    if halves is None:
        before, after = str(_question_macro()(field, _PLACEHOLDER, None)).split(_PLACEHOLDER)
        halves = _drawn[key] = (Markup(before), Markup(after))
    assert isinstance(halves, tuple)
    return halves[0] + escape(value) + halves[1]


def _control(
    form: assessment.Questionnaire, texts: dict[str, str], errors: dict[str, list[str]]
) -> Callable[[str], Markup]:
    """The form's ``control(name)``: a question's input with what was typed, and its errors if it has any."""

    def control(name: str) -> Markup:
        value = texts.get(name, "")
        if errors.get(name):
            return Markup(_question_macro()(fields(form)[name], value, errors[name]))
        return _draw(form, name, value)

    return control


# An indicator's row in the breakdown depends on the version and on its own result only (its points and the items that
# fired), which take few values: each drawn once and kept, up to _MOST_ROWS of them.
_MOST_ROWS = 20_000
_rows: dict[tuple[Any, ...], Markup] = {}


def _row(form: assessment.Questionnaire, caps: dict[str, str]) -> Callable[[dict[str, Any], str], Markup]:
    """The breakdown's ``row(indicator, kind)``: the indicator's row, drawn once per version and indicator result."""

    def row(indicator: dict[str, Any], kind: str) -> Markup:
        fired = tuple((i["code"], i["points"], i["counted"]) for i in indicator["items"] if i["fired"])
        key = (form.content_hash, indicator["code"], kind, indicator["raw"], indicator["points"], fired)
        drawn = _rows.get(key)
        if drawn is None:
            module: Any = current_app.jinja_env.get_template("public/assessment_parts.html").module
            drawn = Markup(module.indicator_row(indicator, kind, caps))
            if len(_rows) >= _MOST_ROWS:
                _rows.clear()
            _rows[key] = drawn
        return drawn

    return row
