"""Every problem the engine reports has a code, and every code has its English and its Chinese sentence."""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from engine import FactsError, RulesetError, compile_version, parse_document, run_cases, to_document
from engine.errors import CodedProblem
from engine.problems import TEXTS, render
from tests.conftest import ROOT
from tests.engine.test_loader_errors import CASES, MINIMAL

CJK = re.compile(r"[\u4e00-\u9fff]")
# a word of English left in a Chinese sentence (parameters such as codes and field names are allowed)
ENGLISH_WORD = re.compile(r"\b(expected|must|got|field|unknown|missing|the|not|one of|between)\b")
# calls that name a problem code: coded(path, CODE), r.problems.add(path, CODE), Invalid(CODE)
CALLS = {"coded": 1, "add": 1, "Invalid": 0}


def _codes_used(folder: Path) -> Iterator[tuple[str, str]]:
    for path in sorted(folder.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            position = CALLS.get(name)
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                yield path.name, arg.value
            elif isinstance(arg, ast.JoinedStr):  # f"missing_{kind}": every completion must exist
                prefix = "".join(v.value for v in arg.values if isinstance(v, ast.Constant))
                assert any(code.startswith(prefix) for code in TEXTS), (path.name, prefix)


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_every_code_has_both_sentences(code: str) -> None:
    en, zh = TEXTS[code]
    assert en.strip() and zh.strip()
    assert not CJK.search(en.replace("已知悉", "")), en
    assert CJK.search(zh), zh


def test_every_code_the_engine_raises_is_in_the_catalogue() -> None:
    used = set(_codes_used(ROOT / "engine"))
    assert used, "no codes found: the scan is broken"
    assert {code for _, code in used} - TEXTS.keys() == set()


def _problems(change: Callable[[dict[str, Any]], None]) -> list[Any]:
    doc = copy.deepcopy(MINIMAL)
    change(doc)
    with pytest.raises(RulesetError) as info:
        parse_document(doc)
    return info.value.problems


@pytest.mark.parametrize(("change", "path"), [c[1:3] for c in CASES], ids=[c[0] for c in CASES])
def test_every_loader_problem_reads_in_chinese(change: Callable[[dict[str, Any]], None], path: str) -> None:
    for p in _problems(change):
        assert isinstance(p, CodedProblem), p
        zh = p.text("zh", place=lambda at: "某处")
        assert CJK.search(zh) and not ENGLISH_WORD.search(zh), (p.code, zh)
        assert p.text("en") == p.message


@pytest.mark.parametrize(
    "facts",
    [{"birth_date": "1990-02-30"}, {"birth_date": "1990-01-01", "months": 12.5}, {"birth_date": "1990-01-01", "age": 3},
     {"agee": 1}, {}, {"birth_date": "1990-01-01", "education": "phd"}, {"birth_date": "2030-01-01", "application_date": "2026-01-01"},
     {"birth_date": 19900101}, {"birth_date": "1990-01-01", "months": -1}, {"birth_date": "0001-01-01"}],
)  # fmt: skip
def test_every_facts_problem_reads_in_chinese(facts: dict[str, Any]) -> None:
    compiled = compile_version(parse_document(copy.deepcopy(MINIMAL)))
    with pytest.raises(FactsError) as info:
        compiled.score(facts)
    for found in info.value.problems.values():
        for p in found:
            zh = p.text("zh")
            assert CJK.search(zh) and not ENGLISH_WORD.search(zh), (getattr(p, "code", None), zh)


def test_a_value_is_shown_as_typed_and_cut_when_long() -> None:
    assert render("not_number", {"got": "abc"}, "zh") == "应为数字（如 12 或 0.5），填写的是“abc”"
    assert render("not_number", {"got": "abc"}) == "expected a number, got the text 'abc'"
    long = render("not_number", {"got": "长" * 500}, "zh")
    assert len(long) < 80 and long.endswith("…”")
    assert render("duplicate", {"what": "item code", "code": "T3-3", "first_at": "indicators[5].items[2]"}, "zh",
                  lambda at: "指标项 T3 › 第3个细则") == "“T3-3”重复（已用于指标项 T3 › 第3个细则）"  # fmt: skip


def test_a_failing_case_names_its_categories_and_indicators(versions: dict[int, Any]) -> None:
    doc = to_document(versions[2026])
    rental = next(i for ind in doc["indicators"] for i in ind["items"] if i["code"] == "T3-3")
    rental["fixed"] = 6  # 10 before: 「典型技术工人」 lives in a registered rental
    [outcome] = [o for o in run_cases(parse_document(doc)) if not o.passed]
    assert outcome.name == "典型技术工人"
    assert [m.text("zh") for m in outcome.mismatches] == [
        "总分：预期 203.5，实际 199.5",
        "类别“本市基础分指标”：预期 106.5，实际 102.5",
        # the items that decided the indicator, by code and label
        "指标项 T3 居住情况及住所：预期 32.5，实际 28.5（计分的细则：T3-1“在本市居住登记后累计居住，每满1个月得0.25分”22.5分、"
        "T3-3“居住在登记备案的租赁住房”6分）",
    ]
    assert [m.code for m in outcome.mismatches] == ["mismatch_total", "mismatch_category", "mismatch_indicator"]
    assert [str(m) for m in outcome.mismatches][1:] == [
        "categories.base (本市基础分指标): expected 106.5, got 102.5",
        "indicators.T3 (居住情况及住所): expected 32.5, got 28.5 (counted: T3-1 22.5, T3-3 6)",
    ]
