"""A client generated from the live document (openapi-python-client) is used as an integrator would: typed facts
in, typed results out, no hand-written bridging, checked by ``mypy --strict`` and run against gunicorn."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from jifen.access import api_clients
from tests.servers import call, gunicorn

HERE = Path(__file__).resolve().parent
PACKAGE = "jifen_scoring_api_client"  # from the document's ASCII title, "jifen scoring API"


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    import os

    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})  # fmt: skip
    assert done.returncode == 0, f"{' '.join(command)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.client
def test_a_generated_client_scores_typed(db: Any, seeded: Any, database_url: str, tmp_path: Path) -> None:
    with db.transaction() as s:
        key = api_clients.create_client(s, "generated-client", ["score", "read"], "test")[1]
        intake = api_clients.create_client(s, "generated-intake", ["apply"], "test")[1]
    access_log = tmp_path / "access.log"
    # the application's life on a fixed day of the sample year (its deadlines inside the holiday calendar)
    env = {"DATABASE_URL": database_url, "JIFEN_INSTANCE_DIR": str(tmp_path / "instance"), "JIFEN_TODAY": "2026-03-16",
           "JIFEN_ACCESS_LOG": str(access_log)}  # fmt: skip
    work = tmp_path / "client"
    work.mkdir()
    with gunicorn(env) as base:
        document = call(base, "GET", "/api/v1/openapi.json")
        assert document.status == 200
        (work / "openapi.json").write_bytes(document.body)
        (work / "config.yaml").write_text("post_hooks: []\n")  # no formatter needed to use it
        _run([sys.executable, "-m", "openapi_python_client", "generate", "--path", "openapi.json",
              "--config", "config.yaml", "--meta", "none", "--output-path", PACKAGE], work)  # fmt: skip
        (work / "script.py").write_text((HERE / "client_script.py").read_text(encoding="utf-8"), encoding="utf-8")
        # the script and the generated package it uses, both under --strict
        _run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "script.py"], work)
        out = _run([sys.executable, "script.py"], work, {"BASE_URL": base, "KEY": key, "APPLY_KEY": intake})
        assert out.startswith("client script: ok")
        call(base, "GET", "/healthz", headers={"X-Request-ID": "client-test-trace-1"})
    # gunicorn's access log names each answer's request id
    assert "client-test-trace-1" in access_log.read_text(encoding="utf-8")
