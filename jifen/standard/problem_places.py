"""Problems of a draft where a clerk looks for them: on the input of the form that caused them, or named in words
(「指标项 T3 居住情况及住所 › 第2个细则（T3-2） › 本项上限」) rather than as a loader path.

Both come from the schema (engine/schema.py): a form's input for a field is named by the field's key, and a path
is spoken in the fields' labels, so that a new field needs no entry here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from engine import Problem
from engine.schema import CASE, CATEGORY, CLAUSE, FACT, INDICATOR, ITEM, PARTS, REQUIREMENT, VERSION, Part
from jifen.standard.editing import META_KEYS

# the part each form edits
FORM_PARTS: dict[str, Part] = {"meta": VERSION, "category": CATEGORY, "requirement": REQUIREMENT, "fact": FACT,
                               "indicator": INDICATOR, "item": ITEM, "case": CASE}  # fmt: skip
# where a form's input is not named after its field ("" is the part itself: where a problem of the whole part goes)
_ELSEWHERE: dict[str, dict[str, str]] = {
    "category": {"": "code"},
    "requirement": {"when": "clause_0", "": "code"},
    "fact": {"value_labels": "values", "derived": "type", "": "name"},
    "indicator": {"items": "item_code", "": "code"},
    "item": {"per_unit": "points_kind", "per_unit.field": "unit_field", "when": "clause_0", "": "points_kind"},
    "case": {"": "name"},
}
_NESTED_PREFIX = {"per_unit": "", "expected": "exp_"}  # a nested part's fields: inputs named with this prefix


def _inputs(kind: str) -> dict[str, str]:
    """Loader path inside a form's part → the input it comes from (the longest match wins)."""
    part = FORM_PARTS[kind]
    keys = META_KEYS if kind == "meta" else part.keys
    out: dict[str, str] = {}
    for key in keys:
        f = part.field(key)
        out[key] = key
        if f.kind == "part" and f.part is not None and key in _NESTED_PREFIX:
            nested = (g.key for g in PARTS[f.part].fields if g.kind != "scores")  # scores: one input per code
            out |= {f"{key}.{sub}": _NESTED_PREFIX[key] + sub for sub in nested}
    return out | _ELSEWHERE.get(kind, {})


_INPUTS = {kind: _inputs(kind) for kind in FORM_PARTS}
_CLAUSE = re.compile(r"when\.(?:all|any)\[(\d+)\]")
_CASE_PART = re.compile(r"(facts|expected\.categories|expected\.indicators)\.(.+?)$")
_OPTION = re.compile(r"(values|value_labels)\[(\d+)\]")
_CASE_INPUT = {"facts": "fact_", "expected.categories": "exp_cat_", "expected.indicators": "exp_ind_"}
_GROUPS = {"all": "全部条件", "any": "任一条件"}  # a condition's all/any, which is no field of a part


def _words() -> dict[str, str]:
    """Every field key with a label, the parts a clerk edits most first (so that ``name`` reads 名称)."""
    out: dict[str, str] = dict(_GROUPS)
    for part in (VERSION, CATEGORY, INDICATOR, ITEM, REQUIREMENT, CASE, FACT, *PARTS.values()):
        for f in part.fields:
            out.setdefault(f.key, f.label)
    return out


# words of a field key when its part is not known (the audit log's changed fields)
WORDS = _words()


def message(p: Problem, doc: dict[str, Any] | None = None) -> str:
    """A problem's sentence in Chinese, from its catalogue (places it names are named in words)."""
    return p.text("zh", lambda path: location(path, doc or {}) or path)


def form_input(kind: str, relative: str, prefix: str = "") -> str:
    """The form input a problem belongs to, from its path inside the part (``per_unit.rate`` → ``rate``,
    ``materials[20]`` → ``materials``)."""
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
    best = max((k for k in inputs if k == "" or relative == k or relative.startswith((k + ".", k + "["))), key=len)
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
        if relative is not None and (kind != "meta" or relative.split(".")[0].split("[")[0] in META_KEYS):
            errors.setdefault(form_input(kind, relative, prefix), []).append(message(p, doc))
        else:
            general.append(described(p, doc))
    return errors, general


def described(p: Problem, doc: dict[str, Any] | None) -> str:
    """A problem with its place in words: 「指标项 T3 居住情况及住所 › 第2个细则（T3-2） › 本项上限：…」."""
    place = location(p.path, doc or {})
    return f"{place}：{message(p, doc)}" if place else message(p, doc)


def _at(items: Any, index: int) -> dict[str, Any]:
    found = items[index] if isinstance(items, list) and 0 <= index < len(items) else None
    return found if isinstance(found, dict) else {}


def _field_word(part: Part | None, key: str) -> tuple[str, Part | None]:
    """A key's label in ``part`` and the part its value is (a nested part, a condition's clauses)."""
    if part is None or key not in part.keys:
        return WORDS.get(key, key), CLAUSE if key in _GROUPS else None
    f = part.field(key)
    if f.kind == "condition":
        return f.label, CLAUSE
    return f.label, PARTS[f.part] if f.part is not None else None


def location(path: str, doc: dict[str, Any]) -> str:
    """A loader path in words, naming what it points at by its code and name."""
    if not path:
        return ""
    if path.startswith("line "):  # a YAML syntax error: "line 3, column 5"
        return path.replace("line ", "第", 1).replace(", column ", "行第") + "列"
    labels = (
        {f.get("name"): f.get("label") for f in doc.get("facts", []) if isinstance(f, dict)}
        if isinstance(doc, dict)
        else {}
    )
    parts: list[str] = []
    node: Any = doc
    part: Part | None = VERSION
    previous = ""
    for match in re.finditer(r"([^.\[\]]+)(?:\[(\d+)\])?", path):
        key, index = match.group(1), match.group(2)
        word, inner = _field_word(part, key)
        if index is not None:
            node = _at(node.get(key) if isinstance(node, dict) else None, int(index))
            parts.append(_object(key, int(index), node, word))
        elif previous == "facts" and parts and parts[-2:-1] and parts[-2].startswith("测试用例"):
            parts.append(f"“{labels.get(key) or key}”")  # a fact of a test case
            node, inner = None, None
        else:
            parts.append(word)
            node = node.get(key) if isinstance(node, dict) else None
        part, previous = inner, key
    return " › ".join(parts)


# how an entry of a list is named, by the list's key: {n} its number, {code} and {name} its own
_NAMED = {
    "indicators": ("指标项 {code}{spaced_name}", "指标项 第{n}项{spaced_name}"),
    "items": ("第{n}个细则（{code}）", "第{n}个细则"),
    "categories": ("类别“{name}”", "第{n}个类别"),
    "eligibility": ("资格条件 {code}", "第{n}个资格条件"),
    "cases": ("测试用例“{name}”", "第{n}个测试用例"),
}
_KEYED = {"indicators": "code", "items": "code", "categories": "name", "eligibility": "code", "cases": "name"}


def _object(key: str, index: int, obj: dict[str, Any], word: str) -> str:
    n = index + 1
    code, name = obj.get("code"), obj.get("name") or obj.get("label")
    if key in _NAMED:
        known = {"code": code, "name": name}[_KEYED[key]]
        spaced_name = f" {name}" if isinstance(name, str) else ""
        pattern = _NAMED[key][0 if (code if key == "indicators" else known) and isinstance(known, str) else 1]
        return pattern.format(n=n, code=code, name=name, spaced_name=spaced_name)
    if key == "facts":
        return f"事实字段“{obj.get('label') or obj.get('name') or n}”"
    if key in ("all", "any"):
        return f"第{n}个条件"
    if key in ("values", "value_labels"):
        return f"第{n}个{word}"
    return f"{word}第{n}项"
