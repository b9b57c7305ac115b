"""A broken ruleset file is refused with the file, the path inside it and what was expected: every problem at once."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml

from engine import RulesetError, load_file, parse_document, parse_yaml

MINIMAL: dict[str, Any] = {
    "ruleset": "tongxiang",
    "year": 2026,
    "revision": 1,
    "effective_from": "2026-01-01",
    "status": "draft",
    "title": "测试标准",
    "facts": [
        {"name": "birth_date", "type": "date", "label": "出生日期", "required": True},
        {"name": "application_date", "type": "date", "label": "申请日期"},
        {
            "name": "age",
            "type": "int",
            "label": "年龄",
            "derived": {"function": "full_years", "source": "birth_date", "at": "application_date"},
        },
        {"name": "months", "type": "int", "label": "月数", "min": 0},
        {"name": "education", "type": "enum", "label": "学历", "values": ["bachelor", "college"]},
    ],
    "categories": [{"code": "provincial", "name": "省级", "kind": "add", "cap": 100}],
    "indicators": [
        {
            "code": "P1",
            "name": "年龄",
            "category": "provincial",
            "cap": 20,
            "departments": ["公安局"],
            "reference": "附件1 第1项",
            "items": [
                {"code": "P1-1", "label": "40岁及以下", "when": {"field": "age", "op": "<=", "value": 40}, "fixed": 20},
                {"code": "P1-2", "label": "每月", "per_unit": {"field": "months", "rate": 0.5}, "cap": 10},
            ],
        }
    ],
    "cases": [
        {
            "name": "一例",
            "facts": {"birth_date": "1990-01-01", "application_date": "2026-03-01"},
            "expected": {"total": 20},
        }
    ],
}


def broken(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = copy.deepcopy(MINIMAL)
    change(doc)
    return doc


def _item(doc: dict[str, Any], i: int = 0) -> dict[str, Any]:
    return doc["indicators"][0]["items"][i]  # type: ignore[no-any-return]


# any of five (all of two groups of any): more tests in one rule than durable_rules takes (error 113)
TOO_COMPLEX = {
    "any": [
        {
            "all": [
                {"any": [{"field": "age", "op": ">", "value": i}, {"field": "months", "op": ">", "value": i}]},
                {"any": [{"field": "age", "op": "<", "value": i}, {"field": "months", "op": "<", "value": i}]},
            ]
        }
        for i in range(5)
    ]
}

CASES = [
    ("unknown top-level key", lambda d: d.update(colour="blue"), "colour", "unknown key"),
    ("unknown item key", lambda d: _item(d).update(pointz=3), "indicators[0].items[0].pointz", "unknown key"),
    ("missing required key", lambda d: d.pop("title"), "title", "missing required key"),
    (
        "duplicate item code",
        lambda d: _item(d, 1).update(code="P1-1"),
        "indicators[0].items[1].code",
        "duplicate item code 'P1-1'",
    ),
    (
        "duplicate indicator code",
        lambda d: d["indicators"].append(copy.deepcopy(d["indicators"][0])),
        "indicators[1].code",
        "duplicate indicator code",
    ),
    ("duplicate field", lambda d: d["facts"].append(dict(d["facts"][3])), "facts[5].name", "duplicate field 'months'"),
    (
        "condition on an unknown field",
        lambda d: _item(d)["when"].update(field="agee"),
        "indicators[0].items[0].when.field",
        "unknown field 'agee'",
    ),
    (
        "value of the wrong type",
        lambda d: _item(d)["when"].update(value="forty"),
        "indicators[0].items[0].when.value",
        "expected an integer",
    ),
    (
        "enum value not allowed",
        lambda d: _item(d).update(when={"field": "education", "op": "==", "value": "phd"}),
        "indicators[0].items[0].when.value",
        "must be one of: bachelor, college",
    ),
    (
        "negative indicator cap",
        lambda d: d["indicators"][0].update(cap=-5),
        "indicators[0].cap",
        "must not be negative",
    ),
    ("negative item cap", lambda d: _item(d, 1).update(cap=-1), "indicators[0].items[1].cap", "must not be negative"),
    (
        "unknown operator",
        lambda d: _item(d)["when"].update(op="=<"),
        "indicators[0].items[0].when.op",
        "unknown operator '=<'",
    ),
    (
        "nested unknown field",
        lambda d: _item(d).update(
            when={"any": [{"field": "age", "op": "<", "value": 3}, {"all": [{"field": "nope", "op": "exists"}]}]}
        ),
        "indicators[0].items[0].when.any[1].all[0].field",
        "unknown field 'nope'",
    ),
    (
        "condition the engine refuses",
        lambda d: _item(d).update(when=TOO_COMPLEX),
        "indicators[0].items[0].when",
        "the rule engine cannot take this condition as one rule",
    ),
    (
        "both points rules",
        lambda d: _item(d).update(per_unit={"field": "months", "rate": 1}),
        "indicators[0].items[0]",
        "exactly one points rule",
    ),
    (
        "per_unit on a text field",
        lambda d: _item(d, 1)["per_unit"].update(field="education"),
        "indicators[0].items[1].per_unit.field",
        "expected an int or number field",
    ),
    (
        "zero unit",
        lambda d: _item(d, 1)["per_unit"].update(unit=0),
        "indicators[0].items[1].per_unit.unit",
        "must be greater than 0",
    ),
    (
        "three decimals",
        lambda d: _item(d, 1)["per_unit"].update(rate=0.125),
        "indicators[0].items[1].per_unit.rate",
        "at most 2 decimal places",
    ),
    (
        "item cap above indicator cap",
        lambda d: _item(d, 1).update(cap=25),
        "indicators[0].items[1].cap",
        "exceeds the cap of its indicator",
    ),
    (
        "unknown category",
        lambda d: d["indicators"][0].update(category="extra"),
        "indicators[0].category",
        "unknown category 'extra'",
    ),
    (
        "bad category kind",
        lambda d: d["categories"][0].update(kind="subtract"),
        "categories[0].kind",
        "expected one of: add, deduct",
    ),
    ("bad date", lambda d: d.update(effective_from="2026-02-30"), "effective_from", "not a valid date"),
    ("bad status", lambda d: d.update(status="live"), "status", "expected one of: draft, published, retired"),
    (
        "ordering on an enum",
        lambda d: _item(d).update(when={"field": "education", "op": ">", "value": "college"}),
        "indicators[0].items[0].when.op",
        "needs a number or date field",
    ),
    (
        "exists with a value",
        lambda d: _item(d).update(when={"field": "age", "op": "exists", "value": 1}),
        "indicators[0].items[0].when.value",
        "takes no value",
    ),
    (
        "in without a list",
        lambda d: _item(d).update(when={"field": "education", "op": "in", "value": "college"}),
        "indicators[0].items[0].when.value",
        "expected a list",
    ),
    (
        "case facts unknown field",
        lambda d: d["cases"][0]["facts"].update(agee=3),
        "cases[0].facts.agee",
        "unknown field",
    ),
    (
        "case facts sends a derived field",
        lambda d: d["cases"][0]["facts"].update(age=30),
        "cases[0].facts.age",
        "computed from birth_date",
    ),
    (
        "case expects an unknown indicator",
        lambda d: d["cases"][0]["expected"].update(indicators={"P9": 1}),
        "cases[0].expected.indicators.P9",
        "unknown code",
    ),
    (
        "indicator without reference",
        lambda d: d["indicators"][0].pop("reference"),
        "indicators[0].reference",
        "missing required key",
    ),
    (
        "derived from a non-date",
        lambda d: d["facts"][2]["derived"].update(source="months"),
        "facts[2].derived.source",
        "expected a date field",
    ),
    (
        "text where a number belongs",
        lambda d: _item(d).update(fixed="20"),
        "indicators[0].items[0].fixed",
        "expected a number",
    ),
    (
        "boolean where a number belongs",
        lambda d: d["categories"][0].update(cap=True),
        "categories[0].cap",
        "expected a number",
    ),
    (
        "a cap beyond any sensible number",
        lambda d: d["categories"][0].update(cap=1.0e300),
        "categories[0].cap",
        "must be between 0 and 300",
    ),
    (
        "points with twenty digits",
        lambda d: _item(d).update(fixed=100000000000000000000),
        "indicators[0].items[0].fixed",
        "must be between",
    ),
    (
        "points beyond the 300-point total",
        lambda d: _item(d).update(fixed=300.01),
        "indicators[0].items[0].fixed",
        "must be between 0 and 300",
    ),
    (
        "a rate beyond the total",
        lambda d: _item(d, 1)["per_unit"].update(rate=-301),
        "indicators[0].items[1].per_unit.rate",
        "must be between -300 and 300",
    ),
    (
        "an expected total beyond 300",
        lambda d: d["cases"][0]["expected"].update(total=1e28),
        "cases[0].expected.total",
        "must be between 0 and 300",
    ),
    (
        "a code of 17 characters",
        lambda d: _item(d).update(code="P" * 17),
        "indicators[0].items[0].code",
        "at most 16 characters",
    ),
    (
        "a label of 201 characters",
        lambda d: _item(d).update(label="长" * 201),
        "indicators[0].items[0].label",
        "at most 200 characters",
    ),
    (
        "a reference of 2001 characters",
        lambda d: d["indicators"][0].update(reference="条" * 2001),
        "indicators[0].reference",
        "at most 2000 characters",
    ),
    (
        "a control character in a label",
        lambda d: _item(d).update(label="年龄\x00"),
        "indicators[0].items[0].label",
        "must not contain control characters",
    ),
    (
        "an option without a name",
        lambda d: d["facts"][4].update(value_labels=["本科", " "]),
        "facts[4].value_labels[1]",
        "expected the option's name",
    ),
    (
        "infinite points",
        lambda d: _item(d).update(fixed=float("inf")),
        "indicators[0].items[0].fixed",
        "expected a finite number",
    ),
]


def test_minimal_document_is_valid() -> None:
    version = parse_document(copy.deepcopy(MINIMAL))
    assert version.ref == "tongxiang/2026/1"


@pytest.mark.parametrize(("change", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_document_names_path_and_expectation(
    change: Callable[[dict[str, Any]], None], path: str, fragment: str
) -> None:
    with pytest.raises(RulesetError) as info:
        parse_document(broken(change), "broken.yaml")
    matching = [p for p in info.value.problems if p.path == path]
    assert matching, f"no problem at {path}: {info.value.problems}"
    assert any(fragment in p.message for p in matching), matching
    assert "broken.yaml" in str(info.value)


def test_every_problem_is_reported_at_once() -> None:
    def many(d: dict[str, Any]) -> None:
        d.update(colour="blue")
        _item(d)["when"].update(field="agee")
        _item(d, 1).update(cap=-1)
        d["categories"][0].update(kind="minus")

    with pytest.raises(RulesetError) as info:
        parse_document(broken(many), "many.yaml")
    paths = {p.path for p in info.value.problems}
    assert {"colour", "indicators[0].items[0].when.field", "indicators[0].items[1].cap", "categories[0].kind"} <= paths


def test_yaml_syntax_error_gives_line() -> None:
    with pytest.raises(RulesetError) as info:
        parse_yaml("ruleset: tongxiang\nyear: [2026\n", "syntax.yaml")
    assert info.value.problems[0].path.startswith("line ")
    assert "not valid YAML" in info.value.problems[0].message


def test_duplicate_yaml_key_is_refused() -> None:
    text = yaml.safe_dump(MINIMAL, allow_unicode=True) + "year: 2027\n"
    with pytest.raises(RulesetError) as info:
        parse_yaml(text, "dup.yaml")
    assert "duplicate key 'year'" in str(info.value)


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text"], ids=["empty", "list", "scalar"])
def test_document_that_is_not_a_mapping(text: str) -> None:
    with pytest.raises(RulesetError) as info:
        parse_yaml(text, "odd.yaml")
    assert "expected a mapping" in str(info.value)


def test_unreadable_file(tmp_path: Any) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9".encode("latin-1"))
    with pytest.raises(RulesetError) as info:
        load_file(path)
    assert "cannot read the file" in str(info.value)
    with pytest.raises(RulesetError):
        load_file(tmp_path / "missing.yaml")
