"""Static checks of a version: overlapping bands, gaps, items that can never apply, caps that cannot count.

Each check reasons exactly over the sets of values a condition admits (see :mod:`engine.regions`), never by
sampling; each finding names its indicator and items, carries its texts from one catalogue (:data:`CHECKS`),
and, where an applicant can show the problem, a *witness* that the engine has scored to confirm it.

For example, ``[f.code for f in lint(load_file("rulesets/tongxiang-2025.yaml"))]`` is ``["unused_fact"]``:
that catalogue lists ``heroic_act``, which only the 2026 items use.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from engine.adapter import item_condition as engine_condition  # reason about exactly what the engine compiles
from engine.bounds import POLICY_TOTAL as POLICY_MAXIMUM  # policy §三: 100 + 150 + 50, the total's maximum
from engine.canonical import number_text
from engine.errors import FactsError
from engine.evaluator import compile_version
from engine.findings import CHECKS, SEVERITIES, Check, Chinese, Finding, Language, Severity, condition_text
from engine.labels import label_findings
from engine.model import Clause, Condition, Fixed, Group, Indicator, Item, PerUnit, RulesetVersion
from engine.regions import MAX_BOXES, Box, Space, TooComplex
from engine.valuesets import FieldSet, Numbers
from engine.witness import Witness, WitnessBuilder

__all__ = ["CHECKS", "SEVERITIES", "Check", "Finding", "Language", "Severity", "condition_text", "counts", "lint",
           "report", "unacknowledged"]  # fmt: skip


def lint(version: RulesetVersion, *, verify: bool = True) -> list[Finding]:
    """Every finding about ``version``, errors first; with ``verify`` each witness is scored by the engine."""
    findings = list(_Linter(version).run())
    if verify:
        findings = [_confirmed(version, f) for f in findings]
    rank = {s: n for n, s in enumerate(SEVERITIES)}
    return sorted(findings, key=lambda f: rank[f.severity])


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    """``{"error": n, "warning": n, "info": n}``."""
    return {s: sum(f.severity == s for f in findings) for s in SEVERITIES}


def report(version: RulesetVersion, findings: Sequence[Finding]) -> dict[str, Any]:
    """The findings about a version as one JSON-ready object (dates as text; numbers may be Decimals)."""
    return {
        "version": {"ref": version.ref, "content_hash": version.content_hash},
        "counts": counts(findings),
        "findings": [f.to_dict() for f in findings],
    }


def unacknowledged(findings: Sequence[Finding], note: str, acknowledged: Collection[str] = ()) -> list[Finding]:
    """The warnings neither acknowledged (the console ticks each) nor named by their code in the note (as the
    command line acknowledges them)."""
    return [
        f
        for f in findings
        if f.severity == "warning"
        and f.code not in acknowledged
        and not re.search(rf"(?<![A-Za-z_]){f.code}(?![A-Za-z_])", note, re.IGNORECASE)
    ]


def _fields_of(cond: Condition | None) -> list[str]:
    if cond is None:
        return []
    if isinstance(cond, Clause):
        return [cond.field]
    return list(dict.fromkeys(name for c in cond.conditions for name in _fields_of(c)))


def _only(cond: Condition, names: set[str]) -> Condition | None:
    """The condition with the clauses on other facts left out."""
    if isinstance(cond, Clause):
        return cond if cond.field in names else None
    kept = tuple(c for c in (_only(child, names) for child in cond.conditions) if c is not None)
    return Group(cond.mode, kept) if kept else None


# -- the checks -------------------------------------------------------------------------------------------


class _Linter:
    def __init__(self, version: RulesetVersion) -> None:
        self.version = version
        self.space = Space(version)
        self.zh = Chinese(version, self.space)
        self.categories = {c.code: c for c in version.categories}
        self.witnesses = WitnessBuilder(version, self.space)
        self.boxes: dict[str, list[Box]] = {}  # item code → its condition's boxes (when not too complex)
        self.complex: list[Finding] = []
        for ind in version.indicators:
            for item in ind.items:
                try:
                    self.boxes[item.code] = self.space.boxes(engine_condition(item))
                except TooComplex:
                    self.complex.append(self._too_complex(ind.code, item.code, engine_condition(item)))

    def run(self) -> Iterator[Finding]:
        yield from self.requirements()
        for ind in self.version.indicators:
            yield from self.unreachable(ind)
            yield from self.unbounded(ind)
        yield from self.complex
        for ind in self.version.indicators:
            yield from self.overlaps(ind)
            yield from self.gaps(ind)
            yield from self.dead_branches(ind)
            yield from self.exceeds_cap(ind)
        yield from self.category_caps()
        yield from label_findings(self.version, self.zh)
        yield from self.unused_facts()

    def _boxes(self, cond: Condition | None) -> list[Box] | None:
        """The condition's boxes, or None when it is too complex to expand."""
        try:
            return self.space.boxes(cond)
        except TooComplex:
            return None

    def _too_complex(self, indicator: str | None, owner: str, cond: Condition | None) -> Finding:
        items = (owner,) if indicator else ()
        return Finding("too_complex", indicator, items, tuple(_fields_of(cond)),
                       {"owner": owner, "limit": str(MAX_BOXES)}, zh={"owner": self.zh.owner(owner)})  # fmt: skip

    def _ranges(self, names: Sequence[str]) -> str:
        return "; ".join(f"{n} {self.space.describe(n, self.space.universe[n])}" for n in names)

    def _never(self, cond: Condition) -> tuple[dict[str, str], dict[str, str], list[str]]:
        """Why a condition never holds: the clauses on the facts that alone rule them out with those facts' ranges
        (in the file's terms and in Chinese), and those facts."""
        names = _fields_of(cond)
        culprits = [n for n in names if self.space.project(cond, n).empty]
        if culprits:
            pruned = _only(cond, set(culprits))
            assert pruned is not None
            cond, names = pruned, culprits
        return ({"condition": condition_text(cond), "range": self._ranges(names)},
                {"condition": self.zh.condition(cond), "range": self.zh.ranges(names)}, names)  # fmt: skip

    def requirements(self) -> Iterator[Finding]:
        for req in self.version.eligibility:
            try:
                boxes = self.space.boxes(req.when)
            except TooComplex:
                yield self._too_complex(None, req.code, req.when)
                continue
            if not boxes:
                why, zh, names = self._never(req.when)
                yield Finding("unsatisfiable_requirement", None, (), tuple(names), {"requirement": req.code, **why},
                              zh={"requirement": self.zh.requirement(req.code), **zh})  # fmt: skip

    def unreachable(self, ind: Indicator) -> Iterator[Finding]:
        for item in ind.items:
            if self.boxes.get(item.code) == []:
                cond = engine_condition(item)
                assert cond is not None
                why, zh, names = self._never(cond)
                params = {"indicator": ind.code, "item": item.code, **why}
                yield Finding("unreachable", ind.code, (item.code,), tuple(names), params,
                              zh={"indicator": self.zh.indicator(ind.code), **zh})  # fmt: skip

    def unbounded(self, ind: Indicator) -> Iterator[Finding]:
        category = self.categories[ind.category]
        if category.kind != "add" or category.cap is not None or ind.cap is not None:
            return
        for item in ind.items:
            rule = item.points
            if not isinstance(rule, PerUnit) or item.cap is not None or not self.boxes.get(item.code):
                continue
            reach = Numbers([], self.space.catalogue[rule.field].type == "int")
            for box in self.boxes[item.code]:  # a per-unit item's boxes all name its field
                values = box[rule.field].values
                assert isinstance(values, Numbers)
                reach = reach | values
            growing = (rule.rate > 0 and reach.parts[-1].hi is None) or (rule.rate < 0 and reach.parts[0].lo is None)
            if not growing:
                continue
            params = {"indicator": ind.code, "item": item.code, "field": rule.field,
                      "rate": number_text(rule.rate), "unit": number_text(rule.unit), "category": category.code}  # fmt: skip
            zh = {"indicator": self.zh.indicator(ind.code), "field": self.zh.label(rule.field),
                  "category": self.zh.category(category.code)}  # fmt: skip
            witness = self._beyond(item, rule, reach)
            yield Finding("unbounded", ind.code, (item.code,), (rule.field,), params, witness, zh)

    def _beyond(self, item: Item, rule: PerUnit, reach: Numbers) -> Witness | None:
        """An applicant for whom the item alone gives more than the policy's maximum."""
        units = max((POLICY_MAXIMUM - rule.offset) // abs(rule.rate) + 1, Decimal(0))
        value = units * rule.unit
        if reach.integer:
            value = value.to_integral_value(rounding="ROUND_CEILING")
        # the points only grow further out, so the far end of the unbounded interval will do
        if rule.rate > 0:
            value = max(value, Numbers([reach.parts[-1]], reach.integer).bottom() or value)
        else:
            value = min(-value, Numbers([reach.parts[0]], reach.integer).top() or -value)
        for box in self.boxes[item.code]:
            at = box[rule.field] & FieldSet(False, Numbers.point(value, reach.integer))
            if not at.empty:
                return self.witnesses.build({**box, rule.field: at})
        return None

    def overlaps(self, ind: Indicator) -> Iterator[Finding]:
        items = [i for i in ind.items if self.boxes.get(i.code)]
        for n, a in enumerate(items):
            for b in items[n + 1 :]:
                if a.group is not None and a.group == b.group:
                    continue  # 本项不累加: only the highest counts, which is what a band table means
                shared, first = self._shared(a, b)
                if first is None:
                    continue
                names = [n for n in _fields_of(engine_condition(a)) if n in shared]
                where = "; ".join(f"{n} {self.space.describe(n, shared[n])}" for n in names)
                params = {"indicator": ind.code, "item_a": a.code, "item_b": b.code, "where": where}
                zh = {"indicator": self.zh.indicator(ind.code), "where": self.zh.ranges(names, shared)}
                witness = self.witnesses.build(first)
                yield Finding("overlap", ind.code, (a.code, b.code), tuple(names), params, witness, zh)

    def _shared(self, a: Item, b: Item) -> tuple[dict[str, FieldSet], Box | None]:
        """Where two items' conditions both hold, field by field, and the first such box (None: nowhere)."""
        shared: dict[str, FieldSet] = {}
        first: Box | None = None
        for box_a in self.boxes[a.code]:
            for box_b in self.boxes[b.code]:
                common = box_a.keys() & box_b.keys()
                both = self.space.meet(box_a, box_b) if common else None
                if both is None:
                    continue
                if first is None:
                    first = both
                for name in common:
                    shared[name] = shared[name] | both[name] if name in shared else both[name]
        return shared, first

    def _covered(self, bands: list[Item], name: str, integer: bool) -> Numbers:
        """The values of a field that the bands' own conditions take."""
        covered = Numbers([], integer)
        for item in bands:
            # a band's own condition: below its first full unit a per-unit band does not fire, but gives 0
            for box in self._boxes(item.when) or []:
                if name in box:
                    values = box[name].values
                    assert isinstance(values, Numbers)
                    covered = covered | values
        return covered

    def gaps(self, ind: Indicator) -> Iterator[Finding]:
        if any(item.code not in self.boxes for item in ind.items):
            return  # an item too complex to expand may cover what looks uncovered
        for name in dict.fromkeys(n for item in ind.items for n in _fields_of(item.when)):
            universe = self.space.universe[name]
            if self.space.catalogue[name].type not in ("int", "number"):
                continue
            bands = [item for item in ind.items if _bounds(item.when, name)]
            if len(bands) < 2:
                continue
            assert isinstance(universe.values, Numbers)
            uncovered = universe.values - self._covered(bands, name, universe.values.integer)
            if not uncovered.empty:
                yield self._gap(ind, bands, name, uncovered)

    def _gap(self, ind: Indicator, bands: list[Item], name: str, uncovered: Numbers) -> Finding:
        universe = self.space.universe[name]
        value = uncovered.pick(None)
        assert value is not None
        must = {name: FieldSet(False, Numbers.point(value, uncovered.integer))}
        everything = [box for item in ind.items for box in self.boxes[item.code]]
        in_bands = [box for item in bands for box in self.boxes[item.code]]
        witness = self.witnesses.build(must, everything) or self.witnesses.build(must, in_bands)
        params = {"indicator": ind.code, "items": ", ".join(i.code for i in bands), "field": name,
                  "values": self.space.describe(name, FieldSet(False, uncovered)),
                  "range": self.space.describe(name, universe)}  # fmt: skip
        zh = {"indicator": self.zh.indicator(ind.code), "items": "、".join(i.code for i in bands),
              "field": self.zh.label(name), "values": self.zh.values(name, FieldSet(False, uncovered)),
              "range": self.zh.values(name, universe)}  # fmt: skip
        return Finding("gap", ind.code, tuple(i.code for i in bands), (name,), params, witness, zh)

    def dead_branches(self, ind: Indicator) -> Iterator[Finding]:
        for item in ind.items:
            if self.boxes.get(item.code) and item.when is not None:
                for branch in self._dead(item.when):
                    why, zh, names = self._never(branch)
                    params = {"indicator": ind.code, "item": item.code, **why}
                    yield Finding("dead_branch", ind.code, (item.code,), tuple(names), params,
                                  zh={"indicator": self.zh.indicator(ind.code), **zh})  # fmt: skip

    def _dead(self, cond: Condition) -> Iterator[Condition]:
        """The branches of 'any' groups that can never hold on their own (not looking inside those)."""
        if isinstance(cond, Clause):
            return
        for child in cond.conditions:
            if cond.mode == "any" and len(cond.conditions) > 1 and self._boxes(child) == []:
                yield child
            else:
                yield from self._dead(child)

    def exceeds_cap(self, ind: Indicator) -> Iterator[Finding]:
        category = self.categories[ind.category]
        cap, owner = (ind.cap, ind.code) if ind.cap is not None else (category.cap, category.code)
        if cap is None:
            return
        for item in ind.items:
            rule = item.points
            most = rule.points if isinstance(rule, Fixed) else None
            if item.cap is not None:
                most = item.cap if most is None else min(most, item.cap)
            if most is None or most <= cap or not self.boxes.get(item.code):
                continue
            params = {"indicator": ind.code, "item": item.code, "points": number_text(most), "cap": number_text(cap),
                      "owner": owner}  # fmt: skip
            zh = {"indicator": self.zh.indicator(ind.code), "owner": self.zh.owner(owner)}
            witness = None
            if isinstance(rule, Fixed):
                witness = self.witnesses.build(self.boxes[item.code][0])
            yield Finding("exceeds_cap", ind.code, (item.code,), tuple(_fields_of(item.when)), params, witness, zh)

    def category_caps(self) -> Iterator[Finding]:
        adding = [c for c in self.version.categories if c.kind == "add"]
        caps = [c.cap for c in adding]
        total = sum((c for c in caps if c is not None), Decimal(0))
        if all(c is not None for c in caps) and total == POLICY_MAXIMUM:
            return
        listing = " + ".join(f"{c.code} {number_text(c.cap) if c.cap is not None else '∞'}" for c in adding)
        params = {"total": number_text(total) if None not in caps else "∞", "caps": listing or "-",
                  "expected": number_text(POLICY_MAXIMUM)}  # fmt: skip
        zh = {"total": params["total"], "caps": self.zh.caps()}
        yield Finding("category_caps", None, (), (), params, zh=zh)

    def unused_facts(self) -> Iterator[Finding]:
        used: set[str] = set()
        for ind in self.version.indicators:
            for item in ind.items:
                used.update(_fields_of(item.when))
                if isinstance(item.points, PerUnit):
                    used.add(item.points.field)
        for req in self.version.eligibility:
            used.update(_fields_of(req.when))
        for case in self.version.cases:
            used.update(case.facts)
        for f in self.version.facts:
            if f.derived is not None and f.name in used:
                used.update((f.derived.source, f.derived.at))
        for f in self.version.facts:
            if f.name not in used:
                yield Finding("unused_fact", None, (), (f.name,), {"field": f.name, "label": f.label},
                              zh={"field": self.zh.label(f.name), "label": self.zh.checker(f.name)})  # fmt: skip


def _bounds(cond: Condition | None, name: str) -> bool:
    """Whether the condition sets bounds on ``name`` (one band of a table split by it)."""
    if cond is None:
        return False
    if isinstance(cond, Clause):
        return cond.field == name and cond.op in ("==", "in", "<", "<=", ">", ">=")
    return any(_bounds(c, name) for c in cond.conditions)


# -- confirming witnesses with the engine ------------------------------------------------------------------


def _items(result: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return {it["code"]: it for ind in result["indicators"] for it in ind["items"]}


def _shows(finding: Finding, result: Mapping[str, Any]) -> bool:
    """Whether an engine result bears a finding out."""
    items = _items(result)
    if finding.code == "overlap":
        return all(items[code]["fired"] for code in finding.items)
    if finding.code == "gap":
        return not any(items[code]["fired"] for code in finding.items)
    if finding.code == "exceeds_cap":
        (code,) = finding.items
        return bool(items[code]["fired"]) and items[code]["points"] > Decimal(finding.params["cap"])
    if finding.code == "unbounded":
        (code,) = finding.items
        return bool(items[code]["fired"]) and items[code]["points"] > POLICY_MAXIMUM
    return False


def _confirmed(version: RulesetVersion, finding: Finding) -> Finding:
    witness = finding.witness
    if witness is None:
        return finding
    try:
        result = compile_version(version).score(witness.facts, as_of=witness.as_of)
    except FactsError:
        ok = False
    else:
        ok = _shows(finding, result)
    return dataclasses.replace(finding, witness=Witness(witness.facts, witness.as_of, witness.derived, ok))
