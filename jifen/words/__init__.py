"""The words of the pages people read: one catalogue keyed by stable codes, one section per page or view.

The catalogue is the ``*.toml`` files of this folder (``console.toml`` for the console, ``public.toml`` for the
public pages); a section is defined in one file only. Everything the console and the public pages show comes from
here, from the schema's labels or from a problem catalogue (``engine.problems``, ``jifen.messages``);
``tests/admin/test_words.py`` fails on a Chinese literal written inline in a face's views or templates. A view says
``word("lint_index.counts", error=1, warning=0, info=2)``; a template says
``{{ w('lint_index.counts', error=counts.error, …) }}`` (the catalogue's text is the template's own HTML, the values
put into it are escaped).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from markupsafe import Markup

from engine.canonical import plain_number

FOLDER = Path(__file__).parent


def _load(folder: Path) -> dict[str, str]:
    words: dict[str, str] = {}
    owner: dict[str, str] = {}
    for path in sorted(folder.glob("*.toml")):
        for section, texts in tomllib.loads(path.read_text(encoding="utf-8")).items():
            if section in owner:
                raise ValueError(f"section [{section}] is in both {owner[section]} and {path.name}")
            owner[section] = path.name
            words.update({f"{section}.{key}": text for key, text in texts.items()})
    return words


WORDS: dict[str, str] = _load(FOLDER)


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


def points(value: Any) -> str:
    """Points as people write them: 20, 0.5, 187.25 (never 20.0); nothing for None."""
    if value is None:
        return ""
    return str(plain_number(Decimal(str(value))))
