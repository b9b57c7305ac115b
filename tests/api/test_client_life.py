"""A department's back office and an intake platform written with a client generated from the live document: the
departments find and complete their tasks through the queue, the intake platform follows every change from the feed
alone — under ``mypy --strict``, against gunicorn, on SQLite and (CI's database pass) PostgreSQL."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from jifen.access import api_clients, departments
from tests.api.test_applications import APPLICANT
from tests.api.test_client import PACKAGE, _run
from tests.servers import call, gunicorn

HERE = Path(__file__).resolve().parent


@pytest.mark.client
def test_departments_and_an_intake_platform_live_on_the_queue_and_the_feed(
    db: Any, seeded: Any, database_url: str, tmp_path: Path
) -> None:
    with db.transaction() as s:
        keys: dict[str, Any] = {
            "intake": api_clients.create_client(s, "intake", ["apply"], "test")[1],
            "bureau": api_clients.create_client(s, "bureau", ["publish"], "test")[1],
            "departments": {
                name: api_clients.create_client(s, f"back-office-{n}", ["verify"], "test", name)[1]
                for n, name in enumerate(departments.known(s))
            },
        }
    env = {"DATABASE_URL": database_url, "JIFEN_INSTANCE_DIR": str(tmp_path / "instance"),
           "JIFEN_TODAY": "2026-03-20"}  # fmt: skip
    work = tmp_path / "client"
    work.mkdir()
    with gunicorn(env) as base:
        document = call(base, "GET", "/api/v1/openapi.json")
        assert document.status == 200
        (work / "openapi.json").write_bytes(document.body)
        (work / "config.yaml").write_text("post_hooks: []\n")
        _run([sys.executable, "-m", "openapi_python_client", "generate", "--path", "openapi.json",
              "--config", "config.yaml", "--meta", "none", "--output-path", PACKAGE], work)  # fmt: skip
        script = (HERE / "client_life_script.py").read_text(encoding="utf-8")
        (work / "script.py").write_text(script, encoding="utf-8")
        _run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "script.py"], work)
        out = _run([sys.executable, "script.py"], work,
                   {"BASE_URL": base, "KEYS": json.dumps(keys), "FACTS": json.dumps(APPLICANT)})  # fmt: skip
    assert out.startswith("client life script: ok"), out
