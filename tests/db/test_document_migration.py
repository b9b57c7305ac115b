"""Migration 0008 moves every version's content rows into its document, keeping every content hash.

The rows in data/content_0007.json were written by the code before 0008 (tongxiang 2025/1 and 2026/1 imported
from rulesets/, a 2027 draft edited row by row, a draft left invalid, a revision published then retired).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, inspect, text
from sqlalchemy.exc import DatabaseError

from engine import load_file, parse_document
from jifen.store.db import make_engine
from jifen.store.migrate import upgrade
from tests.conftest import RULESETS

ROWS = json.loads((Path(__file__).parent / "data" / "content_0007.json").read_text(encoding="utf-8"))
CONTENT_TABLES = ("fact_fields", "requirements", "categories", "indicators", "items", "condition_nodes", "test_cases")


def _value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        kind, raw = next(iter(value.items()))
        if kind == "decimal":
            return Decimal(raw)
        if kind == "date":
            return dt.date.fromisoformat(raw)
        if kind == "datetime":
            return dt.datetime.fromisoformat(raw)
    return value


@pytest.fixture
def at_0007(database_at: Any, tmp_path: Path) -> Iterator[str]:
    """A database at migration 0007: a file, or a schema of its own on PostgreSQL."""
    with database_at("0007", tmp_path) as url:
        yield url


def _load(url: str, tamper: Any = None) -> dict[str, tuple[str, str]]:
    """Write the fixture's rows as the old code did (content first, then the status); returns {ref: (status, hash)}."""
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    rows = {table: [{k: _value(v) for k, v in row.items()} for row in found] for table, found in ROWS.items()}
    if tamper is not None:
        tamper(rows)
    with engine.begin() as conn:
        conn.execute(meta.tables["rulesets"].insert(), rows["rulesets"])
        conn.execute(
            meta.tables["ruleset_versions"].insert(), [{**r, "status": "draft"} for r in rows["ruleset_versions"]]
        )
        nodes = sorted(rows["condition_nodes"], key=lambda n: (n["parent_id"] is not None, n["id"]))
        for table in ("fact_fields", "requirements", "categories", "indicators", "items", "test_cases"):
            conn.execute(meta.tables[table].insert(), rows[table])
        for node in nodes:  # parents before children
            conn.execute(meta.tables["condition_nodes"].insert(), node)
        versions = meta.tables["ruleset_versions"]
        for row in rows["ruleset_versions"]:
            for status in ("published", "retired") if row["status"] == "retired" else (row["status"],):
                conn.execute(versions.update().where(versions.c.id == row["id"]).values(status=status))
    engine.dispose()
    return {f"{r['year']}/{r['revision']}": (r["status"], r["content_hash"]) for r in ROWS["ruleset_versions"]}


def _versions(url: str) -> dict[str, dict[str, Any]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT year, revision, status, content_hash, document FROM ruleset_versions")).all()
    engine.dispose()
    return {f"{y}/{r}": {"status": s, "hash": h, "document": d} for y, r, s, h, d in found}


# The snapshot was taken before the 2026 sample listed the proof materials of its items (and said so in its
# description): its 2026/1 is the file as it was then.
_AT_SNAPSHOT = {"2026/1": "sha256:fb4ac99b2bfb2871ee4dfceab41f4e67f20698c0745e77e466205910f0d7be3e"}


def test_every_hash_is_kept_and_the_content_tables_go(at_0007: str) -> None:
    before = _load(at_0007)
    upgrade(at_0007, "0008")
    after = _versions(at_0007)
    assert {ref: (v["status"], v["hash"]) for ref, v in after.items()} == before
    files = {f"{v.year}/{v.revision}": v.content_hash for v in map(load_file, sorted(RULESETS.glob("*.yaml")))}
    for ref, version in after.items():
        doc = json.loads(version["document"])
        assert "status" not in doc and f"{doc['year']}/{doc['revision']}" == ref
        if ref == "2025/2":  # the draft that was invalid stays as it was, with its fingerprint
            continue
        model = parse_document({**doc, "status": version["status"]}, ref)
        assert model.content_hash == version["hash"]
        assert "sha256:" + hashlib.sha256(version["document"].encode()).hexdigest() == version["hash"]
        if ref in files:
            assert version["hash"] == _AT_SNAPSHOT.get(ref, files[ref])
    invalid = json.loads(after["2025/2"]["document"])
    assert invalid["indicators"][0]["items"][0]["when"]["field"] == "agee"
    engine = make_engine(at_0007)
    tables = set(inspect(engine).get_table_names())
    columns = {c["name"] for c in inspect(engine).get_columns("ruleset_versions")}
    engine.dispose()
    assert tables.isdisjoint(CONTENT_TABLES)
    assert {"document", "retire_note"} <= columns and columns.isdisjoint({"legal_basis", "description", "sample"})


def test_the_documents_of_published_and_retired_versions_are_frozen(at_0007: str) -> None:
    _load(at_0007)
    upgrade(at_0007, "0008")
    engine = make_engine(at_0007)
    for ref in ("2026/1", "2026/2"):
        year, revision = ref.split("/")
        with pytest.raises(DatabaseError, match="published or retired"), engine.begin() as conn:
            conn.execute(
                text("UPDATE ruleset_versions SET document = '{}' WHERE year = :y AND revision = :r"),
                {"y": int(year), "r": int(revision)},
            )
    with engine.begin() as conn:  # a draft's may change
        conn.execute(text("UPDATE ruleset_versions SET title = 'x' WHERE year = 2027"))
    engine.dispose()


def test_a_hash_that_does_not_come_back_stops_the_migration(at_0007: str) -> None:
    def relabel(rows: dict[str, list[dict[str, Any]]]) -> None:
        rows["items"][0]["label"] = "改过的名称"  # an item of 2025/1, whose stored hash no longer covers it

    _load(at_0007, relabel)
    with pytest.raises(Exception, match="no longer gives"):
        upgrade(at_0007, "0008")
    engine = make_engine(at_0007)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0007"
        assert conn.scalar(text("SELECT count(*) FROM items")) == len(ROWS["items"])
    engine.dispose()


def test_the_downgrade_refuses(at_0007: str) -> None:
    from alembic import command

    from jifen.store.migrate import alembic_config

    upgrade(at_0007, "0008")
    with pytest.raises(NotImplementedError, match="one-way"):
        command.downgrade(alembic_config(at_0007), "0007")
