"""Form helpers of the console: inputs drawn from a fact catalogue.

What is typed becomes the document's values in the standard's service (jifen/standard/form_values.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from admin.words import names, word
from engine.model import FactField

TYPE_NAMES = names("forms_type_names")


def fact_inputs(
    fields: list[FactField], values: Mapping[str, Any], errors: Mapping[str, list[str]]
) -> list[dict[str, Any]]:
    """What a template needs to draw one input per catalogue field (derived fields are shown, not asked)."""
    inputs = []
    for f in fields:
        if f.derived is not None:
            continue
        options = None
        if f.type == "enum":
            options = enum_options(f)
        elif f.type == "bool":
            options = [("true", word("forms.yes")), ("false", word("forms.no"))]
        raw = values.get(f.name, "")
        inputs.append({
            "name": f.name, "label": f.label, "type": f.type, "type_name": TYPE_NAMES[f.type], "required": f.required,
            "department": f.department, "options": options, "value": "" if raw is None else str(raw).lower() if isinstance(raw, bool) else str(raw),
            "min": f.min, "max": f.max, "errors": errors.get(f.name, []),
        })  # fmt: skip
    return inputs


def enum_options(f: FactField) -> list[tuple[str, str]]:
    """An option field's choices as (code, Chinese name)."""
    return list(zip(f.values, f.value_labels or f.values))
