"""校验 tells the whole truth: structure, static checks and test cases in one sentence, never 校验通过 while a case
fails; a failing case names what decided it; the forms refuse negative points where the value was typed; and
以当前结果为预期 never fills a value its own form refuses."""

from __future__ import annotations

import copy
from html import unescape
from typing import Any

from werkzeug.datastructures import MultiDict

from engine import parse_document
from jifen.standard import rulesets
from tests.admin.conftest import form_fields, form_values


def _draft(db: Any) -> int:
    with db.transaction() as s:
        return rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id


def _doc(db: Any, vid: int) -> dict[str, Any]:
    with db.transaction() as s:
        return rulesets.document(rulesets.get_version(s, vid))


def _store(db: Any, vid: int, doc: dict[str, Any]) -> None:
    with db.transaction() as s:
        row = rulesets.get_version(s, vid)
        rulesets.store_model(row, parse_document({**doc, "status": "draft"}))


def _form(console: Any, url: str, **changes: str) -> dict[str, str]:
    page = console.get(url)
    assert page.status_code == 200, (url, page.status_code)
    return {**form_values(page.get_data(as_text=True)), **changes}


def _item(doc: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for ind in doc["indicators"] for i in ind["items"] if i["code"] == code)


def _validate(console: Any, vid: int) -> str:
    response = console.get(f"/admin/versions/{vid}/validate")
    assert response.status_code == 200
    return unescape(response.get_data(as_text=True))


def test_a_clean_draft_passes_and_says_why(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("auditor")  # reading is enough to validate
    page = _validate(console, vid)
    assert "tongxiang/2027/1 校验通过：结构无误；没有错误和警告；16个测试用例全部通过" in page
    assert 'id="validation-summary"' in page and "全部测试用例都通过了" in page


def test_a_failing_case_and_a_warning_are_both_told_and_it_does_not_pass(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    # 每件得4分 in the label, 5 in the rule: a warning; 「典型技术工人」 and others now score differently
    url = f"/admin/drafts/{vid}/items/T4-2"
    assert console.post(url, _form(console, url, rate="5")).status_code == 302
    url = f"/admin/drafts/{vid}/items/T3-3"
    assert console.post(url, _form(console, url, fixed="12")).status_code == 302
    page = _validate(console, vid)
    failed = [c for c in rulesets.run_cases(parse_document({**_doc(db, vid), "status": "draft"})) if not c.passed]
    assert failed
    assert f"tongxiang/2027/1 校验未通过：结构无误；1个警告；{len(failed)}个测试用例未通过" in page
    assert "校验通过" not in page
    assert "名称与规则不符" in page and "“每件得4分”" in page and "每件得5分" in page
    assert "测试用例“典型技术工人”" in page and "计分的细则：" in page and "T3-3“居住在登记备案的租赁住房”12分" in page


def test_a_failing_case_names_the_new_requirement_in_words(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/new/requirement"
    form = {**_form(console, url), "code": "contract", "field_0": "labor_contract", "op_0": "==", "value_0": "是",
            "reason": "须与本市用人单位签订劳动合同"}  # fmt: skip
    assert console.post(url, form).status_code == 302
    page = _validate(console, vid)
    assert "校验未通过：结构无误；没有错误和警告；" in page and "个测试用例未通过" in page
    assert "申请资格：预期是，实际否——未满足“与本市用人单位签订劳动合同”（contract）" in page
    cases = unescape(console.get(f"/admin/versions/{vid}/cases").get_data(as_text=True))
    assert "未满足“与本市用人单位签订劳动合同”（contract）" in cases


def test_a_draft_that_is_not_valid_says_so_and_runs_nothing_else(console: Any, db: Any) -> None:
    vid = _draft(db)
    doc = _doc(db, vid)
    doc["categories"][2]["cap"] = 60  # 100 + 150 + 60: over the measures' 300
    with db.transaction() as s:
        rulesets.store_invalid(rulesets.get_version(s, vid), doc)
    console.login("editor")
    page = _validate(console, vid)
    assert "校验未通过：结构有1个问题；改正后才能进行静态检查和运行测试用例" in page
    assert "加分类别的上限合计为310分，超过办法规定的总分300分" in page
    assert 'id="validation-cases"' not in page


def test_no_cases_is_not_a_pass(console: Any, db: Any) -> None:
    vid = _draft(db)
    doc = _doc(db, vid)
    doc["cases"] = []
    _store(db, vid, doc)
    console.login("editor")
    page = _validate(console, vid)
    assert "校验未通过：结构无误；没有错误和警告；没有测试用例" in page


def test_the_item_form_refuses_negative_points_on_the_input(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T4-2"
    page = unescape(console.post(url, _form(console, url, rate="-5")).get_data(as_text=True))
    assert "未保存" in page
    rate_input = page.index('name="rate"')
    message = page.index("加分类别中的分值不能为负数，填写的是-5")
    assert 0 < message - rate_input < 600  # the message sits at the input
    url = f"/admin/drafts/{vid}/items/T8-3"
    page = unescape(console.post(url, _form(console, url, fixed="-30")).get_data(as_text=True))
    assert "减分类别中的扣分应填写为正数（扣5分就填5），填写的是-30" in page
    assert _item(_doc(db, vid), "T4-2")["per_unit"]["rate"] == 4 and _item(_doc(db, vid), "T8-3")["fixed"] == 30


def test_the_decision_table_refuses_negative_points_on_the_cell(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/tables/{vid}/T4"
    fields = form_fields(console.get(url).get_data(as_text=True), "table-form")
    row = next(k.split("_")[0] for k, v in fields if k.endswith("_code") and v == "T4-2")
    changed = [(k, v) for k, v in fields if k != f"{row}_points"] + [(f"{row}_points", "-5")]
    response = console.post(url, MultiDict(changed))
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and 'id="cell-problems"' in page
    assert "加分类别中的分值不能为负数，填写的是-5" in page
    assert f'name="{row}_points" value="-5"' in page and "is-invalid" in page
    assert _item(_doc(db, vid), "T4-2")["per_unit"]["rate"] == 4


def _uncapped(doc: dict[str, Any]) -> dict[str, Any]:
    """The provincial category and its social insurance indicator without caps: a total beyond 300 is possible."""
    doc = copy.deepcopy(doc)
    doc["categories"][0].pop("cap", None)
    ind = next(i for i in doc["indicators"] if i["code"] == "P4")
    ind.pop("cap", None)
    return doc


def test_adopting_the_current_result_fills_only_what_the_form_accepts(console: Any, db: Any) -> None:
    vid = _draft(db)
    _store(db, vid, _uncapped(_doc(db, vid)))
    console.login("editor")
    url = f"/admin/drafts/{vid}/new/case"
    form = {**_form(console, url), "name": "社保很长", "as_of": "2027-03-15", "fact_application_date": "2027-03-15",
            "fact_birth_date": "1990-01-01", "fact_permit_valid": "true", "fact_permit_endorsed": "true",
            "fact_insurance_months": "800", "fact_local_insurance_months": "200"}  # fmt: skip
    page = console.post(url, {**form, "action": "adopt"}).get_data(as_text=True)
    adopted = form_values(page)
    said = unescape(page)
    assert adopted["exp_total"] == "" and adopted["exp_ind_P4"] == "400" and adopted["exp_eligible"] == "true"
    assert "超过此版本能得到的最高分300分" in said and "没有填入预期总分" in said
    # what was filled in is what the form accepts: saving it as it is works
    assert console.post(url, adopted).status_code == 302
    # an ordinary applicant: everything is filled in, total too, and saves
    ordinary = {**form, "name": "普通申请人", "fact_insurance_months": "20"}
    adopted = form_values(console.post(url, {**ordinary, "action": "adopt"}).get_data(as_text=True))
    assert adopted["exp_total"] not in ("", None)
    assert console.post(url, adopted).status_code == 302


def test_the_lint_page_shows_a_label_that_says_one_thing_and_scores_another(console: Any, db: Any) -> None:
    vid = _draft(db)
    doc = _doc(db, vid)
    _item(doc, "P1-2")["when"]["all"][1]["value"] = 55  # 「年龄41至54周岁」 while the condition says 41–55
    _item(doc, "P1-3")["when"]["all"][0]["value"] = 56
    _item(doc, "P1-3")["label"] = "年龄56至60周岁"
    _store(db, vid, doc)
    console.login("auditor")
    page = unescape(console.get(f"/admin/lint/{vid}").get_data(as_text=True))
    assert "名称与规则不符" in page and "P1：P1-2" in page
    assert "“41至54周岁”" in page and "条件为年龄41至55周岁" in page


def test_a_save_that_leaves_a_label_stale_warns_at_once(console: Any, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T4-2"
    saved = console.post(url, _form(console, url, rate="5"), follow_redirects=True)
    said = unescape(saved.get_data(as_text=True))
    assert "请注意：指标T4（创新发明）的细则T4-2的名称写的是“每件得4分”，但它的规则是实用新型专利每件得5分" in said
    url = f"/admin/tables/{vid}/T6"
    fields = form_fields(console.get(url).get_data(as_text=True), "table-form")
    row = next(k.split("_")[0] for k, v in fields if k.endswith("_code") and v == "T6-2")  # 无偿献血每次得2分
    changed = [(k, v) for k, v in fields if k != f"{row}_points"] + [(f"{row}_points", "3")]
    said = unescape(console.post(url, MultiDict(changed), follow_redirects=True).get_data(as_text=True))
    assert "已保存" in said and "细则T6-2的名称写的是“每次得2分”，但它的规则是无偿献血每次得3分" in said
    assert said.count("请注意：") == 1  # only the indicator saved is told (T4-2 is stale too)
    # a save that leaves every label true says nothing of the kind
    url = f"/admin/drafts/{vid}/items/T3-3"
    quiet = unescape(console.post(url, _form(console, url, fixed="12"), follow_redirects=True).get_data(as_text=True))
    assert "请注意" not in quiet
