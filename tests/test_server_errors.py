"""What gunicorn refuses before the application sees it is answered by the service: a Chinese page outside the
API, problem details under /api — never gunicorn's English 「Bad Request」."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.servers import call, gunicorn


def test_requests_gunicorn_refuses_get_the_services_answers(seeded: Any, database_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": database_url, "JIFEN_INSTANCE_DIR": str(tmp_path / "instance")}
    with gunicorn(env) as base:
        page = call(base, "GET", "/admin/versions/?q=" + "x" * 5000)
        assert page.status == 414 and page.headers["Content-Type"] == "text/html; charset=utf-8"
        text = page.body.decode("utf-8")
        assert "<h1>网址过长</h1>" in text and "错误代码 414" in text and "Bad Request" not in text
        problem = call(base, "GET", "/api/v1/versions?q=" + "x" * 5000)
        assert problem.status == 414 and problem.headers["Content-Type"] == "application/problem+json"
        body = json.loads(problem.body)
        assert body["status"] == 414 and body["code"] == "http_error" and "4094 bytes" in body["detail"]
        headers = call(base, "GET", "/admin/", headers={"X-Big": "y" * 9000})
        assert headers.status == 431 and "请求头过大" in headers.body.decode("utf-8")
        assert call(base, "GET", "/admin/login").status == 200  # and the worker still serves
