"""Every draft form, every input, hostile values: never a 5xx, and the draft always still loads."""

from __future__ import annotations

from typing import Any

import pytest

from jifen.standard import rulesets
from tests.admin.conftest import form_values

HOSTILE = ["1e309", "100000000000000000000", "-0.001", "长" * 3000, "", "<script>alert(1)</script>", "\x00", "  "]
FORMS = ["edit", "categories/base", "new/category", "eligibility/permit_valid", "new/requirement", "facts/dwelling",
         "facts/skill_level", "new/fact", "indicators/T3", "new/indicator", "items/T3-3", "items/T2-1",
         "indicators/T3/new-item", "cases/0", "new/case"]  # fmt: skip


@pytest.mark.parametrize("form", FORMS)
def test_hostile_values_in_every_input(console: Any, db: Any, form: str) -> None:
    with db.transaction() as s:
        vid = rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id
    console.login("editor")
    url = f"/admin/drafts/{vid}/{form}"
    values = form_values(console.get(url).get_data(as_text=True))
    inputs = [name for name in values if name not in ("csrf_token", "base", "key")]
    assert inputs, url
    for name in inputs:
        for typed in HOSTILE:
            fresh = form_values(console.get(url).get_data(as_text=True)) if url.endswith(("/edit",)) else values
            response = console.post(url, {**fresh, name: typed})
            assert response.status_code < 500, (url, name, typed[:20], response.status_code)
    with db.transaction() as s:
        assert rulesets.validate(rulesets.get_version(s, vid)) == []
