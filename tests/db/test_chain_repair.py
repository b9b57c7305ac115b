"""Migration 0005 joins re-review chains that concurrent writers had forked, deterministically."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from jifen.store.db import make_engine
from jifen.store.migrate import upgrade
from tests.conftest import ROOT

_spec = importlib.util.spec_from_file_location("m0005", ROOT / "migrations" / "versions" / "0005_score_chains.py")
assert _spec is not None and _spec.loader is not None
m0005 = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(m0005)

T0 = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_a_linear_chain_is_kept() -> None:
    rows = [("c", "A", 2026, _at(2), "b"), ("a", "A", 2026, _at(0), None), ("b", "A", 2026, _at(1), "a")]
    assert m0005.repaired_chains(rows) == {"a": (1, None), "b": (2, "a"), "c": (3, "b")}


def test_forked_segments_are_joined_in_order_of_their_first_score() -> None:
    # two roots written at once (x first by its clock), each re-reviewed once; and another application alone
    rows = [
        ("x", "A", 2026, _at(0), None),
        ("y", "A", 2026, _at(0), None),
        ("x2", "A", 2026, _at(5), "x"),
        ("y2", "A", 2026, _at(3), "y"),
        ("z", "B", 2026, _at(0), None),
        ("a25", "A", 2025, _at(0), None),
    ]
    assert m0005.repaired_chains(rows) == {
        "x": (1, None),
        "x2": (2, "x"),
        "y": (3, "x2"),  # same creation time as x: the id decides
        "y2": (4, "y"),
        "z": (1, None),
        "a25": (1, None),
    }
    # the outcome does not depend on the order the rows are read in
    assert m0005.repaired_chains(list(reversed(rows))) == m0005.repaired_chains(rows)


@pytest.fixture
def old_schema_url(database_at: Any, tmp_path: Path) -> Iterator[str]:
    """A database at migration 0004 (before chains had places): a file, or a schema of its own on PostgreSQL."""
    with database_at("0004", tmp_path) as url:
        yield url


def test_upgrade_repairs_forked_chains(old_schema_url: str) -> None:
    engine = make_engine(old_schema_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO rulesets (id, code) VALUES (1, 'tongxiang')"))
        conn.execute(
            text(
                "INSERT INTO ruleset_versions (id, ruleset_id, year, revision, status, effective_from, title, "
                "legal_basis, description, sample, content_hash, lock_version, created_at, created_by, updated_at) "
                "VALUES (1, 1, 2026, 1, 'draft', '2026-01-01', 't', '', '', true, 'sha256:x', 1, :t, 'test', :t)"
            ),
            {"t": T0},
        )
        for score_id, ref, minutes, supersedes in [
            ("00000000-0000-0000-0000-00000000000b", "A", 0, None),
            ("00000000-0000-0000-0000-00000000000a", "A", 0, None),
            ("00000000-0000-0000-0000-0000000000a2", "A", 1, "00000000-0000-0000-0000-00000000000a"),
            ("00000000-0000-0000-0000-0000000000c1", "C", 2, None),
        ]:
            conn.execute(
                text(
                    "INSERT INTO scores (id, application_ref, year, as_of, version_id, content_hash, facts, derived, "
                    "result, total, eligible, client_name, supersedes_id, created_at) VALUES "
                    "(:id, :ref, 2026, '2026-03-01', 1, 'sha256:x', '{}', '{}', '{}', 0, true, 'test', :sup, :at)"
                ),
                {"id": score_id, "ref": ref, "sup": supersedes, "at": _at(minutes)},
            )
    engine.dispose()
    upgrade(old_schema_url, "0005")
    engine = make_engine(old_schema_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, application_ref, seq, supersedes_id FROM scores ORDER BY 2, 3")).all()
        audit = conn.execute(text("SELECT action, object_ref, before, after FROM audit_log")).all()
        duplicate = conn.execute(
            text("SELECT count(*) FROM scores WHERE application_ref = 'A' GROUP BY seq HAVING count(*) > 1")
        ).all()
    engine.dispose()
    assert [(r[0][-2:], r[1], r[2], r[3] and r[3][-2:]) for r in rows] == [
        ("0a", "A", 1, None),
        ("a2", "A", 2, "0a"),
        ("0b", "A", 3, "a2"),
        ("c1", "C", 1, None),
    ]
    assert duplicate == []
    assert len(audit) == 1 and audit[0][:2] == ("repair_chain", "A/2026")
    before, after = (json.loads(v) if isinstance(v, str) else v for v in audit[0][2:])
    assert before == {"00000000-0000-0000-0000-00000000000b": None}
    assert after == {"00000000-0000-0000-0000-00000000000b": "00000000-0000-0000-0000-0000000000a2"}


def test_the_chain_index_refuses_a_second_root(seeded: Any, db: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    insert = text(
        "INSERT INTO scores (id, application_ref, year, as_of, version_id, content_hash, facts, derived, result, "
        "total, eligible, client_name, seq, created_at) VALUES (:id, 'A', 2026, '2026-03-01', "
        "(SELECT min(id) FROM ruleset_versions), 'h', '{}', '{}', '{}', 0, true, 't', 1, :at)"
    )
    with db.transaction() as s:
        s.execute(insert, {"id": "root-1", "at": T0})
    with pytest.raises(IntegrityError, match=r"seq|uq_scores_chain"), db.transaction() as s:
        s.execute(insert, {"id": "root-2", "at": T0})
