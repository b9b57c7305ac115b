"""Problems of a draft where a clerk looks for them: on the input of the form that caused them, or named in words
(「指标项 T3 居住情况及住所 › 第2个细则（T3-2） › 本项上限」) rather than as a loader path."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from admin.words import names, word
from engine import Problem

# loader path inside a part → the form input it comes from (the longest match wins; "" is the part itself)
_INPUTS: dict[str, dict[str, str]] = {
    "meta": {"title": "title", "effective_from": "effective_from", "legal_basis": "legal_basis",
             "description": "description", "sample": "sample"},
    "category": {"code": "code", "name": "name", "kind": "kind", "cap": "cap", "": "code"},
    "requirement": {"code": "code", "reason": "reason", "when": "clause_0", "": "code"},
    "fact": {"name": "name", "type": "type", "label": "label", "required": "required", "values": "values",
             "value_labels": "values", "min": "min", "max": "max", "department": "department",
             "description": "description", "derived": "type", "": "name"},
    "indicator": {"code": "code", "name": "name", "category": "category", "cap": "cap", "departments": "departments",
                  "reference": "reference", "items": "item_code", "": "code"},
    "item": {"code": "code", "label": "label", "fixed": "fixed", "per_unit": "points_kind",
             "per_unit.field": "unit_field", "per_unit.rate": "rate", "per_unit.unit": "unit",
             "per_unit.offset": "offset", "cap": "cap", "group": "group", "reference": "reference",
             "when": "clause_0", "": "points_kind"},
    "case": {"name": "name", "as_of": "as_of", "facts": "facts", "expected": "expected",
             "expected.eligible": "exp_eligible", "expected.total": "exp_total", "": "name"},
}  # fmt: skip
_CLAUSE = re.compile(r"when\.(?:all|any)\[(\d+)\]")
_CASE_PART = re.compile(r"(facts|expected\.categories|expected\.indicators)\.(.+?)$")
_OPTION = re.compile(r"(values|value_labels)\[(\d+)\]")
_CASE_INPUT = {"facts": "fact_", "expected.categories": "exp_cat_", "expected.indicators": "exp_ind_"}

# words of a loader path, for the problems shown above a form or on the version's page
WORDS = names("problem_places_words")


def message(p: Problem, doc: dict[str, Any] | None = None) -> str:
    """A problem's sentence in Chinese, from its catalogue (places it names are named in words)."""
    return p.text("zh", lambda path: location(path, doc or {}) or path)


def form_input(kind: str, relative: str, prefix: str = "") -> str:
    """The form input a problem belongs to, from its path inside the part (``per_unit.rate`` → ``rate``)."""
    clause = _CLAUSE.match(relative)
    if clause and kind in ("item", "requirement"):
        return f"{prefix}clause_{clause.group(1)}"
    option = _OPTION.match(relative)
    if option and kind == "fact":
        return f"{prefix}{'value' if option.group(1) == 'values' else 'label'}_{option.group(2)}"
    case = _CASE_PART.match(relative)
    if case and kind == "case":
        return f"{prefix}{_CASE_INPUT[case.group(1)]}{case.group(2)}"
    inputs = _INPUTS[kind]
    best = max((k for k in inputs if relative == k or relative.startswith(k + ".") or k == ""), key=len)
    return prefix + inputs[best]


def inside(path: str, where: str) -> str | None:
    """``path`` relative to the part at ``where`` (``""`` for the part itself); None when it is elsewhere."""
    if where == "":
        return path
    if path == where:
        return ""
    for sep in (".", "["):
        if path.startswith(where + sep):
            return path[len(where) + (1 if sep == "." else 0) :]
    return None


def on_inputs(
    problems: Iterable[Problem], doc: dict[str, Any], kind: str, where: str | None, prefix: str = ""
) -> tuple[dict[str, list[str]], list[str]]:
    """Problems of a form's part as ``{input: [messages]}``, and the others (elsewhere in the draft) in words.

    ``where`` is the loader path of the part (``None`` when it is not in the document, e.g. removed).
    """
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    for p in problems:
        relative = inside(p.path, where) if where is not None and (where or kind == "meta") else None
        if relative is not None and (kind != "meta" or relative.split(".")[0].split("[")[0] in _INPUTS["meta"]):
            errors.setdefault(form_input(kind, relative, prefix), []).append(message(p, doc))
        else:
            general.append(described(p, doc))
    return errors, general


def described(p: Problem, doc: dict[str, Any] | None) -> str:
    """A problem with its place in words: 「指标项 T3 居住情况及住所 › 第2个细则（T3-2） › 本项上限：…」."""
    place = location(p.path, doc or {})
    return f"{place}：{message(p, doc)}" if place else message(p, doc)


def _at(items: Any, index: int) -> dict[str, Any]:
    if isinstance(items, list) and 0 <= index < len(items) and isinstance(items[index], dict):
        return items[index]
    return {}


def location(path: str, doc: dict[str, Any]) -> str:
    """A loader path in words, naming what it points at by its code and name."""
    if not path:
        return ""
    if path.startswith("line "):  # a YAML syntax error: "line 3, column 5"
        return path.replace("line ", word("problem_places.t1"), 1).replace(
            ", column ", word("problem_places.t2")
        ) + word("problem_places.t3")
    labels = (
        {f.get("name"): f.get("label") for f in doc.get("facts", []) if isinstance(f, dict)}
        if isinstance(doc, dict)
        else {}
    )
    parts: list[str] = []
    node: Any = doc
    previous = ""
    for match in re.finditer(r"([^.\[\]]+)(?:\[(\d+)\])?", path):
        key, index = match.group(1), match.group(2)
        if index is not None:
            node = _at(node.get(key) if isinstance(node, dict) else None, int(index))
            parts.append(_object(key, int(index), node))
        elif previous == "facts" and parts and parts[-2:-1] and parts[-2].startswith(word("problem_places.t4")):
            parts.append(f"“{labels.get(key) or key}”")  # a fact of a test case
            node = None
        else:
            parts.append(WORDS.get(key, key))
            node = node.get(key) if isinstance(node, dict) else None
        previous = key
    return " › ".join(parts)


def _object(key: str, index: int, obj: dict[str, Any]) -> str:
    n = index + 1
    code, name = obj.get("code"), obj.get("name") or obj.get("label")
    if key == "indicators":
        return word(
            "problem_places.t5",
            value=code or word("problem_places.t17", n=n),
            value2=" " + name if isinstance(name, str) else "",
        )
    if key == "items":
        return word("problem_places.t6", n=n, value=f"（{code}）" if isinstance(code, str) else "")
    if key == "categories":
        return word("problem_places.t7", name=name) if isinstance(name, str) else word("problem_places.t8", n=n)
    if key == "facts":
        return word("problem_places.t9", n=obj.get("label") or obj.get("name") or n)
    if key == "eligibility":
        return word("problem_places.t10", code=code) if isinstance(code, str) else word("problem_places.t11", n=n)
    if key == "cases":
        return word("problem_places.t12", name=name) if isinstance(name, str) else word("problem_places.t13", n=n)
    if key in ("all", "any"):
        return word("problem_places.t14", n=n)
    if key in ("values", "value_labels"):
        return word("problem_places.t15", n=n, WORDS=WORDS[key])
    return word("problem_places.t16", get=WORDS.get(key, key), n=n)
