"""Who may do what in the console: checked on the server for every view and action, per role."""

from __future__ import annotations

import re
from typing import Any

import pytest

from jifen.standard import rulesets

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
        (f"/admin/versions/{draft}/publish", {"note": "x", "confirmed": "1"}, ("publisher",)),
        ("/admin/versions/2/retire", {"note": "x", "confirmed": "1"}, ("publisher",)),
        ("/admin/versions/2/clone", {"year": "2028", "confirmed": "1"}, ("editor",)),
        (f"/admin/drafts/{draft}/edit", {"title": "t", "effective_from": "2027-01-01"}, ("editor",)),
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
    base = f"/admin/drafts/{draft}"
    urls = [f"{base}/edit", f"{base}/indicators/P1", f"{base}/items/P1-1", f"{base}/indicators/P1/new-item", f"{base}/cases/0",
            f"{base}/new/case", f"{base}/facts/age", "/admin/versions/import", f"{base}/new/indicator", f"{base}/new/fact",
            f"{base}/categories/base", f"{base}/new/category", f"{base}/eligibility/permit_valid", f"{base}/new/requirement"]  # fmt: skip
    deletes = [f"{base}/items/P1-1/delete", f"{base}/cases/0/delete", f"{base}/indicators/P1/delete",
               f"{base}/facts/title/delete", f"{base}/categories/bonus/delete", f"{base}/eligibility/permit_valid/delete"]  # fmt: skip
    with db.transaction() as s:
        lock = rulesets.get_version(s, draft).lock_version
    console.login(role)
    for url in urls:
        assert console.get(url).status_code == 403, url
        assert console.post(url, {"title": "x", "name": "x", "label": "x"}).status_code == 403, url
    for url in deletes:
        assert console.post(url, {}).status_code == 403, url
    with db.transaction() as s:
        assert rulesets.get_version(s, draft).lock_version == lock  # untouched


def test_auditor_cannot_edit_a_draft(console: Any, db: Any) -> None:
    draft = _draft(db)
    console.login("auditor")
    page = console.get(f"/admin/versions/{draft}").get_data(as_text=True)
    assert "编辑</a>" not in page and "发布</button>" not in page
    assert console.get(f"/admin/drafts/{draft}/items/P1-1").status_code == 403
    response = console.post(
        f"/admin/drafts/{draft}/items/P1-1", {"code": "P1-1", "label": "x", "points_kind": "fixed", "fixed": "99"}
    )
    assert response.status_code == 403


def test_published_versions_are_read_only_in_every_view(console: Any, db: Any) -> None:
    console.login("editor")
    page = console.get("/admin/versions/2").get_data(as_text=True)
    assert "编辑</a>" not in page
    response = console.get("/admin/drafts/2/items/P1-1")
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


def test_the_admin_creates_a_department_user_and_reads_refusals_in_chinese(console: Any, db: Any) -> None:
    from html import unescape

    from jifen.store.models import User

    console.login("admin")
    page = console.get("/admin/users/").get_data(as_text=True)
    assert 'name="department"' in page and ">公安局<" in page
    strong = "Qiang-Mima-2026"
    refused = unescape(console.post("/admin/users/", {"username": "wang", "role": "department", "password": strong})
                       .get_data(as_text=True))  # fmt: skip
    assert "请填写部门" in refused and "可选的部门" in refused and "no department" not in refused
    weak = unescape(
        console.post("/admin/users/", {"username": "li", "role": "editor", "password": "abc"}).get_data(as_text=True)
    )
    assert "密码强度不够" in weak and "password" not in re.sub(r"<[^>]+>", "", weak)
    done = console.post(
        "/admin/users/", {"username": "wang", "role": "department", "password": strong, "department": "公安局"}
    )
    assert done.status_code == 302
    with db.transaction() as s:
        user = s.query(User).filter_by(username="wang").one()
        assert (user.role, user.department) == ("department", "公安局")
