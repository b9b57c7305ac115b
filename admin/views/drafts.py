"""Editing a draft in the console: one form per part of the version's document.

Every form works the same way (``draft_forms.DraftForm``): it shows the part as it is in the document, turns what
was typed into the part's new JSON, and asks ``drafts.edit`` to put it in and run the loader. The loader's problems
come back on the inputs they concern; what was typed stays in the form. A form remembers the part's token, so that
a save is refused only when someone else changed the same part meanwhile, and the refusal shows what they saved.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from werkzeug.wrappers import Response

from admin.auth import RoleMixin, requires
from admin.forms import TYPE_NAMES
from admin.problems import described, on_inputs
from admin.validation import warn_stale_labels
from admin.views import draft_forms as pages
from admin.views.versions import STATUS_NAMES, _message, version_or_404
from admin.words import word
from engine import FactsError, RulesetError, compile_version
from engine.bounds import most_total
from engine.loader import read_catalogue
from engine.model import NUMERIC_TYPES, FactField
from jifen import unit_of_work
from jifen.errors import ServiceError
from jifen.standard import drafts, rulesets
from jifen.standard.drafts import DraftProblems, EditConflict, FactInUse, Part
from jifen.standard.form_values import CLAUSE_ROWS, parse_facts
from jifen.standard.stored import RulesetVersionRow


def _draft(vid: int) -> RulesetVersionRow:
    row = version_or_404(vid)
    if row.status != "draft":
        flash(word("views_drafts.not_a_draft", ref=row.ref, STATUS_NAMES=STATUS_NAMES[row.status]), "error")
        abort(redirect(url_for("versions.detail", vid=vid)))
    return row


def _catalogue(doc: dict[str, Any]) -> list[FactField]:
    return list(read_catalogue(doc))


class DraftsView(RoleMixin, BaseView):  # type: ignore[misc]
    """The draft editor's pages, under /admin/drafts/<id>/…; reached from the version's page, not the menu."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self) -> Any:
        return redirect(url_for("versions.index", status="draft"))

    def _page(self, form: pages.DraftForm, row: RulesetVersionRow, doc: dict[str, Any], part: Part | None, values: dict[str, Any],
              errors: dict[str, list[str]] | None = None, general: list[str] | None = None, conflict: Any = None) -> Any:  # fmt: skip
        catalogue = _catalogue(doc)
        return self.render(
            form.template, row=row, doc=doc, part=part, values=values, errors=errors or {}, general=general or [],
            conflict=pages.shown(conflict) if conflict is not None else None, fields=catalogue,
            numeric=[f for f in catalogue if f.type in NUMERIC_TYPES], ops=pages.OP_NAMES, rows=range(CLAUSE_ROWS),
            types=TYPE_NAMES, kinds=pages.KIND_NAMES, labels=pages.ITEM_LABELS, **form.context,
        )  # fmt: skip

    def _edit(self, vid: int, form: pages.DraftForm, part: Part | None, what: str, done: Callable[[Part | None], str],
              indicator: str | None = None) -> Any:  # fmt: skip
        """GET: the form for ``part`` (None: a new one); POST: save it, or show the form again with its problems."""
        row = _draft(vid)
        doc = rulesets.document(row)
        current = drafts.locate(doc, part)[1] if part is not None else {}
        if current is None:
            abort(404)
        catalogue = {f.name: f for f in _catalogue(doc)}
        if request.method == "GET":
            values = form.part.values(copy.deepcopy(current), catalogue)
            values["base"] = drafts.token(doc, part) if part is not None else ""
            return self._page(form, row, doc, part, values)
        values = dict(request.form)
        obj = form.part.build(values, copy.deepcopy(current), catalogue)
        name = obj.get("name" if form.kind in ("fact", "case") else "code")
        what = what or f"{pages.PART_NAMES[form.kind]} {name}"

        def apply(d: dict[str, Any]) -> Part | None:
            if part is None:
                return drafts.add(d, form.kind, obj, indicator)
            return drafts.put(d, part, obj)

        try:
            with unit_of_work.current().write() as session:
                _, after, model = drafts.edit(session, vid, current_user.username, what, part or (form.kind, ""),
                                              values.get("base") if part is not None else None, apply)  # fmt: skip
        except EditConflict as exc:
            values["base"] = exc.token
            flash(
                word("views_drafts.changed_meanwhile"),
                "error",
            )
            return self._page(form, row, doc, part, values, conflict=exc.current if exc.current is not None else {})
        except DraftProblems as exc:
            errors, general = on_inputs(exc.problems, exc.document, form.kind, exc.where, form.part.prefix)
            flash(word("views_drafts.problems", len=len(exc.problems)), "error")
            return self._page(form, row, doc, part, values, errors, general)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return self._page(form, row, doc, part, values)
        flash(word("views_drafts.saved", what=what), "success")
        warn_stale_labels(model, form.kind, str(name))  # a label that no longer says what its rule scores
        return redirect(done(after))

    def _remove(self, vid: int, part: Part, what: str, back: str, change: Callable[[dict[str, Any]], None] | None = None,
                ) -> Response:  # fmt: skip
        _draft(vid)

        def apply(d: dict[str, Any]) -> None:
            (change or (lambda doc: drafts.remove(doc, part)))(d)

        try:
            with unit_of_work.current().write() as session:
                drafts.edit(session, vid, current_user.username, what, part, request.form.get("base"), apply)
        except FactInUse as exc:
            users = "、".join(f"{pages.PART_NAMES[kind]} {key}" for kind, key in exc.users)
            flash(word("views_drafts.fact_in_use", name=exc.name, users=users), "error")
            return redirect(back)
        except EditConflict:
            flash(word("views_drafts.changed_not_removed"), "error")
            return redirect(back)
        except DraftProblems as exc:
            flash(
                word("views_drafts.removal_breaks") + "；".join(described(p, exc.document) for p in exc.problems),
                "error",
            )
            return redirect(back)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return redirect(back)
        flash(word("views_drafts.removed", what=what), "success")
        return redirect(url_for("versions.detail", vid=vid))

    # -- the version's information --------------------------------------------------------------------------

    @expose("/<int:vid>/edit", methods=["GET", "POST"])
    @requires("editor")
    def edit_meta(self, vid: int) -> Any:
        return self._edit(
            vid,
            pages.meta_form(),
            drafts.META,
            word("views_drafts.version_information"),
            lambda _: url_for("versions.detail", vid=vid),
        )

    # -- categories and eligibility ---------------------------------------------------------------------------

    @expose("/<int:vid>/categories/<code>", methods=["GET", "POST"])
    @requires("editor")
    def edit_category(self, vid: int, code: str) -> Any:
        return self._edit(vid, pages.category_form(), ("category", code), "",
                          lambda _: url_for("versions.detail", vid=vid) + "#categories")  # fmt: skip

    @expose("/<int:vid>/new/category", methods=["GET", "POST"])
    @requires("editor")
    def new_category(self, vid: int) -> Any:
        return self._edit(
            vid, pages.category_form(), None, "", lambda _: url_for("versions.detail", vid=vid) + "#categories"
        )

    @expose("/<int:vid>/categories/<code>/delete", methods=["POST"])
    @requires("editor")
    def delete_category(self, vid: int, code: str) -> Any:
        return self._remove(
            vid,
            ("category", code),
            word("views_drafts.remove_category", code=code),
            url_for(".edit_category", vid=vid, code=code),
        )

    @expose("/<int:vid>/eligibility/<code>", methods=["GET", "POST"])
    @requires("editor")
    def edit_requirement(self, vid: int, code: str) -> Any:
        return self._edit(vid, pages.requirement_form(), ("requirement", code), "",
                          lambda _: url_for("versions.detail", vid=vid) + "#eligibility")  # fmt: skip

    @expose("/<int:vid>/new/requirement", methods=["GET", "POST"])
    @requires("editor")
    def new_requirement(self, vid: int) -> Any:
        return self._edit(vid, pages.requirement_form(), None, "",
                          lambda _: url_for("versions.detail", vid=vid) + "#eligibility")  # fmt: skip

    @expose("/<int:vid>/eligibility/<code>/delete", methods=["POST"])
    @requires("editor")
    def delete_requirement(self, vid: int, code: str) -> Any:
        return self._remove(vid, ("requirement", code), word("views_drafts.remove_requirement", code=code),
                            url_for(".edit_requirement", vid=vid, code=code))  # fmt: skip

    # -- indicators and items ------------------------------------------------------------------------------

    @expose("/<int:vid>/indicators/<code>", methods=["GET", "POST"])
    @requires("editor")
    def edit_indicator(self, vid: int, code: str) -> Any:
        return self._edit(vid, pages.indicator_form(), ("indicator", code), "",
                          lambda p: url_for("versions.detail", vid=vid) + f"#indicator-{p[1] if p else ''}")  # fmt: skip

    @expose("/<int:vid>/new/indicator", methods=["GET", "POST"])
    @requires("editor")
    def new_indicator(self, vid: int) -> Any:
        form = pages.indicator_form(new=True)
        return self._edit(
            vid, form, None, "", lambda p: url_for("versions.detail", vid=vid) + f"#indicator-{p[1] if p else ''}"
        )

    @expose("/<int:vid>/indicators/<code>/delete", methods=["POST"])
    @requires("editor")
    def delete_indicator(self, vid: int, code: str) -> Any:
        return self._remove(vid, ("indicator", code), word("views_drafts.remove_indicator", code=code),
                            url_for(".edit_indicator", vid=vid, code=code))  # fmt: skip

    @expose("/<int:vid>/items/<code>", methods=["GET", "POST"])
    @requires("editor")
    def edit_item(self, vid: int, code: str) -> Any:
        return self._edit(vid, pages.item_form(self._indicator_of(vid, code)), ("item", code), "",
                          lambda p: url_for("versions.detail", vid=vid) + f"#item-{p[1] if p else ''}")  # fmt: skip

    @expose("/<int:vid>/indicators/<code>/new-item", methods=["GET", "POST"])
    @requires("editor")
    def new_item(self, vid: int, code: str) -> Any:
        indicator = drafts.locate(rulesets.document(_draft(vid)), ("indicator", code))[1]
        if indicator is None:
            abort(404)
        return self._edit(vid, pages.item_form(indicator), None, "",
                          lambda p: url_for("versions.detail", vid=vid) + f"#item-{p[1] if p else ''}", indicator=code)  # fmt: skip

    @expose("/<int:vid>/items/<code>/delete", methods=["POST"])
    @requires("editor")
    def delete_item(self, vid: int, code: str) -> Any:
        return self._remove(
            vid, ("item", code), word("views_drafts.remove_item", code=code), url_for(".edit_item", vid=vid, code=code)
        )

    def _indicator_of(self, vid: int, item_code: str) -> dict[str, Any]:
        doc = rulesets.document(_draft(vid))
        for indicator in doc.get("indicators", []):
            if any(isinstance(i, dict) and i.get("code") == item_code for i in indicator.get("items", [])):
                return dict(indicator)
        abort(404)

    # -- the fact catalogue ----------------------------------------------------------------------------------

    @expose("/<int:vid>/facts/<field>", methods=["GET", "POST"])
    @requires("editor")
    def edit_fact(self, vid: int, field: str) -> Any:
        return self._edit(
            vid, pages.fact_form(), ("fact", field), "", lambda _: url_for("versions.detail", vid=vid) + "#facts"
        )

    @expose("/<int:vid>/new/fact", methods=["GET", "POST"])
    @requires("editor")
    def new_fact(self, vid: int) -> Any:
        return self._edit(
            vid, pages.fact_form(new=True), None, "", lambda _: url_for("versions.detail", vid=vid) + "#facts"
        )

    @expose("/<int:vid>/facts/<field>/delete", methods=["POST"])
    @requires("editor")
    def delete_fact(self, vid: int, field: str) -> Any:
        return self._remove(vid, ("fact", field), word("views_drafts.remove_fact", field=field), url_for(".edit_fact", vid=vid, field=field),
                            lambda doc: drafts.remove_fact(doc, field))  # fmt: skip

    # -- test cases ------------------------------------------------------------------------------------------

    def _case_part(self, vid: int, pos: int) -> Part:
        """A case by its place in the list when the form is loaded; by the name it had then when it is saved."""
        if request.method == "POST" and request.form.get("key") is not None:
            return ("case", request.form["key"])
        cases = rulesets.document(_draft(vid)).get("cases", [])
        if not 0 <= pos < len(cases) or not isinstance(cases[pos], dict):
            abort(404)
        return ("case", str(cases[pos].get("name")))

    @expose("/<int:vid>/cases/<int:pos>", methods=["GET", "POST"])
    @requires("editor")
    def edit_case(self, vid: int, pos: int) -> Any:
        part = self._case_part(vid, pos)
        if request.method == "POST" and request.form.get("action") == "adopt":
            return self._adopt(vid, pages.case_form(part[1]), part)
        return self._edit(vid, pages.case_form(part[1]), part, "", lambda _: url_for("versions.cases", vid=vid))

    @expose("/<int:vid>/new/case", methods=["GET", "POST"])
    @requires("editor")
    def new_case(self, vid: int) -> Any:
        if request.method == "POST" and request.form.get("action") == "adopt":
            return self._adopt(vid, pages.case_form(None), None)
        return self._edit(vid, pages.case_form(None), None, "", lambda _: url_for("versions.cases", vid=vid))

    def _adopt(self, vid: int, form: pages.DraftForm, part: Part | None) -> Any:
        """以当前结果为预期: the case form again, its expectations filled from what the draft scores now (not saved:
        the clerk reviews them, then saves)."""
        row = _draft(vid)
        doc = rulesets.document(row)
        values = {k: v for k, v in request.form.items() if not k.startswith("exp_")}
        catalogue = {f.name: f for f in _catalogue(doc)}
        try:
            model = rulesets.load_model(row)
            as_of = dt.date.fromisoformat(values["as_of"]) if values.get("as_of") else None
            result = compile_version(model).score(parse_facts(list(catalogue.values()), values), as_of=as_of)
        except (RulesetError, ValueError):
            flash(word("views_drafts.cannot_score"), "error")
            return self._page(form, row, doc, part, dict(request.form))
        except FactsError as exc:
            errors = {f"fact_{k}": v for k, v in exc.texts("zh").items()}
            flash(word("views_drafts.facts_invalid"), "error")
            return self._page(form, row, doc, part, dict(request.form), errors)
        values["exp_eligible"] = "true" if result["eligible"] else "false"
        most = most_total(model.categories)  # the case form refuses a total above it: never fill one in
        if result["total"] <= most:
            values["exp_total"] = pages.plain(result["total"])
        else:
            flash(
                word("expectations.total_beyond", total=pages.plain(result["total"]), most=pages.plain(most)), "error"
            )
        values.update({f"exp_cat_{c['code']}": pages.plain(c["points"]) for c in result["categories"]})
        values.update({f"exp_ind_{i['code']}": pages.plain(i["points"]) for i in result["indicators"]})
        flash(word("views_drafts.expectations_filled"), "success")
        return self._page(form, row, doc, part, values)

    @expose("/<int:vid>/cases/<int:pos>/delete", methods=["POST"])
    @requires("editor")
    def delete_case(self, vid: int, pos: int) -> Any:
        part = self._case_part(vid, pos)
        return self._remove(
            vid, part, word("views_drafts.remove_case", part=part[1]), url_for("versions.cases", vid=vid)
        )
