"""The front door end to end, as an applicant on a phone (390 px) and at a computer (1,280 px): they find the
standard, try their own facts in the self-assessment, print what to bring, are received at the window (whose
receipt tells them the same materials once and prints the lookup code), and later look their result up with
that code — the published total is the one the self-assessment promised, since the departments confirmed every
claim."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from jifen.access import api_clients
from tests.e2e.browser import Visit

pytestmark = pytest.mark.browser

# A working day of the sample standard's year with holiday data around it: the receipt's deadlines stay inside the
# calendar whatever the real date (the self-assessment dates itself by the server's clock; the claims score the
# same under either year's sample: an age of 36 or 37 gets the same points).
DAY = dt.date(2026, 6, 1)
CLAIMS = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "education": "bachelor",
          "insurance_months": 36, "residence_months": 24, "provident_fund_months": 12}  # fmt: skip
# what each department finds: every claim confirmed, nothing on record
FOUND = {
    "公安局": {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "residence_months": 24,
              "criminal_records": None, "detentions": None, "drug_rehab": None, "serious_traffic_violations": None},
    "教育局": {"education": "bachelor"},
    "人力社保局": {"insurance_months": 36},
    "住房公积金桐乡分中心": {"provident_fund_months": 12},
    "法院": {"court_noncompliance": None, "professional_lending": None},
    "信访局": {"petition_disorder": None},
}  # fmt: skip


def _grave(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page).response["violations"]
    return [f"{v['id']}: {v['help']}" for v in found if v.get("impact") in ("serious", "critical")]


def _keys(db: Any) -> dict[str, dict[str, str]]:
    def key(name: str, scopes: list[str], department: str | None = None) -> dict[str, str]:
        with db.transaction() as s:
            return {"Authorization": f"Bearer {api_clients.create_client(s, name, scopes, 'test', department)[1]}"}

    made = {"intake": key("intake", ["apply"]), "bureau": key("bureau", ["publish"])}
    made.update({d: key(f"dept-{n}", ["verify"], d) for n, d in enumerate(FOUND)})
    return made


def _received_verified_published(seeded: Any, db: Any, ref: str) -> dict[str, Any]:
    """The window receives the application; every department confirms; the bureau publishes. The receipt."""
    keys, client, today = _keys(db), seeded.test_client(), DAY
    receipt = client.post("/api/v1/applications", headers=keys["intake"], json={
        "application_ref": ref, "year": today.year, "received_on": today.isoformat(), "channel": "window",
        "facts": CLAIMS})  # fmt: skip
    assert receipt.status_code == 201, receipt.json
    for department, facts in FOUND.items():
        done = client.post(f"/api/v1/applications/{ref}/{today.year}/verifications", headers=keys[department],
                           json={"department": department, "facts": facts, "note": "核对原件"})  # fmt: skip
        assert done.status_code == 200, (department, done.json)
    published = client.post(f"/api/v1/applications/{ref}/{today.year}/publish", headers=keys["bureau"],
                            json={"published_on": today.isoformat()})  # fmt: skip
    assert published.status_code == 200, published.json
    return dict(receipt.json)


@pytest.mark.parametrize("width", [390, 1280])
def test_standard_self_assessment_materials_receipt_and_lookup(
    server: str, browser: Any, seeded: Any, db: Any, width: int
) -> None:
    seeded.config["TODAY"] = lambda: DAY  # the application's life and the lookup, on a day of the sample year
    visit = Visit(browser, server, width=width, height=844 if width == 390 else 900)
    page = visit.page
    fits = "document.documentElement.scrollWidth <= window.innerWidth"

    # the front page, and a page that does not exist, pass axe-core too
    page.goto(f"{server}/no-such-page")
    assert page.locator("h1").inner_text() == "没有找到这个页面" and not _grave(page)  # in the public layout
    page.goto(f"{server}/")
    assert not _grave(page)

    # the standard, from the front page
    page.click("main a[href='/standard']")
    page.wait_for_url(f"{server}/standard")
    assert "缴纳社保" in page.inner_text("main") and "证明材料" in page.inner_text("main")
    assert page.evaluate(fits)

    # their own facts
    page.click("header a[href='/self-assessment']")
    page.wait_for_selector("#assessment-form")
    for name in ("permit_valid", "permit_endorsed", "education"):
        page.select_option(f"#f-{name}", str(CLAIMS[name]).lower())
    for name in ("birth_date", "insurance_months", "residence_months", "provident_fund_months"):
        page.fill(f"#f-{name}", str(CLAIMS[name]))
    page.click("#assessment-form button[type=submit]")
    page.wait_for_selector("[data-total]")
    promised = page.get_attribute("[data-total]", "data-total")
    assert promised and float(promised) > 0 and page.evaluate(fits)
    visit.shot(f"journey-{width}-1-assessment")

    # what to bring, printable
    page.click("#materials-link")
    page.wait_for_selector("[data-material]")
    to_bring = set(page.locator("[data-material]").evaluate_all("(items) => items.map((i) => i.dataset.material)"))
    assert {"毕业证书", "住房公积金缴存证明（住房公积金桐乡分中心出具）"} <= to_bring
    page.emulate_media(media="print")
    visit.shot(f"journey-{width}-2-materials-print")
    page.emulate_media(media="screen")

    # the window: the receipt tells the same materials once, and carries the lookup code
    ref = f"TX-JOURNEY-{width}"
    receipt = _received_verified_published(seeded, db, ref)
    told = {m["name"] for group in receipt["materials_notice"] for m in group["materials"]}
    assert told == to_bring
    code = receipt["lookup_code"]

    # later: the lookup with the receipt's code
    page.goto(f"{server}/")
    page.click("header a[href='/lookup']")
    page.fill("#application_ref", ref)
    page.fill("#year", str(DAY.year))
    page.fill("#code", code)
    page.click("#lookup-form button[type=submit]")
    page.wait_for_selector("#lookup-state")
    assert page.locator("#lookup-state").inner_text() == "已公布"
    assert page.get_attribute("#lookup-score [data-total]", "data-total") == promised
    assert page.evaluate(fits)
    visit.shot(f"journey-{width}-3-lookup")
    visit.close()
