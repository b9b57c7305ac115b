"""Compare two versions: structural differences with Chinese labels, and the impact on the test cases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose

from admin.auth import RoleMixin
from admin.views.versions import _message, download
from jifen.db import get_session
from jifen.errors import NoVersionInForce, ServiceError
from jifen.services import rulesets
from jifen.workbook import comparison_workbook
from jifen.workbook.compare import CHANGE_NAMES, shown


class CompareView(RoleMixin, BaseView):  # type: ignore[misc]
    @expose("/")
    def index(self) -> Any:
        session = get_session()
        versions = rulesets.list_versions(session)
        a, b = request.args.get("a", type=int), request.args.get("b", type=int)
        if a is None and b is None:  # the version in force today against the newest draft
            a, b = _in_force_today(session), next((v.id for v in versions if v.status == "draft"), None)
        result, error = None, None
        if a and b:
            try:
                result = rulesets.diff(session, a, b)
            except ServiceError as exc:
                error = _message(exc)
        return self.render("admin/compare.html", versions=versions, a=a, b=b, result=result, error=error,
                           names=CHANGE_NAMES, shown=shown)  # fmt: skip

    @expose("/export.xlsx")
    def export(self) -> Any:
        a, b = request.args.get("a", type=int), request.args.get("b", type=int)
        if not (a and b):
            return redirect(url_for(".index"))
        try:
            result = rulesets.diff(get_session(), a, b)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index", a=a, b=b))
        names = "-".join(ref.replace("/", "-") for ref in (result["a"]["ref"], result["b"]["ref"]))
        return download(comparison_workbook(result), f"compare-{names}.xlsx")


def _in_force_today(session: Any) -> int | None:
    today = dt.date.today()
    try:
        return rulesets.in_force(session, today.year, today).id
    except NoVersionInForce:
        published = rulesets.list_versions(session, status="published")
        return published[0].id if published else None
