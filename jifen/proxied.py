"""Flask's request, application and ``g`` as the objects themselves, for code run on every request.

``flask.request``, ``current_app`` and ``g`` are Werkzeug proxies that forward an attribute read from their
``__getattr__``, which Python calls only after the ordinary lookup on the proxy has failed: every read such as
``request.headers`` first builds an AttributeError message that is thrown away (~2,000 instructions). Code that
runs on every request takes the object once and reads its attributes directly; elsewhere the proxies are fine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import current_app, g, request
from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from flask import Flask, Request
    from flask.ctx import _AppCtxGlobals


def request_object() -> Request:
    """The request being answered (what ``flask.request`` stands for)."""
    return cast("LocalProxy[Request]", request)._get_current_object()


def app_object() -> Flask:
    """The application answering (what ``flask.current_app`` stands for)."""
    return cast("LocalProxy[Flask]", current_app)._get_current_object()


def g_object() -> _AppCtxGlobals:
    """The application context's ``g``."""
    return cast("LocalProxy[_AppCtxGlobals]", g)._get_current_object()
