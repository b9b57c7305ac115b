"""The ruleset model of a scoring standard: a version, its fact catalogue, categories, indicators and items.

Everything here is immutable data; the loader builds it from a file and the compiler turns it into
durable_rules rulesets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Literal, TypeAlias

FieldType = Literal["bool", "int", "number", "date", "enum", "string"]
FIELD_TYPES: tuple[FieldType, ...] = ("bool", "int", "number", "date", "enum", "string")
NUMERIC_TYPES = frozenset({"int", "number"})

Operator = Literal["==", "!=", "<", "<=", ">", ">=", "in", "not_in", "exists", "not_exists"]
OPERATORS: tuple[Operator, ...] = ("==", "!=", "<", "<=", ">", ">=", "in", "not_in", "exists", "not_exists")
ORDERING_OPERATORS = frozenset({"<", "<=", ">", ">="})
LIST_OPERATORS = frozenset({"in", "not_in"})
PRESENCE_OPERATORS = frozenset({"exists", "not_exists"})

STATUSES = ("draft", "published", "retired")
CATEGORY_KINDS = ("add", "deduct")
DERIVATIONS = ("full_years",)

FactValue: TypeAlias = "bool | int | Decimal | dt.date | str"


@dataclass(frozen=True, slots=True)
class Derivation:
    """How a derived field is computed, e.g. full_years from birth_date at application_date (周岁)."""

    function: str
    source: str
    at: str


@dataclass(frozen=True, slots=True)
class FactField:
    name: str
    type: FieldType
    label: str
    required: bool = False
    department: str | None = None
    values: tuple[str, ...] = ()
    value_labels: tuple[str, ...] = ()
    min: Decimal | None = None
    max: Decimal | None = None
    derived: Derivation | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Clause:
    field: str
    op: Operator
    value: FactValue | tuple[FactValue, ...] | None = None


@dataclass(frozen=True, slots=True)
class Group:
    mode: Literal["all", "any"]
    conditions: tuple[Condition, ...]


Condition: TypeAlias = "Clause | Group"


@dataclass(frozen=True, slots=True)
class Fixed:
    points: Decimal


@dataclass(frozen=True, slots=True)
class PerUnit:
    """``offset + rate × floor(value / unit)``."""

    field: str
    rate: Decimal
    unit: Decimal = Decimal(1)
    offset: Decimal = Decimal(0)


PointsRule: TypeAlias = "Fixed | PerUnit"


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    label: str
    points: PointsRule
    when: Condition | None = None
    cap: Decimal | None = None
    group: str | None = None
    reference: str | None = None
    materials: tuple[str, ...] = ()  # 证明材料: what an applicant brings to prove it


@dataclass(frozen=True, slots=True)
class Indicator:
    code: str
    name: str
    category: str
    items: tuple[Item, ...]
    cap: Decimal | None = None
    departments: tuple[str, ...] = ()
    reference: str = ""


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str
    kind: Literal["add", "deduct"]
    cap: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Requirement:
    """An eligibility precondition: the application is ineligible unless ``when`` holds."""

    code: str
    when: Condition
    reason: str


@dataclass(frozen=True, slots=True)
class Expected:
    eligible: bool | None = None
    total: Decimal | None = None
    categories: dict[str, Decimal] = field(default_factory=dict)
    indicators: dict[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TestCase:
    __test__ = False  # not a pytest class

    name: str
    facts: dict[str, object]
    expected: Expected
    as_of: dt.date | None = None


@dataclass(frozen=True)
class RulesetVersion:
    ruleset: str
    year: int
    revision: int
    effective_from: dt.date
    status: str
    title: str
    facts: tuple[FactField, ...]
    categories: tuple[Category, ...]
    indicators: tuple[Indicator, ...]
    eligibility: tuple[Requirement, ...] = ()
    cases: tuple[TestCase, ...] = ()
    legal_basis: str = ""
    description: str = ""
    sample: bool = False

    @property
    def ref(self) -> str:
        """The version's name as people write it, e.g. ``tongxiang/2026/1``."""
        return f"{self.ruleset}/{self.year}/{self.revision}"

    @cached_property
    def content_hash(self) -> str:
        """``sha256:<hex>`` of the canonical serialization; the status is not part of the content."""
        from engine.canonical import content_hash

        return content_hash(self)

    @cached_property
    def catalogue(self) -> dict[str, FactField]:
        return {f.name: f for f in self.facts}
