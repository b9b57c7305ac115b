"""Ruleset workbooks (.xlsx): export → import keeps the hash; a clerk's edits count; damage is named by its cell."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from engine import RulesetError, RulesetVersion, load_file, parse_document, to_document
from jifen.workbook import comparison_workbook, read_workbook, version_workbook
from jifen.workbook.cells import points
from jifen.workbook.problems import TEXTS, WHAT, problem
from tests.conftest import RULESETS

FILES = sorted(RULESETS.glob("*.yaml"))
SAMPLE_2026 = RULESETS / "tongxiang-2026.yaml"
BASE = "本市基础分指标"


def workbook(version: RulesetVersion) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(version_workbook(version)))


def saved(book: openpyxl.Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def find(ws: Worksheet, code: str) -> int:
    """The row of an indicator or item code (column A)."""
    return next(r for r in range(5, ws.max_row + 1) if ws.cell(row=r, column=1).value == code)


def column(ws: Worksheet, header: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if ws.cell(row=4, column=c).value == header)


def problems_of(data: bytes) -> list[str]:
    with pytest.raises(RulesetError) as info:
        read_workbook(data, "damaged.xlsx")
    return [str(p) for p in info.value.problems]


# -- round trip ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_export_import_keeps_the_hash(runner: Any, tmp_path: Path, path: Path) -> None:
    version = load_file(path)
    assert runner.invoke(args=["rulesets", "import", str(path)]).exit_code == 0
    out = tmp_path / "standard.xlsx"
    result = runner.invoke(args=["rulesets", "export", version.ref, "--format", "xlsx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    back = read_workbook(out.read_bytes(), out.name)
    assert back.content_hash == version.content_hash and back.status == "draft"
    again = runner.invoke(args=["rulesets", "import", str(out)])
    assert again.exit_code == 0, again.output
    assert f"unchanged {version.ref} (published) {version.content_hash}" in again.output


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_workbook_imports_as_a_draft(runner: Any, tmp_path: Path, path: Path) -> None:
    version = load_file(path)
    out = tmp_path / "circulated.xlsx"
    out.write_bytes(version_workbook(version))
    result = runner.invoke(args=["rulesets", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert f"imported  {version.ref} (draft) {version.content_hash}" in result.output
    listing = json.loads(runner.invoke(args=["rulesets", "list", "--json"]).output)
    assert [(v["ref"], v["status"], v["content_hash"]) for v in listing] == [
        (version.ref, "draft", version.content_hash)
    ]


def test_export_format_follows_the_file_name(runner: Any, tmp_path: Path) -> None:
    runner.invoke(args=["rulesets", "import", str(SAMPLE_2026)])
    out = tmp_path / "by-name.xlsx"
    assert runner.invoke(args=["rulesets", "export", "tongxiang/2026/1", "--out", str(out)]).exit_code == 0
    assert read_workbook(out.read_bytes(), out.name).content_hash == load_file(SAMPLE_2026).content_hash
    refused = runner.invoke(args=["rulesets", "export", "tongxiang/2026/1", "--format", "xlsx"])
    assert refused.exit_code == 2 and "needs --out FILE.xlsx" in refused.output


# -- the layout a bureau circulates -----------------------------------------------------------------------------


def test_layout_is_readable_and_print_ready() -> None:
    version = load_file(SAMPLE_2026)
    book = workbook(version)
    assert book.sheetnames == [
        "版本说明",
        "省级共性指标",
        BASE,
        "本市加分指标",
        "本市减分指标",
        "事实目录",
        "测试用例",
        "_jifen",
    ]
    assert book["_jifen"].sheet_state == "hidden"
    for name in book.sheetnames[:-1]:
        ws = book[name]
        assert ws["A1"].value == version.title
        assert (
            ws["A2"].value
            == f"版本 tongxiang/2026/1　状态 已发布　生效日期 2026-01-01　内容指纹 {version.content_hash}"
        )
        assert ws.freeze_panes == "A5" and ws.print_title_rows == "$1:$4"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        machine = ws.cell(row=4, column=ws.max_column)
        assert machine.value == "机读数据（请勿修改）"
        assert ws.column_dimensions[machine.column_letter].hidden
        assert all(ws.column_dimensions[chr(64 + c)].width for c in range(1, ws.max_column))
    ws = book[BASE]
    assert [ws.cell(row=4, column=c).value for c in range(1, 10)] == [
        "编号", "指标", "细则", "条件", "分值", "上限", "不累加分组", "责任部门", "依据"
    ]  # fmt: skip
    assert [c.value for c in ws[find(ws, "T2")]][:9] == [
        "T2", "参保情况", None, None, None, 60, None, "人力社保局、住房公积金桐乡分中心、交通运输局、综合行政执法局",
        "附件2 市级个性指标赋分标准（样例） 基础分第2项",
    ]  # fmt: skip
    row = [c.value for c in ws[find(ws, "T2-2")]][:9]
    assert row == ["T2-2", None, "在本市累计缴存住房公积金，每满1个月得0.25分", None,
                   "在桐乡市累计缴存住房公积金月数每满1得0.25分", 12, None, None, None]  # fmt: skip
    t3 = [c.value for c in ws[find(ws, "T3-2")]][:7]
    assert t3 == ["T3-2", None, "在本市拥有自有产权住房", "在本市的住所为自有产权住房", 30, None, "dwelling"]
    assert ws["D6"].alignment.wrap_text
    facts = book["事实目录"]
    education = [c.value for c in facts[next(r for r in range(5, 50) if facts.cell(r, 1).value == "education")]]
    assert education[:6] == ["education", "文化程度（最高学历）", "选项", "博士研究生（doctor）、硕士研究生（master）、大学本科"
                             "（bachelor）、大专（高职）（college）、普通高中（highschool）、中专（中技、职高）（secondary）、"
                             "初中及以下（below）", None, "教育局"]  # fmt: skip
    cases = book["测试用例"]
    assert cases["A5"].value == "仅有身份信息的申请人"
    assert "出生日期：1996-03-15" in cases["C5"].value and "总分 20" in cases["D5"].value


# -- a clerk's edits ----------------------------------------------------------------------------------------------


def edited_2026(edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    book = workbook(load_file(SAMPLE_2026))
    edit(book)
    return saved(book)


def test_edited_points_caps_and_labels_count(runner: Any, tmp_path: Path) -> None:
    def edit(book: openpyxl.Workbook) -> None:
        base, bonus, deduction = book[BASE], book["本市加分指标"], book["本市减分指标"]
        points_at, cap_at = column(base, "分值"), column(base, "上限")
        base.cell(find(base, "T2-2"), points_at).value = "在桐乡市累计缴存住房公积金月数每满1得0.2分"
        base.cell(find(base, "T2-1"), cap_at).value = "40"
        base.cell(find(base, "T3-2"), points_at).value = 28
        bonus.cell(find(bonus, "T7-1"), points_at).value = "上一年度在本市缴纳个人所得税（元）每满2000得1分"
        bonus.delete_rows(find(bonus, "T5-5"))
        deduction.cell(find(deduction, "T8-4"), points_at).value = "近1年较重及以上交通违法行为（次）每满1得3分"
        deduction.cell(find(deduction, "T8"), column(deduction, "责任部门")).value = "法院，公安局"
        book["版本说明"]["C5"] = "桐乡市居住证积分指标标准（2026年度，征求意见稿）"

    def expected_doc(doc: dict[str, Any]) -> None:
        items = {i["code"]: i for ind in doc["indicators"] for i in ind["items"]}
        items["T2-2"]["per_unit"]["rate"] = 0.2
        items["T2-1"]["cap"] = 40
        items["T3-2"]["fixed"] = 28
        items["T7-1"]["per_unit"]["unit"] = 2000
        items["T8-4"]["per_unit"]["rate"] = 3
        t5 = next(i for i in doc["indicators"] if i["code"] == "T5")
        t5["items"] = [i for i in t5["items"] if i["code"] != "T5-5"]
        next(i for i in doc["indicators"] if i["code"] == "T8")["departments"] = ["法院", "公安局"]
        doc["title"] = "桐乡市居住证积分指标标准（2026年度，征求意见稿）"
        doc["status"], doc["revision"] = "draft", 2

    doc = to_document(load_file(SAMPLE_2026))
    expected_doc(doc)
    expected = parse_document(doc)
    runner.invoke(args=["rulesets", "import", str(SAMPLE_2026)])
    path = tmp_path / "comments.xlsx"
    path.write_bytes(edited_2026(edit))
    result = runner.invoke(args=["rulesets", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"imported  tongxiang/2026/2 (draft) {expected.content_hash} as a new revision: tongxiang/2026/1 has " \
           "other content" in result.output  # fmt: skip
    again = runner.invoke(args=["rulesets", "import", str(path)])
    assert f"unchanged tongxiang/2026/2 (draft) {expected.content_hash}" in again.output


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        (20, {"fixed": 20}),
        ("２０", {"fixed": 20}),
        ("得20分", {"fixed": 20}),
        ("0.5", {"fixed": 0.5}),
        (
            "在浙江省累计缴纳社会保险月数每满1得0.5分",
            {"per_unit": {"field": "insurance_months", "rate": 0.5, "unit": 1}},
        ),
        ("志愿服务时长（小时）每满 50 得 2 分", {"per_unit": {"field": "volunteer_hours", "rate": 2, "unit": 50}}),
        ("得（60 − 年龄（周岁））分", {"per_unit": {"field": "age", "offset": 60, "rate": -1}}),
        ("得(60 - 2×age÷5（取整）)分", {"per_unit": {"field": "age", "offset": 60, "rate": -2, "unit": 5}}),
        ("得（10 + 年龄（周岁））分", {"per_unit": {"field": "age", "offset": 10, "rate": 1}}),
    ],
)
def test_points_read_back(text: Any, rule: dict[str, Any]) -> None:
    version = load_file(SAMPLE_2026)
    names = {f.label: {f.name} for f in version.facts} | {f.name: {f.name} for f in version.facts}
    assert points(text, names, "事实目录") == rule


# -- damage, named by its cell ------------------------------------------------------------------------------------


def test_hand_damaged_workbook_names_every_cell(runner: Any, tmp_path: Path) -> None:
    def damage(book: openpyxl.Workbook) -> None:
        base = book[BASE]
        cap_at, condition_at = column(base, "上限"), column(base, "条件")
        base.cell(find(base, "T2-1"), cap_at).value = "十"
        base.cell(find(base, "T1-4"), condition_at).value = "职业技能四级或五级"
        copy = base.max_row + 1  # the row of T2-3 copied below the table, code and all
        for cell in base[find(base, "T2-3")]:
            base.cell(copy, cell.column).value = cell.value
        base.cell(find(base, "T3"), column(base, "指标")).value = ""  # an indicator without a name
        bonus = book["本市加分指标"]
        bonus.cell(find(bonus, "T6-2"), column(bonus, "分值")).value = "每次献血得两分"
        bonus.cell(find(bonus, "T6-2"), column(bonus, "责任部门")).value = "卫生健康局"  # not on an item's row
        book["版本说明"]["C8"] = "2026-02-30"  # 生效日期

    path = tmp_path / "damaged.xlsx"
    path.write_bytes(edited_2026(damage))
    result = runner.invoke(args=["rulesets", "import", str(path)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert [line.strip() for line in result.output.splitlines()] == [
        "FAIL damaged.xlsx: 7 problem(s)",
        "damaged.xlsx: 版本说明!C8: not a valid date: '2026-02-30' (expected YYYY-MM-DD)",
        "damaged.xlsx: 本市基础分指标!D9: this cell shows the item's condition and is not read back; it must keep "
        "its exported text '职业资格或职业技能等级（1级最高，5级最低）为4' (conditions are changed in the console)",
        "damaged.xlsx: 本市基础分指标!F12: expected a number, got '十'",
        "damaged.xlsx: 本市基础分指标!B17: expected text, got the text ''",
        "damaged.xlsx: 本市基础分指标!A22: duplicate item code 'T2-3' (first at 本市基础分指标!A14)",
        "damaged.xlsx: 本市加分指标!E21: cannot read the points '每次献血得两分': write a number such as 20 (fixed "
        "points), 「<field>每满1得0.5分」 (points per unit) or 「得（60 − <field>）分」",
        "damaged.xlsx: 本市加分指标!H21: nothing is read from this cell on an item; leave it empty",
    ]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b.remove(b["本市加分指标"]), "missing sheet '本市加分指标' (a category); restore it from the exported workbook"),
        (lambda b: b[BASE].delete_cols(6), f"{BASE}!A4:J4: missing column '上限' in the header row 4; restore it from the "
         "exported workbook"),
        (lambda b: b.remove(b["_jifen"]), "not a ruleset workbook exported by this service (its hidden sheet '_jifen' is "
         "missing or damaged); export one with `flask rulesets export VERSION --format xlsx`"),
        (lambda b: b["_jifen"].__setitem__("A3", "{}"), "_jifen!A3: not a ruleset workbook exported by this service"),
        (lambda b: b[BASE].__setitem__("A1", "征求意见稿"), f"{BASE}!A1: the sheet's header line was changed"),
        (lambda b: b[BASE].__setitem__("K6", "{broken"), f"{BASE}!K6: the machine data of this row is damaged (not the "
         "JSON this service writes)"),
        (lambda b: b[BASE].__setitem__("K6", None), f"{BASE}!A6: this row was not exported (it has no machine data in "
         "column K): add an item in the console"),
        (lambda b: [b[BASE].cell(6, c).__setattr__("value", None) for c in range(1, 11)], f"{BASE}!A6: the cells of this "
         "row were emptied but its machine data remains; to remove an item, delete the whole row"),
        (lambda b: b[BASE].delete_rows(5), f"{BASE}!A5: item row before any indicator row"),
        (lambda b: b["事实目录"].__setitem__("H5", b[BASE]["K6"].value), "事实目录!A5: this row holds an item, which does "
         "not belong on this sheet"),
        (lambda b: b["事实目录"].delete_rows(find(b["事实目录"], "heroic_act")), "本市加分指标!D18 (field): unknown "
         "field 'heroic_act' (not in the fact catalogue)"),
        (lambda b: b["事实目录"].__setitem__("C5", "文字"), "事实目录!C5: this cell shows the field's type"),
        (lambda b: b["事实目录"].__setitem__("E5", "必须"), "事实目录!E5: expected 是 or 否 (or empty for 否), got '必须'"),
        (lambda b: b["版本说明"].__setitem__("C6", "tongxiang/2026/9"), "版本说明!C6: this cell shows the version as exported"),
        (lambda b: b["测试用例"].__setitem__("C5", "出生日期：1990-01-01"), "测试用例!C5: this cell shows the test case"),
    ],
)  # fmt: skip
def test_damaged_workbook_is_refused_precisely(damage: Callable[[openpyxl.Workbook], Any], message: str) -> None:
    problems = problems_of(edited_2026(damage))
    assert any(message in p for p in problems), problems


def test_what_is_not_a_workbook(runner: Any, tmp_path: Path) -> None:
    fake = tmp_path / "standard.xlsx"
    fake.write_text(SAMPLE_2026.read_text(encoding="utf-8"), encoding="utf-8")
    result = runner.invoke(args=["rulesets", "import", str(fake)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "standard.xlsx: not an Excel workbook (.xlsx): File is not a zip file" in result.output
    other = tmp_path / "other.xlsx"
    other.write_bytes(saved(openpyxl.Workbook()))
    result = runner.invoke(args=["rulesets", "import", str(other)])
    assert "other.xlsx: not a ruleset workbook exported by this service" in result.output


def test_every_problem_has_both_texts() -> None:
    params = {"detail": "x", "limit": 1, "sheet": "s", "found": 2, "expected": "e", "header": "h", "row": 4,
              "cover": "c", "column": "J", "shows": "s", "shows_zh": "s", "hint": "h", "hint_zh": "h", "got": "g",
              "label": "l", "names": "a、b", "label_en": "l", "count": 21, "n": 2, "length": 201}  # fmt: skip
    for code in TEXTS:
        p = problem(code, "S!A1", **params, what="item", row_kind="item")
        assert p.message and p.zh_message and p.code == code and p.message != p.zh_message
        assert p.text("zh") == p.zh_message and p.text("en") == p.message
    assert all(len(texts) == 2 for texts in WHAT.values())


def test_a_comment_column_and_notes_beside_the_table_are_left_alone() -> None:
    def comment(book: openpyxl.Workbook) -> None:
        base = book[BASE]
        base.insert_cols(6)  # 意见 between 分值 and 上限
        base.cell(4, 6).value = "意见"
        base.cell(find(base, "T2-2"), 6).value = "建议维持0.25分"
        book["测试用例"]["G5"] = "财政局：无意见"
        book.create_sheet("意见汇总")["A1"] = "共收到意见 3 条"

    assert read_workbook(edited_2026(comment), "c.xlsx").content_hash == load_file(SAMPLE_2026).content_hash


def test_odd_category_names_and_interleaved_indicators_round_trip() -> None:
    doc = to_document(load_file(SAMPLE_2026))
    doc["categories"][1]["name"] = "测试用例"  # the name of another sheet
    doc["categories"][2]["name"] = "加分:指标/其他[2026]，名称超过三十一个字符的类别名称仍可作为工作表名"
    indicators = doc["indicators"]
    indicators.insert(2, indicators.pop(7))  # T3 (base) between P2 and P3 (provincial)
    version = parse_document(doc)
    book = workbook(version)
    assert book.sheetnames[1:5] == [
        "省级共性指标",
        "测试用例（2）",
        "加分_指标_其他_2026_，名称超过三十一个字符的类别名称仍",
        "本市减分指标",
    ]
    back = read_workbook(version_workbook(version), "odd.xlsx")
    assert [i.code for i in back.indicators] == [i.code for i in version.indicators]
    assert back.content_hash == version.content_hash


# -- the comparison of two versions -----------------------------------------------------------------------------------


def test_diff_downloads_as_the_consoles_workbook_in_sentences(runner: Any, tmp_path: Path) -> None:
    runner.invoke(args=["rulesets", "import", *map(str, FILES)])
    out = tmp_path / "diff.xlsx"
    result = runner.invoke(args=["rulesets", "diff", "tongxiang/2025/1", "tongxiang/2026/1", "--format", "xlsx",
                                 "--out", str(out)])  # fmt: skip
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook(out, rich_text=True)
    assert book.sheetnames == ["结构差异", "测试用例影响"]
    ws = book["结构差异"]
    assert ws["A1"].value == "版本对比：tongxiang/2025/1 → tongxiang/2026/1"
    assert ws["A3"].value == "结构差异 68 处；标 ★ 的可能改变得分；修改前后不同之处以红、绿粗体标出。"
    assert [c.value for c in ws[4]] == ["影响得分", "变化", "对象", "编号", "名称", "修改前（A）", "修改后（B）"]
    rows = {r[3].value: r for r in ws.iter_rows(min_row=5)}
    assert len(rows) == ws.max_row - 4 == 68  # one row per change (47 of them: the materials 2026 lists)
    tax = rows["T7-1"]
    assert [c.value for c in tax[:5]] == ["★", "修改", "赋分细则", "T7-1",
                                          "上一年度在本市缴纳个人所得税每满1000元得1分（属 T7 个人纳税）"]  # fmt: skip
    assert str(tax[5].value) == "上一年度在本市缴纳个人所得税每满2000元得1分，本项最高20分\n" \
                                "名称：上一年度在本市缴纳个人所得税每满2000元得1分\n证明材料：（无）"  # fmt: skip
    assert str(tax[6].value) == "上一年度在本市缴纳个人所得税每满1000元得1分，本项最高20分\n" \
                                "名称：上一年度在本市缴纳个人所得税每满1000元得1分\n" \
                                "证明材料：个人所得税纳税记录（可在个人所得税APP开具）"  # fmt: skip
    gone = [(b.text, b.font.color.rgb, b.font.strike) for b in tax[5].value if not isinstance(b, str)]
    new = [(b.text, b.font.color.rgb, b.font.u) for b in tax[6].value if not isinstance(b, str)]
    assert gone == [("2000", "00C00000", True)] * 2 + [("（无", "00C00000", True)]
    assert new == [("1000", "0000703C", "single")] * 2 + [
        ("个人所得税纳税记录（可在个人所得税APP开具", "0000703C", "single")
    ]
    hero = rows["T5-5"]
    assert [c.value for c in hero[:6]] == ["★", "新增", "赋分细则", "T5-5", "获见义勇为确认（属 T5 表彰奖励）", None]
    assert str(hero[6].value) == "当获见义勇为确认时，得20分\n证明材料：见义勇为确认书"
    assert ws.print_title_rows == "$1:$4" and ws.page_setup.orientation == "landscape"
    impact = [[c.value for c in r] for r in book["测试用例影响"].iter_rows(min_row=5)]
    assert ["个人纳税4000元", "A", 22, 24, 2] in impact
    assert (
        runner.invoke(args=["rulesets", "diff", "tongxiang/2025/1", "tongxiang/2026/1", "--format", "xlsx"]).exit_code
        == 2
    )


def test_comparison_of_equal_versions_says_so() -> None:
    version = load_file(SAMPLE_2026)
    result = {"a": {"ref": version.ref, "content_hash": version.content_hash}, "b": {"ref": version.ref,
              "content_hash": version.content_hash}, "changes": [], "cases": []}  # fmt: skip
    ws = openpyxl.load_workbook(io.BytesIO(comparison_workbook(result, [])))["结构差异"]
    assert ws["E5"].value == "两个版本的内容相同"
