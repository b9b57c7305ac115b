"""试算: score an application under any version (drafts included) from a form; nothing is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import request
from flask_admin import BaseView, expose

from admin.auth import RoleMixin
from admin.forms import fact_inputs, parse_facts
from admin.views.versions import loaded
from engine import FactsError, compile_version
from engine.loader import read_catalogue
from jifen.db import get_session
from jifen.services import rulesets


class TryItView(RoleMixin, BaseView):  # type: ignore[misc]
    @expose("/", methods=["GET", "POST"])
    def index(self) -> Any:
        session = get_session()
        versions = rulesets.list_versions(session)
        vid = request.values.get("vid", type=int) or next((v.id for v in versions if v.status == "published"), None)
        row = next((v for v in versions if v.id == vid), None)
        errors: dict[str, list[str]] = {}
        values = {k[5:]: v for k, v in request.form.items() if k.startswith("fact_")}
        result, problems = None, []
        as_of = dt.date.today()
        catalogue = list(read_catalogue(rulesets.document(row))) if row is not None else []
        if row is not None and request.method == "POST":
            try:
                as_of = dt.date.fromisoformat(request.form.get("as_of") or as_of.isoformat())
            except ValueError:
                errors["as_of"] = ["日期无效（格式为 年-月-日）"]
            model, problems = loaded(row)
            facts = parse_facts(catalogue, request.form)
            if model is not None and not errors:
                try:
                    result = compile_version(model).score(facts, as_of=as_of)
                except FactsError as exc:
                    errors.update(exc.texts("zh"))
        inputs = fact_inputs(catalogue, values, errors)
        return self.render("admin/tryit.html", versions=versions, row=row, inputs=inputs, result=result, errors=errors,
                           problems=problems, as_of=as_of)  # fmt: skip
