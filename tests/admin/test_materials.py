"""证明材料 in the console: typed in the item form and in the decision table, saved, shown on the version's page,
loaded again as typed; too many or too long ones refused with a precise Chinese problem on their input."""

from __future__ import annotations

from html import unescape
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from jifen.standard import drafts, rulesets
from tests.admin.conftest import form_fields


@pytest.fixture
def draft(db: Any, console: Any) -> int:
    with db.transaction() as s:
        vid = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id
    console.login("editor")
    return vid


def item_form(console: Any, url: str, form_id: str = "item-form") -> dict[str, str]:
    """The item form's values as a browser sends them (its textareas too)."""
    return dict(form_fields(console.get(url).get_data(as_text=True), form_id))


def item(db: Any, vid: int, code: str) -> Any:
    with db.transaction() as s:
        return drafts.locate(rulesets.document(rulesets.get_version(s, vid)), ("item", code))[1]


def test_the_item_form_shows_and_saves_materials_one_per_line(console: Any, db: Any, draft: int) -> None:
    url = f"/admin/drafts/{draft}/items/T4-4"
    page = console.get(url).get_data(as_text=True)
    assert "证明材料" in page and "每行一项" in page  # the schema's label and help
    form = dict(form_fields(page, "item-form"))
    assert form["materials"] == "\n".join(item(db, draft, "T4-4")["materials"])
    form["materials"] = "荣誉证书\r\n\r\n  获奖文件（复印件）  \n"
    assert console.post(url, form).status_code == 302
    assert item(db, draft, "T4-4")["materials"] == ["荣誉证书", "获奖文件（复印件）"]
    assert "荣誉证书、获奖文件（复印件）" in console.get(f"/admin/versions/{draft}").get_data(as_text=True)
    form = item_form(console, url)
    assert form["materials"] == "荣誉证书\n获奖文件（复印件）"
    form["materials"] = ""  # none: the item has no materials
    assert console.post(url, form).status_code == 302 and "materials" not in item(db, draft, "T4-4")


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("\n".join(f"材料{n}" for n in range(21)), "最多20项，填写了21项"),
        ("居住证\n" + "长" * 201, "最多200个字符，填写了201个"),
    ],
)
def test_too_many_or_too_long_materials_are_refused_on_the_input(
    console: Any, db: Any, draft: int, typed: str, said: str
) -> None:
    url = f"/admin/drafts/{draft}/items/T4-4"
    before = item(db, draft, "T4-4")
    response = console.post(url, {**item_form(console, url), "materials": typed})
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and said in page
    at = page.index('name="materials"')
    assert page.index(said) > at and 'is-invalid" id="materials"' in page  # on the input, which keeps the typing
    assert typed.split("\n")[-1] in page[at:]
    assert item(db, draft, "T4-4") == before


def test_a_new_indicator_s_first_item_takes_materials(console: Any, db: Any, draft: int) -> None:
    url = f"/admin/drafts/{draft}/new/indicator?category=bonus"
    form = item_form(console, url, "indicator-form")
    form.update(code="T9", name="测试指标", category="bonus", departments="发改局", reference="测试",
                item_code="T9-1", item_label="测试细则", item_fixed="1", item_field_0="heroic_act", item_op_0="==", item_value_0="是",
                item_materials="居住证\n献血证")  # fmt: skip
    response = console.post(url, form)
    assert response.status_code == 302
    assert item(db, draft, "T9-1")["materials"] == ["居住证", "献血证"]


def rows_of(fields: list[tuple[str, str]], code: str) -> str:
    return next(k.split("_")[0] for k, v in fields if k.endswith("_code") and v == code)


def test_the_decision_table_has_a_materials_column(console: Any, db: Any, draft: int) -> None:
    url = f"/admin/tables/{draft}/T4"
    html = console.get(url).get_data(as_text=True)
    assert '<th title="申请人需提交的证明材料' in html and ">证明材料</th>" in html and ">不累加分组</th>" in html
    fields = form_fields(html, "table-form")
    row = rows_of(fields, "T4-4")
    assert dict(fields)[f"{row}_materials"] == "\n".join(item(db, draft, "T4-4")["materials"])
    changed = [(k, "专利证书\n授权公告" if k == f"{row}_materials" else v) for k, v in fields]
    assert console.post(url, MultiDict(changed)).status_code == 302
    assert item(db, draft, "T4-4")["materials"] == ["专利证书", "授权公告"]
    again = dict(form_fields(console.get(url).get_data(as_text=True), "table-form"))
    assert again[f"{row}_materials"] == "专利证书\n授权公告"
    assert "专利证书、授权公告" in console.get(f"/admin/versions/{draft}").get_data(as_text=True)


def test_too_many_materials_in_a_row_are_named_by_row_and_column(console: Any, db: Any, draft: int) -> None:
    url = f"/admin/tables/{draft}/T4"
    fields = form_fields(console.get(url).get_data(as_text=True), "table-form")
    row = rows_of(fields, "T4-4")
    typed = "\n".join(f"材料{n}" for n in range(21))
    before = item(db, draft, "T4-4")
    response = console.post(url, MultiDict([(k, typed if k == f"{row}_materials" else v) for k, v in fields]))
    page = unescape(response.get_data(as_text=True))
    assert response.status_code == 200 and "（T4-4） · 证明材料：最多20项，填写了21项" in page
    assert dict(form_fields(page, "table-form"))[f"{row}_materials"] == typed
    assert item(db, draft, "T4-4") == before
