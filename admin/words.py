"""The console's words: the product's catalogue of words (``jifen/words/``, the console's in ``console.toml``)."""

from __future__ import annotations

from jifen.words import WORDS, choices, markup, names, points, word

__all__ = ["WORDS", "choices", "markup", "names", "points", "word"]
