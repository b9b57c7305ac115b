"""自助测算: the form from the fact catalogue, the result exactly as the API's dry run, bad input at its field, the
year, and the one-time materials notice."""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import re
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import pytest

from engine import RulesetVersion, dumps
from engine.materials import fired_items, notice
from tests.conftest import GOLDEN_DIR, golden_cases

BASE = {"permit_valid": "true", "permit_endorsed": "true", "birth_date": "1990-05-01"}
TYPICAL = {**BASE, "education": "bachelor", "skill_level": "3", "insurance_months": "36", "residence_months": "40",
           "local_insurance_months": "24", "dwelling": "registered_rental", "blood_donations": "2",
           "detentions": "1"}  # fmt: skip


@pytest.fixture
def client(seeded: Any) -> Any:
    return seeded.test_client()


@pytest.fixture
def api_headers(db: Any, seeded: Any) -> dict[str, str]:
    from jifen.access import api_clients

    with db.transaction() as s:
        key = api_clients.create_client(s, "assessment-check", ["score"], "test")[1]
    api_clients._cache.clear()
    return {"Authorization": f"Bearer {key}"}


def _page(client: Any, params: dict[str, Any] | str, path: str = "/self-assessment") -> tuple[Any, str]:
    query = params if isinstance(params, str) else urlencode(params)
    response = client.get(f"{path}?{query}" if query else path)
    return response, response.get_data(as_text=True)


def _total(page: str) -> Decimal | None:
    found = re.findall(r'data-total="([^"]*)"', page)
    assert len(found) <= 1
    return Decimal(found[0]) if found else None


def _breakdown(page: str) -> dict[str, Any]:
    """What the page says per category, indicator and fired item."""
    return {
        "categories": {c: Decimal(p) for c, p in re.findall(r'data-category="([^"]+)" data-points="([^"]+)"', page)},
        "indicators": {i: Decimal(p) for i, p in re.findall(r'data-indicator="([^"]+)" data-points="([^"]+)"', page)},
        "items": {
            i: (Decimal(p), c == "true")
            for i, p, c in re.findall(r'data-item="([^"]+)" data-points="([^"]+)" data-counted="([^"]+)"', page)
        },
    }


def _api_breakdown(result: dict[str, Any]) -> dict[str, Any]:
    return {
        "categories": {c["code"]: Decimal(str(c["points"])) for c in result["categories"]},
        "indicators": {i["code"]: Decimal(str(i["points"])) for i in result["indicators"]},
        "items": {
            it["code"]: (Decimal(str(it["points"])), it["counted"])
            for i in result["indicators"]
            for it in i["items"]
            if it["fired"]
        },
    }


def _query(facts: dict[str, Any]) -> dict[str, str]:
    """Facts as an address states them (booleans as true/false, numbers as written)."""
    return {k: ("true" if v else "false") if isinstance(v, bool) else str(v) for k, v in facts.items()}


def _field(page: str, name: str) -> str:
    """The markup of the input or select named ``name``."""
    found = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', page)
    assert found, name
    return found.group(0)


def _error_at(page: str, name: str) -> str:
    """The message shown at a field, checking that the field points to it and says it is invalid."""
    tag = _field(page, name)
    assert 'aria-invalid="true"' in tag, tag
    described = re.search(r'aria-describedby="([^"]+)"', tag)
    assert described and f"f-{name}-error" in described.group(1).split()
    message = re.search(rf'<span class="error-text" id="f-{name}-error">([^<]+)</span>', page)
    assert message, name
    return html.unescape(message.group(1))


# -- the form --------------------------------------------------------------------------------------------------


def test_the_form_asks_what_the_catalogue_says_an_applicant_can_state(
    client: Any, versions: dict[int, RulesetVersion]
) -> None:
    response, page = _page(client, {"year": 2026})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    version = versions[2026]
    assert 'method="get"' in page and "data-total" not in page
    for fact in version.facts:
        if fact.derived is not None or fact.name == "application_date":
            assert f'name="{fact.name}"' not in page  # age is computed; the assessment is as of today
            continue
        tag = _field(page, fact.name)
        assert html.escape(fact.label, quote=False) in page
        assert ("required" in tag.split()) == fact.required or (" required>" in tag) == fact.required
        if fact.type == "enum":
            select = page[page.index(tag) : page.index("</select>", page.index(tag))]
            for value, label in zip(fact.values, fact.value_labels, strict=True):
                assert f'<option value="{value}">{label}</option>' in select
        elif fact.type == "bool":
            select = page[page.index(tag) : page.index("</select>", page.index(tag))]
            assert '<option value="true">是</option>' in select and '<option value="false">否</option>' in select
        elif fact.type in ("int", "number"):
            assert 'type="number"' in tag
            if fact.min is not None:
                assert f'min="{fact.min}"' in tag
            if fact.max is not None:
                assert f'max="{fact.max}"' in tag
        elif fact.type == "date":
            assert 'type="date"' in tag
    assert page.count("（必填）") == sum(1 for f in version.facts if f.required and f.derived is None)


def test_records_are_asked_apart_optional_and_explained(client: Any) -> None:
    _response, page = _page(client, {})
    records = page[page.index('id="section-records"') :]
    records = records[: records.index("</fieldset>")]
    assert "如实填写；不填按没有计算" in records
    for name in ("criminal_records", "detentions", "drug_rehab", "court_noncompliance", "petition_disorder"):
        assert f'name="{name}"' in records and "required" not in _field(records, name).split()
    assert 'name="insurance_months"' not in records
    eligibility = page[page.index('id="section-eligibility"') :]
    assert 'name="permit_valid"' in eligibility[: eligibility.index("</fieldset>")]


# -- the result, exactly as the engine computes it ---------------------------------------------------------------


def _golden_mismatches(client: Any, headers: dict[str, str], case: dict[str, Any]) -> list[str]:
    """How the page's answer for a golden case differs from the API's dry run and from the case's expectation."""
    response, page = _page(client, {**_query(case["facts"]), "year": case["year"]})
    body = {"application_ref": "check", "year": case["year"], "facts": case["facts"], "dry_run": True}
    answer = client.post("/api/v1/scores", data=dumps(body), content_type="application/json", headers=headers)
    if response.status_code != 200 or answer.status_code != 200:
        return [f"status {response.status_code}, API {answer.status_code}"]
    result = json.loads(answer.data, parse_float=Decimal)
    problems = []
    if not _total(page) == Decimal(str(result["total"])) == Decimal(str(case["expected"]["total"])):
        problems.append(f"total {_total(page)}, API {result['total']}, expected {case['expected']['total']}")
    if _breakdown(page) != _api_breakdown(result):
        problems.append("breakdown differs from the API's")
    if ('data-eligible="true"' in page) != result["eligible"]:
        problems.append("eligibility differs")
    expected = case["expected"]
    for key in ("categories", "indicators"):
        if {k: Decimal(str(v)) for k, v in expected.get(key, {}).items()}.items() - _breakdown(page)[key].items():
            problems.append(f"{key} differ from the expectation")
    if "仅供参考，以审核结果为准" not in page:
        problems.append("not marked as a reference")
    return problems


@pytest.mark.golden
def test_every_golden_case_as_the_api_dry_run_computes_it(client: Any, api_headers: dict[str, str]) -> None:
    cases = [c.values[0] for c in golden_cases() if c.values[0] is not None]
    if not cases:
        pytest.skip(f"golden cases not found in {GOLDEN_DIR}")
    failures = {c["name"]: found for c in cases if (found := _golden_mismatches(client, api_headers, c))}
    assert failures == {}


def test_a_filled_in_address_shows_the_form_filled_in_and_the_result(client: Any) -> None:
    response, page = _page(client, TYPICAL)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert _total(page) is not None
    assert '<option value="bachelor" selected>' in page
    assert 'value="36"' in _field(page, "insurance_months")
    assert 'value="1990-05-01"' in _field(page, "birth_date")
    assert '<option value="true" selected>' in page[page.index('name="permit_valid"') :]
    assert "仅供参考，以审核结果为准" in page


def test_empty_parameters_are_not_stated(client: Any) -> None:
    _r, stated = _page(client, BASE)
    _r, with_empty = _page(client, {**BASE, "education": "", "insurance_months": "", "detentions": " "})
    assert _total(stated) == _total(with_empty) == 20
    assert _breakdown(stated) == _breakdown(with_empty)


@pytest.mark.parametrize(("written", "meaning"), [("1", "true"), ("0", "false"), ("是", "true"), ("否", "false")])
def test_booleans_may_be_written_as_one_zero_yes_no(client: Any, written: str, meaning: str) -> None:
    _r, page = _page(client, {**BASE, "permit_endorsed": written})
    _r, expected = _page(client, {**BASE, "permit_endorsed": meaning})
    assert _total(page) == _total(expected) and _breakdown(page) == _breakdown(expected)


def test_an_ineligible_applicant_sees_why(client: Any) -> None:
    _r, page = _page(client, {**BASE, "permit_endorsed": "false", "insurance_months": "36"})
    assert _total(page) == 0 and 'data-eligible="false"' in page
    assert 'data-reason="permit_endorsed"' in page and "浙江省居住证未完成本年度签注" in page


def test_decimals_are_exact(client: Any) -> None:
    _r, page = _page(client, {**BASE, "insurance_months": "37", "volunteer_hours": "100.5"})
    assert _total(page) == Decimal("20") + Decimal("18.5") + 4


# -- bad input ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("insurance_months", "3a", "应为整数"),
        ("insurance_months", "12.5", "应为整数"),
        ("insurance_months", "-1", "不能小于 0"),
        ("skill_level", "9", "不能大于 5"),
        ("volunteer_hours", "1e3", "应为数字"),
        ("education", "phd", "应为以下之一"),
        ("permit_valid", "maybe", "应为“是”或“否”"),
        ("birth_date", "1990-13-45", "日期无效"),
        ("birth_date", "0001-01-01", "应在1900-01-01至2100-12-31之间"),
        ("birth_date", "", "必填项"),
    ],
)
def test_bad_input_comes_back_at_its_field(client: Any, name: str, value: str, message: str) -> None:
    response, page = _page(client, {**BASE, name: value})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert _total(page) is None and 'id="error-summary"' in page
    assert message in _error_at(page, name)
    if value:
        assert html.escape(value) in _error_at(page, name)


@pytest.mark.parametrize(("name", "message"), [("foo", "未知字段"), ("age", "由出生日期自动计算")])
def test_unknown_parameters_are_named_in_the_summary(client: Any, name: str, message: str) -> None:
    response, page = _page(client, {**BASE, name: "3"})
    assert response.status_code == 200 and _total(page) is None
    summary = page[page.index('id="error-summary"') :]
    assert f"“{name}”" in summary and message in summary[: summary.index("</div>")]


def test_a_fact_given_twice_is_refused(client: Any) -> None:
    _r, page = _page(client, "permit_valid=true&permit_endorsed=true&birth_date=1990-05-01&education=bachelor"
                             "&education=master")  # fmt: skip
    assert _total(page) is None and "只填写一个" in _error_at(page, "education")


def test_hostile_input_is_shown_escaped(client: Any) -> None:
    response, page = _page(client, {**BASE, "insurance_months": "<script>alert(1)</script>"})
    assert response.status_code == 200 and "<script>alert" not in page


# -- the year -----------------------------------------------------------------------------------------------------


def test_the_year_picks_that_years_standard_in_force(client: Any) -> None:
    _r, this_year = _page(client, BASE)
    _r, year_2025 = _page(client, {**BASE, "year": "2025"})
    assert "按2026年度积分标准" in this_year and "按2025年度积分标准" in year_2025
    assert '<option value="2025" selected>' in year_2025


@pytest.mark.parametrize(("year", "message"), [("abc", "无法识别"), ("1850", "无法识别"), ("2031", "还没有公布")])
def test_a_year_without_a_standard_is_said_at_the_year(client: Any, year: str, message: str) -> None:
    response, page = _page(client, {**BASE, "year": year})
    assert response.status_code == 200 and _total(page) is None
    assert message in _error_at(page, "year")


def test_when_this_year_has_no_standard_yet_the_latest_is_used_and_said(client: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr("public.assessment.today", lambda: dt.date(2027, 2, 1))
    _r, page = _page(client, BASE)
    assert "2027年度的积分标准尚未公布" in page and "按2026年度积分标准" in page and _total(page) is not None


def test_without_any_standard_published_the_page_says_so(app: Any) -> None:
    response = app.test_client().get("/self-assessment?permit_valid=true")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "还没有公布的积分标准" in page and "<form" not in page


def test_the_application_date_of_an_address_is_kept_and_used(client: Any) -> None:
    _r, page = _page(client, {**BASE, "birth_date": "1986-03-15", "application_date": "2026-03-14"})
    assert "年龄按 39 周岁计算" in page
    assert '<input type="hidden" name="application_date" value="2026-03-14">' in page
    _r, bad = _page(client, {**BASE, "application_date": "2026-02-30"})
    summary = bad[bad.index('id="error-summary"') :]
    assert "“application_date”（申请日期）：日期无效" in summary and _total(bad) is None


# -- nothing stored, nothing logged ---------------------------------------------------------------------------------


def test_nothing_is_stored_or_logged(client: Any, db: Any, caplog: Any) -> None:
    from sqlalchemy import func, select

    from jifen.store.models import ScoreRow

    caplog.set_level(logging.DEBUG)
    with db.transaction() as s:
        before = s.scalar(select(func.count()).select_from(ScoreRow))
    _page(client, {**TYPICAL, "birth_date": "1977-07-07"})
    _page(client, {**TYPICAL, "birth_date": "1977-07-07"}, "/self-assessment/materials")
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(ScoreRow)) == before
    assert "1977-07-07" not in caplog.text


def test_the_access_log_keeps_no_facts() -> None:
    import datetime
    from types import SimpleNamespace

    from gunicorn.config import Config

    from jifen.accesslog import PrivateQueryLogger

    logger = PrivateQueryLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/self-assessment?birth_date=1977-07-07", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/self-assessment", "QUERY_STRING": "birth_date=1977-07-07",
               "HTTP_REFERER": "http://x/self-assessment?birth_date=1977-07-07"}  # fmt: skip
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, datetime.timedelta(seconds=0))
    assert "1977" not in " ".join(str(v) for v in atoms.values()) and atoms["U"] == "/self-assessment"
    assert atoms["r"] == "GET /self-assessment?[1 parameters] HTTP/1.1"


# -- the one-time materials notice -------------------------------------------------------------------------------


def test_the_materials_to_bring_are_grouped_by_department(client: Any, versions: dict[int, RulesetVersion]) -> None:
    _r, page = _page(client, TYPICAL)
    from engine import score

    facts = {**{k: v for k, v in TYPICAL.items() if k not in ("permit_valid", "permit_endorsed")},
             "permit_valid": True, "permit_endorsed": True, "skill_level": 3, "insurance_months": 36,
             "residence_months": 40, "local_insurance_months": 24, "blood_donations": 2, "detentions": 1}  # fmt: skip
    expected = notice(versions[2026], fired_items(score(versions[2026], facts, as_of=dt.date.today())))
    shown = re.findall(r'data-department="([^"]+)"', page)
    assert shown == [group.department for group in expected] and shown
    materials = re.findall(r'data-material="([^"]+)"', page)
    assert materials == [html.escape(m.name) for group in expected for m in group.materials]
    assert len(materials) == len(set(materials))  # each material once


def test_the_printable_list_has_the_same_query(client: Any) -> None:
    _r, page = _page(client, TYPICAL)
    link = html.unescape(re.search(r'href="([^"]+)" id="materials-link"', page).group(1))  # type: ignore[union-attr]
    assert link == "/self-assessment/materials?" + urlencode(TYPICAL)
    response = client.get(link)
    sheet = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "<form" not in sheet and re.findall(r'data-material="([^"]+)"', sheet) == re.findall(
        r'data-material="([^"]+)"', page
    )
    assert 'src="/assets/assessment.js"' in sheet and "<script>" not in sheet and "style=" not in sheet
    assert "仅供参考，以审核结果为准" in sheet


def test_the_printable_list_of_bad_facts_is_the_form_with_its_errors(client: Any) -> None:
    response, page = _page(client, {**BASE, "insurance_months": "x"}, "/self-assessment/materials")
    assert response.status_code == 200 and "应为整数" in _error_at(page, "insurance_months")
