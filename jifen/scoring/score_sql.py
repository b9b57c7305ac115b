"""The SQL of stored scores' chains, built once: the head of a chain, a score by its client's key, the owner of a
score, and a score's INSERT as the driver's SQL text per dialect, run on the driver (``insert_score``)."""

from __future__ import annotations

import contextlib
import re
from typing import Any, cast

from psycopg import Pipeline, postgres
from psycopg import adapt as psycopg_adapt
from psycopg.pq import TransactionStatus
from sqlalchemy import Connection, Dialect, Integer, Table, bindparam, literal_column, select
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.postgresql import psycopg
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jifen.store.models import ScoreRow

IDLE = TransactionStatus.IDLE
# libpq 14 and later (psycopg[binary] brings its own); before, the statements go one by one
PIPELINES = Pipeline.is_supported()
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
# the driver's style of named parameters: sqlite3's :name, psycopg's %(name)s
_DIALECTS = (
    ("sqlite", sqlite_insert, sqlite.dialect, "named"),
    ("postgresql", postgresql_insert, psycopg.dialect, "pyformat"),
)


def _driver_sql(statement: Any, dialect: Any) -> str:
    """``statement`` as the driver's SQL text (named parameters, taken from a dict): SQLAlchemy does not cache a
    dialect's ON CONFLICT insert and would compile it for every score; it is compiled once, here. On PostgreSQL with
    the casts SQLAlchemy writes (``%(year)s::INTEGER``): a re-review's values are also compared in its WHERE, and
    the server must deduce one type for each."""
    return str(statement.compile(dialect=dialect))


# per dialect: (a first score, a re-review), as the driver's SQL text
_INSERTS = {
    name: (
        _driver_sql(
            insert(SCORES)
            .values({n: bindparam(n, type_=SCORES.c[n].type) for n in _FIRST_COLUMNS})
            .on_conflict_do_nothing(),
            dialect(paramstyle=style),
        ),
        _driver_sql(
            insert(SCORES).from_select(_FIRST_COLUMNS, _FOLLOWING).on_conflict_do_nothing(),
            dialect(paramstyle=style),
        ),
    )
    for name, insert, dialect, style in _DIALECTS
}
# The result's JSON goes to the driver as the answer's UTF-8 bytes, not decoded to str and encoded again (~10 KB, a
# fifth of a stored score's extra work on SQLite): sqlite3 binds bytes as a BLOB, which CAST makes the TEXT it reads
# as (SQLite takes a BLOB's bytes as text in the database's encoding, UTF-8); psycopg sends them as text (Utf8Text).
INSERTS = {
    "sqlite": tuple(re.sub(r":result\b", "CAST(:result AS TEXT)", sql) for sql in _INSERTS["sqlite"]),
    "postgresql": _INSERTS["postgresql"],
}


class Utf8Text(bytes):
    """Text already written as UTF-8, sent to PostgreSQL as text (psycopg sends plain bytes as bytea)."""


class _Utf8TextDumper(psycopg_adapt.Dumper):
    oid = postgres.types["text"].oid

    def dump(self, obj: Utf8Text) -> bytes:
        return obj


postgres.adapters.register_dumper(Utf8Text, _Utf8TextDumper)


class _Converters:
    """Per dialect, the columns whose values SQLAlchemy converts before the driver sees them (a date as text on
    SQLite, a Decimal as a float, a timestamp checked and made UTC), with the converter the dialect's type gives."""

    def __init__(self) -> None:
        self._by_dialect: dict[str, tuple[tuple[str, Any], ...]] = {}

    def of(self, dialect: Dialect) -> tuple[tuple[str, Any], ...]:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            processors = ((n, SCORES.c[n].type.dialect_impl(dialect).bind_processor(dialect)) for n in _FIRST_COLUMNS)
            found = self._by_dialect[dialect.name] = tuple((n, p) for n, p in processors if p is not None)
        return found


_converters = _Converters()


def insert_score(connection: Connection, first: bool, row: dict[str, Any]) -> int:
    """Run a score's INSERT (``first``: at place 1; else a re-review's) on the connection's driver, in its
    transaction; the count of rows inserted (1, or 0 when an index turned it away). See ``insert_scores``."""
    return insert_scores(connection, [(first, row)])[0]


def insert_scores(connection: Connection, scores: list[tuple[bool, dict[str, Any]]]) -> list[int]:
    """Run the INSERTs of scores, in order, as ``insert_score`` runs one; the count of rows each inserted.

    The text is the driver's own and the values are converted as SQLAlchemy converts them, without its execution
    layers (compiled-statement lookup, execution context, result object: a third of a stored score's extra work);
    an error of the driver is handled as SQLAlchemy handles it (its ``handle_error`` event, a lost connection
    invalidated), so that outages are still answered 503. On PostgreSQL they are sent in one pipeline, a round trip
    for them all (each statement still runs after the one before, in the same transaction), with BEGIN in front on
    a write connection that has not begun (jifen.store.db.BEGUN_BY_INSERT); an error aborts the rest, as it would
    abort the transaction one by one.
    """
    dialect = connection.dialect
    statements = [_statement(dialect, first, row) for first, row in scores]
    driver = connection.connection.driver_connection
    assert driver is not None
    cursors: list[Any] = []
    sql, parameters = statements[0]
    try:
        postgresql = dialect.name == "postgresql"
        with driver.pipeline() if postgresql and PIPELINES else contextlib.nullcontext():
            if postgresql and driver.autocommit and driver.info.transaction_status == IDLE:
                driver.execute("BEGIN")
            for sql, parameters in statements:
                cursors.append(driver.cursor())
                cursors[-1].execute(sql, parameters)
        return [cursor.rowcount for cursor in cursors]
    except Exception as exc:  # as Connection._execute_context would: the same events, the same wrapped errors
        connection._handle_dbapi_exception(exc, sql, parameters, cursors[-1] if cursors else None, None)
        raise AssertionError("unreachable: SQLAlchemy re-raises") from exc
    finally:
        for cursor in cursors:
            cursor.close()


def _statement(dialect: Dialect, first: bool, row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A score's INSERT for the driver: its SQL text and its values, converted."""
    parameters = dict(row)
    for name, convert in _converters.of(dialect):
        parameters[name] = convert(parameters[name])
    if dialect.name == "postgresql":
        parameters["result"] = Utf8Text(parameters["result"])  # the answer's JSON bytes (see INSERTS)
    return INSERTS[dialect.name][0 if first else 1], parameters


OWNER = select(SCORES.c.application_ref, SCORES.c.year).where(SCORES.c.id == bindparam("id"))
