"""/api/v1/openapi.json, /api/v1/docs and the health check."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, current_app, render_template
from markupsafe import Markup, escape

from api import examples
from api.applications import today
from api.errors import PROBLEMS
from api.http import conditional, json_response
from api.openapi import build_spec, doc
from api.schemas import MAX_BATCH, HealthSchema
from engine import RulesetError
from engine.schema import json_schema
from jifen import unit_of_work
from jifen.access import departments
from jifen.applications import workdays
from jifen.standard import rulesets
from jifen.unit_of_work import get_session

bp = Blueprint("meta", __name__, template_folder="templates")


def document() -> dict[str, Any]:
    """The OpenAPI document, with the published versions' facts and examples scored under them.

    Made again only when the published versions change (this process remembers the last one): the document
    depends on nothing else that a request can change.
    """
    session = get_session()
    rows = rulesets.list_versions(session, status="published")
    # the health example says whether a year's calendar is missing, which changes with the day
    key = (
        tuple((row.id, row.content_hash) for row in rows),
        tuple(workdays.missing_years(workdays.load(session), today())),
    )
    cached = current_app.extensions.get("jifen.api.document")
    if cached is not None and cached[0] == key:
        return cached[1]  # type: ignore[no-any-return]
    models = []
    for row in rows:
        try:
            models.append(rulesets.load_model(row))
        except RulesetError:  # a published version is valid; never let the documentation fail on one
            continue
    spec = build_spec(current_app, models, examples.build(session, models, health()))
    current_app.extensions["jifen.api.document"] = (key, spec)
    return spec


@bp.get("/openapi.json")
def openapi() -> Response:
    return conditional(json_response(document()))


@bp.get("/schemas/ruleset.json")
def ruleset_schema() -> Response:
    """The JSON Schema of a ruleset version's document (engine.schema), public like the reference."""
    return conditional(json_response(json_schema(), mimetype="application/schema+json"))


@bp.get("/docs")
def docs() -> Response:
    spec = document()
    page = render_template(
        "api/docs.html", spec=spec, problems=examples.problem_examples(), catalogue=PROBLEMS, limits=_limits(),
        departments=_departments(), states=STATE_TABLE,
    )  # fmt: skip
    return conditional(Response(page, mimetype="text/html"))


def _limits() -> dict[str, Any]:
    return {"max_body": current_app.config.get("MAX_CONTENT_LENGTH"), "max_batch": MAX_BATCH}


def _departments() -> list[dict[str, Any]]:
    """Which department verifies which fact, under the latest published version: [{unit, members, facts}]."""
    rows = rulesets.list_versions(get_session(), status="published")
    for row in sorted(rows, key=lambda r: (r.year, r.revision), reverse=True):
        try:
            version = rulesets.load_model(row)
        except RulesetError:
            continue
        units: dict[str, list[tuple[str, str]]] = {}
        for fact in version.facts:
            if fact.department and fact.derived is None:
                units.setdefault(fact.department, []).append((fact.name, fact.label))
        return [
            {"unit": u, "members": departments.members(u), "facts": f, "ref": version.ref} for u, f in units.items()
        ]
    return []


# The application's life (jifen.applications): each state, how it is entered, by whom, and its deadline
STATE_TABLE = (
    ("verifying", "createApplication (intake), supplementApplication (intake), objectToApplication → re_reviewing",
     "Each department concerned verifies its facts: verifyApplicationFacts (department), 15 working days from the "
     "receipt or supplement (China's calendar), once extended by 3: extendVerificationTask", "deadlines.verification"),
    ("scored", "the last department's verification: the verified facts are scored and the score stored",
     "publishApplication (bureau); a supplement is still taken (back to verifying)", "—"),
    ("published", "publishApplication (bureau)",
     "objectToApplication (intake) within 3 days of publication, moved to the next working day", "deadlines.objection"),
    ("re_reviewing", "objectToApplication (intake)",
     "The departments of the disputed facts re-review them in 7 working days (no extension); the last one's "
     "verification scores again and republishes: back to published, final", "deadlines.re_review"),
    ("voided", "voidApplication (intake), from any state: the permit was suspended or cancelled",
     "Nothing: every change is refused (409 application_voided)", "—"),
)  # fmt: skip


@bp.app_template_filter("api_text")
def api_text(text: Any) -> Markup:
    """A description of the document as HTML: escaped, with `backticks` as code."""
    escaped = str(escape(str(text or "")))
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped))


@bp.app_template_filter("api_json")
def api_json(value: Any) -> str:
    """An example as indented JSON text (escaped by the template)."""
    return json.dumps(value, ensure_ascii=False, indent=2)


@bp.get("/healthz")
@doc("Is the service up and can its database take a write now?", tag="meta",
     description="Needs no key. Also served at /healthz for load balancers.",
     responses={200: ("Healthy", HealthSchema)})  # fmt: skip
def healthz() -> Response:
    """200 if a write would succeed now; otherwise DatabaseUnavailable, answered 503 (within the health timeout)."""
    unit_of_work.current().database.check_writable()
    return json_response(health())


def health() -> dict[str, Any]:
    """The healthy answer, with what needs doing soon (a year's working days not entered)."""
    missing = workdays.missing_years(workdays.load(get_session()), today())
    warnings = [
        {"code": "calendar_not_entered",
         "message": f"the working days of {year} are not entered: deadlines into {year} are refused until the bureau "
         f"enters the State Council's holiday notice (flask calendar add, or the console's calendar page)"}
        for year in missing
    ]  # fmt: skip
    return {"status": "ok", "database": "ok", "warnings": warnings}
