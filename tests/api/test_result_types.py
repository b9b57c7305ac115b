"""The engine's typed result and the API's document cannot drift: real answers are held to both, key for key."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, get_args, get_origin

import pytest
from openapi_schema_validator import OAS31Validator

from api.results import is_typed_dict, keys
from engine import load_file
from engine.result import ScoreResult, dumps_bytes
from tests.conftest import RULESETS, golden_cases

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01"}


def _mismatches(td: type, value: Any, path: str = "result") -> list[str]:
    """Where ``value`` (a result as JSON) has a key its TypedDict lacks, or lacks a key it always has."""
    if not isinstance(value, dict):
        return [f"{path}: not an object"]
    problems = []
    declared = keys(td)
    for name, (hint, required) in declared.items():
        if name not in value:
            if required:
                problems.append(f"{path}.{name}: missing")
            continue
        problems += _nested(hint, value[name], f"{path}.{name}")
    problems += [f"{path}.{name}: not in {td.__name__}" for name in value if name not in declared]
    return problems


def _nested(hint: Any, value: Any, path: str) -> list[str]:
    while get_args(hint) and get_origin(hint) is not list:  # Annotated[...], X | None
        hint = next(a for a in get_args(hint) if a is not type(None))
    if is_typed_dict(hint):
        return _mismatches(hint, value, path)
    if get_origin(hint) is list and is_typed_dict(get_args(hint)[0]):
        return [p for i, item in enumerate(value) for p in _mismatches(get_args(hint)[0], item, f"{path}[{i}]")]
    return []


def _applications() -> list[tuple[Any, dict[str, Any], dt.date]]:
    out = []
    for path in sorted(RULESETS.glob("*.yaml")):
        version = load_file(path)
        on = dt.date(version.year, 6, 1)
        out += [(version, case.facts, case.as_of or on) for case in version.cases]
        out += [(version, {**BASE, "skill_level": 2, "title": "senior"}, on)]  # an exclusive group: excluded_by
    golden = [p.values[0] for p in golden_cases() if p.values[0] is not None]
    versions = {v.year: v for v in (load_file(p) for p in sorted(RULESETS.glob("*.yaml")))}
    out += [(versions[c["year"]], c["facts"], dt.date(c["year"], 6, 1)) for c in golden if c["year"] in versions]
    return out


def test_every_result_has_exactly_the_typed_keys() -> None:
    from engine.errors import FactsError

    seen_optional = set()
    scored = 0
    for version, facts, on in _applications():
        try:
            result = version_score(version, facts, on)
        except FactsError:
            continue
        as_json = json.loads(dumps_bytes(result))
        assert _mismatches(ScoreResult, as_json) == [], facts
        scored += 1
        seen_optional |= {"excluded_by" for ind in as_json["indicators"] for it in ind["items"] if "excluded_by" in it}
    assert scored > 20 and seen_optional == {"excluded_by"}


def version_score(version: Any, facts: dict[str, Any], on: dt.date) -> Any:
    from engine import compile_version

    return compile_version(version).score(facts, as_of=on)


def test_a_dropped_or_renamed_key_is_found() -> None:
    version = load_file(sorted(RULESETS.glob("*.yaml"))[-1])
    result = json.loads(dumps_bytes(version_score(version, BASE, dt.date(version.year, 6, 1))))
    del result["indicators"][0]["items"][0]["counted"]
    result["categories"][0]["pts"] = result["categories"][0].pop("points")
    assert _mismatches(ScoreResult, result) == [
        "result.categories[0].points: missing",
        "result.categories[0].pts: not in CategoryResult",
        "result.indicators[0].items[0].counted: missing",
    ]


def test_the_documents_result_schemas_are_the_typed_keys(client: Any) -> None:
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    declared = keys(ScoreResult)
    for name in ("Score", "DryRun", "StoredScore"):
        properties = schemas[name]["properties"]
        assert set(declared) <= set(properties), name
        assert {k for k, (_h, required) in declared.items() if required} <= set(schemas[name]["required"]), name
    assert set(schemas["ItemResult"]["properties"]) == {"code", "label", "fired", "raw", "cap", "points", "counted",
                                                        "excluded_by"}  # fmt: skip
    assert schemas["ItemResult"]["properties"]["cap"]["type"] == ["number", "null"]
    assert "excluded_by" not in schemas["ItemResult"]["required"]


# -- real answers against the live document -----------------------------------------------------------------


def validator(document: dict[str, Any], name: str) -> OAS31Validator:
    return OAS31Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]})


def _valid(document: dict[str, Any], name: str, body: Any) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(document, name).iter_errors(body)]


@pytest.mark.parametrize("dry_run", [False, True])
def test_scores_as_answered_fit_the_document(client: Any, headers: dict[str, str], dry_run: bool) -> None:
    document = client.get("/api/v1/openapi.json").json
    body = {"application_ref": f"T-{dry_run}", "year": 2026, "facts": {**BASE, "skill_level": 2, "title": "senior"},
            "dry_run": dry_run}  # fmt: skip
    answer = client.post("/api/v1/scores", json=body, headers=headers).json
    assert _valid(document, "DryRun" if dry_run else "Score", answer) == []
    assert _valid(document, "Score" if dry_run else "DryRun", answer) != []  # the two are told apart
    if not dry_run:
        stored = client.get(f"/api/v1/scores/{answer['id']}", headers=headers).json
        assert _valid(document, "StoredScore", stored) == []
        listed = client.get("/api/v1/scores?application_ref=T-False", headers=headers).json
        assert _valid(document, "ScoreList", listed) == []
        verdict = client.post(f"/api/v1/scores/{answer['id']}/verify", headers=headers).json
        assert _valid(document, "Verify", verdict) == []


def test_versions_and_differences_fit_the_document(client: Any, headers: dict[str, str]) -> None:
    document = client.get("/api/v1/openapi.json").json
    for ref in ("tongxiang/2025/1", "tongxiang/2026/1"):
        detail = client.get(f"/api/v1/versions/{ref}", headers=headers).json
        assert _valid(document, "VersionDetail", detail) == [], ref
    for a, b in (("2025", "2026"), ("2026", "2025")):
        diff = client.get(f"/api/v1/versions/tongxiang/{a}/1/diff/tongxiang/{b}/1", headers=headers).json
        assert diff["changes"] and diff["cases"]
        assert _valid(document, "Diff", diff) == [], (a, b)
    assert _valid(document, "RulesetDocument", {"ruleset": "x"}) != []  # the document is typed, not any object


def test_numbers_stay_exact() -> None:
    version = load_file(sorted(RULESETS.glob("*.yaml"))[-1])
    result = version_score(version, {**BASE, "volunteer_hours": 120.5}, dt.date(version.year, 6, 1))
    assert isinstance(result["total"], Decimal)
