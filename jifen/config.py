"""Configuration from environment variables, with working defaults for a fresh checkout."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _instance_dir() -> Path:
    path = Path(os.environ.get("JIFEN_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(instance: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/secret_key."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32), encoding="ascii")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="ascii").strip()


def _count(name: str, default: int) -> int:
    """A whole number from 1 to 100 from the environment variable ``name``."""
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None
    if not 1 <= value <= 100:
        raise ValueError(f"{name} must be from 1 to 100, not {raw!r}")
    return value


def _seconds(name: str, default: float) -> float:
    """A positive number of seconds from the environment variable ``name``."""
    raw = os.environ.get(name, "")
    try:
        value = float(raw) if raw.strip() else default
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < value < 3600:
        raise ValueError(f"{name} must be more than 0 and less than 3600 seconds, not {raw!r}")
    return value


def database_url(url: str) -> str:
    """Plain ``postgresql://`` URLs use the psycopg (3) driver, the one this project installs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings read when the app is created; every one has a default that works on a fresh machine."""

    def __init__(self) -> None:
        instance = _instance_dir()
        self.INSTANCE_DIR = str(instance)
        self.SECRET_KEY = _secret_key(instance)
        self.DATABASE_URL = database_url(os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'jifen.db'}"))
        # A request waits at most: a free pooled connection or a new one (connect), then the statement (statement,
        # or lock for a lock). With the defaults a request that meets a dead or frozen database answers 503 within
        # about 15 s; /healthz gives up after the health timeout (at least 2 s when it must open a connection).
        self.DB_CONNECT_TIMEOUT = _seconds("JIFEN_DB_CONNECT_TIMEOUT", 3)
        self.DB_STATEMENT_TIMEOUT = _seconds("JIFEN_DB_STATEMENT_TIMEOUT", 10)
        self.DB_LOCK_TIMEOUT = _seconds("JIFEN_DB_LOCK_TIMEOUT", 5)
        self.DB_HEALTH_TIMEOUT = _seconds("JIFEN_DB_HEALTH_TIMEOUT", 2)
        self.RULESETS_DIR = os.environ.get("RULESETS_DIR", str(PROJECT_ROOT / "rulesets"))
        self.JSON_AS_ASCII = False
        # a batch of 1,000 applications is well under 4 MB; anything larger is refused with 413
        self.MAX_CONTENT_LENGTH = int(os.environ.get("JIFEN_MAX_BODY_BYTES", str(8 * 1024 * 1024)))
        # impact analyses: how many run at once (each uses every core), how many one user may have queued or running
        self.IMPACT_RUNNING = _count("JIFEN_IMPACT_RUNNING", 1)
        self.IMPACT_PER_USER = _count("JIFEN_IMPACT_PER_USER", 2)
        # signed statements: the issuer's id in every statement, and the directory of the signing keys
        self.ISSUER = os.environ.get("JIFEN_ISSUER", "").strip() or "cn-zj-tongxiang"
        self.SIGNING_KEY_DIR = os.environ.get("JIFEN_SIGNING_KEY_DIR", "").strip() or str(instance / "signing-keys")
        # personal data: years after the points stopped being valid that their facts are kept (jifen/privacy)
        self.RETENTION_YEARS = _retention_years(os.environ.get("JIFEN_RETENTION_YEARS", ""))
        if os.environ.get("JIFEN_TODAY", "").strip():
            self.TODAY = _fixed_day(os.environ["JIFEN_TODAY"].strip())


def _retention_years(raw: str) -> int:
    """JIFEN_RETENTION_YEARS: a whole number of years from 1 to 100; 5 (the policy's default) when unset."""
    if not raw.strip():
        return 5
    if not raw.strip().isdigit() or not 1 <= int(raw) <= 100:
        raise ValueError(f"JIFEN_RETENTION_YEARS must be a whole number of years from 1 to 100, not {raw!r}")
    return int(raw)


def _fixed_day(text: str) -> Callable[[], dt.date]:
    """JIFEN_TODAY: the day the application's life takes as today (receipts, deadlines, objections, the public
    pages) — for a training instance or a documentation run on a day of the sample years; never in production."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"JIFEN_TODAY must be a date like 2026-06-01; got {text!r}") from None
    return lambda: day


class TestConfig(Config):
    TESTING = True
    # a feed request's `wait` is cut to this many seconds, so that generated requests (schemathesis) never wait
    # 30 seconds on an empty feed; tests of long polling set it higher (the service's own limit: 30)
    FEED_MAX_WAIT = 0.2
