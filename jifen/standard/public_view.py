"""The standard as the public reads it (/standard): which published version a year's page shows, and its content.

Nothing of drafts (or retired versions) is ever read here: the one query asks for published versions only, and the
content is read from those alone. ``published`` is that query (a few small columns, cheap enough to run on every
request); ``choose`` decides from its answer, with no further reading, so that a page can be cached under a key
that changes only when a publication or retirement changes what it shows; ``content`` reads the chosen versions'
documents and words them (the console's sentences and its comparison), once per key and process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from engine.describe import materials_sentence, requirement_sentence, version_sentences
from engine.diff import ChangeRow, change_rows, diff_versions
from engine.errors import VersionNotFound
from engine.model import Category, Indicator, Item, RulesetVersion
from engine.selection import in_force
from jifen.standard.stored import DEFAULT_RULESET, load_model
from jifen.store.models import Ruleset, RulesetVersionRow

# What an applicant is told changed: the rules, not the catalogue's field definitions or the test cases, which
# are the bureau's working material (a changed option of a fact shows in the items that read it).
PUBLIC_CHANGES = ("requirement", "category", "indicator", "item")


@dataclass(frozen=True, slots=True)
class Published:
    """A published version, as much of it as choosing one needs (what ``engine.selection.in_force`` reads)."""

    id: int
    year: int
    revision: int
    status: str
    effective_from: dt.date
    content_hash: str


@dataclass(frozen=True, slots=True)
class Choice:
    """What the page of ``year`` shows: the version, the previous year's to compare with, the next year's to
    announce, and every year that has a published version (newest first)."""

    year: int
    shown: Published | None
    previous: Published | None
    following: Published | None
    years: tuple[int, ...]
    upcoming: bool  # the version shown takes effect after today

    @property
    def key(self) -> str:
        """Everything the page depends on: it changes when a publication or retirement changes the page."""
        parts = [str(self.year), *(v.content_hash if v else "-" for v in (self.shown, self.previous, self.following))]
        following = self.following.year if self.following else "-"
        return "|".join([*parts, str(following), ",".join(map(str, self.years)), "upcoming" if self.upcoming else ""])


# built once: the query runs on every request for a public standard
_PUBLISHED = (
    select(RulesetVersionRow.id, RulesetVersionRow.year, RulesetVersionRow.revision, RulesetVersionRow.status,
           RulesetVersionRow.effective_from, RulesetVersionRow.content_hash)
    .join(Ruleset, Ruleset.id == RulesetVersionRow.ruleset_id)
    .where(Ruleset.code == bindparam("ruleset"), RulesetVersionRow.status == "published")
)  # fmt: skip


def published(session: Session, ruleset: str = DEFAULT_RULESET) -> list[Published]:
    """Every published version of ``ruleset`` (one small query, no document read)."""
    return [Published(*row) for row in session.connection().execute(_PUBLISHED, {"ruleset": ruleset})]


def pick(versions: Iterable[Published], year: int, today: dt.date) -> Published | None:
    """The version of ``year`` the public is shown: the one in force today when today is in that year, else the one
    in force on the year's day nearest today (its last day for a past year, its first for a coming one); failing
    that, the latest published of the year (one that takes effect later). None when the year has none.

    >>> v = Published(1, 2026, 1, "published", dt.date(2026, 1, 1), "sha256:a")
    >>> pick([v], 2026, dt.date(2025, 12, 7)) == v, pick([v], 2025, dt.date(2026, 1, 1))
    (True, None)
    """
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        return None
    of_year = [v for v in versions if v.year == year]
    on = min(max(today, dt.date(year, 1, 1)), dt.date(year, 12, 31))
    try:
        return in_force(of_year, year, on)
    except VersionNotFound:
        return max(of_year, key=lambda v: (v.effective_from, v.revision), default=None)


def years_of(versions: Iterable[Published]) -> tuple[int, ...]:
    """The years that have a published version, newest first."""
    return tuple(sorted({v.year for v in versions}, reverse=True))


def choose(versions: Sequence[Published], year: int, today: dt.date) -> Choice:
    """What the page of ``year`` shows on ``today`` (see ``pick``); ``shown`` is None when the year has none."""
    shown = pick(versions, year, today)
    years = years_of(versions)
    if shown is None:
        return Choice(year, None, None, None, years, False)
    return Choice(
        year, shown, pick(versions, year - 1, today), pick(versions, year + 1, today), years,
        shown.effective_from > today,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ItemView:
    """An item as the applicant reads it: its sentence (condition and points), whether it deducts, its materials."""

    item: Item
    sentence: str
    deduct: bool
    materials: str | None


@dataclass(frozen=True, slots=True)
class IndicatorView:
    indicator: Indicator
    items: tuple[ItemView, ...]


@dataclass(frozen=True, slots=True)
class CategoryView:
    category: Category
    indicators: tuple[IndicatorView, ...]


@dataclass(frozen=True, slots=True)
class StandardContent:
    """A published version in words, and what changed against the previous year's version."""

    version: RulesetVersion
    categories: tuple[CategoryView, ...]
    requirements: tuple[str, ...]
    total_cap: Decimal | None  # the sum of the adding categories' caps; None when one of them has none
    previous: RulesetVersion | None
    changes: tuple[ChangeRow, ...]


def _model(session: Session, version: Published) -> RulesetVersion:
    row = session.get(RulesetVersionRow, version.id)
    assert row is not None and row.status == "published", version
    return load_model(row)


def words_of(version: RulesetVersion) -> tuple[CategoryView, ...]:
    """Every category with its indicators and their items, each item as the console's sentence."""
    sentences = version_sentences(version)
    deducting = {c.code for c in version.categories if c.kind == "deduct"}

    def indicator(ind: Indicator) -> IndicatorView:
        deduct = ind.category in deducting
        items = (ItemView(i, sentences[i.code], deduct, materials_sentence(i)) for i in ind.items)
        return IndicatorView(ind, tuple(items))

    return tuple(
        CategoryView(c, tuple(indicator(i) for i in version.indicators if i.category == c.code))
        for c in version.categories
    )


def public_changes(previous: RulesetVersion, version: RulesetVersion) -> tuple[ChangeRow, ...]:
    """The console's comparison (``engine.diff``) of the previous year's version with this one, in sentences: the
    changes of the rules an applicant is scored by, those that can move a score first."""
    changes = [c for c in diff_versions(previous, version)["changes"] if c["object"] in PUBLIC_CHANGES]
    rows = change_rows(previous, version, changes)
    # those that can move a score first (each part in document order): an applicant looks for them
    return tuple(sorted(rows, key=lambda row: not row.affects_points))


def content(session: Session, choice: Choice) -> StandardContent:
    """The chosen version in words (``choice.shown`` must be set)."""
    assert choice.shown is not None
    version = _model(session, choice.shown)
    previous = _model(session, choice.previous) if choice.previous is not None else None
    adding = [c for c in version.categories if c.kind == "add"]
    caps = [c.cap for c in adding if c.cap is not None]
    total_cap = sum(caps, Decimal(0)) if caps and len(caps) == len(adding) else None
    return StandardContent(
        version=version,
        categories=words_of(version),
        requirements=tuple(requirement_sentence(r, version.catalogue) for r in version.eligibility),
        total_cap=total_cap,
        previous=previous,
        changes=public_changes(previous, version) if previous is not None else (),
    )
