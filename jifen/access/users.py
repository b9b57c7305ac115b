"""Users and their roles; passwords are stored only as salted hashes."""

from __future__ import annotations

import functools
import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from jifen.access import audit, departments
from jifen.errors import Conflict, NotFound, PermissionDenied, Refused
from jifen.messages import Message, refusal, say
from jifen.store.models import ROLES as ROLES
from jifen.store.models import User as User  # the type of the answers, named here for the faces

MIN_PASSWORD_LENGTH = 10
_COMMON_FRAGMENTS = ("password", "passw0rd", "qwerty", "123456", "abcdef", "iloveyou", "admin")
_USERNAME = re.compile(r"[A-Za-z0-9_.\-]{2,64}")


def password_problems(password: str, username: str = "") -> list[Message]:
    """Why a password is too weak (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(say("password_length", length=MIN_PASSWORD_LENGTH))
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if classes < 3:
        problems.append(say("password_kinds"))
    if any(f in password.lower() for f in _COMMON_FRAGMENTS) or len(set(password)) < 5:
        problems.append(say("password_common"))
    if username and username.lower() in password.lower():
        problems.append(say("password_has_name"))
    return problems


def valid_username(name: str) -> bool:
    """Could a user have this name? (2–64 letters, digits, '.', '_' or '-')"""
    return _USERNAME.fullmatch(name) is not None


def create_user(
    session: Session, username: str, role: str, password: str, actor: str = "system", department: str | None = None
) -> User:
    """Create a user; refuses an unknown role, a taken name or a weak password.

    A user of the role ``department`` works for one department, named by ``department``; no other user has one.
    """
    if not valid_username(username):
        raise refusal(Refused, "invalid_user_name", reasons=[say("name_rule")])
    if role not in ROLES:
        raise refusal(Refused, "unknown_role", role=role, reasons=[say("one_of", choices=", ".join(ROLES))])
    if role == "department":
        department = departments.check(session, department)
    elif department is not None:
        raise refusal(Refused, "department_role_only", reasons=[say("use_department_role")])
    problems = password_problems(password, username)
    if problems:
        raise refusal(Refused, "weak_password", reasons=problems)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise refusal(Conflict, "user_exists", name=username)
    user = User(username=username, role=role, password_hash=generate_password_hash(password), department=department)
    session.add(user)
    session.flush()
    after = {"role": role} if department is None else {"role": role, "department": department}
    audit.record(session, actor, "create", "user", object_id=user.id, object_ref=username, after=after)
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise refusal(NotFound, "no_user", name=username)
    return user


@functools.cache
def _nobodys_hash() -> str:
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None.

    An unknown or inactive name costs one password check too, so that the time taken does not tell it apart.
    """
    user = session.scalar(select(User).where(User.username == username)) if valid_username(username) else None
    matches = check_password_hash(user.password_hash if user is not None else _nobodys_hash(), password)
    return user if matches and user is not None and user.active else None


def end_sessions(session: Session, user_id: int) -> None:
    """End every console session of the user: their session cookies carry the epoch this raises."""
    session.execute(update(User).where(User.id == user_id).values(session_epoch=User.session_epoch + 1))


def set_password(session: Session, user: User, password: str, actor: str) -> None:
    """Give ``user`` a new password (refused if weak) and end every session of theirs."""
    problems = password_problems(password, user.username)
    if problems:
        raise refusal(Refused, "weak_password", reasons=problems)
    user.password_hash = generate_password_hash(password)
    end_sessions(session, user.id)
    audit.record(session, actor, "set_password", "user", object_id=user.id, object_ref=user.username)


def set_active(session: Session, user: User, active: bool, actor: str) -> None:
    """Activate or deactivate ``user``; deactivation ends every session of theirs."""
    user.active = active
    if not active:
        end_sessions(session, user.id)
    audit.record(session, actor, "activate" if active else "deactivate", "user", object_id=user.id,
                 object_ref=user.username)  # fmt: skip


def require_role(user: User, *roles: str) -> None:
    """Refuse unless ``user`` is active and has one of ``roles``."""
    if not user.active or user.role not in roles:
        raise refusal(PermissionDenied, "needs_role", user=user.username, role=user.role, roles=" or ".join(roles))


def find_user(session: Session, user_id: int) -> User | None:
    """The user with the database id ``user_id``, or None."""
    return session.get(User, user_id)


def list_users(session: Session) -> list[User]:
    """Every user, by name."""
    return list(session.scalars(select(User).order_by(User.username)))
