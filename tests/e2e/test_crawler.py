"""Every console page as every role, and every draft form with hostile values, in a real headless Chromium.

The crawler follows the links a user can click, breadth first from /admin/, and checks each page: no server
error, a refusal is the console's Chinese error page, one title, no English sentences where users read messages,
and a page as wide as the window (at 1,280 px, and at 390 px where the navigation folds behind its toggler), no
control that only sideways scrolling reaches (the decision table excepted: an editor grid) and no table cell
squeezed to a character or two per line.
Each kind of page (one route of the console) is photographed at both widths in test-output/e2e/crawl/.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import deque
from collections.abc import Iterable
from typing import Any
from urllib.parse import urldefrag, urlsplit

import pytest
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from jifen import applications
from jifen.applications import Actor, Context, workdays
from jifen.standard import rulesets
from jifen.store.models import ROLES, User
from tests.e2e.browser import SHOTS, Visit

pytestmark = pytest.mark.browser
CRAWL_SHOTS = SHOTS / "crawl"
NARROW = 390
WIDE = 1280
MAX_PAGES = 80  # per role: with MAX_PER_ROUTE this reaches every route while keeping a role near 20 s
MAX_PER_ROUTE = 2  # pages of one route (one item of 40, one query-string variant of a list, ...) say the same
SKIPPED = re.compile(r"/logout|/export|\.xlsx$|\.yaml$|\.csv$|\.json$")  # leaving, or downloads
# Where the console speaks to its user: headings, alerts and flashed messages, a field's message, an error page.
MESSAGES = "h1, h2, h3, h4, .alert, .invalid-feedback, #error-title, title"
# Two English words (3+ letters each) in a row is a sentence the console forgot to translate. Removed first, the
# few Latin tokens a Chinese page legitimately shows: version references (tongxiang/2026/1), rule codes (T3-3,
# E1), content hashes (sha256:…), file names (tongxiang-2026.yaml) and the format names YAML/Excel/JSON/API, which
# the bureau's clerks use as words of their own.
ALLOWED = re.compile(
    r"[a-z_]+/\d{4}/\d+|\b[A-Z]{1,3}\d+(?:-\d+)*\b|sha256:[0-9a-f]*|[\w.-]+\.(?:yaml|yml|xlsx|csv|json)\b"
    r"|\b(?:YAML|Excel|JSON|API)\b"
)
# A code of the file's own in a clerk's page: a fact's or a check's name (invention_patents, exceeds_cap), a
# category's code, a value as the program writes it (True, None, null).
RAW_CODE = re.compile(
    r"(?<![\w/.:-])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|True|False|None|null|provincial|base|bonus|deduction)(?![\w/.-])"
)
ENGLISH = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?:[\s,;:!?]+|\.\s+)[A-Za-z]{3,}(?![A-Za-z])")
CJK = re.compile(r"[\u4e00-\u9fff]")
TODAY = dt.date(2025, 10, 20)
APPLICANT = {"permit_valid": True, "permit_endorsed": True, "birth_date": "1990-05-01", "insurance_months": 36,
             "local_insurance_months": 24}  # fmt: skip
_PHOTOGRAPHED: set[str] = set()  # the kinds of page already photographed by an earlier role

# what a page reports about itself, in one round trip: its titles, its messages, whether it is wider than the
# window and if so which elements (outside any box that scrolls or clips them) stick out
_INSPECT = """() => {
  const visible = (e) => e.tagName === 'TITLE' || e.checkVisibility();
  // every text the page shows, a line per text node, but identifiers shown as such (<code>, <pre>: a fact's
  // name where it is edited, a record as sent)
  const shownText = () => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const lines = [];
    while (walker.nextNode()) {
      const parent = walker.currentNode.parentElement;
      if (!parent || parent.closest('code, pre, script, style, textarea, svg') || !parent.checkVisibility()) continue;
      const text = walker.currentNode.textContent.trim();
      if (text) lines.push(text);
    }
    return lines.join('\\n');
  };
  const messages = [...document.querySelectorAll(arguments_selector)].filter(visible)
    .map((e) => (e.tagName === 'TITLE' ? e.textContent : e.innerText).trim());
  const titles = [...document.querySelectorAll('title')].filter((t) => !t.closest('svg')).length;
  const width = window.innerWidth;
  const clipped = (e) => {
    for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if (x === 'auto' || x === 'scroll' || x === 'hidden') return true;
    }
    return false;
  };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
    (e.classList.length ? '.' + [...e.classList].join('.') : '');
  const wide = document.documentElement.scrollWidth > width;
  const offenders = wide ? [...document.body.querySelectorAll('*')]
    .filter((e) => e.getBoundingClientRect().right > width + 1 && !clipped(e)).slice(0, 5).map(name) : [];
  // a control only sideways scrolling reaches (inside a box that scrolls), except in the decision table, an editor
  // grid that scrolls by design
  const unreachable = [...document.body.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea')]
    .filter((e) => e.checkVisibility() && !e.closest('.decision-table') && e.getBoundingClientRect().right > width + 1)
    .slice(0, 5).map(name);
  // a table cell squeezed to a character or two per line
  const squeezed = [...document.querySelectorAll('td, th')].filter((c) => {
    const text = c.innerText.replace(/\\s/g, '');
    const box = c.getBoundingClientRect();
    const size = parseFloat(getComputedStyle(c).fontSize);
    return c.checkVisibility() && text.length >= 3 && box.width < 2.6 * size && box.height > 2.5 * size;
  }).slice(0, 5).map((c) => c.innerText.replace(/\\s+/g, '').slice(0, 10));
  const markup = [...document.querySelectorAll('b')].some((b) => b.textContent === 'x');  // a typed <b>x</b>
  return {messages, titles, scrollWidth: document.documentElement.scrollWidth, width, offenders, markup,
          unreachable, squeezed,
          error: !!document.querySelector('#error-title'), nav: !!document.querySelector('nav.navbar'),
          errorPage: document.querySelector('#error-title') ? document.body.innerText : '',
          body: shownText()};
}""".replace("arguments_selector", repr(MESSAGES))


def english(text: str) -> list[str]:
    """The runs of English words in ``text``, once the allowed tokens are taken out."""
    return ENGLISH.findall(ALLOWED.sub(" ", text))


def raw_codes(text: str) -> list[str]:
    """The file's own codes in ``text``, once the allowed tokens are taken out."""
    return RAW_CODE.findall(ALLOWED.sub(" ", text))


def test_raw_codes_are_found_and_words_spared() -> None:
    assert raw_codes("事实 invention_patents 取值 True；类别 provincial 100 + base 150") == [
        "invention_patents",
        "True",
        "provincial",
        "base",
    ]
    assert raw_codes("已导入 tongxiang-2026.yaml，版本 tongxiang/2027/1，细则 T3-3，内容指纹 sha256:ab_cd") == []


def test_english_finds_sentences_and_spares_the_allowed_tokens() -> None:
    assert english("Not Found") == ["Not Found"]
    assert english("没有权限。Please log in") == ["Please log"]
    assert english("已创建草稿 tongxiang/2027/1，细则 T3-3 sha256:abc 已导入 tongxiang-2026.yaml") == []
    assert english("导入 YAML 或 Excel 文件") == []
    assert english("字段 permit_valid 取值 registered_rental") == []


class Crawler:
    """One role's walk over the console."""

    def __init__(self, visit: Visit, app: Any, problems: list[str]) -> None:
        self.visit = visit
        self.page = visit.page
        self.routes = app.url_map.bind(urlsplit(visit.base).netloc)
        self.problems = problems
        self.role = ""
        self.statuses: list[int | None] = []
        self.codes = True  # whether a code of the file's own is a problem (not where an editor edits the codes)

    def route(self, url: str) -> str:
        """The console's route for ``url``: the kind of page it is."""
        try:
            endpoint, _ = self.routes.match(urlsplit(url).path, method="GET")
        except RequestRedirect as moved:
            return self.route(moved.new_url)
        except HTTPException:
            return urlsplit(url).path
        return str(endpoint)

    def links(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("a[href]", "(links) => links.map((a) => a.href)")
        out = []
        for href in hrefs:
            url, _ = urldefrag(href)
            parts = urlsplit(url)
            if url.startswith(self.visit.base) and parts.path.startswith("/admin") and not SKIPPED.search(parts.path):
                out.append(url)
        return out

    def inspect(self, where: str, status: int | None, content_type: str = "text/html") -> dict[str, Any]:
        """Check the page in the tab; every problem goes to ``self.problems``, prefixed with ``where``."""
        found: list[str] = []
        if status is None or status >= 500:
            found.append(f"status {status}")
        if "html" not in content_type:
            found.append(f"answered {content_type}, not a page")
            self.problems.extend(f"{where}: {p}" for p in found)
            return {}
        report: dict[str, Any] = self.page.evaluate(_INSPECT)
        if status is not None and status >= 400 and not (report["error"] and report["nav"]):
            found.append(f"status {status} without the console's error page and navigation")
        if report["titles"] != 1:
            found.append(f"{report['titles']} <title> elements")
        for text in [*report["messages"], report["errorPage"]]:
            if runs := english(text):
                found.append(f"English text {runs} in {text[:120]!r}")
        for line in report["body"].splitlines():  # anywhere on the page: no English, no code of the file's own
            if runs := english(line):
                found.append(f"English text {runs} in {line[:120]!r}")
            if self.codes and (codes := raw_codes(line)):
                found.append(f"raw codes {codes} in {line[:120]!r}")
        if report["markup"]:
            found.append("the typed <b>x</b> became markup")
        if report["scrollWidth"] > report["width"]:
            found.append(
                f"{report['scrollWidth']} px wide in a {report['width']} px window ({', '.join(report['offenders'])})"
            )
        if report["unreachable"]:
            found.append(f"controls reachable only by scrolling sideways: {', '.join(report['unreachable'])}")
        if report["squeezed"]:
            found.append(f"table cells squeezed to a character or two per line: {report['squeezed']}")
        self.problems.extend(f"{where}: {p}" for p in found)
        return report

    def narrow(self, where: str, kind: str) -> None:
        """At 390 px: the navigation opens from its toggler (console.js and Bootstrap's files, no inline script)
        and the page is no wider than the phone; photographed at both widths the first time."""
        page = self.page
        photo = kind not in _PHOTOGRAPHED
        if photo:
            _PHOTOGRAPHED.add(kind)
            CRAWL_SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(CRAWL_SHOTS / f"{kind}-{WIDE}.png"), full_page=True)
        page.set_viewport_size({"width": NARROW, "height": 844})
        try:
            self.inspect(f"{where} at {NARROW} px", 200)
            if photo:
                page.screenshot(path=str(CRAWL_SHOTS / f"{kind}-{NARROW}.png"), full_page=True)
            menu = page.locator("#admin-navbar-collapse")
            toggler = page.locator("nav.navbar .navbar-toggler")
            if not toggler.is_visible() or menu.is_visible():
                self.problems.append(f"{where} at {NARROW} px: the navigation does not fold behind its toggler")
                return
            toggler.click()
            first = menu.locator(".navbar-nav .nav-link").first
            first.wait_for(state="visible", timeout=3000)
            box = menu.bounding_box()
            if box is None or box["width"] > NARROW:
                self.problems.append(f"{where} at {NARROW} px: the opened navigation is wider than the page")
        except Exception as exc:  # a toggler that does not open the menu times out: the page's problem, reported
            self.problems.append(f"{where} at {NARROW} px: the navigation cannot be opened ({exc.__class__.__name__})")
        finally:
            page.set_viewport_size({"width": WIDE, "height": 900})

    def crawl(self, role: str, start: str, also: Iterable[str] = (), within: tuple[str, ...] = ("/admin",),
              per_route: int = MAX_PER_ROUTE, narrow: bool = True) -> list[str]:  # fmt: skip
        """Visit every console page under ``within`` reachable from ``start`` (and ``also``, other roles' pages
        that this role may be refused), ``per_route`` pages of a route at most; the URLs visited, in order."""
        self.role = role
        queue, visited = deque([start, *also]), list[str]()
        seen = set(queue)
        counted: dict[str, int] = {}
        narrowed: set[str] = set()
        while queue and len(visited) < MAX_PAGES:
            url = queue.popleft()
            kind = self.route(url)
            if counted.get(kind, 0) >= per_route:
                continue
            counted[kind] = counted.get(kind, 0) + 1
            response = self.page.goto(url)
            visited.append(url)
            where = f"{role} {url.removeprefix(self.visit.base)}"
            status = response.status if response else None
            self.statuses.append(status)
            content_type = response.headers.get("content-type", "") if response else ""
            if self.page.url != url:  # redirected: name the page by where it landed
                seen.add(self.page.url)
                kind = self.route(self.page.url)
            self.inspect(where, status, content_type)
            if "html" not in content_type:
                continue
            shape = "error-403" if status == 403 else kind.replace(".", "-")
            if narrow and shape not in narrowed:
                narrowed.add(shape)
                self.narrow(where, shape)
            for link in self.links():
                if link not in seen and urlsplit(link).path.startswith(within):
                    seen.add(link)
                    queue.append(link)
        return visited


@pytest.fixture
def draft(seeded: Any, db: Any) -> int:
    """A fresh 2027 draft cloned from 2026, and an application waiting for 公安局 (the department user's), so
    that every role meets pages with something on them."""
    seeded.config["TODAY"] = lambda: TODAY
    with db.transaction() as s:
        s.scalars(select(User).where(User.username == "department")).one().department = "公安局"
        ctx = Context(s, Actor("client", "intake", None, None), TODAY, workdays.load(s))
        applications.receive(ctx, "TX-CRAWL-1", 2025, dt.date(2025, 10, 10), "window", APPLICANT)
    with db.transaction() as s:
        return rulesets.clone(s, "tongxiang/2026/1", "editor", year=2027).id


LANDING = {"department": "/admin/queue/"}
# pages of other roles, asked for directly: those a role may not use must answer the console's 403 page
PROBES = ["/admin/drafts/{vid}/edit", "/admin/drafts/{vid}/items/T3-3", "/admin/versions/import", "/admin/impact/",
          "/admin/applications/", "/admin/calendar/", "/admin/queue/", "/admin/scores/", "/admin/audit/",
          "/admin/users/", "/admin/api-clients/"]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_every_page_a_role_can_reach(server: str, browser: Any, seeded: Any, draft: int, role: str) -> None:
    visit = Visit(browser, server)
    dialogs: list[str] = []

    def dialog(d: Any) -> None:  # the crawler submits nothing: no page may ask or alert anything
        dialogs.append(d.message)
        d.dismiss()

    visit.page.on("dialog", dialog)
    visit.login(role, landing=LANDING.get(role, "/admin/"))
    problems: list[str] = []
    crawler = Crawler(visit, seeded, problems)
    visited = crawler.crawl(role, visit.page.url, [server + p.format(vid=draft) for p in PROBES])
    visit.close()
    routes = {crawler.route(url) for url in visited}
    assert len(routes) >= (3 if role == "department" else 12), visited
    assert 403 in crawler.statuses  # every role is refused some of PROBES, and was shown why
    assert dialogs == []
    assert problems == [], "\n".join(problems)


# the last two also alone, after a field's own text, where the form may well accept them
HOSTILE = ["1e309", "100000000000000000000", "-0.001", "0.0000001", "长" * 3000, "", "<script>alert(1)</script>",
           "<b>x</b>"]  # fmt: skip
# a hostile user's form: no limits of the browser's own (lengths, number fields, required), only the server's;
# answers the names of its text fields, its selects' options and its checkboxes
_UNLOCK = """(form) => {
  form.noValidate = true;
  const shown = (e) => e.checkVisibility();
  const typed = [], selects = {}, boxes = [];
  for (const e of form.querySelectorAll('input, textarea')) {
    for (const a of ['maxlength', 'minlength', 'required', 'pattern', 'min', 'max', 'step']) e.removeAttribute(a);
    if (e.type === 'checkbox') { if (shown(e) && e.name) boxes.push(e.name); continue; }
    if (e.tagName === 'INPUT' && ['hidden', 'radio', 'submit', 'button', 'file'].includes(e.type)) continue;
    if (e.tagName === 'INPUT') e.type = 'text';
    if (shown(e) && e.name) typed.push([e.name, e.value]);
  }
  for (const e of form.querySelectorAll('select')) {
    if (shown(e) && e.name) selects[e.name] = [...e.options].map((o) => o.value);
  }
  return {typed, selects, boxes};
}"""
# what a user types, set as typing leaves it (the value, then input and change events), all fields at once
_FILL = """(form, {values, checked}) => {
  for (const e of form.elements) {
    if (e.type === 'checkbox' && e.name in checked) e.checked = checked[e.name];
    else if (e.name in values && e.type !== 'hidden') e.value = values[e.name];
    else continue;
    e.dispatchEvent(new Event('input', {bubbles: true}));
    e.dispatchEvent(new Event('change', {bubbles: true}));
  }
}"""
DELETES = re.compile(r"/delete$")
DRAFT_ROUTES = (
    "drafts.",
    "tables.",
)  # the draft's own pages (its forms and its indicators' decision tables); the version page's forms (clone, publish, retire, delete) are
# not edits of the draft


class Hostile:
    """The editor's tab submitting the draft's forms with hostile values, checking each answer."""

    def __init__(self, crawler: Crawler, db: Any, vid: int) -> None:
        self.crawler, self.db, self.vid = crawler, db, vid
        self.page = crawler.page
        self.random = random.Random(2027)
        self.confirm: str | None = None  # the question a data-confirm form is expected to ask
        self.dialogs: list[str] = []
        self.page.on("dialog", self._dialog)
        self.submitted = 0

    def _dialog(self, dialog: Any) -> None:
        if dialog.type == "confirm" and dialog.message == self.confirm:
            dialog.accept()
        else:  # an alert(1) that ran, or any question nobody asked for
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

    def submit(self, url: str, index: int, k: int) -> None:
        """Fill the ``index``-th form of ``url`` with the k-th mix of hostile values (k < 0: only markup, which
        the form may well accept), send it, check the answer."""
        page, where = self.page, f"{url.removeprefix(self.crawler.visit.base)} form {index} submission {k}"
        if page.url != url or k < 0:  # else the form is on the page already, refused with what was typed last time
            response = page.goto(url)
            if response is None or response.status == 404:  # an earlier submission renamed or removed this part
                return
        form = page.locator("form[method=post]").nth(index)
        shape = form.evaluate(_UNLOCK)
        if k < 0:  # markup after the text of each field holding Chinese text (names, labels, titles)
            values = {name: now + HOSTILE[k] for name, now in shape["typed"] if CJK.search(now)}
        else:
            values = {name: HOSTILE[(k + i) % len(HOSTILE)] for i, (name, _) in enumerate(shape["typed"])}
            values |= {name: self.random.choice(options) for name, options in shape["selects"].items() if options}
        checked = {name: self.random.random() < 0.5 for name in shape["boxes"]} if k >= 0 else {}
        form.evaluate(_FILL, {"values": values, "checked": checked})
        typed = {name: value[:20] for name, value in values.items()}
        # a submit button the page's script handles in place (data-in-page) does not leave the page
        buttons = form.locator("button[type=submit]:not([data-in-page]), input[type=submit], button:not([type])")
        self.confirm = form.get_attribute("data-confirm")
        with page.expect_navigation() as navigation:
            buttons.nth(max(k, 0) % buttons.count()).click()
        self.submitted += 1
        answer = navigation.value
        status = answer.status if answer else None
        where = f"{where} {typed}"
        self.crawler.inspect(where, status, answer.headers.get("content-type", "") if answer else "")
        if self.dialogs:
            self.crawler.problems.append(f"{where}: a dialog opened: {self.dialogs}")
            self.dialogs.clear()
        refused = page.url.split("?")[0] == url.split("?")[0] or (status or 0) >= 400
        said = " ".join(page.locator(".alert:visible, .invalid-feedback:visible, #error-title").all_inner_texts())
        if refused and not page.locator(".alert-success").count() and not CJK.search(said):
            self.crawler.problems.append(f"{where}: refused (status {status}) without saying why in Chinese")
        with self.db.transaction() as s:
            if problems := rulesets.validate(rulesets.get_version(s, self.vid)):
                self.crawler.problems.append(f"{where}: the draft no longer validates: {problems}")


def test_hostile_values_in_every_draft_form(server: str, browser: Any, seeded: Any, db: Any, draft: int) -> None:
    visit = Visit(browser, server)
    visit.login("editor")
    problems: list[str] = []
    crawler = Crawler(visit, seeded, problems)
    crawler.codes = False  # an editor's refusals name the codes that editor types (fact names, category codes)
    draft_page = f"{server}/admin/versions/{draft}"
    # one page of each of the draft's routes (one item of forty, one case of sixteen: the same form)
    within = (f"/admin/drafts/{draft}/", f"/admin/tables/{draft}/", f"/admin/versions/{draft}/cases")
    visited = crawler.crawl("editor", draft_page, within=within, per_route=1, narrow=False)
    pages = [u for u in visited if crawler.route(u).startswith(DRAFT_ROUTES)]
    forms: list[tuple[str, int, bool]] = []  # (page, form's position on it, whether it deletes)
    for url in pages:
        visit.page.goto(url)
        actions = visit.page.locator("form[method=post]").evaluate_all(
            '(fs) => fs.map((f) => f.getAttribute("action") || "")'
        )
        forms += [(url, i, bool(DELETES.search(a))) for i, a in enumerate(actions) if "/logout" not in a]
    hostile = Hostile(crawler, db, draft)
    for url, index, _ in [f for f in forms if not f[2]]:
        for k in range(len(HOSTILE)):
            hostile.submit(url, index, k)
        for k in (-1, -2):  # markup alone, which the form may accept: it must be shown as text afterwards
            hostile.submit(url, index, k)
    removed: set[str] = set()
    for url, index, _ in [f for f in forms if f[2]]:  # last, once per kind of part: items, facts, cases, ...
        if (kind := crawler.route(url)) not in removed:
            removed.add(kind)
            hostile.submit(url, index, 0)
    # the draft still opens after all that, and its pages show what was saved (markup included) as text
    shown = (f"/admin/versions/{draft}", f"/admin/drafts/{draft}/", "/admin/tryit", "/admin/lint", "/admin/compare")
    after = crawler.crawl("editor", draft_page, within=shown, per_route=1, narrow=False)
    assert len(after) > 10, after
    assert hostile.dialogs == []
    visit.close()
    print(len(pages), "pages", len(forms), "forms", hostile.submitted, "submissions")
    assert hostile.submitted > 50
    assert problems == [], "\n".join(problems)
