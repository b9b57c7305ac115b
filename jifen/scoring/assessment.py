"""Self-assessment (自助测算): the questions a version's fact catalogue asks an applicant, their answers read from an
address's query, and the engine's result for them with the one-time materials notice (一次性告知). Nothing is stored.

The version is the one the API's dry run uses (``compiled.select_version``), scored by the same compiled version
(``compiled.compiled_for``); the answers are turned into the JSON values a client would send and checked by the
engine's own validator, whose Chinese messages are the ones shown. What depends only on a version (its questions)
is worked out once per content hash.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import FactsError
from engine.adapter import fields_of
from engine.errors import VersionNotFound
from engine.materials import DepartmentMaterials, fired_items, notice
from engine.model import Condition, FactField, PerUnit, RulesetVersion
from engine.selection import in_force
from jifen.errors import NoVersionInForce
from jifen.scoring import compiled
from jifen.scoring.compiled import VersionRef
from jifen.standard import stored
from jifen.standard.form_values import typed_value
from jifen.store.models import Ruleset, RulesetVersionRow

YEAR = "year"  # the one parameter of the address that is not a fact
ELIGIBILITY, RECORDS, OTHER = "eligibility", "records", "other"  # sections that are not a category of points
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")
_BOOLEANS = {"1": "true", "0": "false", "true": "true", "false": "false"}


@dataclass(frozen=True, slots=True)
class Question:
    """One fact an applicant states: its catalogue entry and the indicators (names) that read it."""

    fact: FactField
    indicators: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.fact.name

    @property
    def options(self) -> tuple[tuple[str, str], ...]:
        """An enum's (value, label) pairs in the catalogue's order."""
        labels = self.fact.value_labels or self.fact.values
        return tuple(zip(self.fact.values, labels, strict=False))


@dataclass(frozen=True, slots=True)
class Section:
    """A group of questions: the eligibility requirements', a category's (``title`` its name), or the records'."""

    code: str
    kind: str  # ELIGIBILITY, "add", RECORDS or OTHER
    title: str
    questions: tuple[Question, ...]


@dataclass(frozen=True, slots=True)
class Questionnaire:
    """What a version asks an applicant, and what an address may name besides (a derivation's reference date)."""

    sections: tuple[Section, ...]
    accepted: frozenset[str]  # facts an address may state: the questions and the reference dates
    asked: frozenset[str]  # the facts the form asks (the others accepted are kept as they came, hidden)
    catalogue: Mapping[str, FactField]
    content_hash: str  # of the version asking

    @property
    def questions(self) -> Iterable[Question]:
        return (q for s in self.sections for q in s.questions)


@dataclass(frozen=True, slots=True)
class Answers:
    """The answers read from an address: the facts as a client would send them, and the texts as typed."""

    facts: dict[str, Any]
    texts: dict[str, str]
    repeated: tuple[str, ...] = ()  # facts named more than once
    stated: bool = False  # whether any fact was named at all (a filled-in form was sent)


@dataclass(frozen=True, slots=True)
class Outcome:
    """The engine's result and the materials notice, or the facts' problems (Chinese, per fact)."""

    result: dict[str, Any] | None = None
    materials: list[DepartmentMaterials] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Choice:
    """The standard used: ``version`` in force for ``year`` (None when no year has one); ``fallback`` when this
    year has none published and the latest one is used; ``missing`` when the year asked for has none."""

    version: VersionRef | None
    year: int
    years: tuple[int, ...]  # years with a version in force today, newest first
    fallback: bool = False
    missing: bool = False


# -- the questions of a version -----------------------------------------------------------------------------


def _reads(condition: Condition | None, points_field: str | None, derived: Mapping[str, str]) -> set[str]:
    read = fields_of(condition) | ({points_field} if points_field else set())
    return {derived.get(name, name) for name in read}


def _homes(version: RulesetVersion) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Each fact's section (the first that reads it: the eligibility requirements, then the categories that add
    points, then the records) and the names of the indicators that read it; a derived fact is its source's."""
    derived = {f.name: f.derived.source for f in version.facts if f.derived is not None}
    deduct = {c.code for c in version.categories if c.kind == "deduct"}
    home: dict[str, str] = {}
    readers: dict[str, list[str]] = {}
    for requirement in version.eligibility:
        for name in _reads(requirement.when, None, derived):
            home.setdefault(name, ELIGIBILITY)
    for indicator in sorted(version.indicators, key=lambda i: i.category in deduct):
        section = RECORDS if indicator.category in deduct else indicator.category
        for item in indicator.items:
            per_unit = item.points.field if isinstance(item.points, PerUnit) else None
            for name in _reads(item.when, per_unit, derived):
                home.setdefault(name, section)
                if indicator.name not in readers.setdefault(name, []):
                    readers[name].append(indicator.name)
    return home, readers


def _sections(version: RulesetVersion, askable: list[FactField]) -> list[Section]:
    home, readers = _homes(version)
    titles = {c.code: c.name for c in version.categories}
    codes = [ELIGIBILITY, *(c.code for c in version.categories if c.kind != "deduct"), RECORDS, OTHER]
    sections = []
    for code in codes:
        questions = [Question(f, tuple(readers.get(f.name, ()))) for f in askable if home.get(f.name, OTHER) == code]
        if questions:
            kind = code if code in (ELIGIBILITY, RECORDS, OTHER) else "add"
            sections.append(Section(code, kind, titles.get(code, ""), tuple(questions)))
    return sections


def _build(version: RulesetVersion) -> Questionnaire:
    reference_dates = {f.derived.at for f in version.facts if f.derived is not None}
    askable = [f for f in version.facts if f.derived is None and f.name not in reference_dates]
    sections = _sections(version, askable)
    accepted = frozenset(f.name for f in askable) | (reference_dates & version.catalogue.keys())
    asked = frozenset(q.name for s in sections for q in s.questions)
    return Questionnaire(tuple(sections), frozenset(accepted), asked, version.catalogue, version.content_hash)


_questionnaires: dict[str, Questionnaire] = {}
_questionnaires_lock = threading.Lock()


def questionnaire(version: RulesetVersion) -> Questionnaire:
    """The questions ``version`` asks, worked out once per content hash per process."""
    found = _questionnaires.get(version.content_hash)
    if found is None:
        found = _build(version)
        with _questionnaires_lock:
            _questionnaires[version.content_hash] = found
    return found


# -- the answers of an address --------------------------------------------------------------------------------


def _value(fact: FactField, raw: str) -> Any:
    """A typed answer as the JSON value a client sends, where it plainly is one; else the text, for the engine to
    say what is wrong with it."""
    if fact.type == "bool":
        raw = _BOOLEANS.get(raw.lower(), raw)
    if fact.type == "number":
        # a plain decimal, exactly (12.5 stays 12.5); anything else (1e3, NaN) for the engine's own message
        return Decimal(raw) if _PLAIN_NUMBER.fullmatch(raw) and len(raw) <= 40 else raw
    return typed_value(fact, raw)


def _shown(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def read_answers(form: Questionnaire, args: Mapping[str, list[str]]) -> Answers:
    """The facts an address states (``args``: each parameter's values, ``year`` left out); an empty value is not
    stated; a name the version does not accept is passed on, for the engine to say it is unknown."""
    facts: dict[str, Any] = {}
    texts: dict[str, str] = {}
    repeated = []
    stated = False
    for name, values in args.items():
        if name == YEAR:
            continue
        stated = True
        raw = values[0].strip() if values else ""
        if len([v for v in values if v.strip()]) > 1:
            repeated.append(name)
        texts[name] = raw
        if raw == "":
            continue
        fact = form.catalogue.get(name) if name in form.accepted else None
        facts[name] = value = _value(fact, raw) if fact is not None else raw
        if isinstance(value, bool) or (fact is not None and fact.type == "enum" and value in fact.values):
            texts[name] = _shown(value)  # as the select's options name it (是 → true, 本科 → bachelor)
    return Answers(facts, texts, tuple(repeated), stated)


# -- the standard used ------------------------------------------------------------------------------------------


def _published_versions(session: Session, ruleset: str) -> list[VersionRef]:
    """Every published version of ``ruleset``, remembered briefly and forgotten on publication, as the versions of
    one year are (``compiled.published_cache``, under the year None)."""
    key = (str(session.get_bind().engine.url), ruleset, None)
    hit = compiled.published_cache.get(key)
    if hit is not None:
        return hit
    query = (
        select(*compiled._COLUMNS)
        .join(Ruleset, Ruleset.id == RulesetVersionRow.ruleset_id)
        .where(Ruleset.code == ruleset, RulesetVersionRow.status == "published")
    )
    versions = [VersionRef(*row) for row in session.execute(query)]
    compiled.published_cache.put(key, versions)
    return versions


def years_in_force(session: Session, today: dt.date, ruleset: str = stored.DEFAULT_RULESET) -> tuple[int, ...]:
    """The years with a standard in force today, newest first."""
    versions = _published_versions(session, ruleset)
    years = []
    for year in sorted({v.year for v in versions}, reverse=True):
        try:
            in_force(versions, year, today)
        except VersionNotFound:
            continue
        years.append(year)
    return tuple(years)


def choose(session: Session, asked: int | None, today: dt.date, ruleset: str = stored.DEFAULT_RULESET) -> Choice:
    """The standard for ``asked`` (default: this year's; the latest in force when this year has none yet)."""
    years = years_in_force(session, today, ruleset)
    year = today.year if asked is None else asked
    try:
        return Choice(compiled.select_version(session, year, today, ruleset=ruleset), year, years)
    except NoVersionInForce:
        latest = compiled.select_version(session, years[0], today, ruleset=ruleset) if years else None
        return Choice(latest, year, years, fallback=asked is None, missing=asked is not None)


def model(session: Session, version: VersionRef) -> RulesetVersion:
    """The engine's model of ``version`` (compiled once per process)."""
    return compiled.compiled_for(session, version).version


def assess(session: Session, version: VersionRef, facts: Mapping[str, Any], today: dt.date) -> Outcome:
    """Score ``facts`` under ``version`` as of ``today`` as the API's dry run does; nothing is stored."""
    engine = compiled.compiled_for(session, version)
    try:
        result = dict(engine.score(facts, as_of=today))
    except FactsError as exc:
        return Outcome(errors=exc.texts("zh"))
    return Outcome(result, notice(engine.version, fired_items(result)))
