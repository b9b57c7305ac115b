"""The regression file: 2,000 synthetic applications and the exact bytes the engine answered for each.

    python -m tests.engine.regression    # rewrite tests/engine/data/regression.jsonl.xz (only at a known-good commit)

Each line holds the ruleset file, the scoring date, the facts as JSON text (as a client sends them; some read
with Decimals as the CLI and the batch workers read them) and either the result's JSON bytes or the English and
Chinese texts of the refusal. ``tests/engine/test_regression.py`` scores every line again and compares bytes:
a change meant to make scoring faster must leave every answer exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import lzma
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import FactsError, RulesetVersion, compile_version, load_file
from engine.model import FactField
from engine.result import dumps_bytes

ROOT = Path(__file__).resolve().parents[2]
FILE = Path(__file__).with_name("data") / "regression.jsonl.xz"
SIZES = {"tongxiang-2026.yaml": 1_500, "tongxiang-2025.yaml": 500}
SEED = 2026


def _value(rng: random.Random, field: FactField, year: int) -> Any:
    if field.type == "bool":
        return rng.random() < (0.95 if field.required else 0.5)
    if field.type == "enum":
        return rng.choice(field.values)
    if field.type == "int":
        low = int(field.min) if field.min is not None else 0
        high = int(field.max) if field.max is not None else 240
        # small counts most of the time (the thresholds live there), now and then anything in range
        return rng.randint(low, min(high, low + rng.choice((12, 60, 240))))
    if field.type == "number":
        return rng.choice((rng.randint(0, 400), round(rng.uniform(0, 60_000), 2), round(rng.uniform(0, 500), 1)))
    if field.name == "birth_date":
        return (dt.date(1958, 1, 1) + dt.timedelta(days=rng.randrange(0, 48 * 365))).isoformat()
    return (dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))).isoformat()


_BAD = ("yes", -5, 1.5, "2026-02-30", None, [1], 10**16, "college", True)


def _facts(rng: random.Random, version: RulesetVersion) -> dict[str, Any]:
    fields = [f for f in version.facts if f.derived is None]
    facts = {
        f.name: _value(rng, f, version.year)
        for f in fields
        if (f.required and rng.random() < 0.99) or rng.random() < 0.5
    }
    if rng.random() < 0.08:  # a wrong value, an unknown or a derived field: the refusal's texts are kept too
        choice = rng.random()
        if choice < 0.6:
            facts[rng.choice(fields).name] = rng.choice(_BAD)
        elif choice < 0.8:
            facts["unknown_fact"] = 1
        else:
            facts["age"] = 30
    return facts


def _line(version: RulesetVersion, file: str, as_of: dt.date, text: str, decimal: bool) -> dict[str, Any]:
    facts = json.loads(text, parse_float=Decimal) if decimal else json.loads(text)
    line: dict[str, Any] = {"ruleset": file, "as_of": as_of.isoformat(), "decimal": decimal, "facts": text}
    try:
        line["result"] = dumps_bytes(compile_version(version).score(facts, as_of=as_of)).decode("utf-8")
    except FactsError as exc:
        line["errors"] = {"en": exc.texts("en"), "zh": exc.texts("zh")}
    return line


def generate() -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    lines = []
    for file, size in SIZES.items():
        version = load_file(ROOT / "rulesets" / file)
        for _ in range(size):
            as_of = dt.date(version.year, 1, 1) + dt.timedelta(days=rng.randrange(0, 365))
            text = json.dumps(_facts(rng, version), ensure_ascii=False)
            lines.append(_line(version, file, as_of, text, rng.random() < 0.25))
    return lines


def read() -> list[dict[str, Any]]:
    with lzma.open(FILE, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def write(lines: list[dict[str, Any]]) -> None:
    FILE.parent.mkdir(exist_ok=True)
    with lzma.open(FILE, "wb", preset=9) as f:  # 22 MB of JSON, 0.35 MB written
        for line in lines:
            f.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")


if __name__ == "__main__":
    write(generate())
    print(f"wrote {FILE}")
