"""Every application of the regression file is answered byte for byte as it was when the file was written."""

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
        try:
            got = dumps_bytes(compiled[line["ruleset"]].score(facts, as_of=dt.date.fromisoformat(line["as_of"])))
            same = got == line.get("result", "").encode("utf-8")
        except FactsError as exc:
            same = line.get("errors") == {"en": exc.texts("en"), "zh": exc.texts("zh")}
        if not same:
            differ.append(n)
    assert differ == [], f"{len(differ)} of {len(lines)} answers changed, first on line {differ[:1]}"
    # the file covers what it is meant to: refusals, ineligible and eligible scores, both years
    assert sum("errors" in line for line in lines) > 50
    results = [json.loads(line["result"]) for line in lines if "result" in line]
    assert sum(r["eligible"] for r in results) > 500 and sum(not r["eligible"] for r in results) > 50
