"""``flask periods add|list|remove``: publishers and admins change the periods; refusals are one sentence and exit 1."""

from __future__ import annotations

from typing import Any

import pytest


def test_periods_cli(runner: Any, seeded: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    def run(*args: str) -> Any:
        return runner.invoke(args=["periods", *args])

    assert run("list").output == "no application period published\n"
    refused = run("add", "2026", "2026-03-01", "2026-03-31", "--user", "editor")
    assert refused.exit_code == 1 and "needs the role publisher or admin" in refused.output
    unknown = run("add", "2026", "2026-03-01", "2026-03-31", "--user", "nobody")
    assert unknown.exit_code == 1 and "no user 'nobody'" in unknown.output
    added = run("add", "2026", "2026-03-01", "2026-03-31", "--note", "春季受理", "--user", "publisher")
    assert added.exit_code == 0 and added.output == "period 1 added: 2026 2026-03-01 – 2026-03-31\n", added.output
    overlap = run("add", "2026", "2026-03-31", "2026-04-15", "--user", "publisher")
    assert overlap.exit_code == 1
    assert overlap.output == "Error: 2026-03-31 – 2026-04-15 overlaps the period 2026-03-01 – 2026-03-31 of 2026\n"
    outside = run("add", "2026", "2026-12-01", "2027-01-15", "--user", "publisher")
    assert outside.exit_code == 1 and "2027-01-15 is not in 2026" in outside.output
    backwards = run("add", "2026", "2026-05-31", "2026-05-01", "--user", "publisher")
    assert backwards.exit_code == 1 and "before it starts" in backwards.output
    assert run("add", "2026", "2026-13-01", "2026-05-01", "--user", "publisher").exit_code == 2  # not a date
    monkeypatch.setenv("JIFEN_USER", "admin")
    assert run("add", "2025", "2025-09-01", "2025-09-30").exit_code == 0
    assert run("list").output == ("2\t2025\t2025-09-01\t2025-09-30\n1\t2026\t2026-03-01\t2026-03-31  春季受理\n")
    assert run("list", "--year", "2026").output == "1\t2026\t2026-03-01\t2026-03-31  春季受理\n"
    assert run("list", "--year", "2027").output == "no application period published for 2027\n"
    assert run("remove", "1").output == "period 1 removed: 2026 2026-03-01 – 2026-03-31\n"
    gone = run("remove", "1")
    assert gone.exit_code == 1 and gone.output == "Error: no application period 1\n"
    assert run("remove", "2", "--user", "editor").exit_code == 1
    assert run("list", "--year", "2025").output.startswith("2\t2025")
