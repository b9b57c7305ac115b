"""The draft editor's forms as pages: which template shows each part's form and what else it needs, and the
words the forms show (operators, kinds of points, kinds of parts, the item's fields)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import request

from admin.forms import fact_inputs
from admin.problems import WORDS
from admin.words import word
from engine.canonical import plain_number
from engine.schema import ITEM
from jifen.messages import KIND_ZH
from jifen.standard import part_forms as forms

OP_NAMES = {"==": word("views_drafts.op_eq"), "!=": word("views_drafts.op_ne"), "<": word("views_drafts.op_lt"), "<=": word("views_drafts.op_le"), ">": word("views_drafts.op_gt"), ">=": word("views_drafts.op_ge"), "in": word("views_drafts.op_in"),
            "not_in": word("views_drafts.op_not_in"), "exists": word("views_drafts.op_exists"), "not_exists": word("views_drafts.op_not_exists")}  # fmt: skip
KIND_NAMES = {"add": word("views_drafts.kind_add"), "deduct": word("views_drafts.kind_deduct")}
PART_NAMES = {
    **KIND_ZH,
    "table": word("views_drafts.indicator"),
}  # kinds of parts in Chinese, from the message catalogue
# the item's fields by their schema labels, and their help, for the item forms
ITEM_LABELS = {f.key: f.label for f in ITEM.fields} | {f"{f.key}_help": f.help for f in ITEM.fields}


def shown(obj: Any) -> list[tuple[str, str]]:
    """A part as (what, value) lines, for showing what someone else saved."""
    if not isinstance(obj, dict):
        return []
    lines = []
    for key, value in obj.items():
        if key == "items":
            continue
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        lines.append((WORDS.get(str(key), str(key)), text))
    return lines


@dataclass
class DraftForm:
    """One form of a part: the service's reading of it (``part``), its page and what else the page needs."""

    part: forms.PartForm
    template: str
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.part.kind


def meta_form() -> DraftForm:
    return DraftForm(forms.meta_form(), "admin/versions/edit_meta.html")


def category_form() -> DraftForm:
    return DraftForm(forms.category_form(), "admin/versions/edit_category.html")


def requirement_form() -> DraftForm:
    return DraftForm(forms.requirement_form(), "admin/versions/edit_requirement.html")


def indicator_form(new: bool = False) -> DraftForm:
    template = "admin/versions/new_indicator.html" if new else "admin/versions/edit_indicator.html"
    return DraftForm(forms.indicator_form(new, request.args.get("category", "")), template)


def item_form(indicator: dict[str, Any]) -> DraftForm:
    return DraftForm(forms.item_form(), "admin/versions/edit_item.html", {"ind": indicator})


def fact_form(new: bool = False) -> DraftForm:
    return DraftForm(
        forms.fact_form(new), "admin/versions/edit_fact.html", {"new": new, "option_rows": forms.option_rows}
    )


def case_form(name: str | None) -> DraftForm:
    context = {"fact_inputs": fact_inputs, "values_facts": forms.case_facts, "errors_facts": forms.case_facts}
    return DraftForm(forms.case_form(name), "admin/versions/edit_case.html", context)


def plain(value: Any) -> str:
    """A result's points as a form shows them: 205.5, not 205.50."""
    return str(plain_number(Decimal(str(value))))
