"""积分标准 (/standard): the published version in force in words, what changed against the previous year, never a
draft; cacheable under an ETag that changes on publication and retirement; a clear 404 for a year without one."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import event

from engine import RulesetVersion, to_document
from engine.describe import requirement_sentence, version_sentences
from engine.diff import change_rows, diff_versions
from jifen.access.users import get_user
from jifen.standard import rulesets
from jifen.standard.public_view import PUBLIC_CHANGES

JUNE = dt.date(2026, 6, 1)


@pytest.fixture
def client(seeded: Any) -> Any:
    seeded.config["TODAY"] = lambda: JUNE
    return seeded.test_client()


def _page(client: Any, path: str = "/standard", status: int = 200) -> str:
    response = client.get(path)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return str(response.get_data(as_text=True))


def _shown(text: str) -> str:
    return str(escape(text))


def _clone(db: Any, ref: str, year: int | None = None, material: str | None = None) -> str:
    """A draft cloned from ``ref`` (into ``year``), its first item given one more material and a new label."""
    with db.transaction() as s:
        row = rulesets.clone(s, ref, "editor", year=year)
        doc = to_document(rulesets.load_model(row))
        if material is not None:
            first = doc["indicators"][0]["items"][0]
            first["materials"] = [*first.get("materials", []), material]
            first["label"] = material + "的细则"
        rulesets.save_draft(s, row.ref, doc, row.lock_version, "editor")
        return str(row.ref)


def _publish(db: Any, ref: str) -> None:
    with db.transaction() as s:
        rulesets.publish(s, ref, get_user(s, "publisher"), "公布")


def test_the_page_shows_every_part_of_the_version_in_force(client: Any, versions: dict[int, RulesetVersion]) -> None:
    page = _page(client)
    version = versions[2026]
    assert f"<h1>{_shown(version.title)}</h1>" in page and "2026-01-01" in page
    assert "样例标准" in page  # the sample is said to be one
    for category in version.categories:
        assert category.name in page
        assert f'href="#cat-{category.code}"' in page
    assert "最高100分" in page and "最高150分" in page and "最高50分" in page and "扣分，不设上限" in page
    assert "各类加分合计最高300分" in page
    for indicator in version.indicators:
        assert f'id="ind-{indicator.code}"' in page and f'href="#ind-{indicator.code}"' in page
        assert f'<span class="code">{indicator.code}</span> {_shown(indicator.name)}' in page
        assert _shown(indicator.reference) in page
        for department in indicator.departments:
            assert department in page
    for code, sentence in version_sentences(version).items():
        assert f'id="item-{code}"' in page
        assert f'<p class="sentence">{_shown(sentence)}</p>' in page, code
    materials = {m for ind in version.indicators for item in ind.items for m in item.materials}
    assert materials
    for material in materials:
        assert f"<li>{_shown(material)}</li>" in page, material
    for requirement in version.eligibility:
        assert _shown(requirement_sentence(requirement, version.catalogue)) in page


def test_deductions_are_marked_as_such(client: Any, versions: dict[int, RulesetVersion]) -> None:
    page = _page(client)
    deducting = {c.code for c in versions[2026].categories if c.kind == "deduct"}
    items = [item for ind in versions[2026].indicators if ind.category in deducting for item in ind.items]
    assert items
    for item in items:
        block = page[page.index(f'id="item-{item.code}"') :]
        block = block[: block.index("</li>")]
        assert 'class="badge">扣分</span>' in block and "扣" in block[block.index('class="sentence"') :]


def test_what_changed_against_the_previous_year_is_said_in_sentences(
    client: Any, versions: dict[int, RulesetVersion]
) -> None:
    page = _page(client)
    before, after = versions[2025], versions[2026]
    changes = [c for c in diff_versions(before, after)["changes"] if c["object"] in PUBLIC_CHANGES]
    rows = change_rows(before, after, changes)
    assert rows
    section = page[page.index('<section id="changes">') :]
    for row in rows:
        assert f'id="change-{row.object}-{row.code}"' in section
        for line in row.lines:
            if line.before != line.after:
                assert _shown(line.after or line.before or "") in section, row.code
    # the provident fund's rate went from 0.2 to 0.25 a month: said as a change that can move a score
    assert "每满1个月得0.2分" in section and "每满1个月得0.25分" in section and "可能影响得分" in section
    assert "测试用例" not in section and "事实字段" not in section  # the bureau's working material stays inside


def test_a_past_year_has_its_own_page_and_points_to_the_next(client: Any) -> None:
    page = _page(client, "/standard/2025")
    assert "2025年度" in page and "没有上一年度的积分标准可以比较" in page
    assert '<a href="/standard/2026">查看2026年度积分标准</a>' in page and "自2026-01-01起施行" in page
    assert 'href="/standard">积分标准</a>' in page  # the breadcrumbs lead back


def test_nothing_of_a_draft_is_ever_shown(client: Any, db: Any) -> None:
    secret = "草稿里才有的证明材料"
    _clone(db, "tongxiang/2026/1", material=secret)
    _clone(db, "tongxiang/2026/1", year=2027, material=secret)
    for path in ("/standard", "/standard/2026", "/standard/2025"):
        page = _page(client, path)
        assert secret not in page and "2027" not in page
    assert secret not in _page(client, "/standard/2027", 404)


def test_years_without_a_published_version_answer_a_clear_404(client: Any) -> None:
    for path in ("/standard/2031", "/standard/abc", "/standard/99999", "/standard/0999", "/standard/２０２６"):
        page = _page(client, path, 404)
        assert "没有找到这一年度的积分标准" in page
        assert '<a href="/standard/2026">2026年度积分标准</a>' in page and 'href="/standard/2025"' in page
    assert "2031年度的积分标准尚未公布" in _page(client, "/standard/2031", 404)
    assert "不是一个年份" in _page(client, "/standard/" + "9" * 500, 404)


def test_this_year_without_a_standard_offers_the_latest(client: Any, seeded: Any) -> None:
    seeded.config["TODAY"] = lambda: dt.date(2027, 3, 1)
    page = _page(client)
    assert "2027年度的积分标准尚未公布，下面是最近公布的2026年度积分标准" in page
    assert f"<h1>{_shown('桐乡市居住证积分指标标准（2026年度，样例标准）')}</h1>" in page


def test_the_page_is_cacheable_and_answers_304(client: Any) -> None:
    first = client.get("/standard")
    etag = first.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{32}"', etag)
    assert first.headers["Cache-Control"].startswith("public, max-age=")
    again = client.get("/standard", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert client.get("/standard/2026").headers["ETag"] != client.get("/standard/2025").headers["ETag"]


def test_publication_and_retirement_change_the_etag(client: Any, db: Any) -> None:
    before = client.get("/standard").headers["ETag"]
    _clone(db, "tongxiang/2026/1", year=2027)
    assert client.get("/standard").headers["ETag"] == before  # a draft changes nothing
    _publish(db, "tongxiang/2027/1")
    published = client.get("/standard")
    assert published.headers["ETag"] != before
    assert client.get("/standard", headers={"If-None-Match": before}).status_code == 200
    assert '<a href="/standard/2027">查看2027年度积分标准</a>' in published.get_data(as_text=True)
    with db.transaction() as s:
        rulesets.retire(s, "tongxiang/2027/1", get_user(s, "publisher"), "撤回")
    retired = client.get("/standard")
    assert retired.headers["ETag"] != published.headers["ETag"]  # back to what it was: the same page, the same tag
    assert "2027" not in retired.get_data(as_text=True)
    with db.transaction() as s:
        rulesets.retire(s, "tongxiang/2026/1", get_user(s, "publisher"), "撤回")
    assert client.get("/standard").headers["ETag"] != retired.headers["ETag"]
    assert "2026年度的积分标准尚未公布" in _page(client)


def test_a_revision_in_force_today_replaces_the_page(client: Any, db: Any, seeded: Any) -> None:
    before = client.get("/standard").headers["ETag"]
    ref = _clone(db, "tongxiang/2026/1", material="七月修订新增的材料")
    with db.transaction() as s:
        row = rulesets.get_version(s, ref)
        doc = to_document(rulesets.load_model(row))
        doc["effective_from"] = dt.date(2026, 7, 1)
        rulesets.save_draft(s, ref, doc, row.lock_version, "editor")
    _publish(db, ref)
    assert client.get("/standard").headers["ETag"] == before  # not in force before July
    assert "七月修订新增的材料" not in _page(client)
    seeded.config["TODAY"] = lambda: dt.date(2026, 7, 2)
    assert client.get("/standard").headers["ETag"] != before
    assert "七月修订新增的材料" in _page(client) and "自2026-07-01起施行" in _page(client)


def test_a_request_for_a_page_already_rendered_costs_one_query(client: Any, db: Any) -> None:
    client.get("/standard")
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/standard").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1, statements


def test_changes_that_can_move_a_score_come_first(client: Any) -> None:
    section = _page(client)
    section = section[section.index('<section id="changes">') :]
    rows = re.findall(r'<li class="change change-\w+" id="change-[^"]+">\s*<p>(.*?)</p>', section, re.S)
    flags = ["可能影响得分" in row for row in rows]
    assert any(flags) and flags == sorted(flags, reverse=True)


def test_the_load_benchmark_s_assessment_address_gives_the_golden_total(client: Any) -> None:
    """bench/public_load.py drives a filled-in assessment: its address must score the golden case it names."""
    import importlib.util
    import sys
    from decimal import Decimal
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "public_load.py"
    spec = importlib.util.spec_from_file_location("bench_public_load", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_public_load"] = module
    spec.loader.exec_module(module)
    name, facts, total = module.golden_case()
    page = _page(client, module.assessment_path(facts))
    shown = re.search(r'data-total="([^"]+)"', page)
    assert shown is not None, name
    if total is not None:
        assert Decimal(shown[1]) == total, name
