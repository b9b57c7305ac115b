"""The audit log: who changed what, when, with before and after."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import to_plain
from jifen.store.models import AuditEntry as AuditEntry  # the type of the answers, named here for the faces


def record(
    session: Session,
    actor: str,
    action: str,
    object_type: str,
    *,
    object_id: int | None = None,
    object_ref: str = "",
    before: Any = None,
    after: Any = None,
    note: str | None = None,
) -> AuditEntry:
    """Add an audit entry to the session (committed with the change it describes)."""
    entry = AuditEntry(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_ref=object_ref,
        before=to_plain(before) if before is not None else None,
        after=to_plain(after) if after is not None else None,
        note=note,
    )
    session.add(entry)
    return entry


def last_change(session: Session, object_type: str, object_id: int) -> AuditEntry | None:
    """The latest entry about one object (who changed it last, and when), or None."""
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
