"""申请时间 (/application-periods): this year's and next year's periods in words, 「尚未公布」 for a year without,
what happens outside them, the past years below; breadcrumbs; cacheable under an ETag that changes when a period is
added or removed."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from jifen.applications import periods

D = dt.date


class Clock:
    def __init__(self, today: dt.date) -> None:
        self.today = today

    def __call__(self) -> dt.date:
        return self.today


@pytest.fixture
def clock(seeded: Any) -> Clock:
    clock = Clock(D(2026, 3, 10))
    seeded.config["TODAY"] = clock
    return clock


@pytest.fixture
def client(seeded: Any, clock: Clock) -> Any:
    return seeded.test_client()


def _add(db: Any, year: int, first: dt.date, last: dt.date, note: str = "") -> periods.Period:
    with db.transaction() as s:
        return periods.add(s, year, first, last, note, "publisher")


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str, year: int) -> str:
    found = re.search(rf'<section class="period-year" id="year-{year}".*?</section>', html, re.S)
    assert found is not None, f"no section for {year}"
    return _text(found.group(0))


def test_without_any_period_every_year_says_not_yet_published(client: Any) -> None:
    response = client.get("/application-periods")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<title>申请时间 - 桐乡市居住证积分</title>" in html and "<h1>申请时间</h1>" in html
    assert "2026年度 尚未公布。" in _section(html, 2026) and "2027年度 尚未公布。" in _section(html, 2027)
    assert "往年的申请时间" not in html
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', html, re.S)
    assert crumbs is not None and _text(crumbs.group(0)).split() == ["首页", "申请时间"]
    assert 'href="/"' in crumbs.group(0) and 'aria-current="page"' in crumbs.group(0)
    assert "不在申请时间内怎么办" in html and "补充材料和对公示结果提出异议不受申请时间限制" in html


def test_the_periods_in_words_this_year_next_year_and_the_past(client: Any, db: Any, clock: Clock) -> None:
    _add(db, 2026, D(2026, 9, 1), D(2026, 9, 30))
    _add(db, 2026, D(2026, 3, 1), D(2026, 3, 31), "春季集中受理")
    _add(db, 2026, D(2026, 1, 5), D(2026, 1, 5))
    _add(db, 2025, D(2025, 4, 1), D(2025, 4, 30))
    _add(db, 2025, D(2025, 10, 8), D(2025, 10, 31))
    _add(db, 2024, D(2024, 5, 6), D(2024, 5, 31))
    html = client.get("/application-periods").get_data(as_text=True)
    this_year = _section(html, 2026)
    assert this_year.index("2026年1月5日 已结束") < this_year.index("2026年3月1日至3月31日 正在受理 春季集中受理")
    assert "2026年9月1日至9月30日 尚未开始" in this_year
    assert "今天不在" not in this_year
    assert "2027年度 尚未公布。" in _section(html, 2027)
    past = _text(html[html.index("往年的申请时间") :])
    assert "2025年度 2025年4月1日至4月30日；2025年10月8日至10月31日 2024年度 2024年5月6日至5月31日" in past
    assert html.index('id="year-2026"') < html.index('id="year-2027"') < html.index("往年的申请时间")
    clock.today = D(2026, 6, 1)  # between two periods: said so
    later = _section(client.get("/application-periods").get_data(as_text=True), 2026)
    assert "今天不在2026年度的申请时间内" in later and "2026年3月1日至3月31日 已结束" in later


def test_a_year_further_ahead_is_shown_once_published(client: Any, db: Any) -> None:
    _add(db, 2028, D(2028, 3, 1), D(2028, 3, 31))
    html = client.get("/application-periods").get_data(as_text=True)
    assert "2028年3月1日至3月31日 尚未开始" in _section(html, 2028)


def test_the_page_is_cacheable_and_its_etag_changes_with_the_periods(client: Any, db: Any) -> None:
    first = client.get("/application-periods")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].startswith("public") and "no-store" not in first.headers["Cache-Control"]
    assert client.get("/application-periods", headers={"If-None-Match": etag}).status_code == 304
    period = _add(db, 2026, D(2026, 3, 1), D(2026, 3, 31))
    added = client.get("/application-periods", headers={"If-None-Match": etag})
    assert added.status_code == 200 and added.headers["ETag"] != etag
    with db.transaction() as s:
        periods.remove(s, period.id, "admin")
    removed = client.get("/application-periods", headers={"If-None-Match": added.headers["ETag"]})
    assert removed.status_code == 200 and removed.headers["ETag"] == etag  # the same page as before: the same tag


def test_the_page_carries_no_script_and_no_inline_style(client: Any, db: Any) -> None:
    _add(db, 2026, D(2026, 3, 1), D(2026, 3, 31), "<script>alert(1)</script>")
    html = client.get("/application-periods").get_data(as_text=True)
    assert "<script" not in html and "style=" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
