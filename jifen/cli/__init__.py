"""Command-line interface through Flask's command group: ``flask --app wsgi …``."""

from __future__ import annotations

from flask import Flask

from jifen.cli.api_clients import api_clients_group
from jifen.cli.applications import applications_group
from jifen.cli.backup import backup_command, restore_command
from jifen.cli.calendar import calendar_group
from jifen.cli.db import db_group
from jifen.cli.issuers import issuers_group  # recognition of other cities' statements (issue 21)
from jifen.cli.keys import keys_group  # signing keys (issue 21)
from jifen.cli.periods import periods_group
from jifen.cli.privacy import access_log_group, retention_group
from jifen.cli.rulesets import rulesets_group
from jifen.cli.scenes import scenes_group  # scenes
from jifen.cli.score import score_command
from jifen.cli.users import users_group


def register_commands(app: Flask) -> None:
    for command in (
        score_command,
        rulesets_group,
        users_group,
        api_clients_group,
        db_group,
        calendar_group,
        applications_group,
        periods_group,
        access_log_group,  # personal data
        retention_group,  # personal data
        keys_group,  # signing keys (issue 21)
        # backups (jifen/backup)
        backup_command,
        restore_command,
        issuers_group,  # recognition of other cities' statements (issue 21)
        scenes_group,  # scenes
    ):
        app.cli.add_command(command)
