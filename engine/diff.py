"""Structural differences between two versions, with Chinese labels, as data the API and console render.

Objects are matched by their code (fields by name, cases by name); an attribute path such as
``per_unit.rate`` names what changed inside an object. ``affects_points`` tells an auditor whether a change
can move a score (a condition, a rate, a cap…) or only the wording (a label, a reference, a department).
"""

from __future__ import annotations

from typing import Any

from engine.canonical import to_document
from engine.model import RulesetVersion

OBJECT_LABELS = {
    "version": "版本信息",
    "fact": "事实字段",
    "requirement": "申请资格条件",
    "category": "指标类别",
    "indicator": "指标项",
    "item": "赋分细则",
    "case": "测试用例",
}

ATTRIBUTE_LABELS = {
    "ruleset": "规则集",
    "year": "年度",
    "revision": "修订号",
    "effective_from": "生效日期",
    "title": "标题",
    "sample": "样例标准",
    "legal_basis": "政策依据",
    "description": "说明",
    "name": "名称",
    "type": "类型",
    "label": "名称",
    "required": "必填",
    "values": "可选值",
    "value_labels": "可选值名称",
    "min": "最小值",
    "max": "最大值",
    "derived": "计算方式",
    "department": "责任部门",
    "departments": "责任部门",
    "kind": "计分方式",
    "cap": "上限",
    "category": "所属类别",
    "indicator": "所属指标项",
    "reference": "政策依据条款",
    "when": "条件",
    "reason": "不符合时的原因",
    "fixed": "固定分值",
    "per_unit": "按单位计分",
    "per_unit.field": "计分字段",
    "per_unit.rate": "每单位分值",
    "per_unit.unit": "单位",
    "per_unit.offset": "基础分",
    "group": "不累加分组",
    "as_of": "评分日期",
    "facts": "申请事实",
    "expected": "预期结果",
}

# Attributes that change only wording: a change to them cannot move any score.
WORDING = frozenset(
    {"title", "legal_basis", "description", "name", "label", "value_labels", "department", "departments",
     "reference", "reason", "sample", "revision", "ruleset"}
)  # fmt: skip
_NOT_SCORING_OBJECTS = frozenset({"case"})
_VERSION_KEYS = ("ruleset", "year", "revision", "effective_from", "title", "sample", "legal_basis", "description")


def _plain(value: Any) -> Any:
    """Flow markers and tuples of the document as plain JSON-like values."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _flatten(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "per_unit" and isinstance(value, dict):
            value = {"unit": 1, "offset": 0, **value}
            for sub, sub_value in value.items():
                out[f"per_unit.{sub}"] = sub_value
        else:
            out[key] = _plain(value)
    return out


def _objects(version: RulesetVersion) -> dict[tuple[str, str], tuple[dict[str, Any], str, str | None]]:
    """Every comparable object: (kind, code) → (attributes, label, parent code)."""
    doc = to_document(version)
    objects: dict[tuple[str, str], tuple[dict[str, Any], str, str | None]] = {}
    objects[("version", "")] = ({k: _plain(doc[k]) for k in _VERSION_KEYS if k in doc}, version.title, None)
    for f in doc["facts"]:
        objects[("fact", f["name"])] = (_flatten(f), f["label"], None)
    for r in doc["eligibility"]:
        objects[("requirement", r["code"])] = (_flatten(r), r["reason"], None)
    for c in doc["categories"]:
        objects[("category", c["code"])] = (_flatten(c), c["name"], None)
    for ind in doc["indicators"]:
        attrs = _flatten({k: v for k, v in ind.items() if k != "items"})
        objects[("indicator", ind["code"])] = (attrs, ind["name"], ind["category"])
        for item in ind["items"]:
            objects[("item", item["code"])] = (_flatten({**item, "indicator": ind["code"]}), item["label"], ind["code"])
    for case in doc["cases"]:
        objects[("case", case["name"])] = (_flatten(case), case["name"], None)
    return objects


def _affects_points(kind: str, attributes: list[str]) -> bool:
    if kind in _NOT_SCORING_OBJECTS or kind == "version":
        return False
    return any(a not in WORDING for a in attributes)


def diff_versions(a: RulesetVersion, b: RulesetVersion) -> dict[str, Any]:
    """What changed from ``a`` to ``b``: a list of added, removed and changed objects, in document order."""
    before, after = _objects(a), _objects(b)
    changes: list[dict[str, Any]] = []
    keys = list(before) + [k for k in after if k not in before]
    for kind, code in keys:
        entry = {"object": kind, "object_label": OBJECT_LABELS[kind], "code": code}
        if (kind, code) not in after:
            attrs, label, parent = before[(kind, code)]
            changes.append({"change": "removed", **entry, "label": label, "parent": parent, "before": attrs,
                            "affects_points": kind not in _NOT_SCORING_OBJECTS})  # fmt: skip
            continue
        if (kind, code) not in before:
            attrs, label, parent = after[(kind, code)]
            changes.append({"change": "added", **entry, "label": label, "parent": parent, "after": attrs,
                            "affects_points": kind not in _NOT_SCORING_OBJECTS})  # fmt: skip
            continue
        old, _, _ = before[(kind, code)]
        new, label, parent = after[(kind, code)]
        names = list(old) + [k for k in new if k not in old]
        changed = [n for n in names if old.get(n) != new.get(n)]
        attributes = [
            {"attribute": n, "attribute_label": ATTRIBUTE_LABELS.get(n, n), "before": old.get(n), "after": new.get(n)}
            for n in changed
        ]
        if attributes:
            changes.append({"change": "changed", **entry, "label": label, "parent": parent, "attributes": attributes,
                            "affects_points": _affects_points(kind, changed)})  # fmt: skip
    return {
        "a": {"ref": a.ref, "content_hash": a.content_hash},
        "b": {"ref": b.ref, "content_hash": b.content_hash},
        "changes": changes,
    }
