"""场景应用: the scenes points entitle to. Publishers create, edit and publish them; everyone reads their lists (a
department user, their own department's only); a list downloads as an Excel workbook; a draft shows how many pass
at each threshold, and under a draft standard."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.application_actions import department_of_user
from admin.auth import RoleMixin, allowed, requires
from admin.words import choices, names, word
from jifen import unit_of_work
from jifen.errors import CodedError
from jifen.scenes import definition, drafts, faces, freezing, listing, whatif, workbook
from jifen.standard import rulesets
from jifen.statements import signing
from jifen.unit_of_work import get_session

EDITORS = drafts.EDITING_ROLES
PER_PAGE = 100
MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OUTCOMES = names("scene_outcomes")  # an outcome's short name, for the legend under a list
REFUSALS = names("scene_refusals")
# The lists' reasons and flags are put in words by the service (jifen/scenes/reasons.py), for the CLI and the API as
# for these pages; named here, where tests/admin/test_words.py looks for the words the pages show.
SERVICE_WORDS = (names("scene_reasons"), names("scene_flags"), names("scene_void_reasons"))


def _visible(scene: Any) -> None:
    """404 for a scene a department user may not see (another department's)."""
    if not drafts.visible_to(scene, current_user.role, department_of_user()):
        abort(404)


def _scene(code: str, year: int) -> Any:
    try:
        scene = faces.scene_of(get_session(), code, year)
    except CodedError:
        abort(404)
    _visible(scene)
    return scene


# a ranking key's head as the console writes it (总分, 受理日期, 类别:代码, 指标:代码); the scene file's own also read
_KEY_HEADS = ("total", "received_on", "category", "indicator")


def ranking_text(keys: Any) -> str:
    """A scene's ranking keys as the console shows them: ``总分，类别:base，受理日期``."""
    shown = []
    for key in keys:
        head, colon, code = str(key).partition(":")
        name = word(f"scenes_console.key_{head}") if head in _KEY_HEADS else head
        shown.append(f"{name}:{code}" if colon else name)
    return "，".join(shown)


def _ranking_keys(text: str) -> list[str]:
    """The keys typed into the form (Chinese or the scene file's), as the scene file writes them."""
    heads = {word(f"scenes_console.key_{head}"): head for head in _KEY_HEADS}
    keys = []
    for typed in text.replace("，", ",").replace("、", ",").split(","):
        head, colon, code = typed.strip().replace("：", ":").partition(":")
        head = heads.get(head.strip(), head.strip())
        if head:
            keys.append(f"{head}:{code.strip()}" if colon else head)
    return keys


def _form_values(scene: Any = None) -> dict[str, str]:
    if scene is None:
        return {"code": "", "name": "", "year": "", "department": "", "cutoff_date": "", "threshold": "",
                "quota": "", "ranking": ranking_text(["total", "received_on"]), "ties": "flag"}  # fmt: skip
    given = drafts.definition_of(scene).document()
    return {**{k: "" if v is None else str(v) for k, v in given.items()}, "ranking": ranking_text(given["ranking"])}


def _raw(values: dict[str, str]) -> dict[str, Any]:
    """The form as a scene file's mapping (numbers as numbers where they read as such; the reader says the rest)."""
    raw: dict[str, Any] = dict(values)
    raw["year"] = int(values["year"]) if values["year"].isdigit() else values["year"]
    raw["quota"] = (
        None if not values["quota"] else int(values["quota"]) if values["quota"].isdigit() else values["quota"]
    )
    raw["ranking"] = _ranking_keys(values["ranking"])
    return raw


class ScenesView(RoleMixin, BaseView):  # type: ignore[misc]
    roles = ("editor", "publisher", "auditor", "admin", "department")

    @expose("/")
    def index(self) -> Any:
        department = department_of_user() if current_user.role == "department" else None
        rows = (
            faces.summaries(get_session(), None, department) if current_user.role != "department" or department else []
        )
        return self.render("admin/scenes.html", rows=rows, may_edit=allowed(*EDITORS))

    @expose("/new", methods=["GET", "POST"])
    @requires(*EDITORS)
    def new(self) -> Any:
        return self._edit(None)

    @expose("/<code>/<int:year>/edit", methods=["GET", "POST"])
    @requires(*EDITORS)
    def edit(self, code: str, year: int) -> Any:
        return self._edit(_scene(code, year))

    def _edit(self, scene: Any) -> Any:
        values, errors = _form_values(scene), {}
        if request.method == "POST":
            values = {k: request.form.get(k, "").strip() for k in values}
            try:
                given = definition.read(_raw(values))
                with unit_of_work.current().write() as session:
                    if scene is None:
                        saved = drafts.create(session, given, current_user.username)
                    else:
                        saved = drafts.update(session, faces.scene_of(session, scene.code, scene.year), given,
                                              current_user.username)  # fmt: skip
                    code, year = saved.code, saved.year
            except CodedError as exc:
                errors = {field: word(f"scenes_console.invalid_{field}") for field in exc.errors if field in values}
                if not errors:
                    errors["code"] = REFUSALS.get(exc.code, word("scenes_console.not_saved"))
            else:
                flash(word("scenes_console.saved", code=code, year=year), "success")
                return redirect(url_for(".show", code=code, year=year))
        return self.render("admin/scene_form.html", scene=scene, values=values, errors=errors,
                           ties=choices("scene_ties"), labels=names("scenes_console"))  # fmt: skip

    @expose("/<code>/<int:year>/")
    def show(self, code: str, year: int) -> Any:
        scene, session = _scene(code, year), get_session()
        page = max(request.args.get("page", 1, type=int) or 1, 1)
        given, histogram, checked = drafts.definition_of(scene), None, None
        if scene.status == "draft":  # computed once for the page, the count and the histogram
            every = listing.compute(session, given)
            lines = listing.lines(session, scene, every[(page - 1) * PER_PAGE : page * PER_PAGE])
            total = len(every)
            histogram = whatif.histogram(given, [e.total for e in every if e.rank is not None and e.total is not None])
        else:
            lines, total = listing.page(session, scene, page, PER_PAGE)
            if request.args.get("check"):  # on demand: at 100,000 lines it ranks them all again
                checked = freezing.verify(session, scene, signing.signer_for(current_app))
        under, chosen = None, request.args.get("version", type=int)
        if chosen and scene.status == "draft":
            try:
                under = whatif.under_version(session, given, chosen)
            except CodedError as exc:
                flash(exc.message, "error")
            except Exception as exc:
                flash(word("scenes_console.whatif_failed", why=str(exc)[:200]), "error")
        return self.render(
            "admin/scene.html", scene=scene, ranking=ranking_text(scene.ranking), lines=lines, total=total,
            page=page, pages=max(1, -(-total // PER_PAGE)), checked=checked, histogram=histogram, under=under,
            versions=rulesets.list_versions(session), chosen=chosen, may_edit=allowed(*EDITORS),
            outcomes=OUTCOMES, entitled_names=names("scene_entitled"), tie_names=names("scene_ties"),
        )  # fmt: skip

    @expose("/<code>/<int:year>/publish", methods=["POST"])
    @requires(*EDITORS)
    def publish(self, code: str, year: int) -> Any:
        _scene(code, year)
        try:
            with unit_of_work.current().write() as session:
                scene = freezing.publish(session, faces.scene_of(session, code, year), current_user.username,
                                         signing.signer_for(current_app))  # fmt: skip
                size = listing.size(session, scene)
        except CodedError as exc:
            flash(word("scenes_console.not_published", why=exc.message), "error")
        else:
            flash(word("scenes_console.published", code=code, year=year, size=size), "success")
        return redirect(url_for(".show", code=code, year=year))

    @expose("/<code>/<int:year>/list.xlsx")
    def download(self, code: str, year: int) -> Any:
        scene, session = _scene(code, year), get_session()
        every = listing.lines(session, scene, listing.entries(session, scene))
        data = workbook.list_workbook(faces.summary(session, code, year), every)
        name = f"scene-{code}-{year}.xlsx"
        return Response(data, mimetype=MIMETYPE, headers={"Content-Disposition": f'attachment; filename="{name}"'})
