"""The one-time materials notice (一次性告知, policy §四(一)): for the items an application's facts fire, every proof
material to bring, grouped by the department that checks it, each material named once.

Pure: it reads a version and the item codes of a result (``fired_items``), so that the self-assessment, the
window's receipt and the console say the same thing for the same facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.adapter import fields_of
from engine.model import Indicator, Item, PerUnit, RulesetVersion


@dataclass(frozen=True, slots=True)
class Material:
    """One document to bring, and the items (codes) it proves."""

    name: str
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DepartmentMaterials:
    """What one department checks: its materials in the version's order."""

    department: str
    materials: tuple[Material, ...] = field(default_factory=tuple)


def fired_items(result: Mapping[str, Any]) -> list[str]:
    """The codes of the items whose condition held in an engine result (counted or not), in the result's order."""
    return [item["code"] for indicator in result["indicators"] for item in indicator["items"] if item["fired"]]


def item_department(version: RulesetVersion, indicator: Indicator, item: Item) -> str:
    """The department that checks an item: that of the first catalogue fact it reads which names one, else the
    indicator's first department.

    The facts are read in catalogue order, so the answer does not depend on how the condition is written.
    """
    read = fields_of(item.when)
    if isinstance(item.points, PerUnit):
        read.add(item.points.field)
    for fact in version.facts:
        if fact.name in read and fact.department:
            return fact.department
    return indicator.departments[0] if indicator.departments else ""


def notice(version: RulesetVersion, item_codes: Iterable[str]) -> list[DepartmentMaterials]:
    """The materials of ``item_codes`` grouped by department; a material needed by several items (or
    departments) is listed once, under the first department that needs it, naming every item it proves.

    Departments and materials come in the version's order (categories, indicators, items), whatever the order
    of ``item_codes``; an item without materials adds nothing; an unknown code raises KeyError.
    """
    wanted = set(item_codes)
    known = {item.code for indicator in version.indicators for item in indicator.items}
    unknown = sorted(wanted - known)
    if unknown:
        raise KeyError(f"not items of {version.ruleset}/{version.year}/{version.revision}: {', '.join(unknown)}")
    order = {category.code: n for n, category in enumerate(version.categories)}
    indicators = sorted(version.indicators, key=lambda ind: order.get(ind.category, len(order)))
    groups: dict[str, dict[str, list[str]]] = {}
    placed: dict[str, str] = {}  # material → the department it is listed under
    for indicator in indicators:
        for item in indicator.items:
            if item.code not in wanted:
                continue
            for material in item.materials:
                department = placed.setdefault(material, item_department(version, indicator, item))
                codes = groups.setdefault(department, {}).setdefault(material, [])
                if item.code not in codes:
                    codes.append(item.code)
    return [
        DepartmentMaterials(department, tuple(Material(name, tuple(codes)) for name, codes in materials.items()))
        for department, materials in groups.items()
    ]


def as_json(groups: Iterable[DepartmentMaterials]) -> list[dict[str, Any]]:
    """The notice as the API sends it: ``[{"department": …, "materials": [{"name": …, "items": […]}]}]``."""
    return [
        {"department": g.department, "materials": [{"name": m.name, "items": list(m.items)} for m in g.materials]}
        for g in groups
    ]
