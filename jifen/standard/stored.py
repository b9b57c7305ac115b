"""A ruleset version as stored: found by reference or id, listed, described, and its content read and written.

The content is the version's document: the canonical JSON of engine.canonical, read by the engine's loader. It is
written here only, by ``store_model``, from a model the loader accepted (``drafts`` edits drafts the same way).
Whether a stored text is valid is remembered by the text's fingerprint (``validate``), so that a refused edit does
not load the whole draft a second time to learn whether it was valid before.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from engine import Problem, RulesetError, RulesetVersion, canonical_json, dump_yaml, parse_document
from jifen.errors import NotFound, Refused
from jifen.messages import refusal, say
from jifen.store.models import Ruleset
from jifen.store.models import (
    RulesetVersionRow as RulesetVersionRow,  # the type of the answers, named here for the faces
)

DEFAULT_RULESET = "tongxiang"
_REF = re.compile(r"(?P<code>[a-z][a-z0-9_]*)/(?P<year>\d{4})/(?P<revision>\d+)")
# Revisions and ids are 32-bit INTEGER columns: a larger number names no version, and must not reach the driver
# (SQLite and psycopg fail on it instead of finding nothing).
MAX_ID = 2**31 - 1


def _in_range(digits: str) -> bool:
    return len(digits) <= 10 and int(digits) <= MAX_ID


def parse_ref(ref: str) -> tuple[str, int, int]:
    """``tongxiang/2026/1`` → ``("tongxiang", 2026, 1)``."""
    match = _REF.fullmatch(ref.strip())
    if match is None:
        raise refusal(Refused, "not_a_reference", given=ref, reasons=[say("write_reference")])
    if not _in_range(match["revision"]):
        raise refusal(NotFound, "no_version", ref=ref.strip()[:100])
    return match["code"], int(match["year"]), int(match["revision"])


def query_versions() -> Select[tuple[RulesetVersionRow]]:
    """The versions with their ruleset loaded, to be narrowed and ordered."""
    return select(RulesetVersionRow).join(Ruleset).options(selectinload(RulesetVersionRow.ruleset))


def get_version(session: Session, ref: str | int) -> RulesetVersionRow:
    """A version by reference (``tongxiang/2026/1``) or database id."""
    if isinstance(ref, int):
        row = session.get(RulesetVersionRow, ref) if abs(ref) <= MAX_ID else None
    elif ref.isascii() and ref.isdigit():
        row = session.get(RulesetVersionRow, int(ref)) if _in_range(ref) else None
    else:
        code, year, revision = parse_ref(ref)
        row = session.scalar(
            query_versions().where(
                Ruleset.code == code, RulesetVersionRow.year == year, RulesetVersionRow.revision == revision
            )
        )
    if row is None:
        raise refusal(NotFound, "no_version", ref=ref)
    return row


def list_versions(
    session: Session, ruleset: str | None = None, year: int | None = None, status: str | None = None
) -> list[RulesetVersionRow]:
    """Versions, newest year first, then revision."""
    query = query_versions()
    if ruleset:
        query = query.where(Ruleset.code == ruleset)
    if year:
        query = query.where(RulesetVersionRow.year == year)
    if status:
        query = query.where(RulesetVersionRow.status == status)
    order = (Ruleset.code, RulesetVersionRow.year.desc(), RulesetVersionRow.revision.desc())
    return list(session.scalars(query.order_by(*order)))


def describe(row: RulesetVersionRow) -> dict[str, Any]:
    """A version's identity and lifecycle, as shown in lists."""
    return {
        "id": row.id,
        "ref": row.ref,
        "ruleset": row.ruleset.code,
        "year": row.year,
        "revision": row.revision,
        "status": row.status,
        "effective_from": row.effective_from.isoformat(),
        "title": row.title,
        "content_hash": row.content_hash,
        "lock_version": row.lock_version,
        "created_by": row.created_by,
        "published_at": row.published_at.isoformat() if row.published_at else None,
        "published_by": row.published_by,
        "publish_note": row.publish_note,
        "retired_at": row.retired_at.isoformat() if row.retired_at else None,
        "retired_by": row.retired_by,
    }


def document(row: RulesetVersionRow) -> dict[str, Any]:
    """The version's content as the loader's document (without ``status``): a fresh copy, free to change."""
    doc = json.loads(row.document)
    assert isinstance(doc, dict)
    return doc


def load_model(row: RulesetVersionRow) -> RulesetVersion:
    """The version as the engine's model; RulesetError lists every problem of an invalid draft."""
    return parse_document({**document(row), "status": row.status}, row.ref)


# The loader's problems of the texts lately loaded or stored, by (sha256 of the text, the status it is read with).
# The loader's verdict is a function of these two alone; a text that ``store_model`` wrote is the canonical JSON of
# a model the loader accepted, which it accepts again (engine.canonical round-trips), so it is known valid at once.
_CHECKED: dict[tuple[str, str], tuple[Problem, ...]] = {}
_CHECKED_MAX = 256  # fingerprints and problem lists only: a few hundred kilobytes at most
_checked_lock = threading.Lock()


def _fingerprint(text: str, status: str) -> tuple[str, str]:
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), status


def _remember(key: tuple[str, str], problems: tuple[Problem, ...]) -> None:
    with _checked_lock:
        if key not in _CHECKED and len(_CHECKED) >= _CHECKED_MAX:
            del _CHECKED[next(iter(_CHECKED))]  # the oldest: dicts keep insertion order
        _CHECKED[key] = problems


def validate(row: RulesetVersionRow) -> list[Problem]:
    """Every problem of the version (empty when it is valid); the loader runs once per stored text and status."""
    key = _fingerprint(row.document, row.status)
    known = _CHECKED.get(key)
    if known is None:
        try:
            load_model(row)
        except RulesetError as exc:
            known = tuple(exc.problems)
        else:
            known = ()
        _remember(key, known)
    return list(known)


def store_model(row: RulesetVersionRow, model: RulesetVersion) -> None:
    """Make ``model`` the content of ``row``: its canonical document and hash, and the title and date lists show."""
    row.document = canonical_json(model)
    _remember(_fingerprint(row.document, model.status), ())
    row.content_hash = model.content_hash
    row.title = model.title
    row.effective_from = model.effective_from


def store_invalid(row: RulesetVersionRow, doc: dict[str, Any]) -> None:
    """Keep a draft that is not valid (one from before drafts had to be) as it is, with a fingerprint of its text."""
    row.document = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    row.content_hash = "sha256:" + hashlib.sha256(row.document.encode("utf-8")).hexdigest()
    if isinstance(doc.get("title"), str) and 0 < len(doc["title"]) <= 300:
        row.title = doc["title"]
    with contextlib.suppress(ValueError):
        row.effective_from = dt.date.fromisoformat(str(doc.get("effective_from")))


def export_model(row: RulesetVersionRow) -> RulesetVersion:
    """The version's content for a file (YAML or workbook); refused for an invalid draft, with its problems."""
    try:
        return load_model(row)
    except RulesetError as exc:
        raise refusal(Refused, "not_valid_export", ref=row.ref, reasons=exc.problems) from None


def export_yaml(row: RulesetVersionRow) -> str:
    """The version as a ruleset file (canonical YAML); refused for an invalid draft, with its problems."""
    return dump_yaml(export_model(row))


@dataclass(frozen=True, slots=True)
class RulesetOverview:
    """A ruleset: how many versions it has, and the references of its published ones (newest first)."""

    code: str
    versions: int
    published: list[str]


def overview(session: Session) -> list[RulesetOverview]:
    """Every ruleset that has a version, by code."""
    counts = session.execute(
        select(Ruleset.code, func.count(RulesetVersionRow.id)).join(RulesetVersionRow).group_by(Ruleset.code)
    )
    return [
        RulesetOverview(code, count, [r.ref for r in list_versions(session, ruleset=code, status="published")])
        for code, count in sorted(counts)
    ]
