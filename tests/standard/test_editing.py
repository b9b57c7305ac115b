"""Editing a draft without HTTP: form values ↔ parts from the schema, the decision table's rows ↔ items, the
three-way merge, and problems on the inputs they concern (milliseconds each)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from werkzeug.datastructures import MultiDict

from engine import RulesetError, parse_document
from engine.loader import read_catalogue
from engine.schema import ITEM, label
from jifen.standard import part_forms, table_edits, tables
from jifen.standard.form_values import field_text, field_value, lines, number, read_part
from jifen.standard.problem_places import WORDS, form_input, location, on_inputs

SAMPLE = Path(__file__).resolve().parents[2] / "rulesets" / "tongxiang-2026.yaml"


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return dict(yaml.safe_load(SAMPLE.read_text(encoding="utf-8")))


@pytest.fixture
def doc(sample: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(sample)


def catalogue_of(doc: dict[str, Any]) -> dict[str, Any]:
    return {f.name: f for f in read_catalogue(doc)}


def problems_of(doc: dict[str, Any]) -> list[Any]:
    try:
        parse_document({**doc, "status": "draft"}, "draft")
    except RulesetError as exc:
        return list(exc.problems)
    return []


# -- one field, by its kind ---------------------------------------------------------------------------------------


def test_a_list_of_texts_is_one_entry_per_line_and_departments_one_line() -> None:
    materials = ITEM.field("materials")
    assert field_text(ITEM, materials, ["居住证", "学历证书、学信网验证"]) == "居住证\n学历证书、学信网验证"
    assert field_value(ITEM, materials, " 居住证\r\n\r\n学历证书、学信网验证 \n") == ["居住证", "学历证书、学信网验证"]
    assert field_value(ITEM, materials, "") == [] and lines(None) == []
    from engine.schema import INDICATOR

    departments = INDICATOR.field("departments")
    assert field_text(INDICATOR, departments, ["公安局", "法院"]) == "公安局、法院"
    assert field_value(INDICATOR, departments, "公安局，法院, 税务局") == ["公安局", "法院", "税务局"]


def test_numbers_stay_text_when_they_are_not_plainly_numbers() -> None:
    assert [number(x) for x in ("12", "0.5", "-3", "", "abc", "1e309", "9" * 41)] == [
        12, 0.5, -3, None, "abc", "1e309", "9" * 41]  # fmt: skip


def test_required_fields_always_optional_ones_when_typed() -> None:
    assert read_part(ITEM, {"code": " A ", "cap": "", "materials": "\n"}, ("code", "cap", "materials")) == {"code": "A"}
    assert read_part(ITEM, {"cap": "5", "materials": "a\nb"}, ("code", "cap", "materials")) == {
        "code": "", "cap": 5, "materials": ["a", "b"]}  # fmt: skip


# -- every form of every part: shown and read back, nothing changes ------------------------------------------------

FORMS: dict[str, tuple[Callable[[dict[str, Any]], list[Any]], part_forms.PartForm]] = {
    "category": (lambda d: d["categories"], part_forms.category_form()),
    "requirement": (lambda d: d.get("eligibility", []), part_forms.requirement_form()),
    "fact": (lambda d: d["facts"], part_forms.fact_form()),
    "item": (lambda d: [i for ind in d["indicators"] for i in ind["items"]], part_forms.item_form()),
    "case": (lambda d: d.get("cases", []), part_forms.case_form("x")),
}


@pytest.mark.parametrize("kind", FORMS)
def test_every_part_of_the_sample_round_trips_through_its_form(kind: str, doc: dict[str, Any]) -> None:
    parts, form = FORMS[kind]
    catalogue = catalogue_of(doc)
    checked = 0
    for part in parts(doc):
        values = {k: ("" if v is None else v) for k, v in form.values(copy.deepcopy(part), catalogue).items()}
        values = {k: v for k, v in values.items() if not isinstance(v, (bool, dict))}  # shown, never sent
        rebuilt = form.build(values, copy.deepcopy(part), catalogue)
        assert parse_document({**doc, "status": "draft"}, "d") is not None
        assert _same(rebuilt, part), (kind, part, rebuilt)
        checked += 1
    assert checked or kind in ("requirement", "case")


def _same(a: Any, b: Any) -> bool:
    """Alike as the loader reads them (a date typed as text is the same date)."""
    return yaml.safe_load(yaml.safe_dump(a, allow_unicode=True)) == yaml.safe_load(
        yaml.safe_dump(b, allow_unicode=True)
    ) or str(a) == str(b)


def test_the_version_information_round_trips(doc: dict[str, Any]) -> None:
    form = part_forms.meta_form()
    meta = {k: doc[k] for k in ("title", "effective_from", "legal_basis", "description", "sample") if k in doc}
    rebuilt = form.build(form.values(meta, {}), meta, {})
    assert {k: str(v) for k, v in rebuilt.items()} == {k: str(v) for k, v in meta.items()}


def test_an_item_with_materials_from_its_form(doc: dict[str, Any]) -> None:
    form = part_forms.item_form()
    item = doc["indicators"][2]["items"][1]
    values = form.values(copy.deepcopy(item), catalogue_of(doc))
    assert values["materials"] == "\n".join(item["materials"])
    values["materials"] = "职业资格证书\n\n  社保缴费记录 "
    assert form.build(values, item, catalogue_of(doc))["materials"] == ["职业资格证书", "社保缴费记录"]
    values["materials"] = ""
    assert "materials" not in form.build(values, item, catalogue_of(doc))


# -- the decision table ----------------------------------------------------------------------------------------


def sent(rows: list[tables.Row], columns: list[str], catalogue: dict[str, Any]) -> MultiDict[str, str]:
    """The inputs a browser sends for these rows, as the page draws them."""
    form: MultiDict[str, str] = MultiDict({"columns": ",".join(columns)})
    for r in rows:
        p = f"r{r.i}_"
        for key in ("key", "order", "code", "label", "mode", "complex", "kind", "points", "unit_field", "unit",
                    "offset", "cap", "group", "reference", "materials"):  # fmt: skip
            form.add(p + key, str(getattr(r, key)))
        for name in columns:
            for s, (op, value) in enumerate(r.cells.get(name, [])):
                form.add(f"{p}c_{name}_op{s}", op)
                for v in value if isinstance(value, list) else [value]:
                    form.add(f"{p}c_{name}_v{s}", v)
    return form


def test_every_indicator_of_the_sample_through_its_table_is_unchanged(doc: dict[str, Any]) -> None:
    catalogue = catalogue_of(doc)
    for ind in doc["indicators"]:
        columns = tables.columns_of(ind["items"], catalogue)
        rows = tables.rows_of(ind["items"], columns, catalogue) + tables.blank_rows(len(ind["items"]))
        form = sent(rows, columns, catalogue)
        back = tables.rows_from_form(form, tables.columns_from_form(form, catalogue), catalogue)
        built = tables.items_from_rows(back, ind["items"], columns, catalogue)
        assert built.items == ind["items"], ind["code"]


def test_materials_in_a_row(doc: dict[str, Any]) -> None:
    catalogue = catalogue_of(doc)
    ind = doc["indicators"][2]
    columns = tables.columns_of(ind["items"], catalogue)
    rows = tables.rows_of(ind["items"], columns, catalogue)
    assert rows[1].materials == "\n".join(ind["items"][1]["materials"])
    rows[1].materials = "专利证书\n荣誉证书"
    rows[0].materials = ""
    built = tables.items_from_rows(rows, ind["items"], columns, catalogue)
    assert built.items[1]["materials"] == ["专利证书", "荣誉证书"] and "materials" not in built.items[0]
    assert not tables.Row(i=0, materials="居住证").is_blank()


def test_groups_are_offered_by_the_schemas_label() -> None:
    offered = tables.groups_offered([tables.Row(i=0, group="edu")])
    assert offered[0] == ("edu", "不累加分组1") and offered[1] == ("g2", "不累加分组2（新）")


def test_merge_part_by_part() -> None:
    a, b, c, d = ({"code": k, "fixed": n} for k, n in (("A", 1), ("B", 2), ("C", 3), ("D", 4)))
    loaded = {"code": "X", "name": "n", "cap": 5, "items": [a, b, c]}
    # here: B changed, C removed; there: A removed, D added, name changed
    mine = {"code": "X", "name": "n", "cap": 5, "items": [a, {**b, "fixed": 20}]}
    theirs = {"code": "X", "name": "N", "cap": 5, "items": [b, c, d]}
    merged = table_edits.merge(loaded, mine, theirs)
    assert merged.conflicts == []
    assert merged.indicator == {"code": "X", "name": "N", "cap": 5, "items": [{**b, "fixed": 20}, d]}
    assert merged.origins == [1, None]
    # both changed B, differently; here C removed while there it changed; both changed the cap
    theirs = {"code": "X", "name": "n", "cap": 6, "items": [a, {**b, "fixed": 30}, {**c, "fixed": 33}]}
    mine = {"code": "X", "name": "n", "cap": 7, "items": [a, {**b, "fixed": 20}]}
    merged = table_edits.merge(loaded, mine, theirs)
    assert merged.conflicts == ["cap", "B", "C"]
    assert merged.indicator["items"] == [a, {**b, "fixed": 20}, {**c, "fixed": 33}]
    # the same change on both sides is no conflict
    assert table_edits.merge(loaded, mine, {**mine}).conflicts == []


def test_materials_merge_like_any_change_of_an_item() -> None:
    a = {"code": "A", "fixed": 1}
    loaded = {"code": "X", "items": [a]}
    theirs = {"code": "X", "items": [{**a, "materials": ["居住证"]}]}
    assert table_edits.merge(loaded, loaded, theirs).indicator["items"] == theirs["items"]
    mine = {"code": "X", "items": [{**a, "materials": ["献血证"]}]}
    assert table_edits.merge(loaded, mine, theirs).conflicts == ["A"]


def test_what_the_other_changed_names_the_field_by_its_label(doc: dict[str, Any]) -> None:
    loaded = copy.deepcopy(doc["indicators"][2])
    now = copy.deepcopy(loaded)
    now["items"][1]["materials"] = ["职业资格证书"]
    lines_ = table_edits.changes(doc, loaded, now)
    assert lines_ == [
        (f"细则 {now['items'][1]['code']} · 证明材料", f'{_json(loaded["items"][1]["materials"])} → ["职业资格证书"]')
    ]


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def test_a_sent_table_merged_with_another_save(doc: dict[str, Any]) -> None:
    catalogue = catalogue_of(doc)
    loaded = copy.deepcopy(doc["indicators"][2])
    theirs = copy.deepcopy(loaded)
    theirs["name"] = "他们改的名称"
    columns = tables.columns_of(loaded["items"], catalogue)
    rows = tables.rows_of(loaded["items"], columns, catalogue)
    rows[0].points = "99"
    built = tables.items_from_rows(rows, loaded["items"], columns, catalogue)
    header = tables.indicator_values(loaded) | {"base": "old", "loaded": _json(loaded)}
    mine = tables.indicator_from(header, loaded, built.items)
    sent_ = table_edits.Submission(header, columns, rows, built, mine, list(range(len(built.items))))
    assert table_edits.submit(sent_, doc, theirs, "old", catalogue) is sent_  # nobody saved since
    merged = table_edits.submit(sent_, doc, theirs, "new", catalogue)
    assert merged.merged and not merged.conflicts and merged.header["base"] == "new"
    assert merged.indicator["name"] == "他们改的名称" and merged.indicator["items"][0]["fixed"] == 99
    assert merged.header["name"] == "他们改的名称" and merged.changes


# -- problems on inputs --------------------------------------------------------------------------------------------


def test_inputs_of_problems_come_from_the_schema() -> None:
    assert form_input("item", "materials[20]") == "materials"
    assert form_input("item", "materials") == "materials"
    assert form_input("item", "per_unit.rate") == "rate"
    assert form_input("item", "per_unit.field") == "unit_field"
    assert form_input("item", "when.all[2].value") == "clause_2"
    assert form_input("item", "") == "points_kind"
    assert form_input("case", "expected.total") == "exp_total"
    assert form_input("case", "facts.age") == "fact_age"
    assert form_input("fact", "value_labels[1]") == "label_1"
    assert form_input("indicator", "items[0].code", "x_") == "x_item_code"
    assert WORDS["group"] == ITEM.field("group").label == "不累加分组" and WORDS["name"] == "名称"


def test_a_path_in_the_schemas_words(doc: dict[str, Any]) -> None:
    t3 = next(n for n, i in enumerate(doc["indicators"]) if i["code"] == "T3")
    name = doc["indicators"][t3]["name"]
    assert location(f"indicators[{t3}].items[1].cap", doc) == f"指标项 T3 {name} › 第2个细则（T3-2） › 本项上限"
    words = f"{label('item', 'per_unit')} › {label('item', 'per_unit.rate')}"
    assert location(f"indicators[{t3}].items[1].per_unit.rate", doc).endswith(words)
    assert location(f"indicators[{t3}].items[1].when.all[0].field", doc).endswith("条件 › 第1个条件 › 字段")
    assert location(f"indicators[{t3}].items[1].materials[3]", doc).endswith("证明材料第4项")


@pytest.mark.parametrize(
    ("materials", "said"),
    [([f"材料{n}" for n in range(21)], "最多20项，填写了21项"), (["居住证", "长" * 201], "最多200个字符，填写了201个")],
)
def test_too_many_or_too_long_materials_are_said_on_their_input(
    doc: dict[str, Any], materials: list[str], said: str
) -> None:
    doc["indicators"][2]["items"][1]["materials"] = materials
    errors, general = on_inputs(problems_of(doc), doc, "item", "indicators[2].items[1]")
    assert errors == {"materials": [said]} and general == []
