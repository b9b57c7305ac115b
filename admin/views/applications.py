"""申请办理: the bureau's dashboard (applications by state, every overdue department task on one page, the
objections under re-review, whether the working-day calendar covers the years ahead), the applications of a
state, and one application's page — its timeline, each score of its chain with the facts that produced it,
publication (publishers) and the export of its history for an auditor."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any
from urllib.parse import quote

from flask import Response, abort, current_app, flash, make_response, redirect, request, url_for
from flask_admin import BaseView, expose

from admin.application_actions import actor, application_or_404, catalogue, problem_params, run, today
from admin.application_history import score_chain, timeline
from admin.application_words import (
    CHANNEL_NAMES,
    INVALID_REASON_NAMES,
    KIND_NAMES,
    STATE_BADGES,
    STATE_NAMES,
    TASK_STATUS_NAMES,
    VOID_REASON_NAMES,
    day_text,
    label,
    problem_text,
)
from admin.auth import RoleMixin, allowed, requires
from admin.views.access_log import reading
from admin.words import word
from engine import dumps
from jifen import applications, unit_of_work
from jifen.applications import Context, lists, lookup, materials, periods, queue, views, workdays
from jifen.errors import CodedError
from jifen.statements import receipt
from jifen.unit_of_work import get_session

PER_PAGE = 50


def calendar_years(calendar: workdays.Calendar, day: dt.date) -> list[tuple[int, str | None]]:
    """This year and the next, each with where its holidays come from (None: nothing covers it yet)."""
    return [(year, calendar.source(year)) for year in (day.year, day.year + 1)]


class ApplicationsView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("publisher", "auditor", "admin")

    @expose("/")
    def index(self) -> Any:
        session, day = get_session(), today()
        overdue = queue.overdue(session, day)
        for task in overdue:
            task["overdue_days"] = (day - task["due"]).days
        by_department = [(unit, list(tasks)) for unit, tasks in groupby(overdue, key=lambda t: t["department"])]
        return self.render(
            "admin/applications/dashboard.html",
            today=day,
            periods_missing=periods.count(session, day.year) == 0,
            counts=lists.counts_by_state(session),
            overdue=overdue,
            by_department=by_department,
            objections=lists.open_objections(session, day),
            in_window=lists.in_objection_window(session, day),
            calendar_years=calendar_years(workdays.load(session), day),
            package=workdays.PACKAGE,
            states=STATE_NAMES,
            badges=STATE_BADGES,
            kinds=KIND_NAMES,
            day_text=day_text,
        )

    @expose("/list")
    def listing(self) -> Any:
        state = request.args.get("state", "")
        state = state if state in STATE_NAMES else ""
        search = "".join(c for c in request.args.get("q", "") if c.isprintable()).strip()[:64]
        number = max(1, min(request.args.get("page", 1, type=int) or 1, 10_000))
        rows, total = lists.page(get_session(), state or None, search, number, PER_PAGE)
        return self.render("admin/applications/list.html", rows=rows, total=total, state=state, search=search,
                           page=number, pages=max(1, -(-total // PER_PAGE)), states=STATE_NAMES, badges=STATE_BADGES,
                           channels=CHANNEL_NAMES)  # fmt: skip

    @expose("/<int:year>/<path:application_ref>")
    def detail(self, year: int, application_ref: str) -> Any:
        return self._detail(year, application_ref)

    def _detail(self, year: int, application_ref: str, publish_errors: list[str] | None = None,
                published_on: str = "", issued_code: str | None = None) -> Any:  # fmt: skip
        app = application_or_404(application_ref, year)
        session, day = get_session(), today()
        facts = catalogue(session, app)
        lens = reading("console_application", application_ref, year)  # masked: the full facts are a score's page
        history = lens.redact(views.history(session, application_ref, year, day))
        view = history["application"]
        for task in view["tasks"]:
            task["facts_text"] = "、".join(label(facts, n) for n in task["facts"]) or word("views_applications.none")
            task["overdue_days"] = (day - task["due"]).days if task["overdue"] else 0
        return self.render(
            "admin/applications/detail.html",
            app=app,
            view=view,
            timeline=timeline(facts, history["events"]),
            chain=score_chain(facts, history),
            may_publish=allowed("publisher") and app.state == "scored",
            may_issue_code=allowed("publisher", "admin"),
            issued_code=issued_code,
            notice=materials.labelled(session, app),
            may_see_scores=allowed("auditor", "admin"),
            publish_errors=publish_errors or [],
            published_on=published_on or day.isoformat(),
            today=day,
            states=STATE_NAMES,
            badges=STATE_BADGES,
            channels=CHANNEL_NAMES,
            kinds=KIND_NAMES,
            task_statuses=TASK_STATUS_NAMES,
            invalid_reasons=INVALID_REASON_NAMES,
            void_reasons=VOID_REASON_NAMES,
            day_text=day_text,
        )

    @expose("/publish/<int:year>/<path:application_ref>", methods=["POST"])
    @requires("publisher")
    def publish(self, year: int, application_ref: str) -> Any:
        app = application_or_404(application_ref, year)
        raw = request.form.get("published_on", "").strip()
        try:
            published_on = dt.date.fromisoformat(raw)
        except ValueError:
            return self._detail(year, application_ref, [word("views_applications.publish_date_missing")], raw)
        try:
            done = run(lambda ctx: applications.publish(ctx, application_ref, year, published_on))
        except CodedError as exc:
            message = problem_text(exc, problem_params(app, None))
            if "published_on" in exc.errors:
                message = word("views_applications.publish_date_range", received_on=app.received_on, today=today())
            return self._detail(year, application_ref, [message], raw)
        flash(
            word(
                "views_applications.published",
                application_ref=application_ref,
                day_text=day_text(done.published_on),
                day_text2=day_text(done.objection_deadline),
            ),
            "success",
        )
        return redirect(url_for(".detail", year=year, application_ref=application_ref))

    @expose("/lookup-code/<int:year>/<path:application_ref>", methods=["POST"])
    @requires("publisher", "admin")
    def lookup_code(self, year: int, application_ref: str) -> Any:
        """A new lookup code for the applicant, shown on this answer only (never flashed: the session cookie is
        readable by its holder's browser and kept); the old code no longer works."""
        application_or_404(application_ref, year)
        who, secret = actor(), current_app.config["SECRET_KEY"]
        with unit_of_work.current().write() as session:
            _app, code = lookup.reissue(Context(session, who, today(), workdays.load(session)), application_ref, year,
                                        secret)  # fmt: skip
        response = make_response(self._detail(year, application_ref, issued_code=code))
        response.headers["Cache-Control"] = "no-store"
        return response

    @expose("/notice/<int:year>/<path:application_ref>")
    def notice(self, year: int, application_ref: str) -> Any:
        """The one-time materials notice as a page of its own, to print on one A4 sheet."""
        app = application_or_404(application_ref, year)
        return self.render("admin/applications/notice.html", app=app,
                           notice=materials.labelled(get_session(), app), today=today(), day_text=day_text)  # fmt: skip

    @expose("/receipt/<int:year>/<path:application_ref>")
    def receipt(self, year: int, application_ref: str) -> Any:
        """The published result's receipt (积分结果凭证) with its statement's QR code, to print on one A4 sheet."""
        app = application_or_404(application_ref, year)
        found = receipt.of_application(get_session(), app, url_for("public.verify_page", _external=True),
                                       word("statement_receipt.qr_title"))  # fmt: skip
        if found is None:
            abort(404)
        return self.render("admin/applications/receipt.html", app=app, receipt=found, today=today(), day_text=day_text)

    @expose("/export/<int:year>/<path:application_ref>")
    def export(self, year: int, application_ref: str) -> Any:
        """The history as the API and ``flask applications history`` give it (JSON), as a download."""
        application_or_404(application_ref, year)
        lens = reading("console_export", application_ref, year, detail=True)
        history = lens.redact(views.history(get_session(), application_ref, year, today()))
        name = f"history-{application_ref}-{year}".replace("/", "-") + ".json"
        response = Response(dumps(history, indent=2) + "\n", mimetype="application/json")
        response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
        return response
