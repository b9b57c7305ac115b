"""engine/ stays pure: no web framework, no database, no serialization library."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"flask", "flask_admin", "sqlalchemy", "alembic", "marshmallow", "jifen", "api", "admin"}
ENGINE = Path(__file__).resolve().parents[2] / "engine"


def test_engine_imports_nothing_of_the_application() -> None:
    offending = []
    for path in ENGINE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offending += [f"{path.name}: {n}" for n in names if n.split(".")[0] in FORBIDDEN]
    assert offending == []


def test_only_the_adapter_talks_to_durable_rules() -> None:
    users = [
        p.name
        for p in ENGINE.glob("*.py")
        if "durable_rules_engine" in p.read_text(encoding="utf-8") or "import durable" in p.read_text(encoding="utf-8")
    ]
    assert users == ["adapter.py"]
