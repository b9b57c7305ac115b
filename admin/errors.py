"""The console's error pages: a short page in Chinese for every HTTP error outside the API.

Registered on the application because a path that matches no route belongs to no blueprint; the API's
blueprint has its own handlers (problem details), which Flask asks first for everything under /api.
"""

from __future__ import annotations

from flask import Flask, Response
from markupsafe import escape
from werkzeug.exceptions import HTTPException

_TITLES = {400: "请求无效", 403: "没有权限", 404: "页面不存在", 405: "不支持该请求方式", 413: "上传内容过大",
           500: "系统内部错误"}  # fmt: skip
_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{status} {title}</title></head>
<body><h1>{title}</h1><p>错误代码 {status}。<a href="/admin/">返回首页</a></p></body></html>
"""


def page(exc: HTTPException) -> Response:
    status = exc.code or 500
    title = _TITLES.get(status, "请求未能完成")
    response = Response(_PAGE.format(status=status, title=escape(title)), status=status, mimetype="text/html")
    if status == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)  # type: ignore[attr-defined]
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, page)
