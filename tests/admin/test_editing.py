"""Editing a draft in the console: every part of the document, problems on the inputs, conflicts per part."""

from __future__ import annotations

import io
from html import unescape
from typing import Any

import pytest

from jifen.standard import drafts, rulesets
from tests.admin.conftest import form_values
from tests.conftest import RULESETS


def _draft(db: Any) -> int:
    """A 2027 draft cloned from 2026."""
    with db.transaction() as s:
        return rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id


def _doc(db: Any, vid: int) -> dict[str, Any]:
    with db.transaction() as s:
        return rulesets.document(rulesets.get_version(s, vid))


def _part(db: Any, vid: int, kind: str, key: str) -> Any:
    return drafts.locate(_doc(db, vid), (kind, key))[1]


def _form(console: Any, url: str, **changes: str) -> dict[str, str]:
    """The form's values as a browser would send them, with ``changes`` typed in."""
    page = console.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return {**form_values(page.get_data(as_text=True)), **changes}


def test_edit_item_points_and_condition(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T4-4"
    form = _form(console, url)
    assert form["value_0"] == "国家级" and form["fixed"] == "20" and form["group"] == "award"
    form.update(fixed="18", mode="any", field_1="heroic_act", op_1="==", value_1="是")
    response = console.post(url, form)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith("#item-T4-4")  # back to the item saved ...
    landing = console.get(response.headers["Location"]).get_data(as_text=True)
    flashed = landing[landing.index('<div class="flash-messages" role="status">') :].split("</div>")[0]
    assert "已保存" in flashed  # ... with the message in the block the stylesheet keeps in view (sticky)
    item = _part(db, vid, "item", "T4-4")
    assert item["fixed"] == 18
    assert item["when"] == {"any": [{"field": "science_award", "op": "==", "value": "national"},
                                    {"field": "heroic_act", "op": "==", "value": True}]}  # fmt: skip
    detail = console.get(f"/admin/versions/{vid}").get_data(as_text=True)
    assert "科学技术奖（最高级别）为国家级或获见义勇为确认时，得18分" in detail


def test_wrong_values_are_explained_in_chinese_on_their_inputs_and_kept(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T4-4"
    form = _form(console, url, fixed="abc", value_0="宇宙级", field_1="skill_level", op_1=">", value_1="二")
    response = console.post(url, form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "未保存：有 3 个问题" in page
    said = unescape(page)
    assert "应为数字（如 12 或 0.5），填写的是“abc”" in said
    assert "应为以下之一：国家级、省级、地市级、县（市）级（填写的是“宇宙级”）" in said
    assert "应为整数，填写的是“二”" in said
    assert 'value="宇宙级"' in page and 'value="abc"' in page  # what was typed is still there
    assert _part(db, vid, "item", "T4-4")["fixed"] == 20  # nothing saved


@pytest.mark.parametrize(
    "typed",
    ["100000000000000000000", "1e309", "1e28", "-1e28", "300.01", "0.001", "NaN", "Infinity", "9" * 5000],
)
@pytest.mark.parametrize("field", ["fixed", "cap", "rate", "offset", "unit"])
def test_numbers_no_draft_can_hold_are_refused_on_their_input(console: Any, db: Any, typed: str, field: str) -> None:
    if (field, typed) == ("unit", "300.01"):
        pytest.skip("a unit is not points: 300.01 yuan is a unit a draft may hold")
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T2-1"  # per unit: 0.5 per month of local insurance, cap 36
    kind = "fixed" if field == "fixed" else "per_unit"
    form = _form(console, url, points_kind=kind, **{field: typed})
    if field == "fixed":
        form["field_0"], form["op_0"], form["value_0"] = "labor_contract", "==", "是"
    response = console.post(url, form)
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page[:500]
    assert "未保存" in page and 'class="invalid-feedback d-block"' in page
    before = _doc(db, vid)
    # the draft is untouched and every other form still saves
    assert console.post(f"/admin/drafts/{vid}/edit", _form(console, f"/admin/drafts/{vid}/edit")).status_code == 302
    assert drafts.locate(_doc(db, vid), ("item", "T2-1")) == drafts.locate(before, ("item", "T2-1"))


def test_version_information_saves(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/edit"
    form = _form(console, url)
    assert form["title"].startswith("桐乡市居住证积分指标标准（2027年度")
    form.update(title="桐乡市居住证积分指标标准（2027年度）", effective_from="2027-02-01", legal_basis="《办法》第三条",
                sample="false")  # fmt: skip
    response = console.post(url, form)
    assert response.status_code == 302, response.get_data(as_text=True)
    with db.transaction() as s:
        row = rulesets.get_version(s, vid)
        model = rulesets.load_model(row)
        assert (row.title, str(row.effective_from)) == ("桐乡市居住证积分指标标准（2027年度）", "2027-02-01")
        assert (model.legal_basis, model.sample, model.description) == ("《办法》第三条", False, "")
        assert row.content_hash == model.content_hash
    # saving the same form again (its token is the old one, but nobody else changed the part) is a conflict only
    # when someone else did: here the page is reloaded first
    assert console.post(url, _form(console, url, title="再改一次")).status_code == 302
    bad = console.post(url, _form(console, url, title="", effective_from="2027-02-30"))
    page = bad.get_data(as_text=True)
    assert bad.status_code == 200 and page.count('class="invalid-feedback d-block"') == 2


def test_a_conflict_on_the_same_part_shows_theirs_keeps_mine_and_saving_again_works(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T4-4"
    mine = _form(console, url, fixed="17")
    assert console.post(url, _form(console, url, fixed="19")).status_code == 302  # someone else, in another tab
    refused = console.post(url, mine)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "其他人已修改了这一部分" in page and "其他人保存的内容" in page
    assert 'value="17"' in page and _part(db, vid, "item", "T4-4")["fixed"] == 19
    again = console.post(url, form_values(page))  # the page now carries the part as it is: saving is deliberate
    assert again.status_code == 302 and _part(db, vid, "item", "T4-4")["fixed"] == 17


def test_saving_a_case_does_not_stop_an_item_loaded_before(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    item_form = _form(console, f"/admin/drafts/{vid}/items/T3-3", fixed="12")
    case_url = f"/admin/drafts/{vid}/cases/0"
    assert console.post(case_url, _form(console, case_url, exp_total="")).status_code == 302
    assert console.post(f"/admin/drafts/{vid}/items/T3-3", item_form).status_code == 302
    assert _part(db, vid, "item", "T3-3")["fixed"] == 12


def test_run_cases_update_expectation_then_publish(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T3-3"
    form = _form(console, url)
    assert form["fixed"] == "10" and form["field_0"] == "dwelling" and form["value_0"] == "登记备案的租赁住房"
    assert console.post(url, {**form, "fixed": "12"}).status_code == 302
    cases = console.get(f"/admin/versions/{vid}/cases").get_data(as_text=True)
    assert "15 / 16 个用例通过，1 个未通过" in cases
    assert "总分：预期 203.5，实际 205.5" in cases and "指标项 T3 居住情况及住所：预期 32.5，实际 34.5" in cases
    console.login("publisher")
    asked = console.post(f"/admin/versions/{vid}/publish", {"note": "备案租赁住房加分"}).get_data(as_text=True)
    assert "确认发布" in asked and "发布后" in asked  # nothing happens before the confirmation
    refused = console.post(f"/admin/versions/{vid}/publish", {"note": "备案租赁住房加分", "confirmed": "1"})
    assert refused.status_code == 422  # asked again, with the reason and the note as typed
    refusal = refused.get_data(as_text=True)
    assert "不能发布：1 个测试用例未通过" in refusal and ">备案租赁住房加分</textarea>" in refusal
    assert ("测试用例“典型技术工人”：总分：预期 203.5，实际 205.5；类别“本市基础分指标”：预期 106.5，实际 108.5；"
            "指标项 T3 居住情况及住所：预期 32.5，实际 34.5") in refusal  # fmt: skip
    position = next(i for i, c in enumerate(_doc(db, vid)["cases"]) if c["name"] == "典型技术工人")
    console.login("editor")
    case_url = f"/admin/drafts/{vid}/cases/{position}"
    form = _form(console, case_url)
    assert form["exp_total"] == "203.5" and form["fact_dwelling"] == "registered_rental"
    saved = console.post(case_url, {**form, "exp_total": "205.5", "exp_cat_base": "108.5", "exp_ind_T3": "34.5"})
    assert saved.status_code == 302, saved.get_data(as_text=True)
    assert "16 / 16 个用例通过" in console.get(f"/admin/versions/{vid}/cases").get_data(as_text=True)
    console.login("publisher")
    published = console.post(
        f"/admin/versions/{vid}/publish", {"note": "登记备案租赁住房加分提高到12分", "confirmed": "1"}
    )
    assert "已发布 tongxiang/2027/1" in console.get(published.headers["Location"]).get_data(as_text=True)


def test_case_form_refuses_facts_that_break_the_version(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/new/case"
    form = {**_form(console, url), "name": "新用例", "fact_permit_valid": "true", "fact_birth_date": "1990-02-30",
            "fact_insurance_months": "12.5", "fact_skill_level": "6", "exp_total": "x"}  # fmt: skip
    page = console.post(url, form).get_data(as_text=True)
    assert "应为整数" in page and "应为数字" in page and "日期无效" in page and "不能大于 5" in page
    assert "必填项，未填写" in page  # permit_endorsed
    assert len(_doc(db, vid)["cases"]) == 16


def test_import_shows_problems_in_the_page(console: Any, db: Any) -> None:
    console.login("editor")
    source = (RULESETS / "tongxiang-2026.yaml").read_text(encoding="utf-8")
    broken = source.replace("field: age, op: <=", "field: agee, op: <=", 1).replace("revision: 1", "revision: 3")
    response = console.post("/admin/versions/import", {"file": (io.BytesIO(broken.encode()), "draft.yaml")},
                            content_type="multipart/form-data")  # fmt: skip
    page = response.get_data(as_text=True)
    assert "文件未能导入" in page and "指标项 P1 年龄 › 第1个细则（P1-1） › 条件 › 字段" in page and "agee" in page
    good = source.replace("revision: 1", "revision: 3").replace("status: published", "status: draft")
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
    assert "新增" in compare and "T5-5" in compare and "个人纳税4000元" in compare
    assert "每满1个月得<ins>0.25</ins>分" in compare  # T2-2, the rate per month, read as its sentence
    from jifen.access import api_clients

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
    assert (
        f">{created['total']}<" in listing.replace(" ", "").replace("\n", "") and ".00<" not in listing
    )  # 20, not 20.00
    details = console.get(f"/admin/scores/details/?id={created['id']}").get_data(as_text=True)
    assert "申请事实（原样）" in details and "P1 年龄" in details
    verified = console.post(f"/admin/scores/verify/{created['id']}")
    assert "核验通过" in console.get(verified.headers["Location"]).get_data(as_text=True)
    audit = console.get("/admin/audit/").get_data(as_text=True)
    assert "导入" in audit and "接口客户端" in audit and "指标版本" in audit
    assert ">import<" not in audit and "api_client<" not in audit and "+00:00" not in audit
    facts = details[details.index('id="score-facts"') :]
    assert "出生日期" in facts and "1990-05-01" in facts and "<code>true</code>" in facts


def test_new_fact_indicator_and_item(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/new/fact"
    bad = console.post(url, {**_form(console, url), "name": "Social Hours", "label": "", "type": "number"})
    said = unescape(bad.get_data(as_text=True))
    assert "只能由小写字母、数字和下划线组成，并以小写字母开头（填写的是“Social Hours”）" in said and "不能为空" in said
    assert all(f.get("name") != "Social Hours" for f in _doc(db, vid)["facts"])  # nothing saved
    fact = {**_form(console, url), "name": "community_hours", "label": "社区服务时长（小时）", "type": "number", "min": "0",
            "department": "民政局"}  # fmt: skip
    assert console.post(url, fact).status_code == 302
    url = f"/admin/drafts/{vid}/new/indicator"
    indicator = {**_form(console, url), "code": "T9", "name": "社区服务", "category": "bonus", "cap": "10",
                 "departments": "民政局", "reference": "样例", "item_code": "T9-1", "item_label": "社区服务每满10小时得1分",
                 "item_points_kind": "per_unit", "item_unit_field": "community_hours", "item_rate": "1", "item_unit": "10",
                 "item_cap": "10"}  # fmt: skip
    response = console.post(url, indicator)
    assert response.status_code == 302, response.get_data(as_text=True)
    url = f"/admin/drafts/{vid}/indicators/T9/new-item"
    item = {**_form(console, url), "code": "T9-2", "label": "获评优秀社区志愿者", "points_kind": "fixed", "fixed": "5",
            "field_0": "heroic_act", "op_0": "==", "value_0": "是"}  # fmt: skip
    assert console.post(url, item).status_code == 302
    with db.transaction() as s:
        model = rulesets.load_model(rulesets.get_version(s, vid))
        assert model.catalogue["community_hours"].type == "number"
        assert [i.code for i in next(i for i in model.indicators if i.code == "T9").items] == ["T9-1", "T9-2"]
    detail = console.get(f"/admin/versions/{vid}").get_data(as_text=True)
    assert "社区服务时长每满10小时得1分，本项最高10分" in detail


def test_an_indicator_without_its_first_item_is_refused(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/new/indicator"
    form = {**_form(console, url), "code": "T9", "name": "社区服务", "category": "bonus", "departments": "民政局",
            "reference": "样例"}  # fmt: skip
    page = console.post(url, form).get_data(as_text=True)
    assert "未保存" in page and 'value="社区服务"' in page
    assert _part(db, vid, "indicator", "T9") is None


def test_an_option_is_added_to_a_fact_and_used(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/facts/dwelling"
    form = _form(console, url)
    assert (form["value_1"], form["label_1"]) == ("registered_rental", "登记备案的租赁住房")
    free = next(i for i in range(20) if not form.get(f"value_{i}"))
    form.update({f"value_{free}": "talent_apartment", f"label_{free}": "人才公寓"})
    assert console.post(url, form).status_code == 302
    fact = _part(db, vid, "fact", "dwelling")
    assert fact["values"][-1] == "talent_apartment" and fact["value_labels"][-1] == "人才公寓"
    url = f"/admin/drafts/{vid}/indicators/T3/new-item"
    item = {**_form(console, url), "code": "T3-5", "label": "居住在人才公寓", "points_kind": "fixed", "fixed": "10",
            "group": "dwelling", "field_0": "dwelling", "op_0": "==", "value_0": "人才公寓"}  # fmt: skip
    assert console.post(url, item).status_code == 302
    assert _part(db, vid, "item", "T3-5")["when"] == {"field": "dwelling", "op": "==", "value": "talent_apartment"}


def test_a_fact_in_use_is_not_removed_and_its_users_are_named(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    form = _form(console, f"/admin/drafts/{vid}/facts/dwelling")
    response = console.post(f"/admin/drafts/{vid}/facts/dwelling/delete", {"base": form["base"]})
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert "不能删除事实字段 dwelling" in page and "T3-2" in page and "T3-3" in page and "T3-4" in page
    assert _part(db, vid, "fact", "dwelling") is not None
    url = f"/admin/drafts/{vid}/new/fact"
    assert (
        console.post(url, {**_form(console, url), "name": "spare", "label": "备用", "type": "bool"}).status_code == 302
    )
    form = _form(console, f"/admin/drafts/{vid}/facts/spare")
    assert console.post(f"/admin/drafts/{vid}/facts/spare/delete", {"base": form["base"]}).status_code == 302
    assert _part(db, vid, "fact", "spare") is None


def test_categories_and_eligibility_are_edited(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/categories/bonus"
    # the adding categories' caps may not sum over the measures' 300 points (100 + 150 + 60 would)
    over = console.post(url, _form(console, url, name="加分项目", cap="60")).get_data(as_text=True)
    assert "未保存" in over and "加分类别的上限合计为310分，超过办法规定的总分300分" in over
    assert console.post(url, _form(console, url, name="加分项目", cap="50")).status_code == 302
    assert _part(db, vid, "category", "bonus") == {"code": "bonus", "name": "加分项目", "kind": "add", "cap": 50}
    deduction = f"/admin/drafts/{vid}/categories/deduction"
    assert console.post(deduction, _form(console, deduction, cap="60")).status_code == 302
    assert _part(db, vid, "category", "deduction")["cap"] == 60
    refused = console.post(url, _form(console, url, cap="301")).get_data(as_text=True)
    assert "未保存" in refused
    url = f"/admin/drafts/{vid}/new/requirement"
    form = {**_form(console, url), "code": "no_debt", "field_0": "court_noncompliance", "op_0": "!=", "value_0": "是",
            "reason": "有拒不履行生效法律文书行为的，不具备申请资格"}  # fmt: skip
    assert console.post(url, form).status_code == 302
    assert _part(db, vid, "requirement", "no_debt")["when"] == {
        "field": "court_noncompliance",
        "op": "!=",
        "value": True,
    }
    url = f"/admin/drafts/{vid}/eligibility/permit_valid"
    form = _form(console, url, reason="须持有有效居住证")
    assert console.post(url, form).status_code == 302
    assert _part(db, vid, "requirement", "permit_valid")["reason"] == "须持有有效居住证"
    removed = console.post(
        f"/admin/drafts/{vid}/categories/bonus/delete",
        {"base": _form(console, f"/admin/drafts/{vid}/categories/bonus")["base"]},
    )
    assert "未删除" in console.get(removed.headers["Location"]).get_data(as_text=True)  # indicators T4–T7 use it


@pytest.mark.parametrize(
    ("url", "input_name"),
    [("items/T3-3", "label"), ("items/T3-3", "code"), ("indicators/T3", "name"), ("facts/dwelling", "label"),
     ("categories/bonus", "name"), ("edit", "title"), ("eligibility/permit_valid", "reason")],
)  # fmt: skip
def test_long_text_is_refused_on_its_input(console: Any, db: Any, url: str, input_name: str) -> None:
    vid = _draft(db)
    console.login("editor")
    before = _doc(db, vid)
    response = console.post(
        f"/admin/drafts/{vid}/{url}", _form(console, f"/admin/drafts/{vid}/{url}", **{input_name: "长" * 10000})
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "未保存" in page
    assert _doc(db, vid) == before


def test_a_duplicate_code_is_named_on_its_input_with_the_place_of_the_first(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T3-3"
    page = console.post(url, _form(console, url, code="T3-2")).get_data(as_text=True)
    assert "“T3-2”重复（已用于指标项 T3 居住情况及住所 › 第2个细则（T3-2） › 编号）" in page
    assert "duplicate" not in page and "indicators[" not in page
