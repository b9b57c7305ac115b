"""The errors a user of the command line can cause, as a message and exit status 1 instead of a traceback."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

import click
from sqlalchemy.exc import OperationalError, ProgrammingError

from engine import EngineError, RulesetError
from jifen.errors import ServiceError
from jifen.store.dbfaults import DatabaseUnavailable

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Turn the errors a user can cause into a clear message and exit status 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except RulesetError as exc:
            raise click.ClickException(exc.report()) from None
        except (ServiceError, EngineError) as exc:
            raise click.ClickException(str(exc)) from None
        except DatabaseUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        except (OperationalError, ProgrammingError) as exc:
            table = missing_table(exc)
            if table is None:
                raise
            raise click.ClickException(
                f"the database is not set up (it has no table {table}): run `flask --app wsgi db upgrade`, then "
                "`flask --app wsgi rulesets import rulesets/*.yaml` (./scripts/start does both)"
            ) from None

    return wrapper  # type: ignore[return-value]


def missing_table(exc: Exception) -> str | None:
    """The table an SQL error says does not exist (SQLite, PostgreSQL), or None for any other error."""
    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) == "42P01":  # undefined_table
        found = re.search(r'relation "([^"]+)" does not exist', str(orig))
        return found.group(1) if found else "?"
    found = re.match(r"no such table: (\S+)", str(orig or ""))
    return found.group(1) if found else None
