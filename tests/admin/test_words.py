"""The console's and the public pages' words come from one catalogue (jifen/words/*.toml): no Chinese written inline
in a view or a template, every code a view or a template asks for exists, and every entry of the catalogue is asked
for."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from admin.words import WORDS, markup, names, word
from engine.lint import CHECKS

ROOT = Path(__file__).resolve().parents[2]
FACES = ("admin", "public")
# the views and their helpers
VIEWS = sorted(p for face in FACES for p in (ROOT / face).rglob("*.py") if p.name != "words.py")
TEMPLATES = sorted(p for face in FACES for p in (ROOT / face / "templates").rglob("*.html"))
HAN = re.compile(r"[\u3400-\u9fff]")
COMMENT = re.compile(r"\{#.*?#\}", re.S)
CODE = re.compile(r"""\b(?:word|w|markup)\(\s*['"]([a-z0-9_.]+)['"]""")
SECTION = re.compile(r"""\b(?:names|choices)\(\s*['"]([a-z0-9_]+)['"]""")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def inline_chinese(source: str) -> list[str]:
    """The string literals of a Python file that hold Chinese (docstrings and comments are not shown to anyone)."""
    tree = ast.parse(source)
    docs = _docstrings(tree)
    return [
        f"line {node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
        if HAN.search(node.value)
    ]


def test_the_finder_finds_literals_and_spares_docstrings() -> None:
    source = '"""模块说明"""\nx = 1  # 注释\nflash("已保存", "success")\ny = f"共 {x} 项"\n'
    assert inline_chinese(source) == ["line 3: '已保存'", "line 4: '共 '", "line 4: ' 项'"]


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_chinese_inline_in_a_view(path: Path) -> None:
    assert inline_chinese(path.read_text(encoding="utf-8")) == [], "put the words into jifen/words/*.toml"


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_chinese_inline_in_a_template(path: Path) -> None:
    text = COMMENT.sub("", path.read_text(encoding="utf-8"))
    lines = [f"line {n}: {line.strip()}" for n, line in enumerate(text.splitlines(), 1) if HAN.search(line)]
    assert lines == [], "put the words into jifen/words/*.toml and write {{ w('section.code') }}"


def _sources() -> str:
    files = [*(p for face in FACES for p in ROOT.joinpath(face).rglob("*.py")), *TEMPLATES]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def test_every_code_asked_for_exists_and_every_entry_is_asked_for() -> None:
    sources = _sources()
    asked = set(CODE.findall(sources))
    assert sorted(asked - WORDS.keys()) == []
    sections = set(SECTION.findall(sources))
    unused = [code for code in WORDS if code not in asked and code.rsplit(".", 1)[0] not in sections]
    assert unused == []


def test_every_lint_check_and_severity_has_a_name() -> None:
    assert set(names("lint_checks")) == set(CHECKS)
    assert set(names("lint_severities")) == {"error", "warning", "info"}


def test_texts_are_filled_and_templates_escape_what_is_put_in() -> None:
    assert word("lint_index.counts", error=1, warning=2, info=0) == "错误 1 个，警告 2 个，提示 0 个"
    shown = markup("lint_index.counts", error="<b>", warning=0, info=0)
    assert str(shown).startswith("错误 &lt;b&gt; 个")
