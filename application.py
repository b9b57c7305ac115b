"""The composition root: builds the Flask application from the service layer and its faces (API, console, public
pages, CLI)."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

import admin
import api
import public
from admin import errors as console_errors
from jifen import requestid, security, unit_of_work
from jifen.cli import register_commands
from jifen.config import Config
from jifen.store.db import Database, Timeouts
from public import errors as public_errors


def create_app(config: Any = None) -> Flask:
    """Build the Flask application; ``config`` is a Config object or a mapping of overrides."""
    app = Flask("jifen", instance_relative_config=False)
    app.config.from_object(Config())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]

    database = Database(app.config["DATABASE_URL"], Timeouts.from_config(app.config))
    database.init_app(app)
    unit_of_work.init_app(app, database)
    security.init_app(app)
    requestid.init_app(app)
    register_commands(app)
    api.init_app(app)
    admin.init_app(app)
    public.init_app(app)
    # The applicant's lookup posts without a session (no cookie to ride on, nothing a forged post could gain)
    admin.csrf.exempt(public.lookup.lookup_answer)
    admin.csrf.exempt(public.verify.verify_answer)  # a statement pasted to be verified: no session either
    app.register_error_handler(HTTPException, _error_page)
    return app


def _error_page(exc: HTTPException) -> Response:
    """An error outside every blueprint's routes (an address that matches nothing): the console's page under
    /admin, the public pages' page everywhere else (the API answers its own, under /api)."""
    if request.path == "/admin" or request.path.startswith("/admin/"):
        return console_errors.page(exc)
    return public_errors.page(exc)
