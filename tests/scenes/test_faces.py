"""Scenes through their faces and through the application's real life: received, verified by each department,
published, disputed and re-reviewed, voided — then the CLI, the API and the what-if read the same list."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import current_app

from api import scenes as api_scenes
from jifen import applications
from jifen.applications import Actor, Context, workdays
from jifen.scenes import definition, drafts, whatif
from jifen.standard import rulesets
from jifen.statements import signing
from tests.api.conftest import _key
from tests.scenes.population import Person, add, scene_document

TODAY = dt.date(2026, 6, 20)
CLAIMS = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "education": "bachelor",
          "insurance_months": 36, "local_insurance_months": 24}  # fmt: skip
# the claims of each applicant: a degree or not, months insured (so that totals differ and two tie)
PEOPLE = {
    "TX-2026-000001": {"education": "master"},
    "TX-2026-000002": {},
    "TX-2026-000003": {},  # ties with 000002 on every key: the last place's tie
    "TX-2026-000004": {"education": "college"},
    "TX-2026-000005": {"education": "master"},  # voided
    "TX-2026-000006": {"education": "college"},  # disputes, re-reviewed to a master's degree
}


def _context(s: Any, actor: Actor, today: dt.date = TODAY) -> Context:
    return Context(s, actor, today, workdays.load(s), signing.signer_for(current_app))


def _live(db: Any) -> None:
    intake = Actor("client", "intake", None, None)
    with db.transaction() as s:
        for ref, more in PEOPLE.items():
            applications.receive(_context(s, intake), ref, 2026, dt.date(2026, 3, 2), "window", {**CLAIMS, **more})
    with db.transaction() as s:
        for ref in PEOPLE:
            _verify_all(s, ref)
            applications.publish(_context(s, intake), ref, 2026, dt.date(2026, 4, 1))
        applications.object_to(_context(s, intake, dt.date(2026, 4, 2)), "TX-2026-000006", 2026, dt.date(2026, 4, 2),
                               {"education": "master"})  # fmt: skip
    with db.transaction() as s:
        _verify_all(s, "TX-2026-000006", {"education": "master"})
        applications.void(_context(s, intake), "TX-2026-000005", 2026, "permit_cancelled", dt.date(2026, 5, 2))


def _verify_all(s: Any, ref: str, verified: dict[str, Any] | None = None) -> None:
    app = applications.find(s, ref, 2026)
    for task in [t for t in app.tasks if t.status == "open"]:
        actor = Actor("client", "dept", None, task.department)
        facts = {k: (verified or {}).get(k, v) for k, v in task.claims.items()}
        applications.verify(_context(s, actor), ref, 2026, task.department, facts)


@pytest.fixture
def lived(seeded: Any, db: Any) -> Any:
    seeded.config["TODAY"] = lambda: TODAY
    with seeded.app_context():
        _live(db)
    return seeded


def test_the_cli_creates_lists_publishes_and_answers_entitlements(lived: Any, runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "scene.yaml"
    path.write_text(yaml.safe_dump(scene_document(threshold=0, quota=2), allow_unicode=True), encoding="utf-8")
    created = runner.invoke(args=["scenes", "create", str(path), "--user", "publisher"])
    assert created.exit_code == 0, created.output
    listed = runner.invoke(args=["scenes", "list", "school-entry-primary", "2026", "--json"])
    lines = {line["application_ref"]: line for line in json.loads(listed.output)}
    assert set(lines["TX-2026-000001"]) >= {"application_ref", "entitled", "rank", "total", "reason"}
    assert lines["TX-2026-000005"]["reason"] == "积分已失效（2026-05-02 居住证注销）"
    assert lines["TX-2026-000005"]["rank"] is None and lines["TX-2026-000005"]["entitled"] is False
    first, re_reviewed = lines["TX-2026-000001"], lines["TX-2026-000006"]
    assert re_reviewed["total"] == first["total"] and re_reviewed["rank"] is not None  # the re-reviewed score counts
    assert lines["TX-2026-000002"]["total"] == lines["TX-2026-000003"]["total"]
    refused = runner.invoke(args=["scenes", "publish", "school-entry-primary", "2026", "--user", "editor"])
    assert refused.exit_code == 1
    published = runner.invoke(args=["scenes", "publish", "school-entry-primary", "2026", "--user", "publisher"])
    assert published.exit_code == 0 and "sha256:" in published.output, published.output
    shown = json.loads(runner.invoke(args=["scenes", "show", "school-entry-primary", "2026", "--json"]).output)
    assert shown["status"] == "published" and shown["verified"]["hash_matches"] and shown["verified"]["recomputed"]
    again = runner.invoke(args=["scenes", "create", str(path), "--user", "publisher", "--replace"])
    assert again.exit_code == 1 and "published" in again.output
    answer = runner.invoke(args=["scenes", "entitlement", "school-entry-primary", "2026", "TX-2026-000004", "--json"])
    assert json.loads(answer.output)["entitled"] is False


def test_the_api_pages_the_list_and_answers_one_applicant(lived: Any, db: Any) -> None:
    with db.transaction() as s:
        drafts.create(s, definition.read(scene_document(threshold=0, quota=3)), "publisher")
    headers = {"Authorization": f"Bearer {_key(db, 'school-system', ['read'])}"}
    client = lived.test_client()
    scenes = client.get("/api/v1/scenes?year=2026", headers=headers)
    assert scenes.status_code == 200 and scenes.json["items"][0]["code"] == "school-entry-primary"
    one = client.get("/api/v1/scenes/school-entry-primary/2026", headers=headers).json
    assert one["status"] == "draft" and one["applicants"] == len(PEOPLE) and one["quota"] == 3
    first = client.get("/api/v1/scenes/school-entry-primary/2026?per_page=2", headers=headers).json
    second = client.get("/api/v1/scenes/school-entry-primary/2026?per_page=2&page=2", headers=headers).json
    assert first["total"] == len(PEOPLE) and [i["rank"] for i in first["items"] + second["items"]] == [1, 2, 3, 4]
    mine = client.get("/api/v1/scenes/school-entry-primary/2026/entitlements/TX-2026-000005", headers=headers)
    assert mine.status_code == 200 and mine.json["reason"] == "积分已失效（2026-05-02 居住证注销）"
    missing = client.get("/api/v1/scenes/school-entry-primary/2026/entitlements/TX-NOBODY", headers=headers)
    assert missing.status_code == 404 and missing.json["code"] == "not_on_list"
    no_scene = client.get("/api/v1/scenes/school-entry-primary/2025", headers=headers)
    assert no_scene.status_code == 404 and no_scene.json["code"] == "scene_not_found"
    assert client.get("/api/v1/scenes").status_code == 401


def test_what_if_for_thresholds_and_a_draft_standard(lived: Any, db: Any) -> None:
    with db.transaction() as s:
        given = definition.read(scene_document(threshold=0, quota=3))
        shown = whatif.of_basis(s, given)
        assert shown["basis"] == 5 and shown["passing"] == 5
        assert sum(b["count"] for b in shown["bins"]) == 5 and shown["bins"][0]["pass_at_from"] == 5
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor")
        under = whatif.under_version(s, given, draft.id)
    assert under["passing"] == {"now": 5, "version": 5} and under["report"]["applications"] == 5
    assert under["report"]["changed"] == 0  # an unchanged clone changes nobody's total


def test_the_api_examples_are_what_the_service_answers(seeded: Any, db: Any) -> None:
    people = [
        Person("TX-2026-000101", D("120"), categories={"base": D("40")}),
        Person("TX-2026-000102", D("96.5")),
        Person(
            "TX-2026-000103", D("130"), state="voided", voided_on=dt.date(2026, 5, 2), void_reason="permit_cancelled"
        ),
    ]
    with db.transaction() as s:
        add(s, people)
        document = {k: v for k, v in api_scenes.SCENE.items() if k in definition.FIELDS}
        drafts.create(s, definition.read(document), "publisher")
    headers = {"Authorization": f"Bearer {_key(db, 'school-system', ['read'])}"}
    client = seeded.test_client()
    for operation, path in (
        ("listScenes", "/api/v1/scenes"),
        ("getScene", "/api/v1/scenes/school-entry-primary/2026"),
        ("getEntitlement", "/api/v1/scenes/school-entry-primary/2026/entitlements/TX-2026-000102"),
    ):
        assert client.get(path, headers=headers).json == api_scenes.EXAMPLES[operation]["responses"][200], operation
