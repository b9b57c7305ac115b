"""The command line: ``applications history`` is logged (with its reason), ``access-log list`` finds readings by
applicant and by reader, as text and as the applicant's record in JSON."""

from __future__ import annotations

import json
from typing import Any

from tests.privacy.conftest import DONE, Life


def test_history_is_logged_and_the_log_is_listed_by_applicant_and_by_reader(life: Life, runner: Any) -> None:
    history = runner.invoke(args=["applications", "history", DONE, "2025", "--user", "dpo", "--reason", "复核投诉"])
    assert history.exit_code == 0, history.output
    assert "1988-02-03" in history.output  # an operator on the server reads in full
    life.get("read_facts", f"/applications/{DONE}/2025")
    text = runner.invoke(args=["access-log", "list", "--application", DONE])
    assert text.exit_code == 0, text.output
    assert f"cli:dpo\t{DONE}/2025\tcli_history\tfull\t复核投诉" in text.output
    assert f"client:read-facts\t{DONE}/2025\tapi_application\tfull" in text.output
    record = json.loads(runner.invoke(args=["access-log", "list", "--application", DONE, "--json"]).output)
    readers = [(r["actor"]["name"], r["channel"]) for r in record["readings"]]
    assert readers[-2:] == [("dpo", "cli_history"), ("read-facts", "api_application")]  # oldest first
    by_user = runner.invoke(args=["access-log", "list", "--user", "dpo"]).output
    assert "cli_history" in by_user and "api_application" not in by_user


def test_history_of_an_unknown_application_logs_nothing(life: Life, runner: Any) -> None:
    missing = runner.invoke(args=["applications", "history", "TX-NONE", "2025"])
    assert missing.exit_code != 0
    assert "TX-NONE" not in runner.invoke(args=["access-log", "list"]).output
