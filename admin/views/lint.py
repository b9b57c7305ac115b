"""静态检查: the findings of ``engine.lint`` about a version, in Chinese, with the applicant that shows each."""

from __future__ import annotations

from typing import Any

from flask import redirect, url_for
from flask_admin import BaseView, expose

from admin.auth import RoleMixin
from admin.views.versions import loaded, version_or_404
from admin.words import names
from engine.describe import value_text
from engine.lint import counts, lint


class LintView(RoleMixin, BaseView):  # type: ignore[misc]
    def is_visible(self) -> bool:
        return False  # reached from a version's page

    @expose("/")
    def index(self) -> Any:
        return redirect(url_for("versions.index"))

    @expose("/<int:vid>")
    def version(self, vid: int) -> Any:
        row = version_or_404(vid)
        model, problems = loaded(row)
        findings = lint(model) if model is not None else []
        catalogue = model.catalogue if model is not None else {}
        return self.render(
            "admin/lint/index.html",
            row=row,
            problems=problems,
            findings=findings,
            counts=counts(findings),
            severity_names=names("lint_severities"),
            check_names=names("lint_checks"),
            label=lambda name: catalogue[name].label if name in catalogue else name,
            value=lambda name, value: value_text(value, catalogue.get(name), "—"),
        )
