"""Every page staff use passes axe-core's WCAG 2.1 AA rules in a real Chromium, at a desktop and a phone width
(where the page must also reflow: no sideways scrolling of the whole page, WCAG 1.4.10), and form fields whose
edges can be seen (WCAG 1.4.11): two criteria axe does not check.

The pages are those of a real `narrowcast serve` with the example content, in the states staff meet:
the login page (fresh, and with its messages), the page a refused form gets, the dashboard with screens on and off, one behind with
a problem, plays and an urgent notice, and the dashboard after a build that failed on a broken slide
(its failure region with the list of findings). axe-core comes from npm (tests/package-lock.json,
installed by scripts/setup) and is injected into each page as it is served.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from narrowcast.state.records import Records

from .conftest import REPO
from .serving import NarrowcastServer, free_port, server_health, wait_health
from .test_build import browser
from .test_serve import fresh_copy, prebuilt  # noqa: F401  (fixture)
from .test_serve_keeps_site import BROKEN, NOW, PASSWORD, login, rows

pytestmark = browser

AXE = REPO / "tests/node_modules/axe-core/axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 740}}
NOTICE = {"text": "De hal is dicht door een storing. Ga naar de balie.", "screens": ["werkplein-hal"],
          "until": "17:00", "translations": {"en": "The hall is closed. Please go to the desk."}}
RUN_AXE = """async tags => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))}));
}"""
# WCAG 1.4.11, which axe does not check: a form field is seen by its edge (3:1 against what is behind
# it), unless its own fill stands out that much. Returns the fields that fail, with both ratios.
FAINT_FIELDS = """() => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = c => c.slice(0, 3).map(v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
                    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const behind = el => {
    for (let e = el.parentElement; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  return [...document.querySelectorAll('input, select, textarea')].map(el => {
    const style = getComputedStyle(el), back = behind(el);
    return {field: '#' + el.id, edge: ratio(rgb(style.borderTopColor), back), fill: ratio(rgb(style.backgroundColor), back)};
  }).filter(f => f.edge < 3 && f.fill < 3);
}"""


@pytest.fixture(scope="module")
def axe_script() -> Path:
    if not AXE.exists():
        pytest.skip(f"axe-core is missing ({AXE.relative_to(REPO)}): run bash scripts/setup, which runs "
                    "`npm ci` in tests/ (needs Node.js and npm; Debian: apt-get install -y nodejs npm)")
    return AXE


@pytest.fixture(scope="module")
def served(prebuilt, tmp_path_factory):  # noqa: F811
    """The example content served for real, with a user, an urgent notice, plays and two screens reporting in."""
    tmp = tmp_path_factory.mktemp("a11y")
    root = fresh_copy(prebuilt, tmp)
    records = Records(root)
    records.set_user("anne", PASSWORD, NOW, "eindredacteur")
    keys = {screen: records.new_screen_key(screen) for screen in ("werkplein-hal", "werkplein-wachtruimte")}
    records.close()
    server = NarrowcastServer(root, free_port(), tmp / "serve.log")
    try:
        staff = login(server.base)
        assert staff.post("/api/urgent", json=NOTICE).status_code == 200, server.output()
        versions = server_health(server.base)["screens"]  # after the notice's rebuild
        _report_in(server.base, "werkplein-hal", keys, {"version": versions["werkplein-hal"], "item": "welkom"})
        _report_in(server.base, "werkplein-wachtruimte", keys,
                   {"version": "v1", "item": "welkom", "problem": "afbeelding niet geladen"})
        plays = {"plays": [{"item": "welkom", "start": "2026-11-23T09:00:00Z", "seconds": 8}] * 3}
        assert httpx.post(f"{server.base}/api/screens/werkplein-hal/plays", json=plays,
                          headers={"X-Screen-Key": keys["werkplein-hal"]}).status_code == 204
        yield server, staff
    finally:
        server.stop(quiet=True)


def _report_in(base: str, screen: str, keys: dict[str, str], body: dict) -> None:
    response = httpx.post(f"{base}/api/screens/{screen}/heartbeat", json=body, headers={"X-Screen-Key": keys[screen]})
    assert response.status_code == 204, response.text


def violations_at_each_width(chromium, axe: Path, base: str, cookies: httpx.Cookies | None, visit) -> list[str]:
    """Each width: a fresh page, `visit(page)` brings it to its state, then axe; one line per failing node."""
    found = []
    for width, viewport in WIDTHS.items():
        # bypass_csp: the injected axe script is the test's tool, not the page's (a CSP must not stop it)
        context = chromium.new_context(viewport=viewport, bypass_csp=True)
        try:
            if cookies:
                context.add_cookies([{"name": name, "value": value, "url": base} for name, value in cookies.items()])
            page = context.new_page()
            visit(page)
            wide = page.evaluate("document.documentElement.scrollWidth")
            if wide > viewport["width"]:  # WCAG 1.4.10 Reflow, which axe does not check: only a table may scroll
                found.append(f"{width} {page.url}: reflow: the page is {wide} px wide in a {viewport['width']} px window")
            found += [f"{width} {page.url}: non-text-contrast: the edge of {f['field']} is {f['edge']:.2f}:1 "
                      f"against what is behind it, its fill {f['fill']:.2f}:1; expected 3:1"
                      for f in page.evaluate(FAINT_FIELDS)]
            page.add_script_tag(path=str(axe))
            for v in page.evaluate(RUN_AXE, WCAG_21_AA):
                found += [f"{width} {page.url}: {v['id']} ({v['impact']}): {v['help']}\n"
                          f"    at {n['target']}\n    {n['summary']}".replace("\n  ", "\n      ")
                          for n in v["nodes"]]
        finally:
            context.close()
    return found


def assert_none(found: list[str]) -> None:
    assert not found, f"{len(found)} WCAG 2.1 AA violation(s):\n" + "\n".join(found)


def test_the_login_page_fresh_and_with_its_messages(chromium, axe_script, served):
    server, _ = served

    def fresh(page):
        assert page.goto(server.base + "/login").status == 200

    def wrong_password(page):
        page.goto(server.base + "/login")
        page.fill("#name", "bert")  # not anne: her tries must stay free for the other tests
        page.fill("#password", "verkeerd-wachtwoord")
        page.click("button[type=submit]")
        assert "Naam of wachtwoord klopt niet." in page.locator(".message").inner_text()

    def dashboard_without_login(page):
        assert page.goto(server.base + "/dashboard").status == 401
        assert "Log in om het dashboard te zien." in page.locator(".message").inner_text()

    def refused_as_too_big(page):  # guard.refused: the page a browser gets instead of JSON
        page.goto(server.base + "/login")
        page.evaluate("""() => { const area = document.createElement('textarea'); area.name = 'name';
            area.value = 'x'.repeat(2 * 1024 * 1024); document.querySelector('form').append(area);
            document.querySelector('form').submit(); }""")
        page.wait_for_selector("h1:text('Te groot')")

    assert_none([line for visit in (fresh, wrong_password, dashboard_without_login, refused_as_too_big)
                 for line in violations_at_each_width(chromium, axe_script, server.base, None, visit)])


def test_the_dashboard_with_screens_on_and_off_and_an_urgent_notice(chromium, axe_script, served):
    server, staff = served

    def dashboard(page):
        assert page.goto(server.base + "/dashboard").status == 200
        shown = rows(page.content())
        assert " aan " in shown["werkplein-hal"] and " uit " in shown["werkplein-lift"], shown
        assert " oud " in shown["werkplein-wachtruimte"] and "afbeelding niet geladen" in shown["werkplein-wachtruimte"]
        assert NOTICE["text"] in page.content() and page.locator("#alerts li").count() >= 3
        assert "welkom" in page.content() and "3×" in page.content(), "the plays tables have rows"

    assert_none(violations_at_each_width(chromium, axe_script, server.base, staff.cookies, dashboard))


def test_the_dashboard_after_a_failed_build_with_its_findings(chromium, axe_script, served):
    server, staff = served
    slide = server.root / "slides/wijzigingen.yaml"
    good = slide.read_text(encoding="utf-8")
    builds = server_health(server.base)["builds"]
    slide.write_text(BROKEN, encoding="utf-8")
    try:
        health = wait_health(server.base, lambda h: h["last_error"])
        assert "slides/wijzigingen.yaml:2:8" in (health["last_error"] or ""), server.output()

        def failed(page):
            assert page.goto(server.base + "/dashboard").status == 200
            region = page.get_by_role("region", name="De laatste wijziging is niet gepubliceerd")
            assert region.get_by_role("listitem").count() >= 1 and "slides/wijzigingen.yaml:2" in region.inner_text()

        assert_none(violations_at_each_width(chromium, axe_script, server.base, staff.cookies, failed))
    finally:
        slide.write_text(good, encoding="utf-8")
        wait_health(server.base, lambda h: h["last_error"] is None and h["builds"] > builds)
