"""Who may do what in the console: checked on the server for every view and action, per role."""

from __future__ import annotations

import re
from typing import Any

import pytest

from jifen.services import rulesets

ROLES = ("editor", "publisher", "auditor", "admin")
# page → roles that may open it
PAGES = {
    "/admin/": ROLES,
    "/admin/versions/": ROLES,
    "/admin/versions/1": ROLES,
    "/admin/versions/1/cases": ROLES,
    "/admin/compare/?a=1&b=2": ROLES,
    "/admin/tryit/": ROLES,
    "/admin/versions/1/export": ROLES,
    "/admin/versions/import": ("editor",),
    "/admin/scores/": ("auditor", "admin"),
    "/admin/audit/": ("auditor", "admin"),
    "/admin/users/": ("admin",),
    "/admin/api-clients/": ("admin",),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("url", list(PAGES))
def test_pages_per_role(console: Any, role: str, url: str) -> None:
    console.login(role)
    response = console.get(url)
    expected = 200 if role in PAGES[url] else 403
    assert response.status_code == expected, (role, url)


@pytest.mark.parametrize("url", list(PAGES))
def test_anonymous_is_sent_to_login(console: Any, url: str) -> None:
    response = console.get(url)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def _draft(db: Any) -> int:
    with db.transaction() as s:
        return rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id


def test_actions_per_role(console: Any, db: Any) -> None:
    draft = _draft(db)
    actions = [
        (f"/admin/versions/{draft}/publish", {"note": "x"}, ("publisher",)),
        ("/admin/versions/2/retire", {}, ("publisher",)),
        ("/admin/versions/2/clone", {"year": "2028"}, ("editor",)),
        (
            f"/admin/versions/{draft}/edit",
            {"title": "t", "effective_from": "2027-01-01", "lock_version": "1"},
            ("editor",),
        ),
        (f"/admin/versions/{draft}/delete", {}, ("editor",)),
        ("/admin/users/", {"username": "x1", "role": "editor", "password": "Zhe-jiang-2026"}, ("admin",)),
        ("/admin/api-clients/", {"name": "c1", "scope": "read"}, ("admin",)),
    ]
    for url, data, allowed in actions:
        for role in ROLES:
            if role in allowed:
                continue
            console.login(role)
            response = console.post(url, data)
            assert response.status_code == 403, (role, url, response.status_code)
    with db.transaction() as s:  # nothing of it happened
        row = rulesets.get_version(s, draft)
        assert row.status == "draft" and row.title != "t"
        assert rulesets.get_version(s, "tongxiang/2026/1").status == "published"
        assert [v.ref for v in rulesets.list_versions(s, year=2028)] == []


@pytest.mark.parametrize("role", ["publisher", "auditor", "admin"])
def test_only_editors_reach_the_draft_editor(console: Any, db: Any, role: str) -> None:
    draft = _draft(db)
    with db.transaction() as s:
        row = rulesets.get_version(s, draft)
        ind, item, case, fact = row.indicators[0], row.indicators[0].items[0], row.cases[0], row.facts[0]
        urls = [f"/admin/versions/{draft}/edit", f"/admin/versions/{draft}/indicators/{ind.id}", f"/admin/versions/{draft}/items/{item.id}",
                f"/admin/versions/{draft}/indicators/{ind.id}/new-item", f"/admin/versions/{draft}/cases/{case.id}",
                f"/admin/versions/{draft}/cases/new", f"/admin/versions/{draft}/facts/{fact.id}", "/admin/versions/import",
                f"/admin/versions/{draft}/indicators/new", f"/admin/versions/{draft}/facts/new"]  # fmt: skip
        deletes = [f"/admin/versions/{draft}/items/{item.id}/delete", f"/admin/versions/{draft}/cases/{case.id}/delete",
                   f"/admin/versions/{draft}/indicators/{ind.id}/delete", f"/admin/versions/{draft}/facts/{fact.id}/delete"]  # fmt: skip
        lock = row.lock_version
    console.login(role)
    for url in urls:
        assert console.get(url).status_code == 403, url
        assert (
            console.post(url, {"lock_version": str(lock), "title": "x", "name": "x", "label": "x"}).status_code == 403
        ), url
    for url in deletes:
        assert console.post(url, {"lock_version": str(lock)}).status_code == 403, url
    with db.transaction() as s:
        assert rulesets.get_version(s, draft).lock_version == lock  # untouched


def test_auditor_cannot_edit_a_draft(console: Any, db: Any) -> None:
    draft = _draft(db)
    console.login("auditor")
    page = console.get(f"/admin/versions/{draft}").get_data(as_text=True)
    assert "编辑</a>" not in page and "发布</button>" not in page
    with db.transaction() as s:
        item_id = rulesets.get_version(s, draft).indicators[0].items[0].id
    assert console.get(f"/admin/versions/{draft}/items/{item_id}").status_code == 403
    response = console.post(
        f"/admin/versions/{draft}/items/{item_id}",
        {"code": "P1-1", "label": "x", "points_kind": "fixed", "fixed": "99"},
    )
    assert response.status_code == 403


def test_published_versions_are_read_only_in_every_view(console: Any, db: Any) -> None:
    console.login("editor")
    with db.transaction() as s:
        item_id = rulesets.get_version(s, "tongxiang/2026/1").indicators[0].items[0].id
    page = console.get("/admin/versions/2").get_data(as_text=True)
    assert "编辑</a>" not in page
    response = console.get(f"/admin/versions/2/items/{item_id}")
    assert response.status_code == 302
    follow = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "只有草稿可以修改" in follow


def test_console_speaks_chinese(console: Any) -> None:
    console.login("admin")
    page = console.get("/admin/").get_data(as_text=True)
    assert re.search(r"<title>首页 - 桐乡市居住证积分</title>", page)
    for menu in ("指标版本", "版本对比", "试算", "记录", "系统管理", "积分记录", "审计日志"):
        assert menu in page
    listing = console.get("/admin/audit/").get_data(as_text=True)
    assert "操作人" in listing and "列表" in listing  # Flask-Admin's own strings are translated too


def test_no_page_loads_anything_from_elsewhere(console: Any) -> None:
    console.login("admin")
    for url in (
        "/admin/",
        "/admin/versions/2",
        "/admin/compare/?a=1&b=2",
        "/admin/tryit/",
        "/admin/audit/",
        "/admin/login",
    ):
        html = console.get(url).get_data(as_text=True)
        assert not re.search(r"""(src|href)=["'](https?:)?//""", html), url
    css = console.get("/admin/static/bootstrap/bootstrap4/css/bootstrap.min.css")
    assert css.status_code == 200
