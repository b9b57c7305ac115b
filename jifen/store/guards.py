"""The flush guard: no code path through the ORM can change a published or retired version.

The database enforces the same rule with triggers (see the migrations), so that plain SQL cannot either;
this guard gives the clearer error before any SQL is sent.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, sessionmaker

from jifen.errors import ImmutableRecord, ImmutableVersion
from jifen.store.models import RulesetVersionRow, ScoreRow

# What may change when a published version is retired: nothing of its content (the document, its hash, its title
# and date), nothing of its publication.
RETIRE_COLUMNS = frozenset({"status", "retired_at", "retired_by", "retire_note", "lock_version", "updated_at"})


def _old_status(row: RulesetVersionRow) -> str | None:
    history = inspect(row).attrs.status.history
    return history.deleted[0] if history.deleted else row.status


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
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, ScoreRow):
            if obj in session.deleted or session.is_modified(obj):
                raise ImmutableRecord(f"stored score {obj.id} cannot change: score again to correct it (复核)")
        elif isinstance(obj, RulesetVersionRow) and (obj in session.deleted or session.is_modified(obj)):
            _check_version_row(obj, obj in session.deleted)


def install(factory: sessionmaker[Session]) -> None:
    """Attach the guard to every session the factory makes."""
    event.listen(factory, "before_flush", _before_flush)
