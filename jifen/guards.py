"""The flush guard: no code path through the ORM can change a published or retired version.

The database enforces the same rule with triggers (see the migrations), so that plain SQL cannot either;
this guard gives the clearer error before any SQL is sent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session, sessionmaker

from jifen.errors import ImmutableRecord, ImmutableVersion
from jifen.models import RulesetVersionRow, ScoreRow, _VersionContent

# What may change when a published version is retired: nothing of its content.
RETIRE_COLUMNS = frozenset({"status", "retired_at", "retired_by", "lock_version", "updated_at"})


def _old_status(row: RulesetVersionRow) -> str | None:
    history = inspect(row).attrs.status.history
    return history.deleted[0] if history.deleted else row.status


def _status_of(session: Session, version_id: int | None, cache: dict[int, str | None]) -> str | None:
    if version_id is None:
        return None
    if version_id not in cache:
        for obj in session.identity_map.values():
            if isinstance(obj, RulesetVersionRow) and obj.id == version_id:
                cache[version_id] = _old_status(obj) if obj in session.dirty else obj.status
                break
        else:
            with session.no_autoflush:
                cache[version_id] = session.execute(
                    select(RulesetVersionRow.status).where(RulesetVersionRow.id == version_id)
                ).scalar_one_or_none()
    return cache[version_id]


def _check_version_row(row: RulesetVersionRow, deleted: bool) -> None:
    old = _old_status(row)
    if old == "draft" or old is None:
        return
    if deleted:
        raise ImmutableVersion(f"version {row.year}/{row.revision} is {old}: it cannot be deleted")
    state = inspect(row)
    changed = {attr.key for attr in state.attrs if attr.history.has_changes()}
    allowed = old == "published" and row.status == "retired"
    if not allowed or changed - RETIRE_COLUMNS:
        what = ", ".join(sorted(changed - RETIRE_COLUMNS)) or "status"
        raise ImmutableVersion(f"version {row.year}/{row.revision} is {old}: {what} cannot change")


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    statuses: dict[int, str | None] = {}
    for obj in list(session.dirty) + list(session.deleted) + list(session.new):
        if isinstance(obj, ScoreRow) and obj not in session.new:
            if obj in session.deleted or session.is_modified(obj):
                raise ImmutableRecord(f"stored score {obj.id} cannot change: score again to correct it (复核)")
            continue
        if isinstance(obj, RulesetVersionRow):
            if obj not in session.new:
                _check_version_row(obj, obj in session.deleted)
            continue
        if not isinstance(obj, _VersionContent):
            continue
        if obj in session.dirty and not session.is_modified(obj):
            continue
        ids = {obj.version_id}
        committed = inspect(obj).attrs.version_id.history.deleted
        ids.update(committed)
        for version_id in ids:
            status = _status_of(session, version_id, statuses)
            if status not in (None, "draft"):
                raise ImmutableVersion(
                    f"{type(obj).__name__} belongs to a {status} version (id {version_id}): published and retired "
                    "versions cannot change"
                )


def install(factory: sessionmaker[Session]) -> None:
    """Attach the guard to every session the factory makes."""
    event.listen(factory, "before_flush", _before_flush)
