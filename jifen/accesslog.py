"""gunicorn's access log without the facts of a person: the query of a self-assessment address (``/self-assessment?
birth_date=…``) is someone's birth date, records and income, so its log line keeps the path and the number of
parameters only, in the request line and in a referer alike. Everything else is logged as gunicorn logs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from gunicorn.glogging import Logger

PRIVATE_PATHS = ("/self-assessment",)  # the addresses whose query states a person's facts


def private(path: str) -> bool:
    """Whether the query of ``path`` holds facts of a person."""
    return any(path == p or path.startswith(p + "/") for p in PRIVATE_PATHS)


def _count(query: str) -> str:
    return f"[{len([p for p in query.split('&') if p])} parameters]" if query else ""


def _redacted_uri(uri: str) -> str:
    """``/self-assessment?birth_date=…&…`` → ``/self-assessment?[2 parameters]``; other addresses as they are."""
    parts = urlsplit(uri)
    if not parts.query or not private(parts.path):
        return uri
    head = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return f"{head}{parts.path}?{_count(parts.query)}"


class PrivateQueryLogger(Logger):
    """gunicorn's logger, the queries of PRIVATE_PATHS left out of the access log."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: dt.timedelta) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        if private(environ.get("PATH_INFO", "")):
            method, protocol = environ.get("REQUEST_METHOD", ""), environ.get("SERVER_PROTOCOL", "")
            atoms["r"] = f"{method} {_redacted_uri(environ.get('RAW_URI', ''))} {protocol}"
            atoms["q"] = _count(environ.get("QUERY_STRING", ""))
        atoms["f"] = _redacted_uri(str(atoms.get("f", "-")))
        for key in [k for k in atoms if k.endswith("}e") or k == "{referer}i"]:
            atoms[key] = "-"  # the environment and the referer header repeat the query
        return atoms
