"""Typing kept across the end of a console session.

A console form that arrives after its user's session has ended (they logged out in another tab, a new password
ended their sessions, the session expired) would send them to the login page and lose what they typed. Instead
the console keeps the form's fields here for the user the session belonged to, and offers them again after that
user logs in. One kept form per user (a newer one replaces it); kept for a day; only the same user gets it back.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from jifen.store.models import KeptForm

KEEP_FOR = dt.timedelta(days=1)
MAX_FIELDS = 20_000  # the decision table's largest form holds ~1,700; anything beyond is not a console form


def keep(session: Session, user_id: int, path: str, fields: Sequence[tuple[str, str]], now: dt.datetime) -> str | None:
    """Keep ``fields`` (name, value pairs in the order sent) posted to ``path`` for ``user_id``; the token to
    offer them again, or None when there is nothing a console form would send."""
    if not fields or len(fields) > MAX_FIELDS or not path.startswith("/admin/"):
        return None
    session.execute(delete(KeptForm).where(KeptForm.created_at < now - KEEP_FOR))
    token = secrets.token_urlsafe(24)
    values = {"token": token, "user_id": user_id, "path": path, "fields": [list(f) for f in fields], "created_at": now}
    # one upsert: two tabs of one user sending at once each replace the other's, neither fails on the unique user
    insert: Any = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(KeptForm).values(**values)
    session.execute(statement.on_conflict_do_update(index_elements=[KeptForm.user_id], set_=values))
    return token


def find(session: Session, token: str, user_id: int, now: dt.datetime) -> KeptForm | None:
    """The form kept under ``token`` for ``user_id`` (None when it is another user's, used, or too old)."""
    kept = session.scalar(select(KeptForm).where(KeptForm.token == token, KeptForm.user_id == user_id))
    if kept is None or kept.created_at < now - KEEP_FOR:
        return None
    return kept


def discard(session: Session, token: str, user_id: int) -> None:
    """Forget the form kept under ``token`` (sent again, or given up)."""
    session.execute(delete(KeptForm).where(KeptForm.token == token, KeptForm.user_id == user_id))
