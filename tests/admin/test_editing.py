"""Editing a draft in the console: items, conditions, test cases; conflicts lose nothing; mistakes are explained."""

from __future__ import annotations

from typing import Any

from jifen.services import rulesets
from tests.admin.conftest import form_values
from tests.conftest import RULESETS


def _draft(db: Any) -> tuple[int, int, int]:
    """A 2027 draft cloned from 2026: (version id, lock, id of item T4-4 国家级科学技术奖)."""
    with db.transaction() as s:
        row = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        item = next(i for ind in row.indicators for i in ind.items if i.code == "T4-4")
        return row.id, row.lock_version, item.id


def _item_form(lock: int, **changes: str) -> dict[str, str]:
    form = {"lock_version": str(lock), "code": "T4-4", "label": "获得国家级科学技术奖", "mode": "all", "points_kind": "fixed",
            "fixed": "20", "group": "award", "field_0": "science_award", "op_0": "==", "value_0": "国家级"}  # fmt: skip
    form.update(changes)
    return form


def test_edit_item_points_and_condition(console: Any, db: Any) -> None:
    vid, lock, item_id = _draft(db)
    console.login("editor")
    page = console.get(f"/admin/versions/{vid}/items/{item_id}").get_data(as_text=True)
    assert 'value="国家级"' in page or 'value="national"' in page
    response = console.post(
        f"/admin/versions/{vid}/items/{item_id}",
        _item_form(lock, fixed="18", mode="any", field_1="heroic_act", op_1="==", value_1="是"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    with db.transaction() as s:
        model = rulesets.load_model(rulesets.get_version(s, vid))
        item = next(i for ind in model.indicators for i in ind.items if i.code == "T4-4")
        assert item.points.points == 18  # type: ignore[union-attr]
        assert item.when.mode == "any" and [c.field for c in item.when.conditions] == ["science_award", "heroic_act"]  # type: ignore[union-attr]
        assert rulesets.get_version(s, vid).lock_version == lock + 1
    detail = console.get(f"/admin/versions/{vid}").get_data(as_text=True)
    assert "科学技术奖（最高级别）为国家级或获见义勇为确认时，得18分" in detail


def test_wrong_values_are_explained_in_chinese_and_kept(console: Any, db: Any) -> None:
    vid, lock, item_id = _draft(db)
    console.login("editor")
    response = console.post(
        f"/admin/versions/{vid}/items/{item_id}",
        _item_form(lock, fixed="abc", value_0="宇宙级", field_1="skill_level", op_1=">", value_1="二"),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "固定分值应为数字，填写的是 abc" in page
    assert "应为以下之一：national, provincial, city, county" in page
    assert "二：应为整数，填写的是 “二”" in page
    assert 'value="宇宙级"' in page and 'value="abc"' in page  # what was typed is still there
    with db.transaction() as s:
        assert rulesets.get_version(s, vid).lock_version == lock  # nothing saved


def test_conflicting_saves_keep_the_first_and_the_typing_of_the_second(console: Any, db: Any) -> None:
    vid, lock, item_id = _draft(db)
    console.login("editor")
    first = console.post(f"/admin/versions/{vid}/items/{item_id}", _item_form(lock, fixed="19"))
    assert first.status_code == 302
    second = console.post(
        f"/admin/versions/{vid}/items/{item_id}", _item_form(lock, fixed="17")
    )  # loaded before the first save
    page = second.get_data(as_text=True)
    assert second.status_code == 200 and "已被其他人修改，您的修改未保存" in page and 'value="17"' in page
    with db.transaction() as s:
        model = rulesets.load_model(rulesets.get_version(s, vid))
        assert next(i for ind in model.indicators for i in ind.items if i.code == "T4-4").points.points == 19  # type: ignore[union-attr]


def test_run_cases_update_expectation_then_publish(console: Any, db: Any) -> None:
    vid, _, _ = _draft(db)
    console.login("editor")
    with db.transaction() as s:
        t33 = next(i for ind in rulesets.get_version(s, vid).indicators for i in ind.items if i.code == "T3-3")
    form = form_values(console.get(f"/admin/versions/{vid}/items/{t33.id}").get_data(as_text=True))
    assert form["fixed"] == "10" and form["field_0"] == "dwelling"
    assert console.post(f"/admin/versions/{vid}/items/{t33.id}", {**form, "fixed": "12"}).status_code == 302
    cases = console.get(f"/admin/versions/{vid}/cases").get_data(as_text=True)
    assert "15 / 16 个用例通过，1 个未通过" in cases
    assert "总分：预期 203.5，实际 205.5" in cases and "指标项 T3：预期 32.5，实际 34.5" in cases
    console.login("publisher")
    refused = console.post(f"/admin/versions/{vid}/publish", {"note": "备案租赁住房加分"})
    assert "不能发布：1 个测试用例未通过" in console.get(refused.headers["Location"]).get_data(as_text=True)
    with db.transaction() as s:
        case_id = next(c.id for c in rulesets.get_version(s, vid).cases if c.name == "典型技术工人")
    console.login("editor")
    form = form_values(console.get(f"/admin/versions/{vid}/cases/{case_id}").get_data(as_text=True))
    assert form["exp_total"] == "203.5" and form["fact_dwelling"] == "registered_rental"
    saved = console.post(
        f"/admin/versions/{vid}/cases/{case_id}",
        {**form, "exp_total": "205.5", "exp_cat_base": "108.5", "exp_ind_T3": "34.5"},
    )
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "16 / 16 个用例通过" in console.get(f"/admin/versions/{vid}/cases").get_data(as_text=True)
    console.login("publisher")
    published = console.post(f"/admin/versions/{vid}/publish", {"note": "登记备案租赁住房加分提高到12分"})
    assert "已发布 tongxiang/2027/1" in console.get(published.headers["Location"]).get_data(as_text=True)


def test_case_form_reports_bad_facts(console: Any, db: Any) -> None:
    vid, lock, _ = _draft(db)
    console.login("editor")
    form = {"lock_version": str(lock), "name": "新用例", "fact_permit_valid": "true", "fact_birth_date": "1990-02-30",
            "fact_insurance_months": "12.5", "fact_skill_level": "9", "exp_total": "x"}  # fmt: skip
    page = console.post(f"/admin/versions/{vid}/cases/new", form).get_data(as_text=True)
    assert "应为整数，填写的是 12.5" in page and "预期总分应为数字" in page
    form.update({"fact_insurance_months": "12", "exp_total": "30"})
    page = console.post(f"/admin/versions/{vid}/cases/new", form).get_data(as_text=True)
    assert "日期无效" in page and "不能大于 5" in page and "必填项，未填写" in page


def test_import_shows_problems_in_the_page(console: Any, db: Any) -> None:
    import io

    console.login("editor")
    broken = (
        (RULESETS / "tongxiang-2026.yaml")
        .read_text(encoding="utf-8")
        .replace("field: age, op: <=", "field: agee, op: <=", 1)
    )
    response = console.post("/admin/versions/import", {"file": (io.BytesIO(broken.replace("revision: 1", "revision: 3").encode()), "draft.yaml")},
                            content_type="multipart/form-data")  # fmt: skip
    page = response.get_data(as_text=True)
    assert "文件未能导入" in page and "指标项第1项 · 细则第1项 · 条件 · 字段：未知字段 &#39;agee&#39;" in page
    good = (
        (RULESETS / "tongxiang-2026.yaml")
        .read_text(encoding="utf-8")
        .replace("revision: 1", "revision: 3")
        .replace("status: published", "status: draft")
    )
    imported = console.post(
        "/admin/versions/import", {"file": (io.BytesIO(good.encode()), "r3.yaml")}, content_type="multipart/form-data"
    )
    assert imported.status_code == 302
    with db.transaction() as s:
        assert rulesets.get_version(s, "tongxiang/2026/3").status == "draft"


def test_try_it_compare_and_records(console: Any, db: Any, seeded: Any) -> None:
    console.login("auditor")
    form = {"vid": "2", "as_of": "2026-06-01", "fact_permit_valid": "true", "fact_permit_endorsed": "true", "fact_birth_date": "1990-05-01",
            "fact_education": "college", "fact_insurance_months": "7"}  # fmt: skip
    page = console.post("/admin/tryit/", form).get_data(as_text=True)
    assert "总分：31.5 分" in page and "<svg" in page
    compare = console.get("/admin/compare/?a=1&b=2").get_data(as_text=True)
    assert "新增" in compare and "T5-5" in compare and "每单位分值" in compare and "个人纳税4000元" in compare
    from jifen.services import api_clients

    with db.transaction() as s:
        _, key = api_clients.create_client(s, "sys", ["score", "read"], "admin")
    body = {
        "application_ref": "TX-77",
        "year": 2026,
        "facts": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01"},
    }
    created = seeded.test_client().post("/api/v1/scores", json=body, headers={"Authorization": f"Bearer {key}"}).json
    listing = console.get("/admin/scores/?search=TX-77").get_data(as_text=True)
    assert "TX-77" in listing
    details = console.get(f"/admin/scores/details/?id={created['id']}").get_data(as_text=True)
    assert "申请事实（原样）" in details and "P1 年龄" in details
    verified = console.post(f"/admin/scores/verify/{created['id']}")
    assert "核验通过" in console.get(verified.headers["Location"]).get_data(as_text=True)
    audit = console.get("/admin/audit/").get_data(as_text=True)
    assert "import" in audit and "api_client" in audit


def test_new_indicator_item_and_fact(console: Any, db: Any) -> None:
    vid, lock, _ = _draft(db)
    console.login("editor")
    bad = console.post(
        f"/admin/versions/{vid}/facts/new",
        {"lock_version": str(lock), "name": "Social Hours", "label": "", "type": "number"},
    )
    assert "字段名只能由小写字母" in bad.get_data(as_text=True) and "请填写名称" in bad.get_data(as_text=True)
    fact = {
        "lock_version": str(lock),
        "name": "community_hours",
        "label": "社区服务时长（小时）",
        "type": "number",
        "min": "0",
        "department": "民政局",
    }
    assert console.post(f"/admin/versions/{vid}/facts/new", fact).status_code == 302
    indicator = {
        "lock_version": str(lock + 1),
        "code": "T9",
        "name": "社区服务",
        "category": "bonus",
        "cap": "10",
        "departments": "民政局",
        "reference": "样例",
    }
    assert console.post(f"/admin/versions/{vid}/indicators/new", indicator).status_code == 302
    with db.transaction() as s:
        row = rulesets.get_version(s, vid)
        t9 = next(i for i in row.indicators if i.code == "T9")
        lock = row.lock_version
    item = {"lock_version": str(lock), "code": "T9-1", "label": "社区服务每满10小时得1分", "points_kind": "per_unit", "unit_field": "community_hours",
            "rate": "1", "unit": "10", "cap": "10"}  # fmt: skip
    assert console.post(f"/admin/versions/{vid}/indicators/{t9.id}/new-item", item).status_code == 302
    with db.transaction() as s:
        model = rulesets.load_model(rulesets.get_version(s, vid))
        assert model.catalogue["community_hours"].type == "number"
        assert [i.code for i in next(i for i in model.indicators if i.code == "T9").items] == ["T9-1"]
    detail = console.get(f"/admin/versions/{vid}").get_data(as_text=True)
    assert "社区服务时长（小时）每满10得1分，本项最高10分" in detail
