"""No typing is lost when a console session ends: the form is kept for its user and offered again after login."""

from __future__ import annotations

import time
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from werkzeug.datastructures import MultiDict

from jifen.standard import drafts, rulesets
from tests.admin.conftest import Console, form_fields, form_values
from tests.conftest import PASSWORD


def _draft(db: Any) -> int:
    with db.transaction() as s:
        return rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id


def _item(db: Any, vid: int, code: str) -> Any:
    with db.transaction() as s:
        return drafts.locate(rulesets.document(rulesets.get_version(s, vid)), ("item", code))[1]


def _kept_count(db: Any) -> int:
    from sqlalchemy import func, select

    from jifen.store.models import KeptForm

    with db.transaction() as s:
        return int(s.scalar(select(func.count()).select_from(KeptForm)) or 0)


def _ended_elsewhere(app: Any, username: str) -> None:
    """The same user logs in and out in another browser: every session of theirs ends."""
    other = Console(app)
    other.login(username)
    other.client.post("/admin/logout")


def test_a_form_sent_after_the_session_ended_elsewhere_is_saved_after_login(console: Console, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T4-4"
    typed = {**form_values(console.get(url).get_data(as_text=True)), "fixed": "17"}
    _ended_elsewhere(console.app, "editor")
    sent = console.post(url, typed)
    assert sent.status_code == 302
    login = urlsplit(sent.headers["Location"])
    assert login.path == "/admin/login"
    offer = parse_qs(login.query)["next"][0]
    assert offer.startswith("/admin/kept/")
    page = unescape(console.get(sent.headers["Location"]).get_data(as_text=True))
    assert "您刚才填写的内容已保留，尚未保存" in page
    assert _item(db, vid, "T4-4")["fixed"] == 20  # nothing saved yet
    landed = console.client.post("/admin/login", data={"username": "editor", "password": PASSWORD, "next": offer})
    assert landed.headers["Location"] == offer
    kept = console.get(offer).get_data(as_text=True)
    fields = form_fields(kept, "kept-form")
    assert ("fixed", "17") in fields and 'action="' + url + '"' in kept
    saved = console.post(url, MultiDict(fields))
    assert saved.status_code == 302 and saved.headers["Location"].endswith("#item-T4-4")
    assert _item(db, vid, "T4-4")["fixed"] == 17


def test_logging_out_in_another_tab_keeps_the_typing_for_the_same_user_only(console: Console, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/tables/{vid}/T3"
    fields = form_fields(console.get(url).get_data(as_text=True), "table-form")
    console.client.post("/admin/logout")  # another tab of the same browser: the cookie is shared
    sent = console.post(url, MultiDict([(n, "我的名称" if n == "name" else v) for n, v in fields]))
    offer = parse_qs(urlsplit(sent.headers["Location"]).query)["next"][0]
    assert _kept_count(db) == 1
    console.client.post("/admin/login", data={"username": "publisher", "password": PASSWORD})
    assert console.get(offer).status_code == 404  # someone else at this browser does not get it
    console.login("editor")
    kept = form_fields(console.get(offer).get_data(as_text=True), "kept-form")
    assert ("name", "我的名称") in kept and len(kept) == len(fields)  # the whole table, every cell (+ the new token)
    assert console.post(url, MultiDict(kept)).status_code == 302
    with db.transaction() as s:
        t3 = drafts.locate(rulesets.document(rulesets.get_version(s, vid)), ("table", "T3"))[1]
    assert t3["name"] == "我的名称"


def test_giving_the_typing_up_forgets_it(console: Console, db: Any) -> None:
    vid = _draft(db)
    console.login("editor")
    url = f"/admin/drafts/{vid}/items/T4-4"
    typed = {**form_values(console.get(url).get_data(as_text=True)), "fixed": "17"}
    console.client.post("/admin/logout")
    offer = parse_qs(urlsplit(console.post(url, typed).headers["Location"]).query)["next"][0]
    console.login("editor")
    gone = console.post(offer + "/discard")
    assert gone.status_code == 302 and gone.headers["Location"] == url
    assert console.get(offer).status_code == 404 and _kept_count(db) == 0


def test_a_form_from_nobody_is_not_kept(seeded: Any, db: Any) -> None:
    seeded.config["WTF_CSRF_ENABLED"] = False
    sent = seeded.test_client().post("/admin/drafts/1/items/T4-4", data={"fixed": "99"})
    assert sent.status_code == 302 and "/admin/kept/" not in sent.headers["Location"]
    assert _kept_count(db) == 0


def test_a_form_whose_csrf_token_expired_is_kept_and_offered_at_once(seeded: Any, db: Any) -> None:
    vid = _draft(db)
    seeded.config["WTF_CSRF_TIME_LIMIT"] = 1
    client = seeded.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    login = {**form_values(page), "username": "editor", "password": PASSWORD}
    assert client.post("/admin/login", data=login).status_code == 302
    url = f"/admin/drafts/{vid}/items/T4-4"
    typed = {**form_values(client.get(url).get_data(as_text=True)), "fixed": "16"}
    time.sleep(2)
    sent = client.post(url, data=typed)
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/admin/kept/")
    seeded.config["WTF_CSRF_TIME_LIMIT"] = 3600
    kept = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "安全令牌已过期" in unescape(kept)
    assert client.post(url, data=MultiDict(form_fields(kept, "kept-form"))).status_code == 302
    assert _item(db, vid, "T4-4")["fixed"] == 16


def test_a_forged_form_without_a_valid_token_is_refused_not_kept(seeded: Any, db: Any) -> None:
    vid = _draft(db)
    client = seeded.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    client.post("/admin/login", data={**form_values(page), "username": "editor", "password": PASSWORD})
    refused = client.post(f"/admin/drafts/{vid}/items/T4-4", data={"fixed": "1", "csrf_token": "forged"})
    assert refused.status_code == 400 and _kept_count(db) == 0


def test_forms_kept_at_once_for_one_user_replace_each_other(app: Any, db: Any) -> None:
    """Two tabs of one user whose forms arrive together (separate connections on PostgreSQL): the later wins."""
    import datetime as dt
    from concurrent.futures import ThreadPoolExecutor

    from jifen.access import kept_forms

    now = dt.datetime.now(dt.UTC)
    with db.transaction() as s:
        from jifen.access import users

        user = users.create_user(s, "tabs", "editor", "Tong-xiang-2026", actor="test")
        user_id = user.id

    def keep(n: int) -> str | None:
        with db.transaction() as s:
            return kept_forms.keep(s, user_id, f"/admin/drafts/1/items/T{n}", [("fixed", str(n))], now)

    with ThreadPoolExecutor(4) as pool:
        tokens = list(pool.map(keep, range(8)))
    assert all(tokens) and _kept_count(db) == 1
