"""A draft saved in the console is read by the loader once: the save's check, its answer and its warnings share it."""

from __future__ import annotations

import sys
from html import unescape
from typing import Any

import pytest

from engine import loader
from jifen.standard import drafts, rulesets, stored
from tests.admin.test_decision_table import load, row_of, save, with_
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
    fields = load(console, url)
    loads.clear()
    assert save(console, url, with_(fields, **{f"{row_of(fields, 'T6-2')}_points": "3"})).status_code == 302
    assert len(loads) == 1, loads


def test_a_refused_decision_table_is_shown_again_loading_only_the_change(console: Any, db: Any, loads: list[str],
                                                                         ) -> None:  # fmt: skip
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/tables/{vid}/T6"
    fields = load(console, url)  # its items' sentences read here
    loads.clear()
    refused = save(console, url, with_(fields, **{f"{row_of(fields, 'T6-2')}_points": "abc"}))
    page = unescape(refused.get_data(as_text=True))
    assert refused.status_code == 200 and "未保存" in page
    assert "无偿献血每次得2分，本项最高10分" in page  # the items as saved, in words, beside the refused cells
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
