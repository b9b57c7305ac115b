"""试算: score one application under any version (drafts included), or under two side by side; nothing is stored.

The version is chosen in the same form as the facts, so that choosing another one keeps everything typed: a
fact the chosen versions do not ask for is kept in the page (hidden) for when a version that asks for it comes
back. The page opens on the version in force today.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request
from flask_admin import BaseView, expose

from admin.auth import RoleMixin
from admin.forms import fact_inputs
from admin.views.versions import loaded
from admin.words import word
from engine import FactsError, compile_version
from engine.loader import read_catalogue
from engine.model import FactField
from jifen.errors import NoVersionInForce
from jifen.standard import rulesets
from jifen.standard.form_values import parse_facts
from jifen.standard.stored import RulesetVersionRow
from jifen.unit_of_work import get_session


def _default(versions: list[RulesetVersionRow], today: dt.date) -> int | None:
    """The version in force today, else the newest published one, else the newest of all."""
    try:
        return rulesets.in_force(get_session(), today.year, today).id
    except NoVersionInForce:
        choice = [v for v in versions if v.status == "published"] or versions
        return choice[0].id if choice else None


def _score(row: RulesetVersionRow, catalogue: list[FactField], as_of: dt.date) -> dict[str, Any]:
    """One version's answer for the typed facts: its result, or its problems in Chinese."""
    model, problems = loaded(row)
    if model is None:
        return {"row": row, "problems": problems}
    facts = parse_facts(catalogue, request.form)
    try:
        return {"row": row, "result": compile_version(model).score(facts, as_of=as_of)}
    except FactsError as exc:
        return {"row": row, "errors": exc.texts("zh")}


class TryItView(RoleMixin, BaseView):  # type: ignore[misc]
    @expose("/", methods=["GET", "POST"])
    def index(self) -> Any:
        versions = rulesets.list_versions(get_session())
        today = dt.date.today()
        row, other = _chosen(versions, today)
        typed = {k[5:]: v for k, v in request.form.items() if k.startswith("fact_")}
        errors: dict[str, list[str]] = {}
        as_of = _as_of(today, errors)
        catalogue, catalogue_b = _catalogue(row), _catalogue(other)
        asked = {f.name for f in catalogue}
        extra = [f for f in catalogue_b if f.name not in asked]  # asked only by the version compared with
        asked_now = request.method == "POST" and request.form.get("action") != "switch" and not errors
        answers = _answers([(row, catalogue), (other, catalogue_b)], as_of, errors) if asked_now else []
        kept = _kept(typed, asked | {f.name for f in extra})
        return self.render(
            "admin/tryit.html", versions=versions, row=row, other=other, as_of=as_of, errors=errors, answers=answers,
            inputs=fact_inputs(catalogue, typed, errors), extra=fact_inputs(extra, typed, errors), kept=kept,
            rows=_side_by_side(answers) if len(answers) == 2 else [],
        )  # fmt: skip


def _chosen(versions: list[RulesetVersionRow], today: dt.date) -> tuple[RulesetVersionRow | None, ...]:
    """The version chosen (else the one in force today) and the one to compare it with (None: none)."""
    by_id = {v.id: v for v in versions}
    row = by_id.get(request.values.get("vid", type=int) or 0) or by_id.get(_default(versions, today) or 0)
    return row, by_id.get(request.values.get("vid_b", type=int) or 0)


def _kept(typed: dict[str, str], asked: set[str]) -> dict[str, str]:
    """Facts typed that no chosen version asks for: kept in the page for a version that asks for them."""
    return {k: v for k, v in typed.items() if k not in asked and v}


def _as_of(today: dt.date, errors: dict[str, list[str]]) -> dt.date:
    """The scoring date typed (today when none; a date that is none is said on its input)."""
    if not request.form.get("as_of"):
        return today
    try:
        return dt.date.fromisoformat(request.form["as_of"])
    except ValueError:
        errors["as_of"] = [word("views_tryit.date_invalid")]
        return today


def _catalogue(row: RulesetVersionRow | None) -> list[FactField]:
    return list(read_catalogue(rulesets.document(row))) if row is not None else []


def _answers(versions: list[tuple[RulesetVersionRow | None, list[FactField]]], as_of: dt.date,
             errors: dict[str, list[str]]) -> list[dict[str, Any]]:  # fmt: skip
    """Each chosen version's answer (none without a first version); the facts' problems gathered on their inputs."""
    if versions[0][0] is None:
        return []
    answers = [_score(row, catalogue, as_of) for row, catalogue in versions if row is not None]
    for answer in answers:
        for name, messages in answer.get("errors", {}).items():
            errors.setdefault(name, []).extend(messages)
    return answers


def _side_by_side(answers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The categories and indicators of two results in one table: points under each and the difference."""
    if not all("result" in a for a in answers):
        return []
    a, b = (answer["result"] for answer in answers)
    out = [{"code": "total", "name": word("views_tryit.total"), "a": a["total"], "b": b["total"], "total": True}]
    for key in ("categories", "indicators"):
        points_b = {x["code"]: x for x in b[key]}
        seen = set()
        for x in a[key]:
            seen.add(x["code"])
            y = points_b.get(x["code"])
            out.append({"code": x["code"], "name": x["name"], "a": x["points"], "b": y["points"] if y else None,
                        "category": key == "categories"})  # fmt: skip
        out += [
            {"code": y["code"], "name": y["name"], "a": None, "b": y["points"], "category": key == "categories"}
            for y in b[key]
            if y["code"] not in seen
        ]
    for line in out:
        line["delta"] = line["b"] - line["a"] if line["a"] is not None and line["b"] is not None else None
    return out
