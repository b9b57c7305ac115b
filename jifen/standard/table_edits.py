"""Two people on one indicator's decision table, and the loader's problems on its cells.

``merge`` puts this person's table and another's save (made since this person loaded it) together, part by part;
``changes`` says in sentences what the other changed; ``on_cells`` and ``summary`` put the loader's problems on
the cells they concern and name them by row and column (「第2行（T3-2） · 本项上限：…」, the columns' names from
the schema's labels).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine import Problem, RulesetError, parse_document
from engine.describe import item_sentence
from engine.model import FactField
from engine.schema import INDICATOR, ITEM, PER_UNIT
from jifen.standard.problem_places import WORDS, described, form_input, inside, message
from jifen.standard.tables import HEADER_KEYS, Built, Places, Row, blank_rows, columns_of, rows_of
from jifen.standard.tables import indicator_values as indicator_header

LOADED_MAX = 400_000  # characters of the indicator as loaded, kept in the form to say what others changed
_ITEM_PATH = re.compile(r"items\[(\d+)\](?:\.(.*))?$")
_CELL = re.compile(r"r(\d+)_(.+)$")
# a row's inputs by their columns' names: the item's fields by their schema labels, and the table's own columns
CELL_NAMES = {
    **{key: ITEM.field(key).label for key in ("code", "label", "cap", "group", "reference", "materials")},
    "complex": ITEM.field("when").label, "unit_field": PER_UNIT.field("field").label,
    "unit": PER_UNIT.field("unit").label, "offset": PER_UNIT.field("offset").label, "kind": "计分方式", "points": "分值",
}  # fmt: skip
HEADER_NAMES = {**{key: f"{INDICATOR.zh}{INDICATOR.field(key).label}" for key in ("code", "name", "cap")},
                **{key: INDICATOR.field(key).label for key in ("category", "departments", "reference")},
                "rows": ITEM.zh}  # fmt: skip


@dataclass
class Merged:
    """The indicator with this person's changes and another's (made since this person loaded it) put together."""

    indicator: dict[str, Any]
    origins: list[int | None]  # for each item: its place among this person's items, None when it is the other's
    conflicts: list[str]  # header keys and item codes both changed differently


def _by_code(ind: Mapping[str, Any]) -> dict[Any, dict[str, Any]]:
    return {i.get("code"): i for i in ind.get("items") or [] if isinstance(i, dict)}


def _merge_header(loaded: Mapping[str, Any], mine: Mapping[str, Any], theirs: Mapping[str, Any],
                  conflicts: list[str]) -> dict[str, Any]:  # fmt: skip
    out: dict[str, Any] = {"code": theirs.get("code", mine.get("code"))}
    for key in HEADER_KEYS:
        old, my, their = loaded.get(key), mine.get(key), theirs.get(key)
        value = their if my == old else my
        if my != old and their not in (old, my):
            conflicts.append(key)
        if value is not None:
            out[key] = value
    return out


def merge(loaded: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]) -> Merged:
    """A three-way merge of an indicator, per header field and per item (by code): a part only one side changed
    takes that side's version; a part both changed differently is a conflict (this person's version is kept)."""
    conflicts: list[str] = []
    out = _merge_header(loaded, mine, theirs, conflicts)
    mine_items = [i for i in mine.get("items") or [] if isinstance(i, dict)]
    items, origins = _merge_items(_by_code(loaded), mine_items, _by_code(theirs), conflicts)
    out["items"] = items
    return Merged({k: out[k] for k in ("code", *HEADER_KEYS, "items") if k in out}, origins, conflicts)


def _merge_items(old_items: dict[Any, dict[str, Any]], mine_items: list[dict[str, Any]],
                 their_items: dict[Any, dict[str, Any]], conflicts: list[str],
                 ) -> tuple[list[dict[str, Any]], list[int | None]]:  # fmt: skip
    """This person's items in their order (each as the other left it where only the other changed it), then the
    items only the other has (added, or changed by them and removed here)."""
    items: list[dict[str, Any]] = []
    origins: list[int | None] = []
    for n, item in enumerate(mine_items):
        code = item.get("code")
        old, their = old_items.get(code), their_items.get(code)
        if old is not None and item == old:  # unchanged here: as the other left it (or gone, if they removed it)
            if their is not None:
                items.append(their)
                origins.append(None)
            continue
        if their != old and their != item:
            conflicts.append(str(code))
        items.append(item)
        origins.append(n)
    mine_codes = {i.get("code") for i in mine_items}
    for code, their in their_items.items():
        old = old_items.get(code)
        if code in mine_codes or (old is not None and their == old):
            continue
        if old is not None:  # changed by the other and removed here
            conflicts.append(str(code))
        items.append(their)
        origins.append(None)
    return items, origins


def rows_after_merge(merged: Merged, built: Built, columns: Sequence[str], catalogue: Mapping[str, FactField],
                     ) -> list[Row]:  # fmt: skip
    """The table after a merge: this person's rows as typed, the other's items as rows, numbered anew."""
    rows: list[Row] = []
    for item, origin in zip(merged.indicator["items"], merged.origins):
        if origin is not None:
            rows.append(built.rows[origin])
        else:
            rows += rows_of([item], columns, catalogue)
    for n, r in enumerate(rows):
        r.i, r.order = n, str(n + 1)
    return rows + blank_rows(len(rows))


def merged_columns(columns: list[str], merged: Merged, catalogue: Mapping[str, FactField]) -> list[str]:
    """The table's columns with those the other's items need."""
    return columns + [c for c in columns_of(merged.indicator["items"], catalogue) if c not in columns]


def loaded_indicator(raw: Any) -> dict[str, Any] | None:
    """The indicator as this person loaded it, from the form's hidden copy (None when there is none or it is bad)."""
    if not isinstance(raw, str) or not raw or len(raw) > LOADED_MAX:
        return None
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


# -- problems on cells --------------------------------------------------------------------------------------------


_ITEM_INPUTS = {"fixed": "points", "rate": "points", "points_kind": "kind"}


def cell_of(relative: str, row: Row, places: Places) -> str:
    """The input of row ``row`` a problem belongs to, from its path inside the item (``per_unit.rate`` → ``r3_points``,
    ``when.all[1].value`` → the cell of the row's second clause)."""
    name = form_input("item", relative)
    if name.startswith("clause_"):
        if row.complex:
            name = "complex"
        else:
            n = int(name.removeprefix("clause_"))
            column, slot = places[n] if n < len(places) else (places[0] if places else ("", 0))
            name = f"c_{column}_{slot}" if column else "code"
    return f"r{row.i}_{_ITEM_INPUTS.get(name, name)}"


def on_cells(problems: Sequence[Problem], document: dict[str, Any], where: str | None, built: Built,
             origins: list[int | None]) -> tuple[dict[str, list[str]], list[str]]:  # fmt: skip
    """The loader's problems on the table's cells and header inputs; the others (elsewhere in the draft) in words."""
    errors: dict[str, list[str]] = {}
    general: list[str] = []
    for p in problems:
        relative = inside(p.path, where) if where else None
        if relative is None:
            general.append(described(p, document))
            continue
        found = _ITEM_PATH.match(relative)
        j = int(found.group(1)) if found else -1
        origin = origins[j] if 0 <= j < len(origins) else None
        if found and origin is not None:
            name = cell_of(found.group(2) or "", built.rows[origin], built.places[origin])
        elif relative.startswith("items"):
            name = "rows"
        else:
            name = form_input("indicator", relative)
        errors.setdefault(name, []).append(message(p, document))
    return errors, general


def _column(cell: str, catalogue: Mapping[str, FactField]) -> str:
    if not cell.startswith("c_"):
        return CELL_NAMES.get(cell, cell)
    field, _, slot = cell[2:].rpartition("_")
    f = catalogue.get(field)
    return f"{f.label if f else field}条件{int(slot) + 1 if slot.isdigit() else ''}"


def summary(errors: Mapping[str, list[str]], rows: Sequence[Row], catalogue: Mapping[str, FactField]) -> list[str]:
    """The problems on cells as lines naming the row and column: 「第2行（T3-2）· 分值：…」."""
    position = {r.i: n for n, r in enumerate(rows, 1)}
    codes = {r.i: r.code for r in rows}
    lines = []
    for name, texts in errors.items():
        found = _CELL.match(name)
        if not found or int(found.group(1)) not in position:
            lines += [f"{HEADER_NAMES.get(name, INDICATOR.zh)}：{t}" for t in texts]
            continue
        i, column = int(found.group(1)), _column(found.group(2), catalogue)
        where = f"第{position[i]}行" + (f"（{codes[i]}）" if codes[i] else "")
        lines += [f"{where} · {column}：{t}" for t in texts]
    return lines


# -- what someone else changed ------------------------------------------------------------------------------------


def sentences(doc: dict[str, Any], code: Any, indicator: dict[str, Any] | None = None) -> dict[str, str]:
    """The items of indicator ``code`` in words (by item code), from the draft, or with ``indicator`` put in its
    place; {} when that draft does not load. The loader runs once per document: a table shown again (a save refused,
    its cells' problems shown) reads the draft it was opened from, and is told its sentences again."""
    try:  # the key keeps the order of keys and the type of values (the loader reads both); exotic values: no key
        text = json.dumps([doc, code, indicator], ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return _read_sentences(doc, code, indicator)
    key = hashlib.sha256(text.encode("utf-8")).hexdigest()
    said = _SAID.get(key)
    if said is None:
        said = _read_sentences(doc, code, indicator)
        with _said_lock:
            if len(_SAID) >= _SAID_MAX:
                del _SAID[next(iter(_SAID))]  # the oldest
            _SAID[key] = said
    return dict(said)


# sentences told lately, by the fingerprint of what they were read from (texts only: a few kilobytes each)
_SAID: dict[str, dict[str, str]] = {}
_SAID_MAX = 64
_said_lock = threading.Lock()


def _read_sentences(doc: dict[str, Any], code: Any, indicator: dict[str, Any] | None) -> dict[str, str]:
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


def _plain(value: Any) -> str:
    if value is None:
        return "（空）"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _header_changes(before: Mapping[str, Any], now: Mapping[str, Any]) -> list[tuple[str, str]]:
    lines = []
    for key in HEADER_KEYS:
        if before.get(key) != now.get(key):
            shown = [("、".join(map(str, v)) if isinstance(v, list) else "" if v is None else str(v))
                     for v in (before.get(key), now.get(key))]  # fmt: skip
            lines.append((INDICATOR.field(key).label, f"{shown[0] or '（空）'} → {shown[1] or '（空）'}"))
    return lines


def _field_changes(code: Any, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, str]]:
    """An item's changed fields, one line each (for a change its sentence does not show)."""
    words = {f.key: f.label for f in ITEM.fields}
    return [(f"细则 {code} · {words.get(key, WORDS.get(key, key))}", f"{_plain(old.get(key))} → {_plain(new.get(key))}")
            for key in dict.fromkeys([*old, *new]) if old.get(key) != new.get(key)]  # fmt: skip


def changes(doc: dict[str, Any], loaded: dict[str, Any] | None, now: Any) -> list[tuple[str, str]]:
    """What someone else changed in the indicator since it was loaded, as (what, before → after) lines."""
    if not isinstance(now, dict):
        return []
    before = loaded or {}
    lines = _header_changes(before, now)
    said = (sentences(doc, before.get("code"), before) if loaded else {}), sentences(doc, now.get("code"), now)
    old_items, new_items = _by_code(before), _by_code(now)
    for code in dict.fromkeys([*old_items, *new_items]):
        if old_items.get(code) != new_items.get(code):
            lines += _item_changes(code, old_items.get(code), new_items.get(code), said)
    return lines


def _item_changes(code: Any, old: dict[str, Any] | None, new: dict[str, Any] | None,
                  said: tuple[dict[str, str], dict[str, str]]) -> list[tuple[str, str]]:  # fmt: skip
    """One item's change: in sentences, or field by field when its sentence stayed the same."""
    label = (new or old or {}).get("label", "")
    was = said[0].get(str(code), "（无此细则）" if old is None else "")
    is_ = said[1].get(str(code), "（已删除）" if new is None else "")
    if was and was == is_:
        return _field_changes(code, old or {}, new or {})
    return [(f"细则 {code} {label}", f"{was or '（原内容）'} → {is_ or '（新内容）'}")]


# -- a table sent to be saved ----------------------------------------------------------------------------------


@dataclass
class Submission:
    """What a sent table asks for: the indicator to save (``origins``: the row each item came from, None for the
    other's), the page to show again (``header``, ``columns``, ``rows``), and when someone saved this indicator since
    it was loaded, what they changed (``changes``) and where both changed it (``conflicts``: nothing is saved)."""

    header: dict[str, Any]
    columns: list[str]
    rows: list[Row]
    built: Built
    indicator: dict[str, Any]
    origins: list[int | None]
    merged: bool = False
    changes: list[tuple[str, str]] | None = None
    conflicts: list[str] | None = None


def submit(sent: Submission, doc: dict[str, Any], current: dict[str, Any], token: str | None,
           catalogue: Mapping[str, FactField]) -> Submission:  # fmt: skip
    """Put another's save since the table was loaded together with this one (``token``: the indicator's token now,
    None for a new indicator): the merged indicator, and the merged table for a page shown again."""
    loaded = loaded_indicator(sent.header.get("loaded"))
    if token is None or loaded is None or sent.header.get("base") == token:
        return sent
    merged = merge(loaded, sent.indicator, current)
    columns = merged_columns(sent.columns, merged, catalogue)
    header = sent.header | {"base": token, "loaded": json.dumps(current, ensure_ascii=False)}
    values = indicator_header(merged.indicator)
    header |= {key: values[key] for key in HEADER_KEYS if key not in merged.conflicts}
    rows = rows_after_merge(merged, sent.built, columns, catalogue)
    return Submission(header, columns, rows, sent.built, merged.indicator, merged.origins, True,
                      changes(doc, loaded, current), merged.conflicts)  # fmt: skip


def conflict_names(conflicts: Sequence[str]) -> str:
    """The parts both people changed, in words: 「指标项上限、细则 T3-2」."""
    return "、".join(HEADER_NAMES.get(c, f"细则 {c}") for c in conflicts)
