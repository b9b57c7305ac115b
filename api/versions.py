"""/api/v1/rulesets and /api/v1/versions: the versioned standards, the one in force, differences."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import Blueprint, Response, request

from api.auth import require
from api.http import conditional, json_response
from api.openapi import doc
from api.schemas import MAX_INT32, InForceQuerySchema
from api.version_schemas import (
    DiffSchema,
    RulesetListSchema,
    VersionDetailSchema,
    VersionListSchema,
    VersionSummarySchema,
)
from engine import to_document
from engine.describe import version_sentences
from jifen.errors import NotFound
from jifen.standard import rulesets, stored
from jifen.standard.stored import RulesetVersionRow
from jifen.unit_of_work import get_session

bp = Blueprint("versions", __name__)
_in_force_schema = InForceQuerySchema()
_CODE = re.compile(r"[a-z][a-z0-9_]{0,63}")


def _shown(text: str) -> str:
    return text if len(text) <= 80 else f"{text[:80]}…"


def _ruleset_code(code: str) -> str:
    """The ruleset code of a path, or 404: a code that no ruleset can have (NUL, too long) is never looked up."""
    if _CODE.fullmatch(code) is None:
        raise NotFound(f"no ruleset {_shown(code)!r}")
    return code


def _ref(code: str, year: int, revision: int) -> str:
    """The version reference of a path, or 404 when no version can have it: years are 2000–2100 and revisions
    32-bit like their column, so that a larger number never reaches the database."""
    ref = f"{code}/{year}/{revision}"
    if _CODE.fullmatch(code) is None or not 2000 <= year <= 2100 or not 1 <= revision <= MAX_INT32:
        raise NotFound(f"no ruleset version {_shown(ref)}")
    return ref


@bp.get("/rulesets")
@doc("Rulesets and their published versions", tag="versions", responses={200: ("Rulesets", RulesetListSchema)})
@require("read")
def list_rulesets() -> Response:
    items = [{"code": r.code, "versions": r.versions, "published": r.published} for r in stored.overview(get_session())]
    return json_response({"items": items})


@bp.get("/rulesets/<code>/versions")
@doc(
    "Every version of a ruleset, newest first",
    tag="versions",
    responses={200: ("Versions", VersionListSchema)},
    errors=("not_found",),
)
@require("read")
def list_versions(code: str) -> Response:
    rows = rulesets.list_versions(get_session(), ruleset=_ruleset_code(code))
    if not rows:
        raise NotFound(f"no ruleset {code!r}")
    return json_response({"items": [rulesets.describe(r) for r in rows]})


@bp.get("/versions/in-force")
@doc("The version in force for a year on a date", tag="versions", query=InForceQuerySchema,
     responses={200: ("The version", VersionSummarySchema)}, errors=("no_version_in_force", "invalid_fields"))  # fmt: skip
@require("read")
def in_force() -> Response:
    query = _in_force_schema.load(request.args.to_dict())
    row = rulesets.in_force(get_session(), query["year"], query.get("date") or dt.date.today(), query["ruleset"])
    return json_response(rulesets.describe(row))


@bp.get("/versions/<code>/<int32:year>/<int32:revision>")
@doc("A whole version: catalogue, categories, indicators, items (with sentences), legal references, test cases",
     tag="versions", responses={200: ("The version", VersionDetailSchema)}, errors=("not_found", "invalid_version"),
     description="The answer carries an ETag (a published version never changes; retiring it changes the answer).",
     conditional=True)  # fmt: skip
@require("read")
def get_version(code: str, year: int, revision: int) -> Response:
    row = rulesets.get_version(get_session(), _ref(code, year, revision))
    return conditional(json_response(version_detail(row)))


def version_detail(row: RulesetVersionRow) -> dict[str, Any]:
    """A whole version as the API answers it: identity and lifecycle, document, each item as a sentence."""
    model = rulesets.load_model(row)
    sentences = version_sentences(model)
    return {**rulesets.describe(row), "document": to_document(model), "sentences": sentences}


@bp.get("/versions/<a_code>/<int32:a_year>/<int32:a_revision>/diff/<b_code>/<int32:b_year>/<int32:b_revision>")
@doc("What changed from version A to version B, and each test case's total under both", tag="versions",
     responses={200: ("The differences", DiffSchema)}, errors=("not_found", "refused"))  # fmt: skip
@require("read")
def diff(a_code: str, a_year: int, a_revision: int, b_code: str, b_year: int, b_revision: int) -> Response:
    result = rulesets.diff(get_session(), _ref(a_code, a_year, a_revision), _ref(b_code, b_year, b_revision))
    return json_response(result)
