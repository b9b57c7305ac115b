"""A version's content as one canonical document; the seven content tables go

Each version's content moves from the rows of ``fact_fields``, ``requirements``, ``categories``,
``indicators``, ``items``, ``condition_nodes`` and ``test_cases`` into ``ruleset_versions.document``: the
canonical JSON that the content hash covers (``engine.canonical.canonical_json``, without the lifecycle
``status``). The migration fails, changing nothing, unless every version's document gives back exactly the
content hash it had. ``legal_basis``, ``description`` and ``sample`` live only in the document from now on;
``title`` and ``effective_from`` stay as columns for lists and for choosing the version in force, and are
frozen with the document. ``retire_note`` keeps the reason a version was retired.

The triggers that kept published content rows unchanged go with their tables; the version trigger now
freezes the document too (both databases), and TRUNCATE of ``ruleset_versions`` stays refused on PostgreSQL
while a published version exists (0005).

One-way: the downgrade refuses. Take a backup before upgrading (``pg_dump``, or a copy of the SQLite file).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTENT_TABLES = ("condition_nodes", "items", "indicators", "requirements", "categories", "fact_fields", "test_cases")
# Columns that retiring a published version may not change (status, retired_*, retire_note, lock_version and
# updated_at may); a draft may change anything.
FROZEN_VERSION_COLUMNS = (
    "ruleset_id", "year", "revision", "effective_from", "title", "document", "content_hash", "cloned_from_id",
    "created_at", "created_by", "published_at", "published_by", "publish_note",
)  # fmt: skip
OLD_FROZEN_VERSION_COLUMNS = (
    "ruleset_id", "year", "revision", "effective_from", "title", "legal_basis", "description", "sample",
    "content_hash", "cloned_from_id", "created_at", "created_by", "published_at", "published_by", "publish_note",
)  # fmt: skip
MESSAGE = "ruleset version is published or retired: its content cannot change"


class HashMismatch(RuntimeError):
    """A version's document would not give back its content hash: nothing is migrated."""


# -- the old rows, read as they were written (jifen/rows.py before this migration) ----------------------------

_num_type = sa.Numeric(14, 2, asdecimal=True)
versions_t = sa.table(
    "ruleset_versions",
    *(sa.column(c) for c in ("id", "ruleset_id", "year", "revision", "status", "title", "legal_basis", "description")),
    sa.column("effective_from", sa.Date()),
    sa.column("sample", sa.Boolean()),
    sa.column("content_hash"),
    sa.column("document", sa.Text()),
)
rulesets_t = sa.table("rulesets", sa.column("id"), sa.column("code"))
facts_t = sa.table(
    "fact_fields",
    *(sa.column(c) for c in ("id", "version_id", "position", "name", "type", "label", "required", "department")),
    *(sa.column(c) for c in ("derived_function", "derived_source", "derived_at", "description")),
    sa.column("values", sa.JSON()),
    sa.column("value_labels", sa.JSON()),
    sa.column("min", _num_type),
    sa.column("max", _num_type),
)
requirements_t = sa.table("requirements", *(sa.column(c) for c in ("id", "version_id", "position", "code", "reason")))
categories_t = sa.table(
    "categories",
    *(sa.column(c) for c in ("id", "version_id", "position", "code", "name", "kind")),
    sa.column("cap", _num_type),
)
indicators_t = sa.table(
    "indicators",
    *(sa.column(c) for c in ("id", "version_id", "position", "code", "name", "category", "reference")),
    sa.column("cap", _num_type),
    sa.column("departments", sa.JSON()),
)
items_t = sa.table(
    "items",
    *(sa.column(c) for c in ("id", "version_id", "indicator_id", "position", "code", "label", "points_kind")),
    *(sa.column(c) for c in ("unit_field", "group_code", "reference")),
    *(sa.column(c, _num_type) for c in ("fixed_points", "rate", "unit", "offset", "cap")),
)
nodes_t = sa.table(
    "condition_nodes",
    *(sa.column(c) for c in ("id", "version_id", "position", "item_id", "requirement_id", "parent_id", "kind")),
    *(sa.column(c) for c in ("field", "op")),
    sa.column("value", sa.JSON()),
)
cases_t = sa.table(
    "test_cases",
    *(sa.column(c) for c in ("id", "version_id", "position", "name")),
    sa.column("as_of", sa.Date()),
    sa.column("facts", sa.JSON()),
    sa.column("expected", sa.JSON()),
)


def _plain(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _put(doc: dict[str, Any], key: str, value: Any) -> None:
    if value is not None and value != "" and value != []:
        doc[key] = value


def _rows(bind: sa.Connection, table: Any) -> dict[int, list[Any]]:
    by_version: dict[int, list[Any]] = defaultdict(list)
    for row in bind.execute(sa.select(table).order_by(table.c.version_id, table.c.position, table.c.id)).mappings():
        by_version[row["version_id"]].append(row)
    return by_version


def old_documents(bind: sa.Connection) -> dict[int, dict[str, Any]]:
    """Every version's content as the loader's document, from the content rows (dates as ISO text)."""
    codes = {r.id: r.code for r in bind.execute(sa.select(rulesets_t))}
    facts, reqs, cats, inds, items, nodes, cases = (
        _rows(bind, t) for t in (facts_t, requirements_t, categories_t, indicators_t, items_t, nodes_t, cases_t)
    )
    children: dict[int | None, list[Any]] = defaultdict(list)
    roots: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for version_nodes in nodes.values():
        for node in version_nodes:
            if node["parent_id"] is not None:
                children[node["parent_id"]].append(node)
            elif node["item_id"] is not None:
                roots[("item", node["item_id"])].append(node)
            elif node["requirement_id"] is not None:
                roots[("requirement", node["requirement_id"])].append(node)

    def condition(node: Any) -> dict[str, Any]:
        if node["kind"] in ("all", "any"):
            return {node["kind"]: [condition(child) for child in children[node["id"]]]}
        clause: dict[str, Any] = {"field": node["field"], "op": node["op"]}
        if node["op"] not in ("exists", "not_exists"):
            clause["value"] = node["value"]
        return clause

    def when(key: tuple[str, int]) -> dict[str, Any] | None:
        found = roots.get(key, [])
        if not found:
            return None
        return condition(found[0]) if len(found) == 1 else {"all": [condition(n) for n in found]}

    items_of: dict[int, list[Any]] = defaultdict(list)
    for version_items in items.values():
        for item in version_items:
            items_of[item["indicator_id"]].append(item)
    documents = {}
    for v in bind.execute(sa.select(versions_t)).mappings():
        vid = v["id"]
        doc: dict[str, Any] = {
            "ruleset": codes[v["ruleset_id"]], "year": v["year"], "revision": v["revision"],
            "effective_from": v["effective_from"].isoformat(), "title": v["title"],
        }  # fmt: skip
        if v["sample"]:
            doc["sample"] = True
        _put(doc, "legal_basis", v["legal_basis"])
        _put(doc, "description", v["description"])
        doc["facts"] = []
        for f in facts[vid]:
            field: dict[str, Any] = {"name": f["name"], "type": f["type"], "label": f["label"]}
            if f["required"]:
                field["required"] = True
            _put(field, "values", f["values"])
            _put(field, "value_labels", f["value_labels"])
            _put(field, "min", _plain(f["min"]))
            _put(field, "max", _plain(f["max"]))
            if f["derived_function"]:
                field["derived"] = {
                    "function": f["derived_function"],
                    "source": f["derived_source"],
                    "at": f["derived_at"],
                }
            _put(field, "department", f["department"])
            _put(field, "description", f["description"])
            doc["facts"].append(field)
        doc["eligibility"] = [
            {"code": r["code"], "when": when(("requirement", r["id"])), "reason": r["reason"]} for r in reqs[vid]
        ]
        doc["categories"] = []
        for c in cats[vid]:
            category: dict[str, Any] = {"code": c["code"], "name": c["name"], "kind": c["kind"]}
            _put(category, "cap", _plain(c["cap"]))
            doc["categories"].append(category)
        doc["indicators"] = []
        for ind in inds[vid]:
            indicator: dict[str, Any] = {"code": ind["code"], "name": ind["name"], "category": ind["category"]}
            _put(indicator, "cap", _plain(ind["cap"]))
            indicator["departments"] = list(ind["departments"] or [])
            indicator["reference"] = ind["reference"]
            indicator["items"] = []
            for it in items_of[ind["id"]]:
                out: dict[str, Any] = {"code": it["code"], "label": it["label"]}
                _put(out, "when", when(("item", it["id"])))
                if it["points_kind"] == "fixed":
                    out["fixed"] = _plain(it["fixed_points"])
                else:
                    rule: dict[str, Any] = {"field": it["unit_field"], "rate": _plain(it["rate"])}
                    if it["unit"] is not None and it["unit"] != 1:
                        rule["unit"] = _plain(it["unit"])
                    if it["offset"] is not None and it["offset"] != 0:
                        rule["offset"] = _plain(it["offset"])
                    out["per_unit"] = rule
                _put(out, "cap", _plain(it["cap"]))
                _put(out, "group", it["group_code"])
                _put(out, "reference", it["reference"])
                indicator["items"].append(out)
            doc["indicators"].append(indicator)
        doc["cases"] = []
        for case in cases[vid]:
            entry: dict[str, Any] = {"name": case["name"]}
            _put(entry, "as_of", case["as_of"].isoformat() if case["as_of"] else None)
            entry["facts"] = dict(case["facts"] or {})
            entry["expected"] = dict(case["expected"] or {})
            doc["cases"].append(entry)
        documents[vid] = doc
    return documents


def _sha(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_text(doc: dict[str, Any], status: str, stored_hash: str) -> str:
    """The text to store for a version's document, proven to give back ``stored_hash``; HashMismatch otherwise.

    A valid version is stored in the canonical form the content hash covers (read with the engine's loader). A
    draft that was not valid had a fingerprint of its raw document (``json.dumps(doc, sort_keys=True, …)``);
    its document is kept as it is, and its hash with it.
    """
    from engine import RulesetError, canonical_json, parse_document

    try:
        model = parse_document({**doc, "status": status}, f"{doc['ruleset']}/{doc['year']}/{doc['revision']}")
    except RulesetError:
        model = None
    if model is not None:
        text = canonical_json(model)
        if _sha(text) == stored_hash:
            return text
    compact = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if _sha(compact) == stored_hash:  # the canonical form already, though today's loader refuses it
        return compact
    # the fingerprint of an invalid draft covered its whole raw document, status included
    fingerprint = json.dumps({**doc, "status": status}, sort_keys=True, ensure_ascii=False, default=str)
    if status == "draft" and _sha(fingerprint) == stored_hash:
        return compact
    raise HashMismatch(
        f"{doc['ruleset']}/{doc['year']}/{doc['revision']} ({status}): its content no longer gives {stored_hash}; "
        "nothing was migrated"
    )


# -- triggers -------------------------------------------------------------------------------------------------


def _sqlite_version_trigger(columns: Sequence[str]) -> None:
    same = " AND ".join(f"NEW.{c} IS OLD.{c}" for c in columns)
    op.execute(
        "CREATE TRIGGER ruleset_versions_frozen_update BEFORE UPDATE ON ruleset_versions "
        f"WHEN OLD.status <> 'draft' AND NOT (OLD.status = 'published' AND NEW.status = 'retired' AND {same}) "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
    )


def _postgresql_version_function(columns: Sequence[str]) -> None:
    same = " AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in columns)
    op.execute(
        f"""
        CREATE OR REPLACE FUNCTION jifen_frozen_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF OLD.status = 'draft' THEN
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END IF;
            IF TG_OP = 'UPDATE' AND OLD.status = 'published' AND NEW.status = 'retired' AND {same} THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
        END $$;
        """
    )


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # the old version trigger refuses any change to a published row: lifted while the documents are written
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS ruleset_versions_frozen_update")
    else:
        op.execute("ALTER TABLE ruleset_versions DISABLE TRIGGER ruleset_versions_frozen")
    # NOT NULL from the start: SQLite cannot add it later without copying the table, which its self-reference
    # forbids; every row gets its document below.
    op.add_column("ruleset_versions", sa.Column("document", sa.Text(), nullable=False, server_default=""))
    op.add_column("ruleset_versions", sa.Column("retire_note", sa.Text(), nullable=True))
    statuses = {r.id: (r.status, r.content_hash) for r in bind.execute(sa.select(versions_t))}
    for vid, doc in old_documents(bind).items():
        status, stored_hash = statuses[vid]
        text = document_text(doc, status, stored_hash)
        bind.execute(sa.update(versions_t).where(versions_t.c.id == vid).values(document=text))
    if not sqlite:
        op.alter_column("ruleset_versions", "document", server_default=None)
    for table in CONTENT_TABLES:
        if sqlite:  # SQLite's DROP TABLE deletes the rows first, which the row triggers would refuse
            for when in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_frozen_{when}")
        op.drop_table(table)  # on PostgreSQL its triggers go with it
    for column in ("legal_basis", "description", "sample"):
        # plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): copying the table would trip its self-reference
        op.execute(f"ALTER TABLE ruleset_versions DROP COLUMN {column}")
    if sqlite:
        _sqlite_version_trigger(FROZEN_VERSION_COLUMNS)
        return
    op.execute("DROP FUNCTION IF EXISTS jifen_frozen_content()")
    _postgresql_version_function(FROZEN_VERSION_COLUMNS)
    op.execute("ALTER TABLE ruleset_versions ENABLE TRIGGER ruleset_versions_frozen")


def downgrade() -> None:
    raise NotImplementedError(
        "0008 is one-way: the content tables are gone and every version's content is its document; "
        "restore the backup taken before upgrading"
    )
