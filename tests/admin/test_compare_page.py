"""The version comparison page for auditors: each change as before → after in sentences, the differing parts
marked, every test case's total under both versions, and what it opens on."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest

from jifen.access.users import get_user
from jifen.standard import rulesets
from jifen.workbook.compare import marks
from tests.admin.conftest import form_values


def version_id(db: Any, ref: str) -> int:
    with db.transaction() as s:
        return rulesets.get_version(s, ref).id


def draft_2027(db: Any) -> int:
    """tongxiang/2027/1, cloned from 2026 with a handful of changes: points 10 → 12, a cap, an item added (with
    its fact), an item removed, an option renamed."""
    with db.transaction() as s:
        row = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        doc = rulesets.document(row)
        dwelling = next(f for f in doc["facts"] if f["name"] == "dwelling")
        dwelling["value_labels"][1] = "登记备案租赁住房"
        doc["facts"].append({"name": "skill_contest_awards", "type": "int", "label": "技能竞赛获奖（次）", "min": 0})
        indicators = {i["code"]: i for i in doc["indicators"]}
        next(i for i in indicators["T3"]["items"] if i["code"] == "T3-3")["fixed"] = 12
        indicators["T4"]["cap"] = 25
        indicators["T5"]["items"].append(
            {
                "code": "T5-6",
                "label": "技能竞赛获奖每次得5分",
                "per_unit": {"field": "skill_contest_awards", "rate": 5},
                "cap": 10,
            }
        )
        indicators["T6"]["items"] = [i for i in indicators["T6"]["items"] if i["code"] != "T6-4"]
        rulesets.save_draft(s, row.id, doc, row.lock_version, "editor")
        return row.id


def table(page: str, table_id: str) -> str:
    start = page.index(f'id="{table_id}"')
    return page[start : page.index("</table>", start)]


def row(page: str, row_id: str) -> str:
    start = page.index(f'id="{row_id}"')
    return page[start : page.index("</tr>", start)]


def test_each_change_reads_before_and_after_with_the_differences_marked(console: Any, db: Any) -> None:
    draft = draft_2027(db)
    console.login("auditor")
    page = console.get(f"/admin/compare/?a={version_id(db, 'tongxiang/2026/1')}&b={draft}").get_data(as_text=True)
    rent = row(page, "change-item-T3-3")
    assert "★ 修改" in rent and "T3-3" in rent and "居住在登记备案的租赁住房" in rent and "属 T3 居住情况及住所" in rent
    assert (
        '<td class="before"><div class="line">当在本市的住所为登记备案<del>的</del>租赁住房时，得<del>10</del>分'
        in rent
    )
    assert '<td class="after"><div class="line">当在本市的住所为登记备案租赁住房时，得<ins>12</ins>分' in rent
    option = row(page, "change-fact-dwelling")
    assert "选项：自有产权住房、登记备案<del>的</del>租赁住房、单位集体宿舍、其他，选填" in option
    assert "本指标最高<del>20</del>分" in row(page, "change-indicator-T4")
    assert "本指标最高<ins>25</ins>分" in row(page, "change-indicator-T4")
    added = row(page, "change-item-T5-6")
    assert '<td class="before"><span class="none">（无）</span></td>' in added
    assert '<td class="after"><div class="line">技能竞赛获奖每次得5分，本项最高10分</div></td>' in added
    removed = row(page, "change-item-T6-4")
    assert (
        "★ 删除" in removed
        and '<td class="before"><div class="line">慈善捐赠金额每满1000元得1分，本项最高5分</div>' in removed
    )
    assert '<td class="after"><span class="none">（无）</span>' in removed
    assert "整数，不小于0，选填" in row(page, "change-fact-skill_contest_awards")
    changes = table(page, "diff-table")
    for raw in ("registered_rental", "per_unit", "fixed", "value_labels", "'", "{"):
        assert raw not in changes, raw
    assert "结构差异（7 处，其中 5 处标 ★，可能改变得分）" in page


def test_deductions_cases_and_totals_read_in_words(console: Any, db: Any) -> None:
    a, b = version_id(db, "tongxiang/2025/1"), version_id(db, "tongxiang/2026/1")
    console.login("auditor")
    page = console.get(f"/admin/compare/?a={a}&b={b}").get_data(as_text=True)
    assert "近1年较重及以上交通违法行为每次扣<del>3</del>分" in row(page, "change-item-T8-4")
    assert "每满1个月得<ins>0.25</ins>分" in row(page, "change-item-T2-2")
    assert "名称：在本市累计缴存住房公积金，每满1个月得<del>0.2</del>分" in row(page, "change-item-T2-2")
    assert "当获见义勇为确认时，得20分" in row(page, "change-item-T5-5")
    tax = row(page, "change-case-个人纳税4000元")
    assert (
        "预期结果：具备申请资格；总分 <del>22</del>；类别 省级共性指标 20、本市基础分指标 0、本市加分指标 <del>2</del>"
        in tax
    )
    assert "申请事实：持有桐乡市范围内有效的浙江省居住证 是" in tax and "上一年度在本市缴纳个人所得税（元） 4000" in tax
    changes = table(page, "diff-table")
    for raw in ("total", "categories", "indicators", "eligible", "income_tax_paid", "birth_date", "True"):
        assert raw not in changes, raw
    impact = table(page, "impact-table")
    assert ('<td>个人纳税4000元</td><td>A</td>\n    \n    <td class="num">22</td>\n    \n    <td class="num">24</td>\n    '
            '\n    <td class="num delta">+2</td>') in impact  # fmt: skip
    assert '<td class="num">58.6</td>' in impact and '<td class="num delta">+0.65</td>' in impact
    assert ".50<" not in impact and ".0<" not in impact


def test_it_opens_on_the_version_in_force_against_the_newest_draft(console: Any, db: Any) -> None:
    console.app.config["TODAY"] = lambda: dt.date(2026, 6, 1)
    console.login("auditor")
    in_force, draft = version_id(db, "tongxiang/2026/1"), draft_2027(db)
    with db.transaction() as s:
        older = rulesets.clone(s, "tongxiang/2025/1", "editor", year=2024).id  # an older draft is not the newest
    page = console.get("/admin/compare/").get_data(as_text=True)
    form = form_values(page)
    assert (form["a"], form["b"]) == (str(in_force), str(draft)) and older != draft
    assert "默认对比今天（2026-06-01）生效的版本 tongxiang/2026/1 与最新的草稿 tongxiang/2027/1。" in page
    assert 'id="change-item-T3-3"' in page


def test_without_a_draft_it_opens_on_the_newest_published_or_says_why_not(console: Any, db: Any) -> None:
    console.login("auditor")
    console.app.config["TODAY"] = lambda: dt.date(2025, 6, 1)
    page = console.get("/admin/compare/").get_data(as_text=True)
    assert (form_values(page)["a"], form_values(page)["b"]) == (
        str(version_id(db, "tongxiang/2025/1")), str(version_id(db, "tongxiang/2026/1")))  # fmt: skip
    assert (
        "没有比它更新的草稿：默认对比今天（2025-06-01）生效的版本 tongxiang/2025/1 与最新发布的版本 tongxiang/2026/1。"
        in page
    )
    assert 'id="change-item-T7-1"' in page
    console.app.config["TODAY"] = lambda: dt.date(2026, 6, 1)
    page = console.get("/admin/compare/").get_data(as_text=True)
    assert (
        "没有更新的草稿，今天（2026-06-01）生效的版本 tongxiang/2026/1 也是最新的版本，没有默认可对比的版本。" in page
    )
    assert 'id="diff-table"' not in page and form_values(page)["b"] == ""


def test_a_draft_left_behind_by_a_later_publication_is_not_the_default(console: Any, db: Any) -> None:
    console.app.config["TODAY"] = lambda: dt.date(2026, 6, 1)
    with db.transaction() as s:
        stale = rulesets.clone(s, "tongxiang/2026/1", "editor").id  # 2026/2, never finished
    with db.transaction() as s:
        newer = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id
    with db.transaction() as s:
        rulesets.publish(s, newer, get_user(s, "publisher"), "2027年度标准")
    console.login("auditor")
    page = console.get("/admin/compare/").get_data(as_text=True)
    assert form_values(page)["b"] == str(newer) != str(stale)
    assert "与最新发布的版本 tongxiang/2027/1" in page


def test_a_version_against_itself_says_there_is_nothing_to_compare(console: Any, db: Any) -> None:
    vid = version_id(db, "tongxiang/2026/1")
    console.login("auditor")
    response = console.get(f"/admin/compare/?a={vid}&b={vid}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "版本 A 和版本 B 都是 tongxiang/2026/1：同一个版本没有可对比的内容，请另选一个版本。" in page
    assert 'id="diff-table"' not in page and 'id="impact-table"' not in page


def test_a_revision_with_the_same_rules_shows_only_its_number(console: Any, db: Any) -> None:
    with db.transaction() as s:
        copy = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2026).id
    console.login("auditor")
    page = console.get(f"/admin/compare/?a={version_id(db, 'tongxiang/2026/1')}&b={copy}").get_data(as_text=True)
    assert "结构差异（1 处）" in page and "★" not in table(page, "diff-table")
    assert '<td class="before"><div class="line">修订号：<del>1</del></div></td>' in page
    assert "测试用例在两个版本下的总分（16 个，都没有变化）" in page


@pytest.mark.parametrize(
    ("query", "status", "said"),
    [
        ("a=abc&b=1", 400, "版本 A 的编号「abc」不是版本编号，请在下面的列表中选择版本。"),
        ("a=1&b=-2", 400, "版本 B 的编号「-2」不是版本编号"),
        ("a=1&b=" + "9" * 5000, 400, "版本 B 的编号「99999999999999999999…」不是版本编号"),
        ("a=1&b=99999", 404, "没有版本 99999"),
        ("a=99999&b=99999", 404, "没有编号为 99999 的版本"),
        ("a=1", 200, "请选择版本 A 和版本 B。"),
    ],
)
def test_bad_choices_are_answered_in_chinese(console: Any, query: str, status: int, said: str) -> None:
    console.login("auditor")
    response = console.get(f"/admin/compare/?{query}")
    assert response.status_code == status
    assert said in response.get_data(as_text=True)


def test_a_bad_choice_for_the_workbook_goes_back_to_the_page(console: Any) -> None:
    console.login("auditor")
    response = console.get("/admin/compare/export.xlsx?a=abc&b=1")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/compare/"
    assert "版本 A 的编号「abc」不是版本编号" in console.get("/admin/compare/").get_data(as_text=True)


def test_the_text_of_a_version_is_escaped(console: Any, db: Any) -> None:
    with db.transaction() as s:
        row_ = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027)
        doc = rulesets.document(row_)
        doc["facts"][0]["label"] = "<b>持有</b>居住证 & 签注"
        rulesets.save_draft(s, row_.id, doc, row_.lock_version, "editor")
        draft = row_.id
    console.login("auditor")
    page = console.get(f"/admin/compare/?a={version_id(db, 'tongxiang/2026/1')}&b={draft}").get_data(as_text=True)
    assert "<b>持有</b>" not in page and "&lt;b&gt;持有&lt;/b&gt;居住证 &amp; 签注" in page


def test_the_workbook_carries_the_same_sentences_with_the_marks(console: Any, db: Any) -> None:
    draft = draft_2027(db)
    console.login("auditor")
    response = console.get(f"/admin/compare/export.xlsx?a={version_id(db, 'tongxiang/2026/1')}&b={draft}")
    assert response.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(response.data), rich_text=True)["结构差异"]
    headers = [c.value for c in ws[4]]
    assert headers == ["影响得分", "变化", "对象", "编号", "名称", "修改前（A）", "修改后（B）"]
    rows = {r[3].value: r for r in ws.iter_rows(min_row=5)}
    rent = rows["T3-3"]
    assert rent[4].value == "居住在登记备案的租赁住房（属 T3 居住情况及住所）"
    assert str(rent[5].value) == "当在本市的住所为登记备案的租赁住房时，得10分（与T3-2、T3-4不累加，只取最高）"
    assert str(rent[6].value) == "当在本市的住所为登记备案租赁住房时，得12分（与T3-2、T3-4不累加，只取最高）"
    marked = [(block.text, block.font.color.rgb) for block in rent[6].value if not isinstance(block, str)]
    assert marked == [("12", "0000703C")]
    assert rows["T5-6"][5].value is None and str(rows["T5-6"][6].value) == "技能竞赛获奖每次得5分，本项最高10分"
    assert (
        str(rows["T6-4"][5].value)
        == "慈善捐赠金额每满1000元得1分，本项最高5分\n证明材料：慈善总会或红十字会出具的公益事业捐赠票据"
    )
    assert rows["T6-4"][6].value is None


def test_marks_compare_numbers_whole() -> None:
    assert marks("每次扣3分", "每次扣5分") == ([("每次扣", False), ("3", True), ("分", False)],
                                              [("每次扣", False), ("5", True), ("分", False)])  # fmt: skip
    assert marks("得0.2分", "得0.25分")[1] == [("得", False), ("0.25", True), ("分", False)]
    assert marks("相同", "相同") == ([("相同", False)], [("相同", False)])
    assert marks("", "新") == ([], [("新", True)])
