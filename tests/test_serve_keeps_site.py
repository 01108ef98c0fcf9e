"""While a content file is broken, the server keeps what it published: every screen stays on the dashboard.

The dashboard, the alerts, the webhook and the scheduler read the site of the last good build,
never the files on disk; beside it the dashboard says what is wrong with the file, from the
build's findings (file, line, the Dutch message). Fixing the file brings the next build.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
from markupsafe import escape

from narrowcast.content.load import load_site
from narrowcast.errors import Finding
from narrowcast.serve.builder import BuildOutcome, failed
from narrowcast.serve.dashboard import dashboard_data, dashboard_page
from narrowcast.serve.server import Server
from narrowcast.state.records import Records

from .conftest import run_in_own_loop, write_files
from .liveserver import ManualClock
from .serving import PLAYER_SITE, NarrowcastServer, free_port, server_health, wait_health, write_player_site
from .test_build import browser
from .test_serve import fresh_copy, prebuilt  # noqa: F401  (fixture)

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)
PASSWORD = "een-lang-wachtwoord"
BROKEN = "id: wijzigingen-doorgeven\ntitle: [kapot\n"  # a list that is never closed: line 2, column 8


def rows(page: str) -> dict[str, str]:
    """Screen id -> the text of its row in the dashboard's table."""
    return {m[1]: re.sub(r"<[^>]+>", " ", m[2]) for m in re.finditer(r'<tr data-screen="([^"]+)">(.*?)</tr>', page, re.S)}


def login(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, headers={"Origin": base}, timeout=30)
    assert client.post("/login", data={"name": "anne", "password": PASSWORD}).status_code == 303
    return client


def failure_in_browser(chromium, base: str, staff: httpx.Client) -> int:
    """How many findings a screen reader hears in the dashboard's failure region (its accessible name)."""
    context = chromium.new_context()
    try:
        context.add_cookies([{"name": name, "value": value, "url": base} for name, value in staff.cookies.items()])
        page = context.new_page()
        assert page.goto(base + "/dashboard").status == 200
        region = page.get_by_role("region", name="De laatste wijziging is niet gepubliceerd")
        return region.get_by_role("listitem").count()
    finally:
        context.close()


@browser
def test_a_broken_file_keeps_every_screen_on_the_dashboard_and_says_what_is_wrong(prebuilt, tmp_path, chromium):  # noqa: F811
    root = fresh_copy(prebuilt, tmp_path)
    records = Records(root)
    records.set_user("anne", PASSWORD, NOW, "eindredacteur")
    key = records.new_screen_key("werkplein-hal")
    records.close()
    screens = [screen.id for screen in load_site(root)[0].config.screens]
    server = NarrowcastServer(root, free_port(), tmp_path / "serve.log")
    try:
        base = server.base
        staff = login(base)
        beat = {"version": server_health(base)["screens"]["werkplein-hal"], "item": "welkom"}
        assert httpx.post(f"{base}/api/screens/werkplein-hal/heartbeat", json=beat,
                          headers={"X-Screen-Key": key}).status_code == 204
        assert sorted(rows(staff.get("/dashboard").text)) == sorted(screens)

        slide = root / "slides/wijzigingen.yaml"
        good = slide.read_text(encoding="utf-8")
        builds = server_health(base)["builds"]
        slide.write_text(BROKEN, encoding="utf-8")
        health = wait_health(base, lambda h: h["last_error"])
        assert "slides/wijzigingen.yaml:2:8" in (health["last_error"] or ""), server.output()
        expected = [f for f in load_site(root)[1] if f.is_error and f.file == "slides/wijzigingen.yaml"]
        assert expected, "the file on disk is broken"

        page = staff.get("/dashboard").text
        shown = rows(page)
        assert sorted(shown) == sorted(screens), "every screen of the last good build is still listed"
        assert " aan " in shown["werkplein-hal"] and " nieuw " in shown["werkplein-hal"], shown["werkplein-hal"]
        assert all(" uit " in shown[s] for s in screens if s != "werkplein-hal"), "the silent screens are off"
        assert 'id="alerts"' in page and "formulierenbrigade-balie" in page, "offline alerts go on"
        failure = page[page.index('id="failure"'):page.index('id="screens"')]
        for finding in expected:
            assert f"{finding.file}:{finding.line}" in failure and escape(finding.message) in failure, failure

        data = staff.get("/api/dashboard").json()
        assert [s["id"] for s in data["screens"]] == screens and data["published_at"]
        assert [Finding(**f) for f in data["last_failure"]["findings"] if f["file"] == "slides/wijzigingen.yaml"] == expected
        assert all(escape(f["message"]) in failure for f in data["last_failure"]["findings"]), "the whole list"
        in_browser = failure_in_browser(chromium, base, staff)
        assert in_browser == len(data["last_failure"]["findings"]), "a named region with one list item per finding"

        slide.write_text(good, encoding="utf-8")
        health = wait_health(base, lambda h: h["last_error"] is None and h["builds"] > builds)
        assert health["last_error"] is None and health["builds"] > builds, server.output()
        page = staff.get("/dashboard").text
        assert 'id="failure"' not in page and sorted(rows(page)) == sorted(screens)
        assert staff.get("/api/dashboard").json()["last_failure"] is None
    finally:
        server.stop(quiet=True)


# --- the same, in this process, without a browser -------------------------------------------------------

class StubBuilder:
    """A build worker that hands back the outcomes a test lines up."""

    def __init__(self, *outcomes: BuildOutcome):
        self.outcomes = list(outcomes)

    async def build(self, root, now, jobs, options=None):
        return self.outcomes.pop(0)

    def close(self):
        pass


def good_build(root: Path) -> BuildOutcome:
    site, _ = load_site(root)
    return BuildOutcome(ok=True, versions={s.id: f"v-{s.id}" for s in site.config.screens}, site=site)


def test_the_dashboard_shows_the_kept_site_and_the_failed_builds_findings(tmp_path: Path):
    root = write_player_site(tmp_path / "inhoud")
    write_files(root, {"narrowcast.yaml": PLAYER_SITE + "alerts_webhook: https://meldingen.example.nl/hook\n"})
    finding = Finding("slides/dia.yaml", 2, 8, "", "een lijst die met [ begint, wordt niet afgesloten met ]")
    content_error = BuildOutcome(ok=False, error="1 fout, 0 waarschuwingen; er is niets gepubliceerd\n" + str(finding),
                                 findings=(finding,))
    server = Server(root, ManualClock(NOW), builder=StubBuilder(good_build(root), content_error, failed("de schijf is vol")))
    try:
        first = dashboard_page(server, "anne", NOW)
        assert "voor de eerste keer" in first and not rows(first)
        assert dashboard_data(server, NOW)["published_at"] is None

        assert run_in_own_loop(server.rebuild("start")) is True
        write_files(root, {"slides/dia.yaml": BROKEN, "narrowcast.yaml": "site: [kapot\n"})
        assert run_in_own_loop(server.rebuild("opgeslagen")) is False
        data = dashboard_data(server, NOW)
        assert [s["id"] for s in data["screens"]] == ["hal", "balie"], "not read from the broken files"
        assert data["last_failure"]["findings"] == [finding.as_dict()]
        page = dashboard_page(server, "anne", NOW)
        assert "slides/dia.yaml:2" in page and escape(finding.message) in page and "Het bouwen is mislukt" not in page
        assert server.alerts_webhook() == "https://meldingen.example.nl/hook", "the published config's webhook"

        assert run_in_own_loop(server.rebuild("opgeslagen")) is False
        page = dashboard_page(server, "anne", NOW)
        assert "de schijf is vol" in page and sorted(rows(page)) == ["balie", "hal"]
    finally:
        server.records.close()


def test_the_first_builds_error_is_shown_when_nothing_was_ever_published(tmp_path: Path):
    server = Server(write_player_site(tmp_path / "inhoud"), ManualClock(NOW), builder=StubBuilder(failed("kapot")))
    try:
        assert run_in_own_loop(server.rebuild("start")) is False
        page = dashboard_page(server, "anne", NOW)
        assert "Het bouwen is mislukt" in page and "kapot" in page and not rows(page)
    finally:
        server.records.close()


def test_a_restart_whose_first_build_fails_still_shows_the_screens_that_play(tmp_path: Path):
    """The output published before a restart is on the screens; when this run's first build fails for
    another reason than the content (Chromium will not start, a full disk), the dashboard, the alerts
    and the scheduler still know those screens: the site is read once at start, the versions from
    index.json."""
    from narrowcast.publish.manifest import Index, IndexScreen, manifest_path

    OLD = {"hal": "00000000000000a1", "balie": "00000000000000b2"}  # the versions on the screens
    root = write_player_site(tmp_path / "inhoud")
    site, _ = load_site(root)
    screens = tuple(IndexScreen(s.id, s.name, s.location, f"{s.width}x{s.height}", s.playlist, OLD[s.id],
                                manifest_path(s.id)) for s in site.config.screens)
    (root / "output").mkdir()
    (root / "output/index.json").write_text(Index(site.config.site, "2026-11-23T08:00:00Z", screens).to_json())
    server = Server(root, ManualClock(NOW), builder=StubBuilder(failed("Chromium start niet")))
    try:
        assert run_in_own_loop(server.rebuild("start")) is False
        data = dashboard_data(server, NOW)
        assert {s["id"]: s["newest_version"] for s in data["screens"]} == OLD
        assert {a["screen"] for a in data["alerts"]} == {"hal", "balie"}, "never seen: both offline"
        page = dashboard_page(server, "anne", NOW)
        assert "Chromium start niet" in page and "De schermen tonen de vorige versie" in page
    finally:
        server.records.close()
