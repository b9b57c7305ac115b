"""Users and their roles; passwords are stored only as salted hashes."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from jifen.errors import Conflict, NotFound, PermissionDenied, Refused
from jifen.models import ROLES, User
from jifen.services import audit

MIN_PASSWORD_LENGTH = 10
_COMMON_FRAGMENTS = ("password", "passw0rd", "qwerty", "123456", "abcdef", "iloveyou", "admin")
_USERNAME = re.compile(r"[A-Za-z0-9_.\-]{2,64}")


def password_problems(password: str, username: str = "") -> list[str]:
    """Why a password is too weak (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"at least {MIN_PASSWORD_LENGTH} characters")
    classes = sum(bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^A-Za-z0-9]"))
    if classes < 3:
        problems.append("at least three of: lowercase letters, uppercase letters, digits, other characters")
    if any(f in password.lower() for f in _COMMON_FRAGMENTS) or len(set(password)) < 5:
        problems.append("not a common or repetitive password")
    if username and username.lower() in password.lower():
        problems.append("must not contain the user name")
    return problems


def create_user(session: Session, username: str, role: str, password: str, actor: str = "system") -> User:
    """Create a user; refuses an unknown role, a taken name or a weak password."""
    if not _USERNAME.fullmatch(username):
        raise Refused("invalid user name", ["2–64 letters, digits, '.', '_' or '-'"])
    if role not in ROLES:
        raise Refused(f"unknown role {role!r}", [f"one of: {', '.join(ROLES)}"])
    problems = password_problems(password, username)
    if problems:
        raise Refused("password too weak", problems)
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} already exists")
    user = User(username=username, role=role, password_hash=generate_password_hash(password))
    session.add(user)
    session.flush()
    audit.record(session, actor, "create", "user", object_id=user.id, object_ref=username, after={"role": role})
    return user


def get_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, or None."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active or not check_password_hash(user.password_hash, password):
        return None
    return user


def require_role(user: User, *roles: str) -> None:
    """Refuse unless ``user`` is active and has one of ``roles``."""
    if not user.active or user.role not in roles:
        raise PermissionDenied(f"{user.username} ({user.role}) may not do this: needs the role {' or '.join(roles)}")
