"""The decision-table editor: one indicator of a draft, its items as rows, saved at once.

The rows, the merge of two people's saves and the problems on cells are the standard's service
(jifen/standard/tables.py, jifen/standard/table_edits.py); this view reads the form, calls it, and renders. The
whole indicator is one part of the draft (``("table", code)``): a save is refused only when someone changed this
indicator meanwhile, and the refusal keeps what was typed and says, item by item, what they changed. Without
JavaScript the page still works: rows are ordered by their 顺序 inputs, removed with 删除, and added from the empty
rows or with 「增加一行」.
"""

from __future__ import annotations

import json
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin.audit_text import actor_name
from admin.auth import RoleMixin, requires
from admin.clock import local_time
from admin.forms import TYPE_NAMES, enum_options
from admin.validation import warn_stale_labels
from admin.views.drafts import _draft
from admin.views.versions import _message
from admin.words import word
from engine.loader import read_catalogue
from engine.model import NUMERIC_TYPES
from engine.schema import ITEM
from jifen import unit_of_work
from jifen.access import audit
from jifen.errors import ServiceError
from jifen.standard import drafts, rulesets
from jifen.standard import table_edits as edits
from jifen.standard import tables as table
from jifen.standard.drafts import DraftProblems, EditConflict, Part
from jifen.standard.form_values import text
from jifen.unit_of_work import get_session


class TablesView(RoleMixin, BaseView):  # type: ignore[misc]
    """/admin/tables/<draft>/<indicator>: an indicator's decision table; /admin/tables/<draft>/new: a new one."""

    def is_visible(self) -> bool:
        return False

    @expose("/")
    def index(self) -> Any:
        return redirect(url_for("versions.index", status="draft"))

    @expose("/<int:vid>/<code>", methods=["GET", "POST"])
    @requires("editor")
    def edit(self, vid: int, code: str) -> Any:
        return self._table(vid, ("table", code))

    @expose("/<int:vid>/new", methods=["GET", "POST"])
    @requires("editor")
    def new(self, vid: int) -> Any:
        return self._table(vid, None)

    def _table(self, vid: int, part: Part | None) -> Any:
        row = _draft(vid)
        doc = rulesets.document(row)
        current = drafts.locate(doc, part)[1] if part is not None else {"category": request.args.get("category", "")}
        if not isinstance(current, dict):
            abort(404)
        if request.method == "GET":
            return self._show(row, doc, part, current)
        if table.rows_sent(request.form) > table.MAX_ROWS:  # never save a table cut short
            flash(word("views_tables.too_many_rows", MAX_ROWS=table.MAX_ROWS), "error")
            return redirect(request.url)
        catalogue = {f.name: f for f in read_catalogue(doc)}
        sent = _sent(current, catalogue)
        if request.form.get("step") in ("add_column", "add_row"):  # without JavaScript: the page again, not saved
            return self._grown(row, doc, part, sent, catalogue)
        token = drafts.token(doc, part) if part is not None else None
        merged = edits.submit(sent, doc, current, token, catalogue)
        if merged.conflicts:
            flash(word("views_tables.merged_conflict", who=_last_editor(vid), named=edits.conflict_names(merged.conflicts)),
                  "error")  # fmt: skip
            return self._page(row, doc, part, merged.header, merged.columns, merged.rows, conflict=merged.changes)
        return self._save(vid, row, doc, part, sent, merged)

    def _show(self, row: Any, doc: dict[str, Any], part: Part | None, current: dict[str, Any]) -> Any:
        """The table of an indicator as it is in the draft."""
        catalogue = {f.name: f for f in read_catalogue(doc)}
        items = [x for x in current.get("items") or [] if isinstance(x, dict)]
        if len(items) + table.BLANK_ROWS > table.MAX_ROWS:
            flash(word("views_tables.too_many_items", len=len(items), MAX_ROWS=table.MAX_ROWS), "error")
        columns = table.columns_of(items, catalogue)
        rows = table.rows_of(items, columns, catalogue)
        header = table.indicator_values(current)
        header["base"] = drafts.token(doc, part) if part is not None else ""
        header["loaded"] = json.dumps(current, ensure_ascii=False) if part is not None else ""
        return self._page(row, doc, part, header, columns, rows + table.blank_rows(len(rows)))

    def _grown(self, row: Any, doc: dict[str, Any], part: Part | None, sent: edits.Submission,
               catalogue: dict[str, Any]) -> Any:  # fmt: skip
        """「增加一行」 or 「增加此列」 without the page's script: the table again with it, nothing saved."""
        rows, columns = sent.rows, sent.columns
        if request.form.get("step") == "add_row" and len(rows) < table.MAX_ROWS:
            rows += table.blank_rows(len(rows), 1)
            flash(word("views_tables.row_added"), "info")
        elif (
            request.form.get("step") == "add_column"
            and columns
            and columns[-1] not in text(request.form.get("columns")).split(",")
        ):
            flash(word("views_tables.column_added", label=catalogue[columns[-1]].label), "info")
        else:
            flash(word("views_tables.nothing_to_add"), "info")
        return self._page(row, doc, part, sent.header, columns, rows)

    def _save(self, vid: int, row: Any, doc: dict[str, Any], part: Part | None, sent: edits.Submission,
              merged: edits.Submission) -> Any:  # fmt: skip
        what = word("views_tables.what", code=merged.indicator.get("code"))
        indicator = merged.indicator

        def apply(d: dict[str, Any]) -> Part | None:
            return drafts.add(d, "table", indicator) if part is None else drafts.put(d, part, indicator)

        try:
            with unit_of_work.current().write() as session:
                _, after, model = drafts.edit(session, vid, current_user.username, what, part or ("table", ""),
                                              merged.header["base"] if part is not None else None, apply)  # fmt: skip
        except EditConflict as exc:
            fresh = rulesets.document(_draft(vid))
            header = merged.header | {
                "base": exc.token, "loaded": json.dumps(exc.current, ensure_ascii=False) if exc.current is not None else ""
            }  # fmt: skip
            changes = edits.changes(fresh, edits.loaded_indicator(merged.header["loaded"]), exc.current)
            flash(word("views_tables.changed_meanwhile"), "error")
            return self._page(row, fresh, part, header, merged.columns, sent.rows, conflict=changes)
        except DraftProblems as exc:
            errors, general = edits.on_cells(exc.problems, exc.document, exc.where, merged.built, merged.origins)
            flash(word("views_tables.problems", len=len(exc.problems)), "error")
            return self._page(row, doc, part, merged.header, merged.columns, merged.rows, errors, general)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return self._page(row, doc, part, merged.header, merged.columns, merged.rows)
        note = (
            word("views_tables.merged_kept") + "；".join(f"{w} {v}" for w, v in merged.changes or [])
            if merged.merged
            else ""
        )
        flash(word("views_tables.saved", what=what, merged_note=note), "success")
        warn_stale_labels(model, "indicator", str(merged.indicator.get("code")))  # a label no longer true to its row
        return redirect(url_for(".edit", vid=vid, code=after[1]) if after else url_for("versions.detail", vid=vid))

    def _page(self, row: Any, doc: dict[str, Any], part: Part | None, header: dict[str, Any], columns: list[str],
              rows: list[table.Row], errors: dict[str, list[str]] | None = None, general: list[str] | None = None,
              conflict: list[tuple[str, str]] | None = None) -> Any:  # fmt: skip
        catalogue = {f.name: f for f in read_catalogue(doc)}
        fields = [catalogue[c] for c in columns]
        addable = [f for f in catalogue.values() if f.name not in columns]
        return self.render(
            "admin/versions/table.html", row=row, doc=doc, part=part, values=header, columns=fields, rows=rows,
            errors=errors or {}, general=general or [], conflict=conflict, addable=addable, slots=table.slots,
            ops=table.OPS_BY_TYPE, op_names=table.CELL_OPS, types=TYPE_NAMES, groups=table.groups_offered(rows),
            numeric=[f for f in catalogue.values() if f.type in NUMERIC_TYPES],
            sentences=edits.sentences(doc, part[1]) if part is not None else {}, options=enum_options,
            summary=edits.summary(errors or {}, rows, catalogue), labels=_LABELS,
            blank=table.Row(i=-1, cells={c: [("", "")] * table.slots(catalogue[c]) for c in columns}),
        )  # fmt: skip


# the item's fields as the table's columns name them, from the schema
_LABELS = {f.key: f.label for f in ITEM.fields} | {"materials_help": ITEM.field("materials").help}


def _sent(current: dict[str, Any], catalogue: dict[str, Any]) -> edits.Submission:
    """The table as the form sent it: its header, columns and rows (in the order they will be saved), and the
    indicator they describe."""
    form = request.form
    columns = table.columns_from_form(form, catalogue)
    rows = table.rows_from_form(form, columns, catalogue)
    header = {k: text(form.get(k)) for k in ("code", *table.HEADER_KEYS, "base")} | {"loaded": form.get("loaded", "")}
    rows.sort(key=table.row_order)
    items = [x for x in current.get("items") or [] if isinstance(x, dict)]
    built = table.items_from_rows(rows, items, columns, catalogue)
    indicator = table.indicator_from(header, current, built.items)
    return edits.Submission(header, columns, rows, built, indicator, list(range(len(built.items))))


def _last_editor(vid: int) -> str:
    """Who changed the draft last, and when (「editor2（2026-12-07 14:03）」), for a refused concurrent save."""
    entry = audit.last_change(get_session(), "version", vid)
    if entry is None:
        return word("views_tables.someone")
    if entry.actor == current_user.username:  # the same person, in another tab or window
        return word("views_tables.you_elsewhere", at=local_time(entry.at))
    return word("views_tables.who", actor=actor_name(entry.actor), at=local_time(entry.at))
