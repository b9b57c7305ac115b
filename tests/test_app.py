"""The application factory: configuration from the environment with working defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from application import create_app
from jifen.config import Config


def test_secret_key_is_generated_once_and_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = create_app().config["SECRET_KEY"]
    assert len(first) == 64
    assert create_app().config["SECRET_KEY"] == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", "postgresql://example/db")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["DATABASE_URL"] == "postgresql+psycopg://example/db"


def test_a_fixed_day_for_training_and_documentation_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("JIFEN_TODAY", raising=False)
    assert not hasattr(Config(), "TODAY")  # unset: the real date
    monkeypatch.setenv("JIFEN_TODAY", "2026-06-01")
    assert Config().TODAY() == dt.date(2026, 6, 1)
    monkeypatch.setenv("JIFEN_TODAY", "2026-13-01")
    with pytest.raises(ValueError, match="JIFEN_TODAY must be a date like 2026-06-01; got '2026-13-01'"):
        Config()


def test_default_database_is_sqlite_under_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert create_app().config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'jifen.db'}"


def test_healthz(app: Any) -> None:
    response = app.test_client().get("/healthz")
    assert response.status_code == 200 and response.json | {"warnings": []} == {
        "status": "ok",
        "database": "ok",
        "warnings": [],
    }  # warnings: see test_calendar_end
