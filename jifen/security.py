"""What every response carries for safety: cookie flags, protective headers, the client's address behind a proxy.

- ``JIFEN_SECURE_COOKIES`` (``auto``, ``on``, ``off``; default ``auto``): whether cookies carry ``Secure``. In
  ``auto`` they do, except for local development: plain http to a loopback host (``127.0.0.1``, ``localhost``,
  ``::1``) with no proxy in between (no ``Forwarded``/``X-Forwarded-*`` header). So ``./scripts/start`` and the
  tests work over http, and a service reached through a name or a proxy sends only ``Secure`` cookies.
- ``JIFEN_PROXY_COUNT`` (default 0): the number of reverse proxies in front of the service. When set, Werkzeug's
  ProxyFix takes the client's address, scheme and host from that many ``X-Forwarded-*`` entries; otherwise
  those headers are ignored (anyone could send them), and the address is the TCP peer's.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, Request, Response, g
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from jifen.proxied import app_object, request_object

SECURE_COOKIE_MODES = ("auto", "on", "off")
_PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host")
# Console pages use only the service's own scripts, styles, images and fonts. Flask-Admin's few inline scripts
# carry the request's nonce; data: images are Bootstrap's icons inside its own stylesheet.
_CONSOLE_POLICY = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
# The public pages use no script of their own beyond the service's files, and no inline script or style at all.
_PUBLIC_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def init_app(app: Flask) -> None:
    app.config.setdefault("SECURE_COOKIES", os.environ.get("JIFEN_SECURE_COOKIES", "auto").strip().lower())
    app.config.setdefault("PROXY_COUNT", int(os.environ.get("JIFEN_PROXY_COUNT", "0")))
    if app.config["SECURE_COOKIES"] not in SECURE_COOKIE_MODES:
        raise ValueError(f"JIFEN_SECURE_COOKIES must be one of {', '.join(SECURE_COOKIE_MODES)}")
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # the console does not offer "remember me"; should it ever, that cookie is Secure unless switched off
        REMEMBER_COOKIE_SECURE=app.config["SECURE_COOKIES"] != "off",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
    )
    app.session_interface = _SessionCookies()
    if app.config["PROXY_COUNT"] > 0:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.after_request(_protective_headers)
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def cookies_secure() -> bool:
    """Whether this request's cookies must carry ``Secure`` (see the module's docstring)."""
    mode = app_object().config["SECURE_COOKIES"]
    if mode != "auto":
        return bool(mode == "on")
    this = request_object()
    return this.is_secure or not _local_development(this)


def _local_development(this: Request) -> bool:
    """Plain http to a loopback host, with no proxy in between."""
    if this.is_secure or any(name in this.headers for name in _PROXY_HEADERS):
        return False
    host = urlsplit(f"//{this.host}").hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def csp_nonce() -> str:
    """The request's nonce for the console's inline scripts (the same one the policy header names)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return str(g.csp_nonce)


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, ``Secure`` per request instead of per process."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return cookies_secure()


def _protective_headers(response: Response) -> Response:
    headers = response.headers
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("X-Frame-Options", "DENY")  # nothing of this service is meant to be shown in a frame
    # an address of this service may name a person (a lookup, a self-assessment, an application): never sent on
    headers["Referrer-Policy"] = "same-origin"
    this = request_object()
    path = this.path
    if path.startswith("/api/v1/scores"):  # facts and scores of named people: never kept by a cache
        headers["Cache-Control"] = "no-store"
    elif path == "/admin" or path.startswith("/admin/"):
        headers["Content-Security-Policy"] = _CONSOLE_POLICY.format(nonce=csp_nonce())
        if not _static(this.endpoint):
            headers["Cache-Control"] = "no-store"
    elif not path.startswith("/api/"):  # the public pages (public/), which set their own caching
        headers["Content-Security-Policy"] = _PUBLIC_POLICY
    return response


def _static(endpoint: Any) -> bool:
    return isinstance(endpoint, str) and (endpoint == "static" or endpoint.endswith(".static"))
