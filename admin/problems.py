"""Problems of a draft on the console's inputs and in words: the standard's service answers both
(jifen/standard/problem_places.py); the console's views and the audit log's labels read them from here."""

from __future__ import annotations

from jifen.standard.problem_places import WORDS, described, form_input, inside, location, message, on_inputs

__all__ = ["WORDS", "described", "form_input", "inside", "location", "message", "on_inputs"]
