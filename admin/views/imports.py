"""Importing a YAML file or a workbook into the console: a workbook's changes are shown in sentences first.

The uploaded workbook waits in the instance folder (``imports/<token>.xlsx``, for its uploader only) between the
preview and the confirmation; the confirmation reads it again and plans again, so that what is saved is what the
clerk saw, or a refusal saying that the draft moved meanwhile (``jifen.standard.files``).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import yaml
from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from admin.auth import requires
from admin.clock import local_time
from admin.problems import described
from admin.problems import refused_text as _message
from admin.words import word
from engine import Problem, RulesetError, RulesetVersion
from engine.schema import field_labels
from jifen import unit_of_work
from jifen.errors import ServiceError
from jifen.messages import KIND_ZH
from jifen.standard import files, rulesets
from jifen.unit_of_work import get_session
from jifen.workbook import CellProblem, Origin, is_workbook, read_with_origin
from jifen.workbook.compare import CHANGE_NAMES, marked_lines
from jifen.workbook.layout import STATUS_NAMES

_LABELS = field_labels()
KEEP_SECONDS = 24 * 3600  # an upload nobody confirmed is removed after a day
_TOKEN_LENGTH = 32


def _uploads() -> Path:
    folder = Path(current_app.config["INSTANCE_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _keep(data: bytes, filename: str) -> str:
    """Keep an uploaded workbook for its confirmation; returns its token (older uploads are removed)."""
    folder = _uploads()
    now = time.time()
    for old in folder.iterdir():
        if now - old.stat().st_mtime > KEEP_SECONDS:
            old.unlink(missing_ok=True)
    token = uuid.uuid4().hex
    (folder / f"{token}.xlsx").write_bytes(data)
    (folder / f"{token}.json").write_text(json.dumps({"user": current_user.username, "filename": filename}))
    return token


def _kept(token: str) -> tuple[bytes, str] | None:
    """The workbook kept under ``token`` for this user, and its file name; None when there is none."""
    if len(token) != _TOKEN_LENGTH or not token.isalnum() or not token.isascii():
        return None
    folder = _uploads()
    try:
        meta = json.loads((folder / f"{token}.json").read_text())
        data = (folder / f"{token}.xlsx").read_bytes()
    except (OSError, ValueError):
        return None
    if meta.get("user") != current_user.username:
        return None
    return data, str(meta.get("filename", ""))


def _forget(token: str) -> None:
    for suffix in (".xlsx", ".json"):
        (_uploads() / f"{token}{suffix}").unlink(missing_ok=True)


def problem_text(p: Problem, doc: Any = None) -> str:
    """A problem of an imported file in Chinese: a workbook's at its cell (「本市基础分指标!F12」), a YAML file's at
    its place in ``doc``, the file's content as read."""
    if isinstance(p, CellProblem):
        return word("views_versions.at_cell", value=p.path or word("views_versions.file"), text=p.text("zh"))
    text = described(p, doc if isinstance(doc, dict) else None)
    return text if p.path else word("views_versions.in_file", text=text)


def _part_name(kind: str, key: str) -> str:
    """A part both the workbook and someone's save changed, as a clerk knows it: 「赋分细则 T7-1」, 「标题」."""
    if kind == "meta":
        return _LABELS.get(key, key)
    if kind == "invalid":
        return word("imports_preview.merge_invalid")
    return f"{KIND_ZH.get(kind, kind)} {key}"


def _read_yaml(text: str) -> Any:
    """A YAML file's content, to name the places of its problems (None when it is not YAML at all)."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return None


class ImportsMixin:
    """The import pages of the versions view (``/admin/versions/import``)."""

    render: Any

    @expose("/import", methods=["GET", "POST"])
    @requires("editor")
    def import_(self) -> Any:
        problems: list[str] = []
        if request.method == "POST":
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                problems.append(word("views_versions.choose_file"))
            elif is_workbook(upload.filename):
                data = upload.read()
                try:
                    model, origin = read_with_origin(data, upload.filename)
                except RulesetError as exc:
                    problems = [problem_text(p) for p in exc.problems]
                else:
                    return self._preview(model, origin, _keep(data, upload.filename), upload.filename)
            else:
                problems, done = self._import_yaml(upload.read(), upload.filename)
                if done is not None:
                    return redirect(done)
        return self.render("admin/versions/import.html", problems=problems)

    def _import_yaml(self, data: bytes, filename: str) -> tuple[list[str], str | None]:
        """Import a YAML file at once: its problems, or the address of the version imported."""
        content: Any = None
        try:
            text = data.decode("utf-8")
            content = _read_yaml(text)
            with unit_of_work.current().write() as session:
                row, created = rulesets.import_text(session, text, filename, current_user.username)
                vid, ref = row.id, row.ref
        except UnicodeDecodeError:
            return [word("views_versions.not_utf8")], None
        except RulesetError as exc:
            return [problem_text(p, content) for p in exc.problems], None
        except ServiceError as exc:
            return [_message(exc)], None
        outcome = word("views_versions.imported") if created else word("views_versions.unchanged")
        flash(word("views_versions.import_outcome", value=outcome, ref=ref), "success")
        return [], url_for(".detail", vid=vid)

    def _preview(self, model: RulesetVersion, origin: Origin, token: str, filename: str, *, as_new: bool = False,
                 error: str | None = None) -> Any:  # fmt: skip
        """What importing the workbook would do, in sentences, with a button to do it (a stale workbook: why not)."""
        try:
            plan = files.plan_workbook(get_session(), model, origin, as_new=as_new)
        except ServiceError as exc:
            _forget(token)
            return self.render("admin/versions/import.html", problems=[_message(exc)])
        if plan.kind == "unchanged":
            _forget(token)
            flash(word("views_versions.import_outcome", value=word("views_versions.unchanged"), ref=plan.target_ref),
                  "success")  # fmt: skip
            return redirect(url_for(".detail", vid=plan.target_id))
        saves = [{"actor": s.actor, "at": local_time(s.at.isoformat()), "note": s.note or ""} for s in plan.saves]
        conflicts = [_part_name(kind, key) for kind, key in plan.conflicts]
        page = self.render("admin/versions/import_preview.html", plan=plan, token=token, filename=filename,
                           as_new=as_new, error=error, saves=saves, conflicts=conflicts, names=CHANGE_NAMES,
                           marked_lines=marked_lines, statuses=STATUS_NAMES)  # fmt: skip
        return page, 409 if error else 200

    @expose("/import/confirm", methods=["POST"])
    @requires("editor")
    def import_confirm(self) -> Any:
        """Save what the preview showed: the draft updated, or a new draft."""
        token = request.form.get("token", "")
        kept = _kept(token)
        if kept is None:
            flash(word("imports_preview.upload_gone"), "error")
            return redirect(url_for(".import_"))
        data, filename = kept
        as_new = request.form.get("as_new") == "1"
        model, origin = read_with_origin(data, filename)
        lock = request.form.get("lock", type=int)
        try:
            with unit_of_work.current().write() as session:
                plan = files.plan_workbook(session, model, origin, as_new=as_new)
                if plan.kind in ("update", "merge") and plan.lock != lock:
                    raise files.moved(plan)
                row, changed = files.apply_workbook(session, plan, current_user.username, filename)
                vid, ref = row.id, row.ref
        except ServiceError as exc:
            return self._preview(model, origin, token, filename, as_new=as_new, error=_message(exc))
        _forget(token)
        if not changed:
            flash(word("views_versions.import_outcome", value=word("views_versions.unchanged"), ref=ref), "success")
        elif plan.kind == "update":
            flash(word("imports_preview.updated", ref=ref), "success")
        elif plan.kind == "merge":
            flash(word("imports_preview.merged", ref=ref), "success")
        else:
            flash(word("imports_preview.created", ref=ref), "success")
        return redirect(url_for(".detail", vid=vid))
