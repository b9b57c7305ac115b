"""The declared shape of a ruleset document: one table that the loader, the writer and the JSON Schema follow."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from engine import load_file, parse_document
from engine.canonical import dump_yaml, to_document
from engine.errors import RulesetError
from engine.schema import ITEM, PARTS, json_schema, label

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted((ROOT / "rulesets").glob("*.yaml"))


def _plain(node: Any) -> Any:
    """A YAML document as JSON holds it (dates as ISO text)."""
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node.isoformat() if isinstance(node, dt.date) else node


def _validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _doc() -> dict[str, Any]:
    return _plain(yaml.safe_load((ROOT / "rulesets" / "tongxiang-2026.yaml").read_text(encoding="utf-8")))


def _problems(doc: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(RulesetError) as caught:
        parse_document(doc)
    return {p.path: p.code for p in caught.value.problems}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_the_sample_rulesets_validate_against_the_json_schema(path: Path) -> None:
    doc = _plain(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert [e.message for e in _validator().iter_errors(doc)] == []
    # so does what the canonical writer produces
    assert [e.message for e in _validator().iter_errors(_plain(to_document(load_file(path))))] == []


def test_the_json_schema_refuses_what_the_loader_refuses_in_form() -> None:
    validator = _validator()
    for change, where in (
        (lambda d: d["indicators"][0]["items"][0].update(materials=["证"] * 21), "materials"),
        (lambda d: d["indicators"][0]["items"][0].update(materials=["证" * 201]), "materials"),
        (lambda d: d["indicators"][0]["items"][0].update(colour="red"), "colour"),
        (lambda d: d["indicators"][0]["items"][0].update(per_unit={"field": "age", "rate": 1}), "oneOf"),
        (lambda d: d["categories"][0].update(kind="bonus"), "kind"),
        (lambda d: d.pop("title"), "title"),
        (lambda d: d.update(year=1999), "year"),
    ):
        doc = _doc()
        change(doc)
        errors = list(validator.iter_errors(doc))
        assert errors, where


def test_every_field_is_named_in_both_languages_once_per_part() -> None:
    for part in PARTS.values():
        keys = [f.key for f in part.fields]
        assert len(keys) == len(set(keys)), part.name
        for f in part.fields:
            assert f.zh and f.en, (part.name, f.key)
            assert f.part is None or f.part in PARTS, (part.name, f.key)
    assert label("item", "group") == "不累加分组" and label("item", "per_unit.rate") == "每单位分值"


def test_materials_are_read_written_and_hashed() -> None:
    version = load_file(ROOT / "rulesets" / "tongxiang-2026.yaml")
    items = [item for indicator in version.indicators for item in indicator.items]
    assert all(item.materials for item in items)
    t3_2 = next(item for item in items if item.code == "T3-2")
    assert t3_2.materials == ("不动产权证书（或房屋所有权证、土地使用证）",)
    again = parse_document(yaml.safe_load(dump_yaml(version)))
    assert again == version and again.content_hash == version.content_hash
    doc = _doc()
    doc["indicators"][0]["items"][0]["materials"] = ["居住证"]
    assert parse_document(doc).content_hash != version.content_hash
    del doc["indicators"][0]["items"][0]["materials"]
    assert parse_document(doc).indicators[0].items[0].materials == ()


def test_bad_materials_are_refused_with_their_place() -> None:
    doc = _doc()
    items = doc["indicators"][0]["items"]
    items[0]["materials"] = ["证"] * 21
    items[1]["materials"] = ["居住证", "证" * 201, ""]
    items[2]["materials"] = "居住证"
    found = _problems(doc)
    assert found["indicators[0].items[0].materials"] == "too_many"
    assert found["indicators[0].items[1].materials[1]"] == "too_long"
    assert found["indicators[0].items[1].materials[2]"] == "empty_text"
    assert found["indicators[0].items[2].materials"] == "not_list"
    with pytest.raises(RulesetError) as caught:
        parse_document(doc)
    texts = {p.path: p.text("zh") for p in caught.value.problems}  # type: ignore[attr-defined]
    assert texts["indicators[0].items[0].materials"] == "最多20项，填写了21项"


def test_the_loader_knows_exactly_the_declared_keys() -> None:
    doc = _doc()
    doc["indicators"][0]["items"][0]["colour"] = "red"
    with pytest.raises(RulesetError) as caught:
        parse_document(copy.deepcopy(doc))
    [problem] = caught.value.problems
    assert problem.code == "unknown_key"  # type: ignore[attr-defined]
    assert problem.params["expected"] == list(ITEM.required + ITEM.optional)  # type: ignore[attr-defined]
