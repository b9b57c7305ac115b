"""A draft saved in the console is read by the loader once: the save's check, its answer and its warnings share it."""

from __future__ import annotations

import sys
from html import unescape
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict

from engine import loader
from jifen.standard import drafts, rulesets, stored
from tests.admin.conftest import form_fields
from tests.admin.test_editing import _doc, _draft, _form


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources of every run of the loader from now on (``parse_document``, wherever it was imported)."""
    runs: list[str] = []
    real = loader.parse_document

    def counted(doc: Any, source: str = "<ruleset>") -> Any:
        runs.append(source)
        return real(doc, source)

    for module in list(sys.modules.values()):
        if getattr(module, "parse_document", None) is real:
            monkeypatch.setattr(module, "parse_document", counted)
    return runs


def test_a_saved_item_is_loaded_once_and_its_stale_label_still_told(console: Any, db: Any, loads: list[str]) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T4-2"
    form = _form(console, url, rate="5")
    loads.clear()
    saved = console.post(url, form)
    assert saved.status_code == 302
    assert len(loads) == 1, loads  # the change checked; the label warning reads the same model
    landing = unescape(console.get(saved.headers["Location"]).get_data(as_text=True))
    assert "请注意：指标T4（创新发明）的细则T4-2的名称写的是“每件得4分”，但它的规则是实用新型专利每件得5分" in landing


def test_a_refused_save_loads_only_the_change(console: Any, db: Any, loads: list[str]) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T4-4"
    form = _form(console, url, fixed="abc")
    loads.clear()
    refused = console.post(url, form)
    assert refused.status_code == 200 and "未保存：有 1 个问题" in refused.get_data(as_text=True)
    assert len(loads) == 1, loads  # whether the draft was valid before is known from when it was stored


def test_a_saved_decision_table_is_loaded_once(console: Any, db: Any, loads: list[str]) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/tables/{vid}/T6"
    fields = form_fields(console.get(url).get_data(as_text=True), "table-form")
    row = next(k.split("_")[0] for k, v in fields if k.endswith("_code") and v == "T6-2")
    changed = [(k, v) for k, v in fields if k != f"{row}_points"] + [(f"{row}_points", "3")]
    loads.clear()
    assert console.post(url, MultiDict(changed)).status_code == 302
    assert len(loads) == 1, loads


def test_validity_is_remembered_by_the_stored_text(seeded: Any, db: Any, loads: list[str]) -> None:
    vid = _draft(db)
    broken = _doc(db, vid)
    drafts.locate(broken, ("item", "T4-4"))[1]["fixed"] = "abc"
    loads.clear()
    with db.transaction() as s:
        row = rulesets.get_version(s, vid)
        assert stored.validate(row) == [] and loads == []  # stored by the clone from a model the loader accepted
        stored.store_invalid(row, broken)
        first = stored.validate(row)
        assert len(first) == 1 and len(loads) == 1
        assert stored.validate(row) == first and len(loads) == 1  # the same text: the loader's answer again
