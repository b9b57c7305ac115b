"""gunicorn settings for this service; every value can be overridden on the command line."""

import os

bind = os.environ.get("JIFEN_BIND", "127.0.0.1:8000")
# Two cores: one worker each. Each worker compiles its own durable_rules rulesets after the fork
# (compiled versions are cached per process), so nothing of the rule engine is shared between processes.
workers = int(os.environ.get("JIFEN_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("JIFEN_THREADS", "4"))
preload_app = False
timeout = 30
graceful_timeout = 30
accesslog = os.environ.get("JIFEN_ACCESS_LOG", "-") or None  # JIFEN_ACCESS_LOG= (empty) turns it off
# gunicorn's combined format, then the answer's X-Request-ID (the caller's, or the one the service made up)
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %({x-request-id}o)s'
errorlog = "-"


def post_worker_init(worker: object) -> None:
    """The application's log records go to the error log too, each with its request id."""
    from jifen.requestid import install_logging

    install_logging()
