"""Login throttling in the database: counted before the password check, alike for every name, per address too."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.client import HTTPConnection
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import select, update
from werkzeug.serving import make_server

from jifen.access import logins
from jifen.store.models import AuditEntry, LoginAttempt, User
from tests.conftest import PASSWORD

NOW = dt.datetime(2026, 11, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.datetime]:
    """The login view's clock, standing still until a test moves it (``clock[0] += …``)."""
    now = [NOW]
    monkeypatch.setattr("admin.auth.clock", lambda: now[0])
    return now


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Passwords checked, by outcome; a check takes 50 ms so that parallel attempts overlap."""
    from werkzeug.security import check_password_hash

    counted: Counter[str] = Counter()
    lock = threading.Lock()

    def check(stored: str, password: str) -> bool:
        time.sleep(0.05)
        ok = check_password_hash(stored, password)
        with lock:
            counted["ok" if ok else "failed"] += 1
        return ok

    monkeypatch.setattr("jifen.access.users.check_password_hash", check)
    return counted


@pytest.fixture
def console(seeded: Any) -> Any:
    seeded.config["WTF_CSRF_ENABLED"] = False
    return seeded


@pytest.fixture
def server(console: Any) -> Iterator[tuple[str, int]]:
    """The service on a loopback port: every request in its own thread with its own database connection."""
    http = make_server("127.0.0.1", 0, console, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", http.server_port
    http.shutdown()


def _login(client: Any, name: str, password: str = "wrong-Password-1", address: str = "192.0.2.1") -> Any:
    return client.post(
        "/admin/login", data={"username": name, "password": password}, environ_base={"REMOTE_ADDR": address}
    )


def _post_in_parallel(host: str, port: int, bodies: list[dict[str, str]]) -> list[tuple[int, str]]:
    """POST /admin/login with each body at once, each through its own connection; (status, page) per body."""
    start = threading.Barrier(len(bodies))
    answers: list[tuple[int, str]] = [(0, "")] * len(bodies)

    def send(i: int) -> None:
        connection = HTTPConnection(host, port, timeout=60)
        start.wait()
        connection.request(
            "POST",
            "/admin/login",
            urlencode(bodies[i]),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
        response = connection.getresponse()
        answers[i] = (response.status, response.read().decode("utf-8"))
        connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


@pytest.mark.parametrize("name", ["editor", "nobody-here"])
def test_forty_parallel_bad_logins_check_exactly_three_passwords(
    server: tuple[str, int], name: str, checks: Counter[str], clock: Any, db: Any
) -> None:
    answers = _post_in_parallel(*server, [{"username": name, "password": f"guess-{i}"} for i in range(40)])
    statuses = Counter(status for status, _ in answers)
    assert statuses == {401: 3, 429: 37}  # no 500, no "database is locked"
    assert checks == {"failed": 3}
    assert all("请 2 秒后再试" in page for status, page in answers if status == 429)
    with db.factory() as s:
        assert s.get(LoginAttempt, f"user:{name}").failures == 3
        assert s.get(LoginAttempt, "addr:127.0.0.1").failures == 3  # refused attempts take no place
        assert len(s.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed")).all()) == 3


def test_known_and_unknown_names_get_the_same_answers(console: Any, db: Any, checks: Counter[str], clock: Any) -> None:
    def answers(name: str, address: str) -> list[tuple[int, str, str | None]]:
        client = console.test_client()
        seen = []
        for _ in range(5):
            response = _login(client, name, address=address)
            page = re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))
            seen.append((response.status_code, page, response.headers.get("Retry-After")))
        return seen

    known, unknown = answers("editor", "192.0.2.1"), answers("nobody", "192.0.2.2")
    assert [a[0] for a in known] == [401, 401, 401, 429, 429]
    assert known == unknown
    with db.transaction() as s:
        s.execute(update(User).where(User.username == "auditor").values(active=False))
    assert answers("auditor", "192.0.2.3") == known
    # an unknown name costs a password check like a known one, so that timing does not tell them apart
    assert checks == {"failed": 9}


def test_the_wait_doubles_then_stays_at_fifteen_minutes(console: Any, clock: list[dt.datetime]) -> None:
    client = console.test_client()
    assert [_login(client, "editor").status_code for _ in range(3)] == [401, 401, 401]
    waits = []
    for _ in range(12):
        refused = _login(client, "editor")
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        clock[0] += dt.timedelta(seconds=waits[-1])  # the wait is over: one more attempt is checked
        assert _login(client, "editor").status_code == 401
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    assert "请 900 秒后再试" in _login(client, "editor").get_data(as_text=True)


def test_the_right_password_waits_too_and_then_clears_the_count(console: Any, db: Any, clock: Any) -> None:
    client = console.test_client()
    assert [_login(client, "editor").status_code for _ in range(3)] == [401, 401, 401]
    assert _login(client, "editor", PASSWORD).status_code == 429
    clock[0] += dt.timedelta(seconds=2)
    assert _login(client, "editor", PASSWORD).status_code == 302
    with db.factory() as s:
        assert s.get(LoginAttempt, "user:editor") is None
        assert s.get(LoginAttempt, "addr:192.0.2.1").failures == 3  # the successful attempt gave its place back
    client.post("/admin/logout")
    assert [_login(client, "editor").status_code for _ in range(3)] == [401, 401, 401]  # three free ones again


def test_one_address_is_limited_across_names(console: Any, checks: Counter[str], clock: Any) -> None:
    client = console.test_client()
    statuses = [_login(client, f"name-{i}", address="198.51.100.7").status_code for i in range(21)]
    assert statuses == [401] * logins.ADDRESS_FREE_ATTEMPTS + [429]
    assert _login(client, "editor", PASSWORD, address="198.51.100.7").status_code == 429
    # another address is not held up, and the names tried so far still have their own free attempts
    assert _login(client, "name-0", address="198.51.100.8").status_code == 401
    assert _login(client, "editor", PASSWORD, address="198.51.100.8").status_code == 302
    assert checks == {"failed": 21, "ok": 1}


def test_counters_are_forgotten_after_a_quiet_day(console: Any, clock: list[dt.datetime]) -> None:
    client = console.test_client()
    assert [_login(client, "editor").status_code for _ in range(4)] == [401, 401, 401, 429]
    clock[0] += logins.FORGET_AFTER + dt.timedelta(seconds=1)
    assert [_login(client, "editor").status_code for _ in range(4)] == [401, 401, 401, 429]


@pytest.mark.parametrize("name", ["a\x00b", "x" * 5000, "名字", " ", "editor\u202e"])
def test_hostile_names_are_just_wrong(console: Any, db: Any, name: str, clock: Any) -> None:
    client = console.test_client()
    statuses = [_login(client, name).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    with db.factory() as s:
        keys = s.scalars(select(LoginAttempt.key)).all()
    assert all(len(k) <= 100 and "\x00" not in k for k in keys)


def test_the_address_behind_a_proxy(console: Any, clock: Any) -> None:
    client = console.test_client()
    spoofed = {"X-Forwarded-For": "203.0.113.9"}
    # without JIFEN_PROXY_COUNT the header is ignored: anyone could send it
    for i in range(logins.ADDRESS_FREE_ATTEMPTS):
        client.post("/admin/login", data={"username": f"name-{i}", "password": "x"}, headers=spoofed)
    assert client.post("/admin/login", data={"username": "other", "password": "x"}).status_code == 429


def test_proxy_count_takes_the_address_from_the_proxy(
    database_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from application import create_app
    from jifen.config import TestConfig

    monkeypatch.setenv("JIFEN_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("JIFEN_PROXY_COUNT", "1")
    app = create_app(TestConfig())
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post(
        "/admin/login", data={"username": "nobody", "password": "x"}, headers={"X-Forwarded-For": "203.0.113.9"}
    )
    from jifen.store.db import get_db

    with get_db(app).factory() as s:
        assert s.scalars(select(LoginAttempt.key).where(LoginAttempt.key.startswith("addr:"))).all() == [
            "addr:203.0.113.9"
        ]
    get_db(app).engine.dispose()


def test_wait_after() -> None:
    assert [logins.wait_after(n, 3) for n in (1, 2)] == [None, None]
    assert logins.wait_after(3, 3) == dt.timedelta(seconds=2)
    assert logins.wait_after(12, 3) == dt.timedelta(minutes=15)
    assert logins.wait_after(10**6, 3) == dt.timedelta(minutes=15)
