"""gunicorn settings for this service; every value can be overridden on the command line.

A request gunicorn itself refuses before the application sees it (a request line over 4094 bytes, headers too
large, a malformed request) is answered with the service's own page, not gunicorn's English one: the console's
Chinese error page, or problem details under /api (see ``service_error``).
"""

import json
import os
from typing import Any

from gunicorn import util
from gunicorn.http import errors as http_errors
from gunicorn.http.message import Request
from gunicorn.workers.gthread import ThreadWorker

bind = os.environ.get("JIFEN_BIND", "127.0.0.1:8000")
# Two cores: one worker each. Each worker compiles its own durable_rules rulesets after the fork
# (compiled versions are cached per process), so nothing of the rule engine is shared between processes.
workers = int(os.environ.get("JIFEN_WORKERS", "2"))
threads = int(os.environ.get("JIFEN_THREADS", "4"))
preload_app = False
timeout = 30
graceful_timeout = 30
accesslog = os.environ.get("JIFEN_ACCESS_LOG", "-") or None  # JIFEN_ACCESS_LOG= (empty) turns it off
# gunicorn's combined format, then the answer's X-Request-ID (the caller's, or the one the service made up)
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
errorlog = "-"
# a self-assessment's address states a person's facts: its query is left out of the access log
logger_class = "jifen.accesslog.PrivateQueryLogger"

# what gunicorn refuses while reading a request, with the status the service answers it with
_REFUSED = {http_errors.LimitRequestLine: 414, http_errors.LimitRequestHeaders: 431,
            http_errors.ForbiddenProxyRequest: 403, http_errors.UnsupportedTransferCoding: 501,
            http_errors.ConfigurationProblem: 500}  # fmt: skip
_REASONS = {400: "Bad Request", 403: "Forbidden", 414: "URI Too Long", 431: "Request Header Fields Too Large",
            500: "Internal Server Error", 501: "Not Implemented"}  # fmt: skip
_read_line = Request.read_line


def _read_line_keeping_its_start(self: Request, unreader: Any, buf: Any, limit: int = 0) -> Any:
    """gunicorn's own, but a line too long keeps its first bytes, so that its answer can follow its path."""
    try:
        return _read_line(self, unreader, buf, limit)
    except http_errors.LimitRequestLine as exc:
        exc.start = buf.getvalue()[:512]  # type: ignore[attr-defined]
        raise


Request.read_line = _read_line_keeping_its_start  # type: ignore[method-assign]


def _path(req: Any, exc: Exception) -> str:
    if req is not None and getattr(req, "path", None):
        return str(req.path)
    parts = bytes(getattr(exc, "start", b"")).split(b" ", 2)
    return parts[1].decode("latin-1") if len(parts) > 1 else ""


def service_error(status: int, path: str) -> tuple[str, str]:
    """The service's answer to a request refused before the application: (content type, body)."""
    if path.startswith("/api"):
        from api.errors import problem_body

        code = "bad_request" if status == 400 else "http_error"
        detail = {414: "the request line is longer than 4094 bytes", 431: "the request's headers are too large"}
        body = problem_body(status, code, detail.get(status, "the request cannot be read"))
        return "application/problem+json", json.dumps(body, ensure_ascii=False)
    from admin.errors import plain_page

    return "text/html; charset=utf-8", plain_page(status)


class Worker(ThreadWorker):
    """gunicorn's threaded worker, answering the requests it refuses itself with the service's pages."""

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        status = next((s for kind, s in _REFUSED.items() if isinstance(exc, kind)), 400)
        if not isinstance(exc, http_errors.ParseException):
            super().handle_error(req, client, addr, exc)
            return
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            content_type, body = service_error(status, _path(req, exc))
        except Exception:  # the service's pages could not be made: gunicorn's own then
            super().handle_error(req, client, addr, exc)
            return
        data = body.encode("utf-8")
        head = (f"HTTP/1.1 {status} {_REASONS.get(status, 'Bad Request')}\r\nConnection: close\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(data)}\r\n\r\n")  # fmt: skip
        try:
            util.write_nonblock(client, head.encode("latin-1") + data)
        except Exception:
            self.log.debug("Failed to send error message.")


worker_class = Worker


def post_worker_init(worker: object) -> None:
    """The application's log records go to the error log too, each with its request id."""
    from jifen.requestid import install_logging

    install_logging()
