"""Every application of the regression file is answered byte for byte as it was when the file was written, both
as a dict written by ``engine.result.dumps_bytes`` and as the JSON ``score_json`` writes directly."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from engine import FactsError, compile_version, load_file
from engine.result import dumps_bytes
from tests.engine.regression import ROOT, SIZES, read


def test_every_application_is_answered_as_before() -> None:
    lines = read()
    assert len(lines) == sum(SIZES.values()) == 2_000
    compiled = {file: compile_version(load_file(ROOT / "rulesets" / file)) for file in SIZES}
    differ = []
    for n, line in enumerate(lines, 1):
        text = line["facts"]
        facts = json.loads(text, parse_float=Decimal) if line["decimal"] else json.loads(text)
        version, as_of = compiled[line["ruleset"]], dt.date.fromisoformat(line["as_of"])
        try:
            got = dumps_bytes(version.score(facts, as_of=as_of))
            # the answer written at once, without the dict, is the same bytes
            written = version.score_json(facts, as_of=as_of)
            expected = line.get("result", "").encode("utf-8")
            same = got == expected == written.body
            summary = json.loads(expected)
            same = same and (written.total, written.eligible) == (Decimal(str(summary["total"])), summary["eligible"])
            # the total alone (the matching benchmark's figure) is the total of the whole answer
            same = same and version.total(version.validate(facts, as_of)[0]) == written.total
        except FactsError as exc:
            same = line.get("errors") == {"en": exc.texts("en"), "zh": exc.texts("zh")}
        if not same:
            differ.append(n)
    assert differ == [], f"{len(differ)} of {len(lines)} answers changed, first on line {differ[:1]}"
    # the file covers what it is meant to: refusals, ineligible and eligible scores, both years
    assert sum("errors" in line for line in lines) > 50
    results = [json.loads(line["result"]) for line in lines if "result" in line]
    assert sum(r["eligible"] for r in results) > 500 and sum(not r["eligible"] for r in results) > 50


def test_the_json_written_at_once_names_a_stored_version_last_in_its_version() -> None:
    version = compile_version(load_file(ROOT / "rulesets" / "tongxiang-2026.yaml"))
    for line in read()[:100]:
        if "result" not in line:
            continue
        facts, as_of = json.loads(line["facts"]), dt.date.fromisoformat(line["as_of"])
        result = version.score(facts, as_of=as_of)
        result["version"]["id"] = 7  # type: ignore[typeddict-unknown-key]
        assert version.score_json(facts, as_of=as_of, version_id=7).body == dumps_bytes(result)
