"""/api/v1/rulesets and /api/v1/versions."""

from __future__ import annotations

from typing import Any

from jifen.access.users import get_user
from jifen.standard import drafts, rulesets


def test_rulesets_and_their_versions(client: Any, headers: dict[str, str]) -> None:
    assert client.get("/api/v1/rulesets", headers=headers).json == {
        "items": [{"code": "tongxiang", "versions": 2, "published": ["tongxiang/2026/1", "tongxiang/2025/1"]}]
    }
    versions = client.get("/api/v1/rulesets/tongxiang/versions", headers=headers).json["items"]
    assert [(v["ref"], v["status"]) for v in versions] == [
        ("tongxiang/2026/1", "published"),
        ("tongxiang/2025/1", "published"),
    ]
    assert versions[0]["content_hash"].startswith("sha256:") and versions[0]["published_by"] == "test"


def test_whole_version(client: Any, headers: dict[str, str]) -> None:
    body = client.get("/api/v1/versions/tongxiang/2025/1", headers=headers).json
    doc = body["document"]
    assert body["ref"] == "tongxiang/2025/1" and doc["year"] == 2025
    assert [c["code"] for c in doc["categories"]] == ["provincial", "base", "bonus", "deduction"]
    t7 = next(i for i in doc["indicators"] if i["code"] == "T7")
    assert t7["departments"] == ["税务局"] and "附件2" in t7["reference"]
    assert t7["items"][0]["per_unit"] == {"field": "income_tax_paid", "rate": 1, "unit": 2000}
    assert body["sentences"]["T7-1"] == "上一年度在本市缴纳个人所得税每满2000元得1分，本项最高20分"
    assert len(doc["facts"]) == 36 and len(doc["cases"]) == 16


def test_in_force(client: Any, headers: dict[str, str], db: Any) -> None:
    assert (
        client.get("/api/v1/versions/in-force?year=2026&date=2026-08-01", headers=headers).json["ref"]
        == "tongxiang/2026/1"
    )
    with db.transaction() as s:
        draft = rulesets.clone(s, "tongxiang/2026/1", "editor")
        drafts.edit(s, draft.id, "editor", "生效日期", drafts.META, None,
                    lambda doc: doc.update(effective_from="2026-07-01") or drafts.META)  # fmt: skip
    with db.transaction() as s:
        rulesets.publish(s, "tongxiang/2026/2", get_user(s, "publisher"), "七月修订")
    assert (
        client.get("/api/v1/versions/in-force?year=2026&date=2026-06-30", headers=headers).json["ref"]
        == "tongxiang/2026/1"
    )
    assert (
        client.get("/api/v1/versions/in-force?year=2026&date=2026-07-01", headers=headers).json["ref"]
        == "tongxiang/2026/2"
    )
    missing = client.get("/api/v1/versions/in-force?year=2031&date=2031-01-01", headers=headers)
    assert missing.status_code == 409 and missing.json["message"] == "no version in force for 2031 on 2031-01-01"


def test_diff(client: Any, headers: dict[str, str]) -> None:
    body = client.get("/api/v1/versions/tongxiang/2025/1/diff/tongxiang/2026/1", headers=headers).json
    assert sorted(c["code"] for c in body["changes"] if c["affects_points"]) == ["T2-2", "T5-5", "T7-1", "T8-4"]
    assert body["a"]["ref"] == "tongxiang/2025/1" and body["b"]["ref"] == "tongxiang/2026/1"
    assert any(c["case"] == "个人纳税4000元" and c["changed"] for c in body["cases"])
