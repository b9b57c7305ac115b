"""The decision-table editor: one indicator of a draft, its items as rows (admin/decision_table.py), saved at once.

The whole indicator is one part of the draft (``("table", code)``): a save is refused only when someone changed
this indicator meanwhile, and the refusal keeps what was typed and says, item by item, what they changed. The
loader's problems are shown on the cells they concern. Without JavaScript the page still works: rows are ordered
by their 顺序 inputs, removed with 删除, and added from the empty rows or with 「增加一行」.
"""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from admin import decision_table as table
from admin.auth import RoleMixin, requires
from admin.forms import TYPE_NAMES, enum_options, text, writing
from admin.problems import WORDS, described, form_input, inside, message
from admin.views.drafts import _draft
from admin.views.versions import _message
from admin.words import word
from engine import RulesetError, parse_document
from engine.describe import item_sentence
from engine.loader import read_catalogue
from engine.model import NUMERIC_TYPES, FactField
from jifen.errors import ServiceError
from jifen.services import drafts, rulesets
from jifen.services.drafts import DraftProblems, EditConflict, Part

LOADED_MAX = 400_000  # characters of the indicator as loaded, kept in the form to say what others changed
_ITEM_PATH = re.compile(r"items\[(\d+)\](?:\.(.*))?$")


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
        catalogue = {f.name: f for f in read_catalogue(doc)}
        items = [x for x in current.get("items") or [] if isinstance(x, dict)]
        if request.method == "GET":
            if len(items) + table.BLANK_ROWS > table.MAX_ROWS:
                flash(word("views_tables.too_many_items", len=len(items), MAX_ROWS=table.MAX_ROWS), "error")
            columns = table.columns_of(items, catalogue)
            rows = table.rows_of(items, columns, catalogue)
            rows += table.blank_rows(len(rows))
            header = table.indicator_values(current)
            header["base"] = drafts.token(doc, part) if part is not None else ""
            header["loaded"] = json.dumps(current, ensure_ascii=False) if part is not None else ""
            return self._page(row, doc, part, header, columns, rows)
        form = request.form
        if table.rows_sent(form) > table.MAX_ROWS:  # never save a table cut short
            flash(word("views_tables.too_many_rows", MAX_ROWS=table.MAX_ROWS), "error")
            return redirect(request.url)
        columns = table.columns_from_form(form, catalogue)
        rows = table.rows_from_form(form, columns, catalogue)
        header = {k: text(form.get(k)) for k in ("code", *table.HEADER_KEYS, "base")} | {
            "loaded": form.get("loaded", "")
        }
        rows.sort(key=table.row_order)  # shown again as they will be saved
        if form.get("step") in ("add_column", "add_row"):  # without JavaScript: the page again, nothing saved
            if form.get("step") == "add_row" and len(rows) < table.MAX_ROWS:
                rows += table.blank_rows(len(rows), 1)
                flash(word("views_tables.row_added"), "info")
            elif (
                form.get("step") == "add_column" and columns and columns[-1] not in text(form.get("columns")).split(",")
            ):
                flash(word("views_tables.column_added", label=catalogue[columns[-1]].label), "info")
            else:
                flash(word("views_tables.nothing_to_add"), "info")
            return self._page(row, doc, part, header, columns, rows)
        built = table.items_from_rows(rows, items, columns, catalogue)
        indicator = table.indicator_from(header, current, built.items)
        origins: list[int | None] = list(range(len(built.items)))
        code = indicator.get("code")
        what = word("views_tables.what", code=code)
        base = header["base"] if part is not None else None
        loaded = _loaded(header["loaded"])
        merged_note = ""
        shown = rows  # the rows a refused save shows again
        if part is not None and loaded is not None and base != drafts.token(doc, part):
            # someone saved this indicator since it was loaded: put both sets of changes together, part by part;
            # a refusal from here on shows the merged table, which a save then stores over what is there now
            merged = table.merge(loaded, indicator, current)
            changes = _changes(doc, loaded, current)
            header |= {"base": drafts.token(doc, part), "loaded": json.dumps(current, ensure_ascii=False)}
            columns += [c for c in table.columns_of(merged.indicator["items"], catalogue) if c not in columns]
            shown = _rows_after_merge(merged, built, columns, catalogue)
            for key in table.HEADER_KEYS:
                if key not in merged.conflicts:
                    header[key] = table.indicator_values(merged.indicator)[key]
            if merged.conflicts:
                named = "、".join(_HEADER_NAMES.get(c, word("views_tables.item", c=c)) for c in merged.conflicts)
                flash(word("views_tables.merged_conflict", named=named), "error")  # fmt: skip
                return self._page(row, doc, part, header, columns, shown, conflict=changes)
            indicator, origins = merged.indicator, merged.origins
            merged_note = word("views_tables.merged_kept") + "；".join(f"{w} {v}" for w, v in changes)

        def apply(d: dict[str, Any]) -> Part | None:
            if part is None:
                return drafts.add(d, "table", indicator)
            return drafts.put(d, part, indicator)

        try:
            with writing() as session:
                _, after = drafts.edit(session, vid, current_user.username, what, part or ("table", ""),
                                       header["base"] if part is not None else None, apply)  # fmt: skip
        except EditConflict as exc:
            fresh = rulesets.document(_draft(vid))
            changes = _changes(fresh, _loaded(header["loaded"]), exc.current)
            header["base"] = exc.token
            header["loaded"] = json.dumps(exc.current, ensure_ascii=False) if exc.current is not None else ""
            flash(word("views_tables.changed_meanwhile"),
                  "error")  # fmt: skip
            return self._page(row, fresh, part, header, columns, rows, conflict=changes)
        except DraftProblems as exc:
            errors, general = _on_cells(exc, built, origins)
            flash(word("views_tables.problems", len=len(exc.problems)), "error")
            return self._page(row, doc, part, header, columns, shown, errors, general)
        except ServiceError as exc:
            flash(_message(exc), "error")
            return self._page(row, doc, part, header, columns, shown)
        flash(word("views_tables.saved", what=what, merged_note=merged_note), "success")
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
            sentences=_sentences(doc, part[1]) if part is not None else {},
            options=enum_options, summary=_summary(errors or {}, rows, catalogue), blank=table.Row(i=-1, cells={c: [("", "")] * table.slots(catalogue[c]) for c in columns}),
        )  # fmt: skip


_CELL_NAMES = {"code": word("views_tables.cell_code"), "label": word("views_tables.cell_label"), "kind": word("views_tables.cell_kind"), "points": word("views_tables.cell_points"), "unit_field": word("views_tables.cell_unit_field"), "unit": word("views_tables.cell_unit"),
               "offset": word("views_tables.cell_offset"), "cap": word("views_tables.cell_cap"), "group": word("views_tables.cell_group"), "reference": word("views_tables.cell_reference"), "complex": word("views_tables.cell_complex")}  # fmt: skip
_HEADER_NAMES = {"code": word("views_tables.header_code"), "name": word("views_tables.header_name"), "category": word("views_tables.header_category"), "cap": word("views_tables.header_cap"), "departments": word("views_tables.header_departments"),
                 "reference": word("views_tables.header_reference"), "rows": word("views_tables.header_rows")}  # fmt: skip
_CELL = re.compile(r"r(\d+)_(.+)$")


def _summary(errors: dict[str, list[str]], rows: list[table.Row], catalogue: dict[str, FactField]) -> list[str]:
    """The problems on cells as lines naming the row and column: 「第2行（T3-2）· 分值：…」."""
    position = {r.i: n for n, r in enumerate(rows, 1)}
    codes = {r.i: r.code for r in rows}
    lines = []
    for name, texts in errors.items():
        found = _CELL.match(name)
        if not found or int(found.group(1)) not in position:
            lines += [
                word("views_tables.header_problem", get=_HEADER_NAMES.get(name, word("views_tables.indicator")), t=t)
                for t in texts
            ]
            continue
        i, cell = int(found.group(1)), found.group(2)
        if cell.startswith("c_"):
            field, _, slot = cell[2:].rpartition("_")
            f = catalogue.get(field)
            column = word(
                "views_tables.condition_column",
                field=f.label if f else field,
                value=int(slot) + 1 if slot.isdigit() else "",
            )
        else:
            column = _CELL_NAMES.get(cell, cell)
        where = word("views_tables.row", position=position[i]) + (f"（{codes[i]}）" if codes[i] else "")
        lines += [f"{where} · {column}：{t}" for t in texts]
    return lines


def _rows_after_merge(merged: table.Merged, built: table.Built, columns: list[str], catalogue: dict[str, FactField],
                      ) -> list[table.Row]:  # fmt: skip
    """The table after a merge: this person's rows as typed, the other's items as rows, numbered anew."""
    rows = []
    for item, origin in zip(merged.indicator["items"], merged.origins):
        if origin is not None:
            rows.append(built.rows[origin])
        else:
            rows += table.rows_of([item], columns, catalogue)
    for n, r in enumerate(rows):
        r.i, r.order = n, str(n + 1)
    return rows + table.blank_rows(len(rows))


def _on_cells(exc: DraftProblems, built: table.Built, origins: list[int | None],
              ) -> tuple[dict[str, list[str]], list[str]]:  # fmt: skip
    """The loader's problems on the table's cells and header inputs; the others (elsewhere in the draft) in words."""
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    for p in exc.problems:
        relative = inside(p.path, exc.where) if exc.where else None
        if relative is None:
            general.append(described(p, exc.document))
            continue
        found = _ITEM_PATH.match(relative)
        j = int(found.group(1)) if found else -1
        origin = origins[j] if 0 <= j < len(origins) else None
        if found and origin is not None:
            name = table.cell_of(found.group(2) or "", built.rows[origin], built.places[origin])
        elif relative == "items" or relative.startswith("items"):
            name = "rows"
        else:
            name = form_input("indicator", relative)
        errors.setdefault(name, []).append(message(p, exc.document))
    return errors, general


def _loaded(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, str) or not raw or len(raw) > LOADED_MAX:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _sentences(doc: dict[str, Any], code: Any, indicator: dict[str, Any] | None = None) -> dict[str, str]:
    """The items of indicator ``code`` in words (by item code), from the draft, or with ``indicator`` put in its
    place; {} when that draft does not load."""
    d = copy.deepcopy(doc)
    if indicator is not None:
        others = [i for i in d.get("indicators", []) if not (isinstance(i, dict) and i.get("code") == code)]
        d["indicators"] = [*others, indicator]
    try:
        model = parse_document({**d, "status": "draft"}, "draft")
    except RulesetError:
        return {}
    deducting = {c.code for c in model.categories if c.kind == "deduct"}
    for ind in model.indicators:
        if ind.code == code:
            return {i.code: item_sentence(i, model.catalogue, ind.category in deducting, ind.items) for i in ind.items}
    return {}


def _changes(doc: dict[str, Any], loaded: dict[str, Any] | None, now: Any) -> list[tuple[str, str]]:
    """What someone else changed in the indicator since it was loaded, as (what, before → after) lines."""
    if not isinstance(now, dict):
        return []
    lines: list[tuple[str, str]] = []
    before = loaded or {}
    for key in ("name", "category", "cap", "departments", "reference"):
        if before.get(key) != now.get(key):
            shown = [("、".join(map(str, v)) if isinstance(v, list) else "" if v is None else str(v))
                     for v in (before.get(key), now.get(key))]  # fmt: skip
            lines.append(
                (
                    WORDS.get(key, key),
                    word(
                        "views_tables.change",
                        value=shown[0] or word("views_tables.empty"),
                        value2=shown[1] or word("views_tables.empty"),
                    ),
                )
            )
    old_sentences = _sentences(doc, before.get("code"), before) if loaded else {}
    new_sentences = _sentences(doc, now.get("code"), now)
    old_items = {i.get("code"): i for i in before.get("items", []) if isinstance(i, dict)}
    new_items = {i.get("code"): i for i in now.get("items", []) if isinstance(i, dict)}
    for code in dict.fromkeys([*old_items, *new_items]):
        if old_items.get(code) == new_items.get(code):
            continue
        label = (new_items.get(code) or old_items.get(code) or {}).get("label", "")
        was = old_sentences.get(str(code), word("views_tables.no_such_item") if code not in old_items else "")
        is_ = new_sentences.get(str(code), word("views_tables.deleted") if code not in new_items else "")
        if was and was == is_:  # the same in words: say which fields changed
            old, new = old_items.get(code) or {}, new_items.get(code) or {}
            for key in dict.fromkeys([*old, *new]):
                if old.get(key) != new.get(key):
                    lines.append(
                        (
                            word("views_tables.item_field", code=code, get=WORDS.get(key, key)),
                            f"{_plain(old.get(key))} → {_plain(new.get(key))}",
                        )
                    )
            continue
        lines.append(
            (
                word("views_tables.item_named", code=code, label=label),
                word(
                    "views_tables.change",
                    value=was or word("views_tables.old_content"),
                    value2=is_ or word("views_tables.new_content"),
                ),
            )
        )
    return lines


def _plain(value: Any) -> str:
    if value is None:
        return word("views_tables.empty")
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
