"""Every error code the code base can send is in the one registry (api.errors.PROBLEMS), which the document's
enum and the reference page are made from; so neither can miss a code a client may receive."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

from api.errors import PROBLEMS, ApiError, problem_body
from tests.api.problems import check
from tests.conftest import ROOT

# calls that carry an error code: the code is the first string argument after an optional status
CARRIERS = {"ApiError", "CodedError", "refused", "ChainConflict", "_refusal"}


def _codes_in(path: Path) -> set[tuple[str, int]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        args = node.args
        status_then_code = (
            len(args) >= 2
            and isinstance(args[0], ast.Constant)
            and isinstance(args[0].value, int)
            and 400 <= args[0].value < 600
            and isinstance(args[1], ast.Constant)
            and isinstance(args[1].value, str)
        )
        if status_then_code and (name in CARRIERS or name == "__init__"):
            found.add((args[1].value, node.lineno))
        elif name == "ChainConflict" and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            found.add((args[0].value, node.lineno))
    return found


def test_every_code_raised_anywhere_is_registered() -> None:
    sources = [p for package in ("api", "jifen") for p in sorted((ROOT / package).rglob("*.py"))]
    raised = {(code, f"{path.relative_to(ROOT)}:{line}") for path in sources for code, line in _codes_in(path)}
    assert len({code for code, _where in raised}) > 15
    missing = sorted((code, where) for code, where in raised if code not in PROBLEMS)
    assert missing == []


def test_every_registered_code_has_a_title_and_a_description() -> None:
    for code, problem in PROBLEMS.items():
        assert code.isascii() and code == code.lower() and " " not in code, code
        assert problem.title and problem.description.endswith((".", ")")), code
        assert 400 <= problem.status < 600, code


def test_an_unregistered_code_is_still_a_problem_detail_and_is_logged(caplog: Any) -> None:
    body = problem_body(409, "no_such_code", "detail")
    assert body["type"] == "/api/v1/docs#problem-no_such_code" and body["title"] == "No such code"
    assert "no_such_code" in caplog.text
    assert ApiError(409, "no_such_code", "m", None, {"x": 1}).body()["x"] == 1  # the constructor others use


def test_the_console_and_the_public_pages_keep_their_own_html_errors(client: Any) -> None:
    for path, said in (("/admin/does-not-exist", "页面不存在"), ("/nowhere", "没有找到这个页面")):
        response = client.get(path)
        assert response.status_code == 404 and response.mimetype == "text/html", path
        assert said in response.get_data(as_text=True), path
    check(client.get("/api/v1/does-not-exist"), 404, "not_found")
    check(client.get("/api/nowhere"), 404, "not_found")
