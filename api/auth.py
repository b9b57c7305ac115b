"""Bearer-key authentication of API clients, and scopes."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from api.errors import ApiError, check_path_years
from jifen.access.api_clients import Caller, authenticate
from jifen.proxied import g_object, request_object
from jifen.unit_of_work import get_session

F = TypeVar("F", bound=Callable[..., Any])


def current_caller() -> Caller:
    return g_object().caller  # type: ignore[no-any-return]


def require(scope: str, *alternatives: str) -> Callable[[F], F]:
    """Only clients with a valid key (401) holding ``scope``, or one of the ``alternatives`` (403), may call the view."""
    scopes = (scope, *alternatives)

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            header = request_object().headers.get("Authorization", "")
            scheme, _, key = header.partition(" ")
            if scheme.lower() != "bearer" or not key.strip():
                raise ApiError(401, "unauthorized", "send the API key as 'Authorization: Bearer <key>'")
            caller = authenticate(get_session(), key.strip())
            if caller is None:
                raise ApiError(401, "unauthorized", "the API key is not valid (unknown or revoked)")
            if caller.scopes.isdisjoint(scopes):
                needed = " or ".join(f"'{s}'" for s in scopes)
                raise ApiError(403, "forbidden", f"the client {caller.name} lacks the scope {needed}")
            g_object().caller = caller
            check_path_years(kwargs)  # after the key: a caller learns nothing of a path before it is let in
            return view(*args, **kwargs)

        wrapper.__dict__.setdefault("api_security", " or ".join(scopes))
        return wrapper  # type: ignore[return-value]

    return decorator
