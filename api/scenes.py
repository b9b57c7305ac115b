"""/api/v1/scenes: public-service scenes (积分入学 and others), their ranked lists and each applicant's entitlement."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from api.auth import require
from api.http import json_response
from api.openapi import doc
from api.scene_schemas import (
    EntitlementSchema,
    SceneListSchema,
    ScenePageQuerySchema,
    SceneQuerySchema,
    SceneWithListSchema,
)
from jifen.scenes import faces
from jifen.unit_of_work import get_session

bp = Blueprint("scenes", __name__)
PATH = "/scenes/<scene_code>/<int:year>"
_query, _page = SceneQuerySchema(), ScenePageQuerySchema()

# The examples of the document: a draft scene of 2026 over three applicants (tests/scenes/test_faces.py makes them
# and checks that the service answers exactly these)
SCENE: dict[str, Any] = {
    "code": "school-entry-primary", "name": "积分入学（小学一年级）", "year": 2026, "department": "市教育局",
    "cutoff_date": "2026-06-30", "threshold": 100, "quota": 300, "ranking": ["total", "category:base", "received_on"],
    "ties": "flag", "status": "draft", "published_at": None, "list_hash": None, "signature": None, "applicants": 3,
}  # fmt: skip
LINES: list[dict[str, Any]] = [
    {"application_ref": "TX-2026-000101", "entitled": True, "rank": 1, "total": 120, "reason": "入选（第1名）",
     "outcome": "admitted", "flags": []},
    {"application_ref": "TX-2026-000102", "entitled": False, "rank": 2, "total": 96.5,
     "reason": "未达到分数线（差3.5分）", "outcome": "below_threshold", "flags": []},
    {"application_ref": "TX-2026-000103", "entitled": False, "rank": None, "total": 130,
     "reason": "积分已失效（2026-05-02 居住证注销）", "outcome": "voided", "flags": []},
]  # fmt: skip
_AT = {"scene_code": "school-entry-primary", "year": 2026}
EXAMPLES: dict[str, Any] = {
    "listScenes": {"parameters": {"year": 2026}, "responses": {200: {"items": [SCENE]}}},
    "getScene": {"parameters": {**_AT, "page": 1, "per_page": 100},
                 "responses": {200: {**SCENE, "items": LINES, "page": 1, "per_page": 100, "total": 3}}},
    "getEntitlement": {"parameters": {**_AT, "application_ref": "TX-2026-000102"},
                       "responses": {200: {**LINES[1], "scene": SCENE["code"], "year": 2026, "status": "draft"}}},
}  # fmt: skip


@bp.get("/scenes")
@doc("The scenes of every year, or of one", tag="scenes", query=SceneQuerySchema,
     responses={200: ("The scenes", SceneListSchema)}, errors=("invalid_fields",))  # fmt: skip
@require("read")
def list_scenes() -> Response:
    query = _query.load(request.args.to_dict())
    return json_response({"items": faces.summaries(get_session(), query.get("year"))})


@bp.get(PATH)
@doc("A scene: its definition, whether it is published, its list's hash, and a page of its list", tag="scenes",
     query=ScenePageQuerySchema, responses={200: ("The scene and a page of its list", SceneWithListSchema)},
     errors=("scene_not_found", "invalid_fields"),
     description="The list names each applicant of the scene's year: entitled or not, rank, total and the reason in "
     "words. A draft's list is computed from the published scores at each reading; a published list is the one "
     "frozen at publication, with `flags` saying what has changed since.")  # fmt: skip
@require("read")
def get_scene(scene_code: str, year: int) -> Response:
    query = _page.load(request.args.to_dict())
    session = get_session()
    items, total = faces.page(session, scene_code, year, query["page"], query["per_page"])
    scene = faces.summary(session, scene_code, year, total)  # a draft's list is computed once, not twice
    body: dict[str, Any] = {**scene, "items": items, "page": query["page"], "per_page": query["per_page"],
                            "total": total}  # fmt: skip
    return json_response(body)


@bp.get(PATH + "/entitlements/<path:application_ref>")
@doc("One applicant's entitlement in a scene: entitled, rank, reason", tag="scenes",
     responses={200: ("The applicant's line of the list", EntitlementSchema)},
     errors=("scene_not_found", "not_on_list", "invalid_fields"))  # fmt: skip
@require("read")
def get_entitlement(scene_code: str, year: int, application_ref: str) -> Response:
    return json_response(faces.entitlement(get_session(), scene_code, year, application_ref))
