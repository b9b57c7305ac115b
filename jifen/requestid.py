"""A request id on every request: the caller's ``X-Request-ID`` if it is one, else a new one; echoed in the answer.

The id ties a client's report to the service's logs: gunicorn's access log writes the answer's ``X-Request-ID``
(``access_log_format`` in gunicorn.conf.py) and the application's log lines carry it (``LogFilter``, installed
on gunicorn's workers by ``install_logging``). A sent id is kept when it is 1 to 128 visible ASCII characters
(so that it can be logged as it is); anything else is replaced by a new id rather than refused, since an id must
never be the reason a request fails.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid

from flask import Flask, Response, has_request_context

from jifen.proxied import g_object, request_object

HEADER = "X-Request-ID"
VALID = re.compile(r"[\x21-\x7e]{1,128}")
LOG_FORMAT = "[%(asctime)s] [%(process)d] [%(levelname)s] [request %(request_id)s] %(name)s: %(message)s"


def init_app(app: Flask) -> None:
    app.before_request(_take)
    app.after_request(_echo)


def _take() -> None:
    sent = request_object().headers.get(HEADER, "")
    g_object().request_id = sent if VALID.fullmatch(sent) else uuid.uuid4().hex


def _echo(response: Response) -> Response:
    response.headers[HEADER] = current_request_id()
    return response


def current_request_id() -> str:
    """The id of the request being answered ("-" outside a request)."""
    if not has_request_context():
        return "-"
    globals_ = g_object()
    if "request_id" not in globals_:  # an error before any before_request function ran
        _take()
    return str(globals_.request_id)


class LogFilter(logging.Filter):
    """Adds ``request_id`` to every record (``-`` outside a request) so that a format can name it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


def install_logging(level: int = logging.INFO) -> None:
    """Send the application's log records to stderr (gunicorn's error log) with the request id of each.

    gunicorn configures only its own loggers; without this, the application's records would reach stderr through
    Python's last-resort handler, as bare messages without time, level or request.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, "%Y-%m-%d %H:%M:%S %z"))
    handler.addFilter(LogFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
