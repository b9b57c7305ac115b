"""影响分析: what a version (a draft or any other) does to a population, against a base version.

The analysis runs in a background process (``jifen.standard.impact_jobs``); the page starts it, then shows
its progress (the page reloads itself) and its report, with charts drawn here as SVG and the workbook the
job wrote.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import FileStorage

from admin.auth import RoleMixin
from admin.charts import change_bars, histogram_chart
from admin.views.versions import _message
from admin.words import word
from engine import RulesetVersion
from jifen import unit_of_work
from jifen.errors import ServiceError
from jifen.standard import impact, impact_jobs, rulesets
from jifen.unit_of_work import get_session
from jifen.workbook import MIMETYPE
from jifen.workbook.applicants import ApplicantsError, applicants_template, looks_like_xlsx, read_applicants
from jifen.workbook.impact import DIRECTION_NAMES, SIDE_NAMES, number, signed, summary_rows

# a population of 100,000 applications is about 40 MB of JSON Lines; the API's request limit is far smaller
DEFAULT_MAX_UPLOAD = 512 * 1024 * 1024
SHOWN_ROWS = 200  # crossings and errors listed on the page; the workbook has them all


def max_upload() -> int:
    """The largest population upload, in bytes (``JIFEN_IMPACT_MAX_UPLOAD_BYTES``)."""
    configured = current_app.config.get("IMPACT_MAX_UPLOAD_BYTES") or os.environ.get("JIFEN_IMPACT_MAX_UPLOAD_BYTES")
    return int(configured) if configured else DEFAULT_MAX_UPLOAD


def jobs_root() -> Path:
    return Path(current_app.config["INSTANCE_DIR"]) / "impact"


def _limits() -> impact_jobs.Limits:
    config = current_app.config
    return impact_jobs.Limits(running=config["IMPACT_RUNNING"], per_user=config["IMPACT_PER_USER"])


def _advanced_root() -> Path:
    """The jobs' folder, after starting the jobs first in line for which there is a place (a job killed on the
    way frees its place here)."""
    root = jobs_root()
    impact_jobs.advance(root, unit_of_work.current().database.url, _limits())
    return root


def _cutoffs(text: str) -> list[Decimal]:
    found = []
    for part in text.replace("，", ",").replace("、", ",").split(","):
        if part.strip():
            value = Decimal(part.strip())
            if not value.is_finite() or not 0 <= value <= 10_000:
                raise InvalidOperation(part)
            found.append(value)
    return found


def _population(form: Any, kind: str | None, upload: FileStorage | None, errors: dict[str, str]) -> dict[str, Any]:
    """The population the form asks for (a stored year, the applications of a year, or an uploaded file); what is
    wrong goes in ``errors``."""
    if kind in ("stored", "applications"):
        year = form.get("year" if kind == "stored" else "received_year", type=int)
        if year is None or not 2000 <= year <= 2100:
            errors["year" if kind == "stored" else "received_year"] = word("views_impact.year_missing")
        return {"kind": kind, "year": year}
    if kind == "file":
        if upload is None or not upload.filename:
            errors["population"] = word("views_impact.file_missing")
        return {"kind": "file", "name": upload.filename if upload else ""}
    errors["kind"] = word("views_impact.choose_population")
    return {}


def _workbook_population(upload: FileStorage, models: list[RulesetVersion], errors: dict[str, str],
                         cells: list[str]) -> IO[bytes] | None:  # fmt: skip
    """An uploaded workbook of applicants as JSON Lines (its facts read by the two versions' catalogues), or None
    with its problems by cell in ``cells``."""
    try:
        entries = read_applicants(upload.read(), [m.facts for m in models])
    except ApplicantsError as exc:
        errors["population"] = word("impact_form.workbook_refused", count=exc.count)
        cells.extend(e.text("zh") for e in exc.errors)
        return None
    return io.BytesIO(b"\n".join(entries) + b"\n")


def _chosen(session: Any, form: Any, errors: dict[str, str]) -> tuple[dict[str, Any], list[RulesetVersion]]:
    """The two versions chosen (ids and references for the job, models to read a workbook by); never one twice."""
    chosen: dict[str, Any] = {}
    models: list[RulesetVersion] = []
    for key in ("version", "base"):
        vid = form.get(key, type=int)
        try:
            if vid is None:
                raise ServiceError(word("views_impact.choose_version"))
            # a draft that does not validate is refused here, with its problems in Chinese
            models.append(impact.load_version(session, vid))
            chosen[f"{key}_ref"], chosen[key] = models[-1].ref, vid
        except ServiceError as exc:
            errors[key] = _message(exc)
    if chosen.get("version") is not None and chosen.get("version") == chosen.get("base"):
        errors["base"] = word("impact_form.same_version", ref=chosen["version_ref"])
    return chosen, models


def _uploaded(upload: FileStorage, population: dict[str, Any], models: list[RulesetVersion], errors: dict[str, str],
              cells: list[str]) -> tuple[IO[bytes] | None, dict[str, Any]]:  # fmt: skip
    """An uploaded population as the job reads it: JSON as it is, a workbook of applicants read into JSON Lines."""
    stream: IO[bytes] = upload.stream
    if not looks_like_xlsx(stream.read(4)):
        stream.seek(0)
        return stream, population
    stream.seek(0)
    return _workbook_population(upload, models, errors, cells), {**population, "kind": "workbook"}


class ImpactView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("editor", "auditor")

    @expose("/", methods=["GET", "POST"])
    def index(self) -> Any:
        if request.method == "POST":
            # an uploaded population may be far larger than an API request (Flask ≥ 3.1: a per-request limit,
            # set before the body is read)
            request.max_content_length = max_upload()
        session = get_session()
        versions = rulesets.list_versions(session)
        form = request.form if request.method == "POST" else request.args
        errors: dict[str, str] = {}
        cells: list[str] = []
        if request.method == "POST":
            started = self._start(session, form, errors, cells)
            if started is not None:
                return redirect(url_for(".job", job_id=started))
        pair = impact.default_pair(session, dt.date.today())
        this_year = str(dt.date.today().year)
        defaults = {
            "version": form.get("version", type=int) or pair.version,
            "base": form.get("base", type=int) or pair.base,
            "kind": form.get("kind", "stored"),
            "year": form.get("year") or this_year,
            "received_year": form.get("received_year") or this_year,
            "date": form.get("date") or dt.date.today().isoformat(),
            "cutoffs": form.get("cutoffs", ""),
        }
        note = None if "version" in form else _default_note(pair)
        page = self.render("admin/impact/index.html", versions=versions, values=defaults, errors=errors, cells=cells,
                           note=note, jobs=impact_jobs.recent(_advanced_root()))  # fmt: skip
        return page, 422 if errors else 200

    def _start(self, session: Any, form: Any, errors: dict[str, str], cells: list[str]) -> str | None:
        """Check the form and start the job; its id, or None with ``errors`` filled in (and a workbook's bad
        cells in ``cells``)."""
        try:
            on = dt.date.fromisoformat(form.get("date", ""))
        except ValueError:
            errors["date"] = word("views_impact.date_invalid")
        try:
            cutoffs = _cutoffs(form.get("cutoffs", ""))
        except InvalidOperation:
            errors["cutoffs"] = word("views_impact.cutoffs_invalid")
        kind = form.get("kind")
        upload = request.files.get("population")
        population = _population(form, kind, upload, errors)
        chosen, models = _chosen(session, form, errors)
        if errors:
            return None
        stream: IO[bytes] | None = None
        if kind == "file" and upload is not None:
            stream, population = _uploaded(upload, population, models, errors, cells)
            if stream is None:
                return None
        job_request = {
            **chosen,
            "date": on.isoformat(),
            "cutoffs": cutoffs,
            "population": population,
            "user": current_user.username,
        }
        try:
            return impact_jobs.start(jobs_root(), job_request, unit_of_work.current().database.url, stream, _limits())
        except ServiceError as exc:
            errors["queue"] = _message(exc)
            return None

    @expose("/template.xlsx")
    def template(self) -> Any:
        """The workbook of applicants to fill in, with the columns of the chosen (new) version's fact catalogue."""
        vid = request.args.get("version", type=int)
        try:
            model = impact.load_version(get_session(), vid if vid is not None else 0)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(url_for(".index"))
        name = f"applicants-{model.ref.replace('/', '-')}.xlsx"
        return send_file(io.BytesIO(applicants_template(model.facts, model.ref)), mimetype=MIMETYPE,
                         as_attachment=True, download_name=name)  # fmt: skip

    @expose("/jobs/<job_id>")
    def job(self, job_id: str) -> Any:
        root = _advanced_root()
        job = impact_jobs.load(root, job_id)
        if job is None:
            abort(404)
        report = job.report()
        charts: dict[str, Markup] = {}
        if report is not None:
            kinds = {code: c["kind"] for code, c in report["categories"].items()}
            charts = {
                "histogram": histogram_chart(report["histogram"]),
                "indicators": change_bars(report["indicators"], kinds),
            }
        return self.render(
            "admin/impact/job.html",
            job=job,
            place=impact_jobs.position(root, job),
            running=_limits().running,
            report=report,
            field_name=_field_names(job.request.get("version")) if report and report["errors"] else None,
            charts=charts,
            summary=summary_rows(report) if report else [],
            sides=SIDE_NAMES,
            directions=DIRECTION_NAMES,
            number=number,
            signed=signed,
            shown_rows=SHOWN_ROWS,
        )

    @expose("/jobs/<job_id>/report.xlsx")
    def workbook(self, job_id: str) -> Any:
        job = impact_jobs.load(jobs_root(), job_id)
        if job is None or job.workbook is None:
            flash(word("views_impact.report_not_ready"), "error")
            return redirect(url_for(".job", job_id=job_id) if job else url_for(".index"))
        report = job.report() or {}
        name = f"impact-{report['version']['ref']}-vs-{report['base']['ref']}".replace("/", "-") + ".xlsx"
        return send_file(job.workbook, mimetype=MIMETYPE, as_attachment=True, download_name=name)


def _default_note(pair: impact.DefaultPair) -> str | None:
    """Why the form chose the two versions it shows."""
    if pair.reason == "draft":
        return word("impact_form.default_draft", version=pair.version_ref, base=pair.base_ref)
    if pair.reason == "newest":
        return word("impact_form.default_newest", version=pair.version_ref, base=pair.base_ref)
    if pair.reason == "previous":
        return word("impact_form.default_previous", version=pair.version_ref, base=pair.base_ref)
    if pair.reason == "single":
        return word("impact_form.default_single", version=pair.version_ref)
    return None


def _field_names(vid: Any) -> Any:
    """How an error names what it is about: a fact by its label, an entry that cannot be read as such."""
    try:
        catalogue = impact.load_version(get_session(), int(vid)).catalogue
    except Exception:  # the version may have been deleted since: the paths as they are
        catalogue = {}

    def name(path: str) -> str:
        if path == "input":
            return word("views_impact.entry")
        field = catalogue.get(path.removeprefix("facts."))
        return field.label if field is not None and path.startswith("facts.") else path

    return name
