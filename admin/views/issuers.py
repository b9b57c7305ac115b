"""互认签发方: the other cities whose signed statements the bureau recognises (policy §三(一)1, 跨区互认), with their
public keys. Publishers and admins add, update and remove them (each change in the audit log); auditors look."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.auth import RoleMixin, allowed, requires
from admin.clock import local_time
from admin.words import word
from jifen import unit_of_work
from jifen.errors import NotFound, ServiceError
from jifen.statements import issuers
from jifen.unit_of_work import get_session

EDITORS = ("publisher", "admin")


def problem(exc: ServiceError) -> str:
    """The service's refusal in Chinese: the sentence and its reasons."""
    said = getattr(exc, "said", None)
    if said is None:
        return word("issuers_console.not_saved")
    reasons = [r.text("zh") for r in getattr(exc, "why", [])]
    return "：".join([said.text("zh"), "；".join(reasons)] if reasons else [said.text("zh")])


def _jwks_sent() -> str | bytes | None:
    """The JWKS of the form: an uploaded file, else the pasted text (None: neither)."""
    upload = request.files.get("jwks_file")
    if upload is not None and upload.filename:
        data: bytes = upload.read(issuers.JWKS_BYTES + 1)
        return data
    pasted = request.form.get("jwks", "").strip()
    return pasted or None


def _row(issuer: issuers.Issuer) -> dict[str, Any]:
    return {"issuer": issuer.issuer, "name": issuer.name, "keys": issuer.described()["keys"],
            "added": f"{issuer.added_by}，{local_time(issuer.added_at)}",
            "updated": f"{issuer.updated_by}，{local_time(issuer.updated_at)}"}  # fmt: skip


class IssuersView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("publisher", "auditor", "admin")

    @expose("/")
    def index(self) -> Any:
        return self._page()

    def _page(self, error: str = "", values: dict[str, str] | None = None) -> Any:
        rows = [_row(i) for i in issuers.listed(get_session())]
        return self.render("admin/issuers.html", rows=rows, may_edit=allowed(*EDITORS), error=error,
                           values=values or {"issuer": "", "name": "", "jwks": ""})  # fmt: skip

    @expose("/add", methods=["POST"])
    @requires(*EDITORS)
    def add(self) -> Any:
        values = {k: request.form.get(k, "").strip() for k in ("issuer", "name", "jwks")}
        jwks = _jwks_sent()
        if jwks is None:
            return self._page(word("issuers_console.jwks_missing"), values)
        try:
            with unit_of_work.current().write() as session:
                added = issuers.add(session, values["issuer"], jwks, values["name"], current_user.username)
        except ServiceError as exc:
            return self._page(problem(exc), values)
        flash(word("issuers_console.added", issuer=added.issuer, count=len(added.key_ids)), "success")
        return redirect(url_for(".index"))

    @expose("/<path:issuer>", methods=["GET"])
    def edit(self, issuer: str, error: str = "") -> Any:
        found = issuers.find(get_session(), issuer)
        if found is None:
            abort(404)
        return self.render("admin/issuers_edit.html", row=_row(found), may_edit=allowed(*EDITORS), error=error)

    @expose("/<path:issuer>", methods=["POST"])
    @requires(*EDITORS)
    def update(self, issuer: str) -> Any:
        try:
            with unit_of_work.current().write() as session:
                updated = issuers.update(session, issuer, current_user.username, _jwks_sent(),
                                         request.form.get("name", ""))  # fmt: skip
        except ServiceError as exc:
            if isinstance(exc, NotFound):
                abort(404)
            return self.edit(issuer, problem(exc))
        flash(word("issuers_console.updated_flash", issuer=updated.issuer, count=len(updated.key_ids)), "success")
        return redirect(url_for(".index"))

    @expose("/<path:issuer>/remove", methods=["POST"])
    @requires(*EDITORS)
    def remove(self, issuer: str) -> Any:
        try:
            with unit_of_work.current().write() as session:
                gone = issuers.remove(session, issuer, current_user.username)
        except NotFound:
            abort(404)
        flash(word("issuers_console.removed", issuer=gone.issuer), "success")
        return redirect(url_for(".index"))
