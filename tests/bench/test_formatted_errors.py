"""bench/formatted_errors.py's table, from records as its gdb script writes them (gdb itself is not run here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[2] / "bench" / "formatted_errors.py"


def _module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_formatted_errors", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_table_counts_per_request_and_names_the_line_and_our_line_below_it() -> None:
    root = Path("/checkout")
    library = "/checkout/.venv/lib/python3.11/site-packages/flask/wrappers.py"
    proxy_miss = {
        "kind": "AttributeError",
        "message": "'LocalProxy' object has no attribute 'config'",
        "c": ["_PyErr_FormatV", "PyErr_Format", "_PyObject_GenericGetAttrWithDict"],
        "python": [[library, 86, "max_content_length"], ["/checkout/api/http.py", 281, "refuse_oversized_body"]],
    }
    slot = {
        "kind": "AttributeError",
        "message": "'ConnectionEventsDispatch' object has no attribute 'begin'",
        "c": ["_PyErr_FormatV", "PyErr_Format", "PyMember_GetOne"],
        "python": [["/usr/lib/python3.11/site-packages/sqlalchemy/event/base.py", 360, "__getattr__"]],
    }
    records = [{**proxy_miss, "phase": 1}] * 4 + [{**slot, "phase": 2}] * 2
    table = _module().report(records, ["dry", "stored"], 2, root).splitlines()
    assert table[0] == "dry: 2 formatted and thrown away per request"
    assert table[1].split() == [
        "2", "attribute", "flask/wrappers.py:86", "max_content_length", "an", "object", "has", "no", "attribute",
        "'config'", "←", "api/http.py:281",
    ]  # fmt: skip
    assert table[2] == "stored: 1 formatted and thrown away per request"
    assert table[3].split()[:3] == ["1", "unset", "slot"] and table[3].endswith("← -")
