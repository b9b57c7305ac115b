"""Compare two versions: structural differences with Chinese labels, and the impact on the test cases."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_admin import BaseView, expose

from admin.auth import RoleMixin
from admin.views.versions import _message
from engine import dumps
from jifen.db import get_session
from jifen.errors import ServiceError
from jifen.services import rulesets

CHANGE_NAMES = {"added": "新增", "removed": "删除", "changed": "修改"}


def shown(value: Any) -> str:
    """A before/after value as a reader sees it."""
    if value is None:
        return "—"
    if isinstance(value, dict) and set(value) <= {"field", "op", "value"}:
        return " ".join(shown(value.get(k)) for k in ("field", "op", "value") if k in value)
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "，".join(f"{key} {shown(item)}" for key, item in value.items()) or "（空）"
    if isinstance(value, list):
        return "、".join(shown(item) for item in value) or "（空）"
    return dumps(value)


class CompareView(RoleMixin, BaseView):  # type: ignore[misc]
    @expose("/")
    def index(self) -> Any:
        session = get_session()
        versions = rulesets.list_versions(session)
        a, b = request.args.get("a", type=int), request.args.get("b", type=int)
        result, error = None, None
        if a and b:
            try:
                result = rulesets.diff(session, a, b)
            except ServiceError as exc:
                error = _message(exc)
        return self.render("admin/compare.html", versions=versions, a=a, b=b, result=result, error=error,
                           names=CHANGE_NAMES, shown=shown)  # fmt: skip
