"""What a static check reports: the catalogue of its kinds of findings (:data:`CHECKS`, a sentence in Chinese and
in English each), a :class:`Finding`, and the texts its parameters are written with — in the file's own terms for
the English (``age >= 41``, ``provincial 100``) and in the console's words for the Chinese (「年龄41周岁及以上」,
「省级共性指标 100」): labels of facts, names of categories and options, 是/否.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from engine.canonical import number_text
from engine.describe import condition_sentence
from engine.describe import value_text as value_words
from engine.model import Clause, Condition, RulesetVersion
from engine.regions import Space
from engine.valuesets import FieldSet, Numbers, Options
from engine.witness import Witness

Severity = Literal["error", "warning", "info"]
Language = Literal["zh", "en"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Check:
    """One kind of finding: its severity and its sentence in each language, with ``{param}`` slots."""

    severity: Severity
    zh: str
    en: str


CHECKS: dict[str, Check] = {
    "unsatisfiable_requirement": Check(
        "error",
        "资格条件{requirement}永远无法满足：在事实的取值范围内（{range}），没有申请人能满足“{condition}”，所有申请都将不具备资格。",
        "Eligibility requirement {requirement} can never be met: within the facts' ranges ({range}) no applicant "
        "meets {condition}, so every application would be ineligible.",
    ),
    "unreachable": Check(
        "error",
        "指标{indicator}的细则{item}永远不会得分：在事实的取值范围内（{range}），没有申请人能满足“{condition}”。",
        "Item {item} of indicator {indicator} can never apply: within the facts' ranges ({range}) no applicant "
        "meets {condition}.",
    ),
    "unbounded": Check(
        "error",
        "指标{indicator}的细则{item}按{field}计分（每{unit}得{rate}分），但细则、指标和类别{category}都没有上限，得分可以无限增长。",
        "Item {item} of indicator {indicator} scores {rate} for every {unit} of {field}, and neither the item, "
        "the indicator nor category {category} has a cap: its points have no upper bound.",
    ),
    "overlap": Check(
        "warning",
        "指标{indicator}的细则{item_a}与{item_b}不在同一“不累加”组，但同一申请人可同时满足两者（{where}），两项分值会相加；"
        "如本意是按档取其一，请把两项放入同一组或调整分档条件。",
        "Items {item_a} and {item_b} of indicator {indicator} are not in one exclusive group, yet one applicant "
        "can meet both ({where}), so their points add up; if the table meant one or the other, put them in one "
        "group or change the bands.",
    ),
    "gap": Check(
        "warning",
        "指标{indicator}的细则{items}按{field}分档，但{field}为{values}时没有任何一档适用（该事实的取值范围：{range}）。",
        "Items {items} of indicator {indicator} split {field} into bands, but no band covers {field} {values} "
        "(the fact's range: {range}).",
    ),
    "dead_branch": Check(
        "warning",
        "指标{indicator}的细则{item}的条件中，“或”分支“{condition}”永远不成立（取值范围：{range}），可能是笔误。",
        "In item {item} of indicator {indicator}, the alternative {condition} can never hold (range: {range}); "
        "it may be a typo.",
    ),
    "exceeds_cap": Check(
        "warning",
        "指标{indicator}的细则{item}最多可得{points}分，高于{owner}的上限{cap}分，超出的部分永远不会计入。",
        "Item {item} of indicator {indicator} can give up to {points} points, above the cap of {cap} of "
        "{owner}; the excess never counts.",
    ),
    "category_caps": Check(
        "warning",
        "加分类别的上限合计为{total}分（{caps}），不等于办法规定的满分{expected}分。",
        "The caps of the add categories sum to {total} ({caps}), not to the policy's {expected} points.",
    ),
    "label_mismatch": Check(
        "warning",
        "指标{indicator}的细则{item}的名称写的是{stated}，但它的规则是{actual}；名称与规则应当一致，请改正其中之一。",
        "The label of item {item} of indicator {indicator} says {stated}, but its rule is {actual}; make them agree.",
    ),
    "too_complex": Check(
        "warning",
        "{owner}的条件展开后超过{limit}种情形，未做静态检查。",
        "The condition of {owner} expands into more than {limit} cases and was not checked.",
    ),
    "unused_fact": Check(
        "info",
        "事实{field}（{label}）没有被任何细则、资格条件或测试用例使用。",
        "Fact {field} ({label}) is used by no item, eligibility requirement or test case.",
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    indicator: str | None
    items: tuple[str, ...]
    fields: tuple[str, ...]
    params: dict[str, str]
    witness: Witness | None = None
    zh: dict[str, str] = field(default_factory=dict)  # the parameters as the Chinese sentence says them

    @property
    def severity(self) -> Severity:
        return CHECKS[self.code].severity

    @property
    def where(self) -> str:
        """What the finding is about: ``P1: P1-1, P1-2``, ``permit_valid``, ``heroic_act``."""
        if self.indicator is not None:
            return f"{self.indicator}: {', '.join(self.items)}" if self.items else self.indicator
        return self.params.get("requirement") or ", ".join(self.fields) or "categories"

    @property
    def where_zh(self) -> str:
        """What the finding is about, as the console names it: ``P1：P1-1、P1-2``, a requirement's or a fact's
        name, 各类别上限."""
        if self.indicator is not None:
            return f"{self.indicator}：{'、'.join(self.items)}" if self.items else self.indicator
        named = next((self.zh[key] for key in ("requirement", "owner", "field") if key in self.zh), None)
        return named or ("各类别上限" if self.code == "category_caps" else "、".join(self.fields))

    def message(self, language: Language) -> str:
        check = CHECKS[self.code]
        if language == "zh":
            return check.zh.format_map({**self.params, **self.zh})
        return check.en.format_map(self.params)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "indicator": self.indicator,
            "items": list(self.items),
            "fields": list(self.fields),
            "params": self.params,
            "message": {"zh": self.message("zh"), "en": self.message("en")},
            "witness": self.witness.to_dict() if self.witness else None,
        }


# -- the English texts: field names, operators, numbers, without words of any language ---------------------------------


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        return number_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def condition_text(cond: Condition) -> str:
    """``all(age >= 41, age <= 54)``: a condition in the file's own terms.

    >>> condition_text(Group("any", (Clause("skill_level", "<=", 2), Clause("title", "in", ("senior",)))))
    'any(skill_level <= 2, title in [senior])'
    """
    if isinstance(cond, Clause):
        if cond.op in ("exists", "not_exists"):
            return f"{cond.field} {cond.op}"
        if isinstance(cond.value, tuple):
            return f"{cond.field} {cond.op} [{', '.join(_value_text(v) for v in cond.value)}]"
        return f"{cond.field} {cond.op} {_value_text(cond.value)}"
    if len(cond.conditions) == 1:
        return condition_text(cond.conditions[0])
    return f"{cond.mode}({', '.join(condition_text(c) for c in cond.conditions)})"


# -- the same parameters in Chinese ---------------------------------------------------------------------------


class Chinese:
    """The parameters of a finding about ``version`` as the Chinese sentence says them."""

    def __init__(self, version: RulesetVersion, space: Space) -> None:
        self.version = version
        self.space = space
        self.catalogue = version.catalogue
        self.categories = {c.code: c for c in version.categories}
        self.indicators = {i.code: i for i in version.indicators}
        self.requirements = {r.code: r for r in version.eligibility}

    def checker(self, name: str) -> str:
        """Who vouches for a fact: 「公安局核查」, or 「申请人填写」."""
        field = self.catalogue.get(name)
        return f"{field.department}核查" if field is not None and field.department else "申请人填写"

    def label(self, name: str) -> str:
        field = self.catalogue.get(name)
        return f"“{field.label}”" if field is not None else name

    def indicator(self, code: str) -> str:
        ind = self.indicators.get(code)
        return f"{code}（{ind.name}）" if ind is not None else code

    def requirement(self, code: str) -> str:
        req = self.requirements.get(code)
        return f"“{self.condition(req.when)}”" if req is not None else code

    def category(self, code: str) -> str:
        cat = self.categories.get(code)
        return f"“{cat.name}”" if cat is not None else code

    def owner(self, code: str) -> str:
        """Whose cap or condition: an indicator, a category, an item, a requirement, each by its name."""
        if code in self.indicators:
            return "指标" + self.indicator(code)
        if code in self.categories:
            return "类别" + self.category(code)
        if code in self.requirements:
            return "资格条件" + self.requirement(code)
        return "细则" + code

    def condition(self, cond: Condition) -> str:
        return condition_sentence(cond, self.catalogue)

    def values(self, name: str, fs: FieldSet) -> str:
        """A set of values in words: 「41–54」, 「是」, 「大学本科、硕士研究生」, 「未填写」."""
        field = self.catalogue.get(name)
        if fs.values.empty:
            return "未填写" if fs.absent else "无"
        if isinstance(fs.values, Numbers):
            text = fs.values.describe(as_date=field is not None and field.type == "date")
            return "任意值" if text == "any" else text
        assert isinstance(fs.values, Options)
        order = self.space.order(name)
        members = [v for v in order if v in fs.values.values] + sorted(
            (v for v in fs.values.values if v not in order), key=str
        )
        listing = "、".join(value_words(v, field) for v in members)
        if fs.values.cofinite:
            return f"{listing}以外的值" if listing else "任意值"
        return listing

    def ranges(self, names: Sequence[str], sets: dict[str, FieldSet] | None = None) -> str:
        """「“年龄” 18–60；“学历” 大学本科、大专」: each fact by its label with its values."""
        sets = sets if sets is not None else self.space.universe
        return "；".join(f"{self.label(n)} {self.values(n, sets[n])}" for n in names)

    def caps(self) -> str:
        """The add categories' caps: 「“省级共性指标” 100 + “本市基础分指标” 150」."""
        adding = [c for c in self.version.categories if c.kind == "add"]
        return (
            " + ".join(
                f"{self.category(c.code)} {number_text(c.cap) if c.cap is not None else '无上限'}" for c in adding
            )
            or "无"
        )
