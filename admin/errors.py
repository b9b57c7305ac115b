"""The console's error pages: a short page in Chinese for every HTTP error outside the API.

Registered on the application because a path that matches no route belongs to no blueprint; the API's
blueprint has its own handlers (problem details), which Flask asks first for everything under /api.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, request
from markupsafe import escape
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)
_TITLES = {400: "请求无效", 403: "没有权限", 404: "页面不存在", 405: "不支持该请求方式", 413: "上传内容过大",
           500: "系统内部错误"}  # fmt: skip
_EXPLANATIONS = {400: "请求的内容无法处理，请返回上一页检查后重试。", 403: "您的角色不能打开此页面或执行此操作；如需要，请联系管理员。",
                 404: "没有找到这个页面或要查看的内容，它可能已被删除，或地址有误。", 405: "此页面不接受这种请求方式。",
                 413: "上传的内容超过了允许的大小。", 500: "系统处理时出错，您的操作没有完成；请稍后重试，如仍不行请联系管理员。"}  # fmt: skip
_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{status} {title}</title></head>
<body><h1>{title}</h1><p>错误代码 {status}。<a href="/admin/">返回首页</a></p></body></html>
"""


def _console_page(status: int, title: str) -> str | None:
    """The error in the console's own layout, with its navigation; None when that cannot be drawn (e.g. the
    database is down, which the navigation needs for the user's role)."""
    if not request.path.startswith("/admin"):
        return None
    try:
        home = current_app.extensions["admin"][0].index_view
        referrer = request.referrer if request.referrer and request.referrer.startswith(request.host_url) else None
        return str(home.render("admin/error.html", status=status, title=title, back=referrer,
                               explanation=_EXPLANATIONS.get(status, "请求未能完成。")))  # fmt: skip
    except Exception:  # the plain page below says the same; why the layout failed is in the log
        log.warning("the console's error page could not be drawn in its layout", exc_info=True)
        return None


def page(exc: HTTPException) -> Response:
    status = exc.code or 500
    title = _TITLES.get(status, "请求未能完成")
    body = _console_page(status, title) or _PAGE.format(status=status, title=escape(title))
    response = Response(body, status=status, mimetype="text/html")
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, page)
