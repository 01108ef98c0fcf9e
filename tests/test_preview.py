"""The preview of the working copy (issue 15, item 2), and what a save does to a server in review mode.

`narrowcast preview` builds the working copy into .state/preview/, never into output/: every slide
in every look a screen gives it, with its findings; a contact sheet per playlist; each screen's
player at the preview's moment (--at). Its pages reload by themselves after a save. `serve` offers
the same under /preview/ to staff who are logged in. In review mode a save rebuilds only the
preview; a new publication in the log rebuilds what the screens get.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx

from narrowcast.folder import is_content
from narrowcast.state.history import log_path
from narrowcast.state.records import Records

from .conftest import copy_example
from .liveserver import ManualClock, approve_as_is, live_server, staff
from .serving import Process, free_port, write_player_site
from .test_accessibility import assert_none, axe_script, violations_at_each_width  # noqa: F401  (fixture)
from .test_build import browser
from .test_player import NOW, SERVER_START, Screen, context, edit, player_build  # noqa: F401  (fixtures)

AMS = ZoneInfo("Europe/Amsterdam")
SCREENS = ("hal", "balie")
DECEMBER = """\
---
id: december
title: Alleen in december
text: Deze dia staat er vanaf 1 december.
icon: kalender
duration: 6
valid_from: 2026-12-01
"""


class PreviewProcess(Process):
    """`narrowcast preview --at …` on 127.0.0.1, ready once its first build is done."""

    name = "narrowcast preview"

    def __init__(self, root: Path, port: int, log: Path, at: str = "2026-11-23 10:00"):
        self.root, self.port, self.base = root, port, f"http://127.0.0.1:{port}"
        super().__init__([sys.executable, "-m", "narrowcast", "-C", str(root), "preview", "--port", str(port),
                          "--at", at], log)
        self.wait(lambda h: h["builds"] >= 1, "the first build")

    def health(self) -> dict | None:
        try:
            return httpx.get(self.base + "/healthz", timeout=2).json()
        except (httpx.HTTPError, ValueError):
            return None

    def wait(self, condition, what: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._fail(f"stopped with exit code {self.proc.returncode}")
            health = self.health()
            if health and condition(health):
                return health
            time.sleep(0.1)
        self._fail(f"{what}: not within {timeout} s")

    def manifest(self, screen: str) -> dict:
        return httpx.get(f"{self.base}/preview/screens/{screen}/manifest.json", timeout=5).json()


def _copy(source: Path, target: Path) -> Path:
    return Path(shutil.copytree(source, target, symlinks=True))


def _titles(manifest: dict) -> list[str]:
    return [item["title"] for item in manifest["items"]]


def _wait(condition, what: str, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def _tree(root: Path) -> dict[str, tuple]:
    """output/ (the link and where it points) and every file of the builds beside it, by size, time and hash."""
    found = {"output": (os.readlink(root / "output"),)}
    for path in sorted((root / ".output.builds").rglob("*")):
        if path.is_file() and not path.is_symlink():
            info = path.stat()
            found[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns, hashlib.sha256(path.read_bytes()).hexdigest())
    return found


def test_the_publishing_log_is_a_build_input_and_the_rest_of_the_state_is_not(tmp_path: Path):
    assert is_content(log_path(tmp_path).relative_to(tmp_path)), "an approval on the command line reaches serve"
    assert is_content(Path(".state/urgent.json"))
    for other in (".state/publishing/objects/ab/cdef", ".state/publishing/trees/0123/slides/a.yaml",
                  ".state/publishing/snapshots/0123.json", ".state/preview/output/index.json", ".state/narrowcast.db"):
        assert not is_content(Path(other)), other


@browser
def test_narrowcast_preview_never_creates_or_touches_output(player_build, tmp_path: Path):  # noqa: F811
    fresh = write_player_site(tmp_path / "nieuw")  # never built
    built = _copy(player_build, tmp_path / "gebouwd")
    before = _tree(built)
    for root in (fresh, built):
        preview = PreviewProcess(root, free_port(), tmp_path / f"{root.name}.log")
        try:
            assert "Vragen over geld?" in _titles(preview.manifest("hal"))
            edit(root / "slides/dia.yaml", "title: Vragen over geld?", "title: Vragen over uw geld?")
            preview.wait(lambda h: h["builds"] >= 2, "the rebuild after a save")
            assert "Vragen over uw geld?" in _titles(preview.manifest("hal")), preview.output()
        finally:
            preview.stop(quiet=True)
    assert not (fresh / "output").exists() and not (fresh / ".output.builds").exists()
    assert _tree(built) == before, "the live output stays byte for byte, file times included"


@browser
def test_the_preview_player_plays_the_moment_given_with_at(player_build, context, tmp_path: Path):  # noqa: F811
    root = _copy(player_build, tmp_path / "inhoud")
    with open(root / "slides/dia.yaml", "a", encoding="utf-8") as slides:
        slides.write(DECEMBER)
    edit(root / "playlists/hal.yaml", "  - slide: drie\n", "  - slide: drie\n  - slide: december\n")
    moment = datetime(2026, 12, 7, 10, 0, tzinfo=AMS)
    preview = PreviewProcess(root, free_port(), tmp_path / "preview.log", at="2026-12-07 10:00")
    try:
        page = context.new_page()
        page.clock.install(time=SERVER_START)  # the browser's own clock says 23 November
        page.goto(f"{preview.base}/preview/player/?screen=hal")
        hal = Screen(page).wait(lambda s: s["shown"] and "december" in s["liveIds"], "December plays on hal", timeout=60)
        assert hal["liveIds"] == ["een", "twee", "drie", "december"]
        assert abs(hal["now"] / 1000 - moment.timestamp()) < 300, "the player runs on the preview's clock (Date)"
        stores = page.evaluate("indexedDB.databases().then(list => list.map(d => d.name))")
        assert stores == ["narrowcast-voorbeeld"], "drafts never land in the live player's offline store"
        balie = context.new_page()
        balie.clock.install(time=SERVER_START)
        balie.goto(f"{preview.base}/preview/player/?screen=balie")
        shown = Screen(balie).wait(lambda s: s["shown"], "balie shows something", timeout=60)
        assert shown["shown"] == "fallback:welkom", "the morning slide of 23 November is over: the fallback stands"

        overview = httpx.get(preview.base + "/preview/").text
        for slide in ("een", "twee", "drie", "tijdelijk", "welkom", "december"):
            assert f'id="dia-{slide}"' in overview, f"{slide}: every slide is in the overview, live or not"
        assert "Staat in geen afspeellijst" not in overview
        sheet = httpx.get(preview.base + "/preview/afspeellijst/hal").text
        assert sheet.index("Iets veranderd?") < sheet.index("Vragen over geld?") < sheet.index("Alleen in december")
        assert "Een ronde duurt nu 27 s" in sheet, "5 + 7 + 9 + 6 seconds"

        beat = {"version": hal["version"], "item": "een", "resolution": "960x540", "user_agent": "test", "offset_ms": 0}
        assert httpx.post(f"{preview.base}/preview/api/screens/hal/heartbeat", json=beat).status_code == 404
    finally:
        preview.stop(quiet=True)
    assert not (root / ".state/narrowcast.db").exists(), "the preview keeps no reports"


@browser
def test_a_save_in_review_mode_reloads_the_preview_and_leaves_the_screens_alone(player_build, chromium,  # noqa: F811
                                                                               tmp_path: Path):
    root = _copy(player_build, tmp_path / "inhoud")
    with open(root / "narrowcast.yaml", "a", encoding="utf-8") as config:
        config.write("publishing: review\n")
    approve_as_is(root, NOW)
    with live_server(root, ManualClock(NOW), free_port()) as (base, server):
        client = staff(base, root, NOW)
        live = {screen: httpx.get(f"{base}/screens/{screen}/manifest.json").json()["version"] for screen in SCREENS}
        builds = server.state.builds
        browser_context = chromium.new_context(viewport={"width": 1280, "height": 800})
        browser_context.add_cookies([{"name": k, "value": v, "url": base} for k, v in client.cookies.items()])
        try:
            page = browser_context.new_page()
            page.goto(base + "/preview/")  # the first visit starts the preview; the page reloads when it is there
            page.get_by_role("heading", name="Vragen over geld?", exact=True).wait_for(timeout=90_000)
            page.evaluate("window.stillTheOldPage = true")

            saved = time.monotonic()
            edit(root / "slides/dia.yaml", "title: Vragen over geld?", "title: Vragen over uw geld?")
            page.get_by_role("heading", name="Vragen over uw geld?", exact=True).wait_for(timeout=30_000)
            reloaded = time.monotonic() - saved
            assert page.evaluate("window.stillTheOldPage") is None, "the page reloaded by itself"
            print(f"\npreview: from save to reloaded page {reloaded:.2f} s")

            time.sleep(max(0.0, 5 - (time.monotonic() - saved)))
            after = {screen: httpx.get(f"{base}/screens/{screen}/manifest.json").json()["version"] for screen in SCREENS}
            assert after == live, "no live manifest changed"
            assert server.state.builds == builds, "the save did not even rebuild the live output"
            assert "Vragen over uw geld?" in _titles(client.get("/preview/screens/hal/manifest.json").json())
            assert "Vragen over geld?" in _titles(httpx.get(f"{base}/screens/hal/manifest.json").json())
        finally:
            browser_context.close()

        approve_as_is(root, NOW)  # as `narrowcast approve` on the command line: a publication in the log
        _wait(lambda: "Vragen over uw geld?" in _titles(httpx.get(f"{base}/screens/hal/manifest.json").json()),
              "the running server publishes what the log says is approved")


@browser
def test_the_preview_in_serve_is_for_staff_only_and_follows_every_save(player_build, tmp_path: Path):  # noqa: F811
    root = _copy(player_build, tmp_path / "inhoud")
    with live_server(root, ManualClock(NOW), free_port()) as (base, server):
        image = httpx.get(f"{base}/screens/hal/manifest.json").json()["items"][0]["image"].rsplit("/", 1)[-1]
        paths = ("/preview/", "/preview/afspeellijst/hal", "/preview/player/?screen=hal", "/preview/index.json",
                 "/preview/screens/hal/manifest.json", f"/preview/media/{image}", "/preview/events/hal",
                 "/preview/wijzigingen")
        for path in paths:
            assert httpx.get(base + path).status_code == 401, path
        assert "Log in om het voorbeeld te zien." in httpx.get(base + "/preview/").text
        assert not (root / ".state/preview").exists(), "nothing is built before staff ask for it"

        client = staff(base, root, NOW)
        assert client.get("/preview/").status_code == 200
        _wait(lambda: client.get("/preview/screens/hal/manifest.json").status_code == 200, "the preview is built", 90)
        assert client.get(f"/preview/media/{image}").status_code == 200

        edit(root / "slides/dia.yaml", "title: Vragen over geld?", "title: Vragen over uw geld?")  # direct mode
        _wait(lambda: "Vragen over uw geld?" in _titles(httpx.get(f"{base}/screens/hal/manifest.json").json()),
              "the screens get the save (direct mode, as before)")
        _wait(lambda: "Vragen over uw geld?" in _titles(client.get("/preview/screens/hal/manifest.json").json()),
              "and so does the preview")

        beat = {"version": "x", "item": "een", "resolution": "960x540", "user_agent": "test", "offset_ms": 0}
        assert client.post("/preview/api/screens/hal/heartbeat", json=beat).status_code in (403, 404)
        records = Records(root)
        try:
            assert records.last_heartbeats() == {}, "the preview player's reports never reach the database"
        finally:
            records.close()


@browser
def test_the_preview_pages_pass_axe(chromium, axe_script, tmp_path: Path):  # noqa: F811
    root = copy_example(tmp_path / "voorbeeld")
    preview = PreviewProcess(root, free_port(), tmp_path / "preview.log")
    try:
        def overview(page):
            assert page.goto(preview.base + "/preview/").status == 200
            assert page.locator("article.slide").count() >= 30 and page.locator("article .findings li").count() >= 1

        def sheet(page):
            assert page.goto(preview.base + "/preview/afspeellijst/werkplein").status == 200
            assert page.locator(".sheet li").count() >= 20 and "Een ronde duurt nu" in page.content()

        assert_none([line for visit in (overview, sheet)
                     for line in violations_at_each_width(chromium, axe_script, preview.base, None, visit)])

        edit(root / "slides/wijzigingen.yaml", "title: Verandert er iets?", "title: [kapot")

        def failed(page):
            assert page.goto(preview.base + "/preview/").status == 200
            region = page.get_by_role("region", name="De werkversie heeft fouten: het voorbeeld is niet bijgewerkt")
            assert "slides/wijzigingen.yaml:" in region.inner_text()

        preview.wait(lambda h: h["last_error"], "the broken save is reported")
        assert_none(violations_at_each_width(chromium, axe_script, preview.base, None, failed))
    finally:
        preview.stop(quiet=True)
