"""Steps that cannot be undone ask first and say what will follow; 试算 keeps what was typed."""

from __future__ import annotations

import re
from typing import Any

from jifen.standard import rulesets
from tests.admin.conftest import form_values


def _draft(db: Any, year: int = 2027) -> int:
    with db.transaction() as s:
        return rulesets.clone(s, "tongxiang/2026/1", "editor", year=year).id


def test_publishing_asks_and_says_which_version_is_in_force_from_when(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("publisher")
    page = console.post(f"/admin/versions/{vid}/publish", {"note": "2027年度标准"}).get_data(as_text=True)
    assert "发布 tongxiang/2027/1" in page and "自 2027-01-01 起适用于 2027 年度" in page
    assert "没有生效的版本" in page and "<td>2027-01-01</td><td>tongxiang/2027/1</td>" in page
    with db.transaction() as s:
        assert rulesets.get_version(s, vid).status == "draft"  # nothing happened yet
    form = form_values(page)
    assert form["confirmed"] == "1"
    done = console.post(f"/admin/versions/{vid}/publish", {**form, "note": "2027年度标准"})
    assert "已发布 tongxiang/2027/1" in console.get(done.headers["Location"]).get_data(as_text=True)


def test_a_revision_published_mid_year_shows_what_it_replaces(console: Any, db: Any) -> None:
    from jifen.standard import drafts

    vid = _draft(db, year=2026)
    with db.transaction() as s:
        drafts.edit(s, vid, "editor", "生效日期", drafts.META, None,
                    lambda doc: doc.update(effective_from="2099-07-01") or drafts.META)  # fmt: skip
    console.login("publisher")
    page = console.post(f"/admin/versions/{vid}/publish", {"note": "七月修订"}).get_data(as_text=True)
    assert "<td>2099-07-01</td><td>tongxiang/2026/2</td>" in page  # after publishing it takes over from July
    assert page.count("tongxiang/2026/1</td>") == 2  # in force now, before and after


def test_retiring_needs_a_reason_and_says_what_remains(console: Any, db: Any) -> None:
    console.login("publisher")
    page = console.post("/admin/versions/2/retire", {"note": ""}).get_data(as_text=True)
    assert "停用 tongxiang/2026/1" in page and "停用后" in page and "没有生效的版本" in page
    refused = console.post("/admin/versions/2/retire", {"note": " ", "confirmed": "1"})
    assert refused.status_code == 422 and "停用 tongxiang/2026/1 必须填写原因" in refused.get_data(as_text=True)
    done = console.post("/admin/versions/2/retire", {"note": "被2026年第2次修订取代", "confirmed": "1"})
    detail = console.get(done.headers["Location"]).get_data(as_text=True)
    assert "已停用 tongxiang/2026/1" in detail and "被2026年第2次修订取代" in detail


def test_cloning_into_a_year_with_a_published_version_asks_and_year_0_is_refused(console: Any, db: Any) -> None:
    console.login("editor")
    asked = console.post("/admin/versions/2/clone", {"year": "2026"}).get_data(as_text=True)
    assert "2026 年度已有已发布的版本：tongxiang/2026/1" in asked and "确认克隆" in asked
    with db.transaction() as s:
        assert [v.ref for v in rulesets.list_versions(s, year=2026)] == ["tongxiang/2026/1"]
    done = console.post("/admin/versions/2/clone", form_values(asked))
    assert "已创建草稿 tongxiang/2026/2" in console.get(done.headers["Location"]).get_data(as_text=True)
    for year in ("0", "2101", "1e9", "-2026"):
        refused = console.post("/admin/versions/2/clone", {"year": year})
        page = console.get(refused.headers["Location"]).get_data(as_text=True)
        assert "年度应在2000至2100之间" in page, year
    fresh = console.post("/admin/versions/2/clone", {"year": "2028"})  # no published version there: no question
    assert fresh.status_code == 302 and "已创建草稿 tongxiang/2028/1" in console.get(
        fresh.headers["Location"]
    ).get_data(as_text=True)


APPLICANT = {"as_of": "2026-06-01", "fact_permit_valid": "true", "fact_permit_endorsed": "true",
             "fact_birth_date": "1990-05-01", "fact_education": "college", "fact_income_tax_paid": "4000"}  # fmt: skip


def test_try_it_opens_on_the_version_in_force_today(console: Any, db: Any) -> None:
    import datetime as dt

    console.login("auditor")
    page = console.get("/admin/tryit/").get_data(as_text=True)
    selected = form_values(page)["vid"]
    with db.transaction() as s:
        try:
            expected = rulesets.in_force(s, dt.date.today().year, dt.date.today()).id
        except Exception:  # no sample version is in force this year: the newest published one
            expected = rulesets.list_versions(s, status="published")[0].id
    assert selected == str(expected)


def test_try_it_keeps_the_facts_when_the_version_changes(console: Any, db: Any) -> None:
    console.login("auditor")
    page = console.post("/admin/tryit/", {**APPLICANT, "vid": "1", "action": "switch"}).get_data(as_text=True)
    form = form_values(page)
    assert form["vid"] == "1" and form["fact_birth_date"] == "1990-05-01" and form["fact_education"] == "college"
    assert form["fact_income_tax_paid"] == "4000" and "tryit-total" not in page  # switched, not scored
    page = console.post("/admin/tryit/", {**form, "vid": "2", "action": "switch"}).get_data(as_text=True)
    assert form_values(page)["fact_income_tax_paid"] == "4000"


def test_try_it_shows_two_versions_side_by_side(console: Any, db: Any) -> None:
    console.login("auditor")
    page = console.post("/admin/tryit/", {**APPLICANT, "vid": "1", "vid_b": "2", "action": "score"}).get_data(
        as_text=True
    )
    assert 'id="tryit-compare"' in page and "tongxiang/2025/1：总分" in page and "tongxiang/2026/1：总分" in page
    # T7 个人纳税: 1 point per full 2,000 yuan in 2025, per full 1,000 yuan in 2026
    compare = page[page.index('id="tryit-compare"') :]
    row = compare[compare.index("T7 个人纳税") : compare.index("</tr>", compare.index("T7 个人纳税"))]
    assert ">2<" in row and ">4<" in row and "+2" in row
    text = re.sub(r"<[^>]*>", " ", page)  # what the page shows: categories by their names, never their codes
    assert "省级共性指标" in text and re.findall(r"(?<![\w-])(?:provincial|base|bonus|deduction)(?![\w-])", text) == []


def test_a_reviewed_result_becomes_the_expectation(console: Any, db: Any) -> None:
    from jifen.standard import drafts

    vid = _draft(db)
    with db.transaction() as s:
        drafts.edit(s, vid, "editor", "T3-3", ("item", "T3-3"), None,
                    lambda d: drafts.locate(d, ("item", "T3-3"))[1].update(fixed=12) or ("item", "T3-3"))  # fmt: skip
        position = next(
            i
            for i, c in enumerate(rulesets.document(rulesets.get_version(s, vid))["cases"])
            if c["name"] == "典型技术工人"
        )
    console.login("editor")
    url = f"/admin/drafts/{vid}/cases/{position}"
    form = form_values(console.get(url).get_data(as_text=True))
    page = console.post(url, {**form, "action": "adopt"}).get_data(as_text=True)
    adopted = form_values(page)
    assert "尚未保存" in page and adopted["exp_total"] == "205.5" and adopted["exp_ind_T3"] == "34.5"
    assert console.post(url, adopted).status_code == 302  # reviewed, then saved
    assert "16 / 16 个用例通过" in console.get(f"/admin/versions/{vid}/cases").get_data(as_text=True)


def test_error_pages_are_chinese_and_keep_the_console_navigation(console: Any, db: Any) -> None:
    console.login("auditor")
    for url, status, title in [("/admin/users/", 403, "没有权限"), ("/admin/versions/999999", 404, "页面不存在"),
                               ("/admin/no-such-page", 404, "页面不存在"), ("/admin/drafts/2/items/NOPE", 403, "没有权限")]:  # fmt: skip
        response = console.get(url)
        assert response.status_code == status, url
        if status != 302:
            page = response.get_data(as_text=True)
            assert title in page and "指标版本" in page and "试算" in page and "<title>" in page, url  # the navigation
            assert response.mimetype == "text/html" and "Not Found" not in page and "Forbidden" not in page


def test_an_editor_gets_404_for_a_part_that_is_not_there(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    for url in (f"/admin/drafts/{vid}/items/NOPE", f"/admin/drafts/{vid}/cases/99", f"/admin/drafts/{vid}/facts/nope",
                "/admin/drafts/999999/edit", "/admin/versions/999999/cases"):  # fmt: skip
        response = console.get(url)
        assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True), url


def test_the_audit_log_shows_what_changed_field_by_field(console: Any, db: Any) -> None:
    from jifen.standard import drafts
    from jifen.store.models import AuditEntry

    vid = _draft(db)
    with db.transaction() as s:
        drafts.edit(s, vid, "editor", "赋分细则 T3-3", ("item", "T3-3"), None,
                    lambda d: drafts.locate(d, ("item", "T3-3"))[1].update(fixed=12) or ("item", "T3-3"))  # fmt: skip
        entry = s.query(AuditEntry).filter_by(action="edit").one()
    console.login("auditor")
    page = console.get(f"/admin/audit/details/?id={entry.id}").get_data(as_text=True)
    table = page[page.index('id="audit-changes"') :]
    assert '<td>固定分值</td><td class="before">10</td><td class="after">12</td>' in table
    assert "赋分细则 T3-3" in page and "修改" in page


def test_compare_opens_on_the_version_in_force_against_the_newest_draft(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("auditor")
    page = console.get("/admin/compare/").get_data(as_text=True)
    form = form_values(page)
    assert form["b"] == str(vid) and 'id="diff-table"' in page


def test_the_audit_log_filters_logins_apart(console: Any, db: Any) -> None:
    console.login("auditor")
    listing = console.get("/admin/audit/").get_data(as_text=True)
    cell = re.compile(r">\s*登录\s*</td>")
    assert cell.search(listing)
    # filter 8 is 操作 不等于 (see AuditLogView.column_filters): everything but the logins
    changes = console.get("/admin/audit/?flt0_8=login").get_data(as_text=True)
    assert not cell.search(changes) and re.search(r">\s*导入\s*</td>", changes)


def test_each_lint_warning_is_ticked_and_a_refusal_keeps_the_note_and_the_ticks(console: Any, db: Any) -> None:
    import yaml

    from tests.conftest import RULESETS

    document = yaml.safe_load((RULESETS / "tongxiang-2026.yaml").read_text(encoding="utf-8"))
    document.update(revision=2, status="draft")
    document["facts"].append({"name": "x", "type": "number", "label": "测试事实", "min": 0})
    taxes = next(i for i in document["indicators"] if i["code"] == "T7")  # two bands sharing 40: they add up there
    taxes["items"] += [{"code": "X-1", "label": "第一档", "when": {"field": "x", "op": "<=", "value": 40}, "fixed": 1},
                       {"code": "X-2", "label": "第二档", "when": {"field": "x", "op": ">=", "value": 40}, "fixed": 2}]  # fmt: skip
    with db.transaction() as s:
        row, _created = rulesets.import_text(s, yaml.safe_dump(document, allow_unicode=True), "x.yaml", "test")
        vid = row.id
    console.login("publisher")
    url = f"/admin/versions/{vid}/publish"
    page = console.post(url, {"note": "年龄上限调整"}).get_data(as_text=True)
    assert "静态检查发现 1 个警告，发布前请逐项确认" in page
    assert (
        "已知悉：<strong>可能重复累加</strong>（T7：X-1、X-2）" in page and "（“测试事实” 40），两项分值会相加" in page
    )
    (key,) = re.findall(r'name="ack" id="ack-1" value="([^"]+)"', page)
    form = form_values(page)
    unticked = console.post(url, {**form, "note": "年龄上限调整，见说明"})
    assert unticked.status_code == 422
    again = unticked.get_data(as_text=True)
    assert "还有 1 个静态检查警告没有勾选“已知悉”" in again and ">年龄上限调整，见说明</textarea>" in again
    assert 'value="' + key + '" checked' not in again
    with db.transaction() as s:
        assert rulesets.get_version(s, vid).status == "draft"
    no_note = console.post(url, {**form, "note": " ", "ack": key})
    assert no_note.status_code == 422 and f'value="{key}" checked' in no_note.get_data(as_text=True)  # ticks kept
    done = console.post(url, {**form, "note": "年龄上限调整", "ack": key})
    assert done.status_code == 302
    with db.transaction() as s:
        published = rulesets.get_version(s, vid)
        assert published.status == "published" and published.publish_note == "年龄上限调整"


def test_the_audit_log_names_actors_fields_and_times_in_chinese(console: Any, db: Any) -> None:
    from jifen.access import audit, users
    from jifen.store.models import AuditEntry

    vid = _draft(db)
    with db.transaction() as s:
        rulesets.publish(s, vid, users.get_user(s, "publisher"), "2027年度标准")
        entry = s.query(AuditEntry).filter_by(action="publish").one()
        audit.record(s, "import", "import", "version", object_ref="tongxiang/2099/1")
        audit.record(s, "bootstrap", "create", "user", object_ref="admin", after={"role": "admin"})
    console.login("auditor")
    page = console.get(f"/admin/audit/details/?id={entry.id}").get_data(as_text=True)
    changes = page[page.index('id="audit-changes"') : page.index('id="audit-record"')]
    assert '<td>状态</td><td class="before">草稿</td><td class="after">已发布</td>' in changes
    assert re.search(r'<td>发布时间</td><td class="before">（无）</td><td class="after">\d{4}-\d\d-\d\d \d\d:\d\d:\d\d</td>',
                     changes)  # fmt: skip
    record = page[page.index('id="audit-record"') :]
    assert "<td>修改次数</td>" in record and "<td>内容指纹</td>" in record and "<td>创建人</td>" in record
    shown = page.replace('role="status"', "")  # the flashed messages' live region, not a field
    for raw in ("lock_version", "content_hash", "published_at", "+00:00", '"status"'):
        assert raw not in shown, raw
    listing = console.get("/admin/audit/").get_data(as_text=True)
    assert "命令行导入" in listing and "系统初始化" in listing
    assert ">import<" not in listing and ">bootstrap<" not in listing


def test_the_home_page_names_a_published_version_that_comes_into_force_later(console: Any, db: Any) -> None:
    import datetime as dt

    next_year = dt.date.today().year + 1
    vid = _draft(db, year=next_year)
    console.login("publisher")
    form = form_values(console.post(f"/admin/versions/{vid}/publish", {"note": "新年度标准"}).get_data(as_text=True))
    console.post(f"/admin/versions/{vid}/publish", {**form, "note": "新年度标准"})
    home = console.get("/admin/").get_data(as_text=True)
    row = home[home.index(f"<td>{next_year}</td>") :].split("</tr>")[0]
    assert f"tongxiang/{next_year}/1" in row and f"已发布，尚未生效：自 {next_year}-01-01 起生效" in row
    assert "没有生效的版本" not in row
