"""A ``verify`` API client and a ``department`` console user each act for one department, named at creation."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from jifen.store.models import ApiClient, User


def test_verify_clients_are_bound_to_a_known_department(runner: Any, seeded: Any, db: Any) -> None:
    created = runner.invoke(args=["api-clients", "create", "hrss", "--scope", "verify", "--department", "人力社保局"])
    assert created.exit_code == 0, created.output
    assert "department 人力社保局" in created.output and created.output.strip().splitlines()[-1].startswith("jf_")
    # one department of a shared catalogue entry ("交通运输局、综合行政执法局") is a department of its own
    shared = runner.invoke(args=["api-clients", "create", "traffic", "--scope", "verify", "--department", "交通运输局"])
    assert shared.exit_code == 0, shared.output
    with db.factory() as s:
        assert s.scalar(select(ApiClient.department).where(ApiClient.name == "hrss")) == "人力社保局"
    unbound = runner.invoke(args=["api-clients", "create", "x1", "--scope", "verify"])
    assert unbound.exit_code == 1 and "no department given" in unbound.output and "人力社保局" in unbound.output
    typo = runner.invoke(args=["api-clients", "create", "x2", "--scope", "verify", "--department", "人社局"])
    assert typo.exit_code == 1 and "unknown department '人社局'" in typo.output
    stray = runner.invoke(args=["api-clients", "create", "x3", "--scope", "apply", "--department", "人力社保局"])
    assert stray.exit_code == 1 and "only a client with the scope 'verify'" in stray.output
    scopes = runner.invoke(args=["api-clients", "create", "x4", "--scope", "apply,publish,read"])
    assert scopes.exit_code == 0, scopes.output


def test_department_users(runner: Any, seeded: Any, db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEW_USER_PASSWORD", "Gong-an-ju-2025")
    created = runner.invoke(args=["users", "create", "police", "--role", "department", "--department", "公安局"])
    assert created.exit_code == 0 and created.output == "created user police (department, 公安局)\n"
    with db.factory() as s:
        assert s.scalar(select(User.department).where(User.username == "police")) == "公安局"
    missing = runner.invoke(args=["users", "create", "police2", "--role", "department"])
    assert missing.exit_code == 1 and "no department given" in missing.output
    stray = runner.invoke(args=["users", "create", "ed2", "--role", "editor", "--department", "公安局"])
    assert stray.exit_code == 1 and "only a user of the role 'department'" in stray.output
