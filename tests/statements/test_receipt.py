"""The printable receipt: the statement's QR code (the /verify address) on the public lookup's answer and on the
console's print view of a published application; nothing before publication."""

from __future__ import annotations

from typing import Any

from jifen import applications
from jifen.applications import lookup
from jifen.statements import receipt
from tests.conftest import PASSWORD
from tests.statements.conftest import Life


def _code(life: Life, ref: str) -> str:
    return str(life.run(lambda c: lookup.reissue(c, ref, 2025, life.app.config["SECRET_KEY"]))[1])


def test_the_lookup_shows_the_receipt_once_published(life: Life, seeded: Any) -> None:
    life.scored("TX-R1")
    client = seeded.test_client()
    before = client.post("/lookup", data={"application_ref": "TX-R1", "year": "2025", "code": _code(life, "TX-R1")})
    assert before.status_code == 200 and 'id="statement-receipt"' not in before.get_data(as_text=True)
    life.run(lambda c: applications.publish(c, "TX-R1", 2025, life.today))
    after = client.post("/lookup", data={"application_ref": "TX-R1", "year": "2025", "code": _code(life, "TX-R1")})
    html = after.get_data(as_text=True)
    assert 'id="statement-receipt"' in html and "<svg" in html and "积分结果凭证" in html
    assert "style=" not in html.split('id="statement-receipt"')[1]  # the CSP allows no inline style


def test_the_console_prints_the_receipt(life: Life, seeded: Any) -> None:
    seeded.config["WTF_CSRF_ENABLED"] = False  # CSRF itself is tested in tests/admin/test_security.py
    client = seeded.test_client()
    client.post("/admin/login", data={"username": "publisher", "password": PASSWORD})
    life.scored("TX-R2")
    assert client.get("/admin/applications/receipt/2025/TX-R2").status_code == 404
    assert 'id="statement-receipt"' not in client.get("/admin/applications/2025/TX-R2").get_data(as_text=True)
    life.run(lambda c: applications.publish(c, "TX-R2", 2025, life.today))
    assert 'id="statement-receipt"' in client.get("/admin/applications/2025/TX-R2").get_data(as_text=True)
    page = client.get("/admin/applications/receipt/2025/TX-R2")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and "data-print" in html and 'id="receipt-jws"' in html


def test_the_qr_code_encodes_the_verification_address() -> None:
    svg = receipt.qr_svg("http://127.0.0.1:8000/verify?s=eyJ" + "a" * 1000, "扫码核验")
    assert svg.startswith("<svg") and "<title>扫码核验</title>" in svg and 'class="qr"' in svg
    assert receipt.qr_svg.cache_info().currsize >= 1
