"""The console's own words: one table (``admin/words.toml``) keyed by stable codes, one section per page or view.

Everything the console shows comes from here, from the schema's labels or from a problem catalogue
(``engine.problems``, ``jifen.messages``); ``tests/admin/test_words.py`` fails on a Chinese literal written inline
in ``admin/views`` or ``admin/templates``. A view says ``word("lint_index.counts", error=1, warning=0, info=2)``; a
template says ``{{ w('lint_index.counts', error=counts.error, …) }}`` (the catalogue's text is the template's own HTML, the values
put into it are escaped).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

CATALOGUE = Path(__file__).with_name("words.toml")


def _load(path: Path) -> dict[str, str]:
    table = tomllib.loads(path.read_text(encoding="utf-8"))
    return {f"{section}.{key}": text for section, texts in table.items() for key, text in texts.items()}


WORDS: dict[str, str] = _load(CATALOGUE)


def word(code: str, /, **params: Any) -> str:
    """The text of ``code`` with its ``{placeholders}`` filled: ``word("lint_index.counts", error=1, warning=0, info=2)``
    is 「错误 1 个，警告 0 个，提示 2 个」."""
    return WORDS[code].format(**params) if params else WORDS[code].replace("{{", "{").replace("}}", "}")


def markup(code: str, /, **params: Any) -> Markup:
    """The text of ``code`` for a template: the catalogue's HTML as it is, the values escaped."""
    return Markup(WORDS[code]).format(**params)


def names(section: str) -> dict[str, str]:
    """One section as ``{code: text}`` (the names of states, actions, severities…)."""
    prefix = section + "."
    return {code[len(prefix) :]: text for code, text in WORDS.items() if code.startswith(prefix)}


def choices(section: str, order: Mapping[str, Any] | None = None) -> list[tuple[str, str]]:
    """One section as ``[(code, text)]`` for a select, in the table's order (or ``order``'s)."""
    table = names(section)
    return [(code, table[code]) for code in (order or table)]
