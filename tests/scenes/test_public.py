"""The public pages of scenes: a published list with references partly masked, its threshold, quota and date; no
draft shown."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from jifen.scenes import definition, drafts, freezing
from jifen.statements import signing
from public.scenes import masked
from tests.scenes.population import Person, add, scene_document


def test_references_are_partly_masked() -> None:
    assert masked("TX-2026-000123") == "TX-2026-***123"
    assert masked("AB12345") == "****345"
    assert masked("X-12") == "X-**2"


def test_a_published_list_is_public_a_draft_is_not(seeded: Any, db: Any) -> None:
    with db.transaction() as s:
        add(s, [Person(f"TX-2026-{k:06d}", D(95 + 5 * k)) for k in range(4)])  # 95 … 110
        drafts.create(s, definition.read(scene_document(code="public-rental", name="公租房配租")), "publisher")
        scene = drafts.create(s, definition.read(scene_document(quota=2)), "publisher")
        freezing.publish(s, scene, "publisher", signing.signer_for(seeded))
    client = seeded.test_client()
    listed = client.get("/scenes").get_data(as_text=True)
    assert "积分入学（小学一年级）" in listed and "公租房配租" not in listed
    assert client.get("/scenes/public-rental/2026").status_code == 404
    page = client.get("/scenes/school-entry-primary/2026")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "TX-2026-***003" in text and "TX-2026-000003" not in text
    assert "100 分" in text and "2 名" in text and "未达到分数线（差5分）" in text
    assert (
        client.get("/scenes/school-entry-primary/2026", headers={"If-None-Match": page.headers["ETag"]}).status_code
        == 304
    )
    assert client.get("/scenes/school-entry-primary/2026?page=9").status_code == 404
