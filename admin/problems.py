"""Problems of a draft on the console's inputs and in words: the standard's service answers both
(jifen/standard/problem_places.py); the console's views and the audit log's labels read them from here. A service's
refusal in Chinese (``refused_text``) is here too, for every view that shows one."""

from __future__ import annotations

import re
from typing import Any

from admin.words import word
from engine import Problem, RulesetError
from jifen.errors import Conflict, ImmutableVersion, NotFound, PermissionDenied
from jifen.messages import Message
from jifen.standard.problem_places import WORDS, described, form_input, inside, location, message, on_inputs

__all__ = ["WORDS", "described", "form_input", "inside", "location", "message", "on_inputs", "refused_text"]

# what a refusal from outside the catalogue (jifen/messages.py) says, by its kind
_GENERIC = ((PermissionDenied, word("views_versions.not_permitted")), (NotFound, word("views_versions.not_found")),
            (ImmutableVersion, word("views_versions.immutable")), (Conflict, word("views_versions.conflict")))  # fmt: skip
_CJK = re.compile(r"[\u4e00-\u9fff]")


def refused_text(exc: Exception, doc: dict[str, Any] | None = None) -> str:
    """A service's refusal in Chinese, from the catalogues: its message and its reasons."""
    if isinstance(exc, RulesetError):
        return "；".join(described(p, doc) for p in exc.problems)
    said: Message | None = getattr(exc, "said", None)
    if said is None:
        text = str(exc).split("\n")[0]
        if _CJK.search(text):  # a service that words its refusals in Chinese itself
            return text
        return next((zh for kind, zh in _GENERIC if isinstance(exc, kind)), word("views_versions.not_done"))
    why = [described(w, doc) if isinstance(w, Problem) else w.text("zh") for w in getattr(exc, "why", [])]
    return str(said.text("zh")) + ("：" + "；".join(why) if why else "")
