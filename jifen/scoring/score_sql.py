"""The SQL of stored scores' chains, built once: the head of a chain, a score by its client's key, the owner of a
score, and a score's INSERT as SQL text per dialect."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import BindTyping, Integer, Table, TextClause, bindparam, literal_column, select, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jifen.store.models import ScoreRow

SCORES = cast(Table, ScoreRow.__table__)  # a mapped class's table is typed as any FromClause
# The current score of an application and year: the last place of its chain (复核 supersedes it).
HEAD = (
    select(SCORES.c.id, SCORES.c.seq)
    .where(SCORES.c.application_ref == bindparam("application_ref"), SCORES.c.year == bindparam("year"))
    .order_by(SCORES.c.seq.desc())
    .limit(1)
)
BY_KEY = select(SCORES).where(
    SCORES.c.client_id == bindparam("client_id"), SCORES.c.idempotency_key == bindparam("key")
)
# A score's INSERT: a first score at place 1; a re-review at the place after the score it supersedes, if that score
# is of the same application and year (no row otherwise). A place or a key already taken is not an error but no
# row inserted (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike; the count of rows says which): no savepoint
# is needed to go on, and no row needs to be sent back.
_FOLLOWED = SCORES.alias("followed")
_FOLLOW_COLUMNS = [c.name for c in SCORES.c if c.name not in ("seq", "facts_erased_on")]
_FIRST_COLUMNS = [*_FOLLOW_COLUMNS, "seq"]
_FOLLOWING = select(
    *[bindparam(name, type_=SCORES.c[name].type) for name in _FOLLOW_COLUMNS],
    _FOLLOWED.c.seq + literal_column("1", Integer),
).where(
    _FOLLOWED.c.id == bindparam("supersedes_id"),
    _FOLLOWED.c.application_ref == bindparam("application_ref"),
    _FOLLOWED.c.year == bindparam("year"),
)
_DIALECTS = (("sqlite", sqlite_insert, sqlite.dialect), ("postgresql", postgresql_insert, psycopg.dialect))


def _prebuilt(statement: Any, dialect: Any) -> TextClause:
    """``statement`` as SQL text of ``dialect``: SQLAlchemy does not cache a dialect's ON CONFLICT insert and would
    compile it for every score; the text is compiled once, and is the same statement the driver prepares."""
    dialect.bind_typing = BindTyping.NONE  # no casts written into the text: the driver types the values
    compiled = statement.compile(dialect=dialect)
    return text(str(compiled)).bindparams(*[bindparam(key, type_=SCORES.c[key].type) for key in compiled.binds])


# per dialect: (a first score, a re-review)
INSERTS = {
    name: (
        _prebuilt(
            insert(SCORES)
            .values({n: bindparam(n, type_=SCORES.c[n].type) for n in _FIRST_COLUMNS})
            .on_conflict_do_nothing(),
            dialect(paramstyle="named"),
        ),
        _prebuilt(
            insert(SCORES).from_select(_FIRST_COLUMNS, _FOLLOWING).on_conflict_do_nothing(),
            dialect(paramstyle="named"),
        ),
    )
    for name, insert, dialect in _DIALECTS
}
OWNER = select(SCORES.c.application_ref, SCORES.c.year).where(SCORES.c.id == bindparam("id"))
