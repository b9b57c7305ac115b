"""Streaming input (JSON Lines and JSON arrays read a piece at a time) and ``score --jobs``."""

from __future__ import annotations

import io
import json
from decimal import Decimal
from typing import Any

import pytest

from engine import batch
from jifen.standard import population
from jifen.standard.population import FileSource, PopulationError

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


def entries(text: str | bytes) -> list[tuple[int, int, str]]:
    raw = text.encode("utf-8") if isinstance(text, str) else text
    out = []
    for position, line, body, problem in FileSource(io.BytesIO(raw)):
        assert problem is None and body is not None
        out.append((position, line, body.decode() if isinstance(body, bytes) else body))
    return out


@pytest.mark.parametrize("read_size", [1, 3, 7, 1 << 20])
def test_array_elements_are_found_across_read_boundaries(monkeypatch: pytest.MonkeyPatch, read_size: int) -> None:
    monkeypatch.setattr(population, "READ_SIZE", read_size)
    text = '\n [ {"a": [1, 2]},\n12345 ,\n\n{"b": "x,]\\"{"}, "桐乡市居住证",true,\n-0.5e3 ]  \n'
    assert entries(text) == [
        (1, 2, '{"a": [1, 2]}'),
        (2, 3, "12345"),
        (3, 5, '{"b": "x,]\\"{"}'),
        (4, 5, '"桐乡市居住证"'),
        (5, 5, "true"),
        (6, 6, "-0.5e3"),
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "[]", "  [ \n ]  \n"])
def test_empty_inputs(text: str) -> None:
    assert entries(text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"a": 1} {"b": 2}]', "expected ',' or ']' at line 1"),
        ("[1,\n]", "Expecting value at line 2 column 1"),
        ("[1] x", "expected nothing after the array at line 1"),
        ('[{"a": ', "Expecting value at line 1"),
        ("[1, 2", "the array breaks off at line 1"),
    ],
)
def test_malformed_arrays(monkeypatch: pytest.MonkeyPatch, text: str, message: str) -> None:
    monkeypatch.setattr(population, "READ_SIZE", 2)
    with pytest.raises(PopulationError, match=message.replace("[", r"\[")):
        entries(text)


def test_json_lines_skip_blank_lines_and_keep_line_numbers() -> None:
    text = '{"a": 1}\n\n   \n{"b": 2}\r\nnot json\n{"c": 3}'
    assert [(p, n, t.strip()) for p, n, t in entries(text)] == [
        (1, 1, '{"a": 1}'),
        (2, 4, '{"b": 2}'),
        (3, 5, "not json"),
        (4, 6, '{"c": 3}'),
    ]


def test_progress_counts_bytes_of_a_file(tmp_path: Any) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"n": n}) + "\n" for n in range(100)), encoding="utf-8")
    with path.open("rb") as stream:
        source = FileSource(stream)
        assert source.total == path.stat().st_size
        assert len(list(source)) == 100
        assert source.done == source.total
    assert FileSource(io.BytesIO(b"[]")).total is None  # not a file: no known size


@pytest.mark.parametrize("form", ["array", "lines"])
def test_score_jobs_keep_the_input_order(seeded: Any, form: str) -> None:
    runner = seeded.test_cli_runner()
    items: list[Any] = [
        {
            "application_ref": f"S-{n}",
            "facts": {**BASE, "income_tax_paid": n * 101, **({"agee": 1} if n % 400 == 3 else {})},
        }
        for n in range(1300)
    ]
    items[700] = [1, 2]
    text = json.dumps(items) if form == "array" else "".join(json.dumps(i) + "\n" for i in items)
    outputs = []
    for jobs in ("1", "2"):
        result = runner.invoke(
            args=["score", "--year", "2026", "--date", "2026-06-01", "--jobs", jobs, "-"], input=text
        )
        assert result.exit_code == 1
        assert "5 of 1300 application(s) had errors" in result.stderr
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    lines = [json.loads(line) for line in outputs[0].splitlines()]
    assert [line["application_ref"] for line in lines] == [None if n == 700 else f"S-{n}" for n in range(1300)]
    assert lines[1]["indicators"][11]["points"] == 0 and lines[20]["indicators"][11]["points"] == 2
    assert lines[3]["errors"] == {"facts.agee": ["unknown field"]}


def test_a_broken_array_prints_what_came_before(seeded: Any) -> None:
    runner = seeded.test_cli_runner()
    good = json.dumps({"application_ref": "A", "facts": BASE})
    result = runner.invoke(args=["score", "--year", "2026", "--jobs", "1", "-"], input=f"[{good}, {good} {good}]")
    assert result.exit_code == 1
    assert "not a valid JSON array: expected ',' or ']'" in result.output
    assert "Traceback" not in result.output


def test_bad_utf8() -> None:
    with pytest.raises(PopulationError, match="not valid UTF-8"):
        entries(b'["\xff"]')
    assert FileSource(io.BytesIO(b'{"a": "\xff"}\n')).__iter__().__next__()[2] == b'{"a": "\xff"}\n'


def test_parse_explains_each_unreadable_entry() -> None:
    assert batch.parse((1, 4, b'{"a": "\xff"}', None))[2] == {"input": ["line 4 is not valid UTF-8"]}
    assert batch.parse((1, 5, b"{oops", None))[2]["input"][0].startswith("line 5 is not valid JSON")
    assert batch.parse((2, 6, b'{"application_ref": "R", "facts": {"x": 1.5}}', None)) == (
        "R",
        {"x": Decimal("1.5")},
        {},
    )
