"""A gunicorn worker killed while it stores a batch leaves nothing of that batch behind.

The service runs for real (gunicorn, its own process); the test waits until the worker is inside the batch's
write transaction — on SQLite it holds the writer lock beside the database file, on PostgreSQL its backend is
in a transaction that has written to ``scores`` — and then kills it with SIGKILL.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from jifen.access import api_clients
from tests.conftest import ON_POSTGRES, ROOT

BASE = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "application_date": "2026-03-15"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


@pytest.fixture
def server(seeded: Any, database_url: str, tmp_path: Path) -> Any:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "JIFEN_INSTANCE_DIR": str(tmp_path / "server"),
           "JIFEN_ACCESS_LOG": ""}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "-w", "1", "--threads", "2",
         "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("gunicorn did not start")
            time.sleep(0.1)
    yield process, port
    process.terminate()
    try:  # the master waits up to its graceful timeout (30 s) for the worker it started after the kill
        process.wait(timeout=45)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _in_write_transaction(db: Any, database_url: str) -> bool:
    if ON_POSTGRES:
        with db.engine.connect() as conn:
            return bool(
                conn.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                        "AND datname = current_database() AND application_name = current_setting('application_name') "
                        "AND backend_xid IS NOT NULL"
                    )
                ).scalar()
            )
    lock = Path(database_url.removeprefix("sqlite:///") + ".writer-lock")
    if not lock.exists():
        return False
    with lock.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def test_killed_worker_stores_nothing_of_its_batch(server: Any, db: Any, database_url: str) -> None:
    process, port = server
    with db.transaction() as s:
        key = api_clients.create_client(s, "intake", ["score", "read"], "test")[1]
    body = json.dumps(
        {"applications": [{"application_ref": f"KILL-{i:04d}", "year": 2026, "facts": BASE} for i in range(1000)]}
    )
    outcome: dict[str, Any] = {}

    def send() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            connection.request(
                "POST",
                "/api/v1/scores/batch",
                body,
                {"Content-Type": "application/json", "Authorization": f"Bearer {key}"},
            )
            outcome["status"] = connection.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            outcome["error"] = exc

    client = threading.Thread(target=send)
    client.start()
    deadline = time.monotonic() + 30
    while not _in_write_transaction(db, database_url):
        assert "status" not in outcome, "the batch finished before its write transaction was seen"
        assert time.monotonic() < deadline, "the batch never started writing"
        time.sleep(0.002)
    for pid in _workers(process.pid):
        os.kill(pid, signal.SIGKILL)
    client.join(timeout=60)
    assert "error" in outcome, outcome  # the client saw the connection drop
    with db.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM scores WHERE application_ref LIKE 'KILL-%'")).scalar()
    assert stored == 0
