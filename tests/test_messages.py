"""Every refusal of the service layer's catalogue has its English and Chinese sentence; the console shows the
Chinese, the CLI and the API the English."""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from jifen.errors import Refused
from jifen.messages import TEXTS, Message, refusal, say
from tests.conftest import ROOT

CJK = re.compile(r"[\u4e00-\u9fff]")


def _codes_used() -> set[tuple[str, str]]:
    found = set()
    for path in sorted((ROOT / "jifen").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            position = {"refusal": 1, "say": 0}.get(name)
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add((str(path.relative_to(ROOT)), arg.value))
    return found


@pytest.mark.parametrize("code", sorted(TEXTS))
def test_every_code_has_both_sentences(code: str) -> None:
    en, zh = TEXTS[code]
    assert en.strip() and zh.strip()
    assert not CJK.search(en.replace("已知悉", "")), en
    assert CJK.search(zh) or re.search(r"\{\w*zh\}", zh), zh  # Chinese words, or Chinese parameters


def test_every_code_the_services_raise_is_in_the_catalogue() -> None:
    used = _codes_used()
    assert len(used) > 20, "no codes found: the scan is broken"
    assert {code for _, code in used} - TEXTS.keys() == set()


def test_a_refusal_says_english_to_the_cli_and_keeps_chinese_for_the_console() -> None:
    exc: Any = refusal(Refused, "without_note", ref="tongxiang/2027/1", reasons=[say("say_why")])
    assert str(exc).splitlines()[0] == "tongxiang/2027/1 cannot be published without a note"
    assert exc.reasons == ["say what this version changes and why"]
    assert exc.said.text("zh") == "tongxiang/2027/1 发布时必须填写发布说明"
    assert [w.text("zh") for w in exc.why] == ["请说明此版本改了什么、为什么"]
    assert Message("needs_role", {"user": "li", "role": "auditor", "roles": "publisher"}).text("zh") == (
        "li 无权执行此操作（需要角色：发布人）"
    )


def test_the_regular_expression_translator_is_gone() -> None:
    assert not (ROOT / "admin" / "i18n.py").exists()
    for path in (ROOT / "admin").rglob("*"):
        if path.suffix in (".py", ".html"):
            assert "i18n" not in path.read_text(encoding="utf-8"), path
