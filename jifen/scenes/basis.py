"""A scene's basis: the applications of its year whose current score is published and valid at the cut-off date.

Read from the applications as they stand when the list is drawn (a draft's list at each reading, a published
scene's once, at its publication), each with the head of its score chain (``Application.score_id``):

- voided (the permit suspended or cancelled, §四(四)) → out, whatever the day: the points are void for good;
- the cut-off after 31 December of the year (the score's ``valid_until``) → out, expired;
- not yet scored or scored but not published → out, not published; published after the cut-off → out too;
- under re-review after an objection → out until the re-review publishes its score;
- ineligible (the score's ``eligible`` false: a condition of §二 not met) → out;
- else in, with the current score: after a re-review, the re-reviewed one.

Scores stored through ``POST /scores`` without an application are not published to anyone: they are not in any
basis. Nothing here writes; the caller's session reads.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import orjson
from sqlalchemy import literal_column, select
from sqlalchemy.orm import Session

from jifen.scenes.definition import Definition
from jifen.scenes.ranking import Candidate, Left
from jifen.store.models import Application, RulesetVersionRow, ScoreRow

_BATCH = 5000
ZERO = Decimal(0)


def _part_keys(breakers: tuple[str, ...]) -> list[str]:
    return [k for k in breakers if k.startswith(("category:", "indicator:"))]


def _where(result: dict[str, Any], key: str) -> int | None:
    kind, code = key.split(":", 1)
    codes = [part.get("code") for part in result.get("categories" if kind == "category" else "indicators", ())]
    return codes.index(code) if code in codes else None


def layout(session: Session, breakers: tuple[str, ...], year: int) -> dict[int, list[int | None]]:
    """For each version of ``year`` (its scores are made under them only), where the tie-breakers' parts stand in
    its results (the engine writes every category and indicator of a version, in its order): their index, None for
    a code the version lacks (0 points)."""
    keys = _part_keys(breakers)
    found: dict[int, list[int | None]] = {}
    if not keys:
        return found
    for version_id in session.scalars(select(RulesetVersionRow.id).where(RulesetVersionRow.year == year)):
        sample = session.scalar(select(ScoreRow.result).where(ScoreRow.version_id == version_id).limit(1))
        if sample:
            found[version_id] = [_where(orjson.loads(sample), key) for key in keys]
    return found


def part_column(breakers: tuple[str, ...], places: dict[int, list[int | None]], dialect: str) -> Any:
    """One column holding, as a JSON array, each tie-breaker part's code and points read by the database's own
    JSON functions at its place in the stored result: the result's text (a gigabyte at 100,000 applicants) never
    travels to Python, and each result is parsed once. Codes and indexes come from ``definition`` (letters,
    digits, ``._-``) and the versions' results: they are written into the SQL as literals."""
    keys = _part_keys(breakers)
    if not keys or not places:
        return None
    cases = []
    for version_id, indexes in places.items():
        paths = []
        for key, index in zip(keys, indexes):
            array = "categories" if key.startswith("category:") else "indicators"
            at = 100000 if index is None else index  # past the end: null, as a code the version lacks
            paths += [f"{array},{at},code", f"{array},{at},points"] if dialect == "postgresql" else [
                f"$.{array}[{at}].code", f"$.{array}[{at}].points"]  # fmt: skip
        if dialect == "postgresql":
            items = ", ".join(f"j #> '{{{p}}}'" for p in paths)
            value = f"(SELECT jsonb_build_array({items}) FROM (SELECT CAST(scores.result AS jsonb) AS j) AS x)"
        else:
            value = "json_array(" + ", ".join(f"json_extract(scores.result, '{p}')" for p in paths) + ")"
        cases.append(f"WHEN {int(version_id)} THEN {value}")
    return literal_column(f"(CASE scores.version_id {' '.join(cases)} END)").label("parts")


def parts_of(session: Session, row: Any, breakers: tuple[str, ...]) -> dict[str, Decimal]:
    """The points of the tie-breakers' parts of a row read with ``part_column`` (0 for a part its result lacks)."""
    keys = _part_keys(breakers)
    if not keys:
        return {}
    read = row.parts
    values = orjson.loads(read) if isinstance(read, str | bytes) else read
    found: dict[str, Decimal] = {}
    for n, key in enumerate(keys):
        code, points = (values[2 * n], values[2 * n + 1]) if values else (None, None)
        if code is None and points is None:
            found[key] = Decimal(0)
            continue
        if code != key.split(":", 1)[1]:  # a result laid out otherwise: read it whole (never seen; kept honest)
            return _parts_read_whole(session, row.score_id, keys)
        found[key] = _decimal(points)
    return found


@functools.lru_cache(maxsize=4096)
def _decimal(value: Any) -> Decimal:
    # two decimals at most: the shortest repr of a float read is the exact number written (points repeat: cached)
    return Decimal(0) if value is None else Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _parts_read_whole(session: Session, score_id: str, keys: list[str]) -> dict[str, Decimal]:
    result = orjson.loads(session.scalar(select(ScoreRow.result).where(ScoreRow.id == score_id)) or "{}")
    found = {}
    for key in keys:
        index = _where(result, key)
        array = result["categories" if key.startswith("category:") else "indicators"]
        found[key] = Decimal(0) if index is None else _decimal(array[index].get("points"))
    return found


def sort_keys(breakers: tuple[str, ...], received_on: dt.date, parts: dict[str, Decimal]) -> tuple[Any, ...]:
    """The tie-breakers' values, oriented so that the smaller ranks first (points descending, receipt ascending)."""
    return tuple(received_on.toordinal() if key == "received_on" else -parts.get(key, ZERO) for key in breakers)


def left_out(row: Any, definition: Definition) -> tuple[str, dict[str, Any]] | None:
    """Why an application is not in the basis (outcome, the values its reason names), or None when it is."""
    valid_until = dt.date(definition.year, 12, 31)
    if row.voided_on is not None:
        return "voided", {"on": row.voided_on.isoformat(), "why": row.void_reason}
    if definition.cutoff_date > valid_until:
        return "expired", {"on": valid_until.isoformat()}
    if row.score_id is None or row.state in ("verifying", "scored") or row.published_on is None:
        return "not_published", {}
    if row.published_on > definition.cutoff_date:
        return "published_late", {"on": row.published_on.isoformat()}
    if row.state == "re_reviewing":
        return "re_reviewing", {"on": row.objection_filed_on.isoformat() if row.objection_filed_on else ""}
    if not row.eligible:
        return "ineligible", {}
    return None


def _query(definition: Definition, parts: Any) -> Any:
    columns = [
        Application.application_ref,
        Application.state,
        Application.received_on,
        Application.published_on,
        Application.objection_filed_on,
        Application.voided_on,
        Application.void_reason,
        Application.score_id,
        ScoreRow.total,
        ScoreRow.eligible,
    ]
    return (
        select(*columns, *([] if parts is None else [parts]))
        .outerjoin(ScoreRow, ScoreRow.id == Application.score_id)
        .where(Application.year == definition.year)
    )  # in no order: the ranking orders the basis, and those left out by reference


def read(session: Session, definition: Definition) -> tuple[list[Candidate], list[Left]]:
    """The basis of ``definition`` (its candidates) and the applications of its year left out of it."""
    candidates: list[Candidate] = []
    left: list[Left] = []
    breakers = definition.tie_breakers
    keys_of = key_function(session, breakers)
    cutoff, valid = definition.cutoff_date, definition.cutoff_date <= dt.date(definition.year, 12, 31)
    for row in _rows(session, definition):
        # the common case first, in the row's own order (a hundred thousand times): published by the cut-off, valid
        ref, state, received_on, published_on, _filed, voided_on, _why, score_id, total, eligible = row[:10]
        if (
            valid
            and state == "published"
            and voided_on is None
            and eligible
            and total is not None
            and (published_on is not None and published_on <= cutoff)
        ):
            candidates.append(Candidate(ref, score_id, total, received_on, keys_of(row)))
            continue
        out = left_out(row, definition)
        if out is not None:
            left.append(Left(ref, score_id, total, *out))
        else:
            candidates.append(Candidate(ref, score_id, total, received_on, keys_of(row)))
    return candidates, left


def key_function(session: Session, breakers: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tie-breakers' values of a row read with ``part_column`` (``sort_keys``, made once for every row)."""
    codes = [k.split(":", 1)[1] if ":" in k else None for k in breakers]
    parted = any(code is not None for code in codes)

    def keys_of(row: Any) -> tuple[Any, ...]:
        if not parted:
            return tuple(row.received_on.toordinal() for _ in codes)
        read = row.parts
        values = orjson.loads(read) if isinstance(read, str | bytes) else read
        found: list[Any] = []
        n = 0
        for code in codes:
            if code is None:
                found.append(row.received_on.toordinal())
                continue
            at, points = (values[2 * n], values[2 * n + 1]) if values else (None, None)
            n += 1
            if at is None and points is None:
                found.append(-ZERO)
            elif at != code:  # a result laid out otherwise: read it whole (never seen; kept honest)
                return sort_keys(breakers, row.received_on, parts_of(session, row, breakers))
            else:
                found.append(-_decimal(points))
        return tuple(found)

    return keys_of


def _rows(session: Session, definition: Definition) -> Iterator[Any]:
    places = layout(session, definition.tie_breakers, definition.year)
    parts = part_column(definition.tie_breakers, places, session.get_bind().dialect.name)
    # the Core connection, not the ORM session: plain rows, a fifth of the time at 100,000
    yield from session.connection().execute(_query(definition, parts).execution_options(yield_per=_BATCH))
