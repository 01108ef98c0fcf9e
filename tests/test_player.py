"""The player in a real headless Chromium against a real `narrowcast serve` (and nginx).

Time in the page is driven with Playwright's clock; the server runs its own clock from
2026-11-23 10:00 (Amsterdam) = 09:00Z. The tests check mechanisms (which slide, which fetch, at
which corrected moment), with generous real-time limits, never speed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

import pytest

from .building import build

from .conftest import REPO, copy_example, write_files
from .serving import PLAYER_SITE, SERVER_AT, Nginx, NarrowcastServer, free_port, write_player_site
from .test_build import browser

UTC = timezone.utc
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
SERVER_START = NOW.astimezone(UTC)
SHELL_CACHE = "public, max-age=2592000"
from .conftest import INSECURE_HOST, chromium_options  # noqa: E402

pytestmark = browser


# --- content, servers, browsers ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def player_build(tmp_path_factory) -> Path:
    """The player test content, built once; tests serve copies of it (nothing left to render)."""
    root = write_player_site(tmp_path_factory.mktemp("speler") / "inhoud")
    return build_aside(root)


@pytest.fixture(scope="session")
def example_build(tmp_path_factory) -> Path:
    return build_aside(copy_example(tmp_path_factory.mktemp("voorbeeld") / "voorbeeld"))


def build_aside(root: Path) -> Path:
    """Build in a thread of its own: the sync Playwright of other fixtures may hold this thread's loop."""
    with ThreadPoolExecutor(1) as pool:
        pool.submit(build, root, NOW).result()
    return root


def _copy(source: Path, target: Path) -> Path:
    # output/ is a relative symlink into .output.builds/, which comes along
    shutil.copytree(source, target, symlinks=True)
    return target


@pytest.fixture
def site(player_build, tmp_path) -> Path:
    return _copy(player_build, tmp_path / "inhoud")


@pytest.fixture
def servers():
    """Start servers with start(...); every one is stopped (process group killed) at teardown."""
    started = []

    def start(kind, *args, **kwargs):
        process = kind(*args, **kwargs)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def context(chromium):
    ctx = chromium.new_context(viewport={"width": 960, "height": 540})
    ctx.on("console", lambda m: print(f"[console.{m.type}] {m.text}"))
    yield ctx
    ctx.close()


class Screen:
    """A player page, read through its test hook window.narrowcast.state()."""

    def __init__(self, page):
        self.page = page

    def state(self) -> dict | None:
        return self.evaluate("window.narrowcast ? window.narrowcast.state() : null")

    def advance(self, ms: int) -> None:
        from playwright.sync_api import Error

        try:
            self.page.clock.run_for(ms)
        except Error as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise

    def evaluate(self, expression: str):
        """Evaluate in the page; None while the page is navigating (a reload destroys the context)."""
        from playwright.sync_api import Error

        try:
            return self.page.evaluate(expression)
        except Error as exc:
            if "context was destroyed" in str(exc) or "navigat" in str(exc):
                return None
            raise

    def wait(self, predicate: Callable[[dict], bool], what: str, timeout: float = 30.0, advance_ms: int = 0) -> dict:
        """Poll the state until `predicate` holds, optionally running the page clock on each turn."""
        deadline = time.monotonic() + timeout
        state = None
        while time.monotonic() < deadline:
            state = self.state()
            if state and predicate(state):
                return state
            if advance_ms:
                self.advance(advance_ms)
            time.sleep(0.05)
        raise AssertionError(f"{what}: not within {timeout} s; last state: {state}")

    def run(self, ms: int, step_ms: int = 1000) -> dict:
        """Run the page clock forward in steps, letting each picture load before the next step."""
        for _ in range(ms // step_ms):
            self.page.clock.run_for(step_ms)
            self.wait(lambda s: s["shown"] == s["current"], "the picture follows the rotation", timeout=10)
        if ms % step_ms:
            self.page.clock.run_for(ms % step_ms)
        return self.state()


def open_player(page, url: str, clock_at: datetime | None = None) -> Screen:
    page.clock.install(time=clock_at or SERVER_START)
    page.goto(url)
    return Screen(page)


def player_url(port: int, screen: str, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{port}/player/?screen={screen}"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def media_name(url: str | None) -> str:
    return (url or "").rsplit("/", 1)[-1]


def image_of(manifest: dict, item_id: str) -> str:
    return media_name(next(i["image"] for i in manifest["items"] if i["id"] == item_id))


def stored_images(page) -> list[str]:
    keys = page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open('narrowcast');
        open.onsuccess = () => {
            const req = open.result.transaction('images').objectStore('images').getAllKeys();
            req.onsuccess = () => { open.result.close(); resolve(req.result); };
            req.onerror = () => reject(req.error);
        };
    })""")
    return sorted(media_name(k) for k in keys)


def assert_insecure(page) -> None:
    secure, worker, caches = page.evaluate("[isSecureContext, typeof navigator.serviceWorker, typeof caches]")
    assert (secure, worker, caches) == (False, "undefined", "undefined")


# --- the tests ----------------------------------------------------------------------------------------

def test_rotates_three_slides_for_their_durations(site, servers, context):
    server = servers(NarrowcastServer, site, free_port(), site.parent / "serve.log")
    page = context.new_page()
    screen = open_player(page, player_url(server.port, "hal"))
    first = screen.wait(lambda s: s["shown"] == "een", "the first slide shows")
    assert first["liveIds"] == ["een", "twee", "drie"] and first["version"] == server.manifest("hal")["version"]
    assert page.evaluate("isSecureContext") is True  # 127.0.0.1 is a secure context: the Service Worker may help

    end = screen.run(44_000)

    shows = [h for h in end["history"] if h["at"] >= first["history"][-1]["at"]]
    assert [h["id"] for h in shows[:7]] == ["een", "twee", "drie", "een", "twee", "drie", "een"]
    gaps = [b["at"] - a["at"] for a, b in zip(shows, shows[1:7])]
    assert all(abs(gap - want) < 250 for gap, want in zip(gaps, [5000, 7000, 9000] * 2)), gaps
    assert end["layers"] <= 2 and end["bitmaps"] <= 2, "old pictures leave the page; decoded pictures are closed"
    assert page.evaluate("document.body.dataset.current") == end["current"]
    registered = page.evaluate("navigator.serviceWorker.getRegistration().then(r => !!r)")
    assert registered, "at a secure origin the Service Worker is registered as an extra"


def test_a_saved_slide_reaches_the_screen_by_push_without_polling(site, servers, context):
    server = servers(NarrowcastServer, site, free_port(), site.parent / "serve.log")
    page = context.new_page()
    screen = open_player(page, player_url(server.port, "hal", INSECURE_HOST))
    assert_insecure(page)
    before = screen.wait(lambda s: s["shown"] == "een" and s["sseConnected"], "playing, push connected")
    old = server.manifest("hal")

    edit(site / "slides/dia.yaml", "title: Vragen over geld?", "title: Vragen over uw geld?")
    new = server.wait_version("hal", old["version"])
    after = screen.wait(lambda s: s["version"] == new["version"], "the new version arrives", timeout=30)

    assert after["fetches"]["sse"] > before["fetches"]["sse"], "the push event made the player fetch"
    assert after["fetches"]["poll"] == before["fetches"]["poll"], "no poll was needed"
    assert image_of(new, "twee") != image_of(old, "twee")
    wanted = sorted({media_name(i["image"]) for i in new["items"] + [new["fallback"]]})
    screen.wait(lambda s: stored_images(page) == wanted, "IndexedDB keeps only the pictures the manifest names")
    shown = screen.wait(lambda s: s["shown"] == "twee", "the changed slide comes round", advance_ms=1000)
    assert media_name(shown["shownImage"]) == image_of(new, "twee")


def test_keeps_playing_without_the_server_and_after_a_browser_restart(site, servers, playwright_driver, tmp_path):
    port = free_port()
    server = servers(NarrowcastServer, site, port, tmp_path / "serve-1.log")
    profile = tmp_path / "profiel"
    url = player_url(port, "hal", INSECURE_HOST)
    options = chromium_options() | {"viewport": {"width": 960, "height": 540}}

    context = playwright_driver.chromium.launch_persistent_context(profile, **options)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        screen = open_player(page, url)
        assert_insecure(page)
        first = screen.wait(lambda s: s["shown"] == "een" and s["sseConnected"], "playing, push connected")

        server.stop()
        offline = screen.wait(lambda s: not s["sseConnected"], "the player notices the server is gone", advance_ms=1000)
        played = screen.run(30_000)
        assert played["failures"] >= 1 and played["version"] == first["version"]
        assert {"een", "twee", "drie"} <= {h["id"] for h in played["history"] if h["at"] > offline["now"]}
    finally:
        context.close()

    edit(site / "slides/dia.yaml", "title: Iets veranderd?", "title: Iets nieuws?")
    context = playwright_driver.chromium.launch_persistent_context(profile, **options)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.clock.install(time=SERVER_START + timedelta(minutes=5))
        response = page.goto(url)  # the server is down: the page can only come from the disk cache
        assert response is not None and response.ok
        assert response.headers.get("cache-control") == SHELL_CACHE
        screen = Screen(page)
        restarted = screen.wait(lambda s: s["shown"] in ("een", "twee", "drie"), "plays from IndexedDB", advance_ms=500)
        assert restarted["version"] == first["version"] and restarted["fetches"]["start"] == 1
        assert restarted["sseConnected"] is False
        # what makes the page load: a no-cache file of the same folder cannot come from the cache
        assert page.evaluate("fetch('version.json').then(r => r.status, () => 'failed')") == "failed"

        server = servers(NarrowcastServer, site, port, tmp_path / "serve-2.log")
        newest = server.manifest("hal")
        assert newest["version"] != first["version"]
        back = screen.wait(lambda s: s["version"] == newest["version"], "the newest version after the outage",
                           timeout=60, advance_ms=10_000)
        assert back["failures"] == 0
        screen.wait(lambda s: s["sseConnected"], "push reconnects", advance_ms=1000)
        shown = screen.wait(lambda s: s["shown"] == "een" and media_name(s["shownImage"]) == image_of(newest, "een"),
                            "the changed slide shows", advance_ms=1000)
        assert shown["layers"] <= 2
    finally:
        context.close()


def test_an_interval_ends_on_time_offline_with_a_screen_clock_an_hour_wrong(site, servers, context):
    server = servers(NarrowcastServer, site, free_port(), site.parent / "serve.log")
    page = context.new_page()
    wrong = SERVER_START + timedelta(hours=1)  # the screen believes it is 11:00 when the server says 10:00
    screen = open_player(page, player_url(server.port, "balie", INSECURE_HOST), clock_at=wrong)
    playing = screen.wait(lambda s: s["shown"] == "tijdelijk", "the morning slide shows (by server time)")
    assert abs(playing["offsetMs"] + 3_600_000) < 60_000, playing["offsetMs"]
    manifest = server.manifest("balie")
    edge_iso = manifest["items"][0]["intervals"][0][1]
    assert edge_iso == "2026-11-23T09:02:00Z"
    edge = datetime.fromisoformat(edge_iso.replace("Z", "+00:00")).timestamp() * 1000

    server.stop()
    screen.wait(lambda s: not s["sseConnected"], "offline", advance_ms=200)
    before_edge = int(edge - screen.state()["now"] - 2_000)
    page.clock.run_for(before_edge)
    still = screen.wait(lambda s: s["shown"] == s["current"], "settled")
    assert still["current"] == "tijdelijk" and still["liveIds"] == ["tijdelijk"]
    assert edge - 2_500 < still["now"] < edge

    page.clock.run_for(3_000)
    after = screen.wait(lambda s: s["shown"] == "fallback:welkom", "the fallback takes over at the edge")
    assert after["liveIds"] == [] and after["failures"] >= 1
    left = next(h for h in after["history"] if h["id"] == "fallback:welkom")
    assert edge <= left["at"] < edge + 1_000, (left["at"] - edge)


def test_static_hosting_under_a_sub_path_plays_by_polling(site, servers, context, tmp_path):
    nginx = servers(Nginx, site / "output", free_port(), tmp_path / "nginx")
    page = context.new_page()
    screen = open_player(page, nginx.base + "player/index.html?screen=hal")
    first = screen.wait(lambda s: s["shown"] == "een", "plays from nginx")
    screen.wait(lambda s: not s["sseConnected"], "no push at a static host")
    assert first["fetches"]["start"] == 1

    screen.run(6_000)
    polled = screen.wait(lambda s: s["fetches"]["poll"] >= 1, "polls every poll_seconds", advance_ms=1000)
    assert polled["failures"] == 0 and polled["fetches"]["sse"] == 0
    access = (tmp_path / "nginx/access.log").read_text(encoding="utf-8")
    assert "GET /borden/events/hal" in access and "GET /borden/screens/hal/manifest.json" in access

    edit(site / "slides/dia.yaml", "title: Een huisbezoek", "title: Een bezoek thuis")
    subprocess.run([sys.executable, "-m", "narrowcast", "-C", str(site), "build", "-q"], check=True, capture_output=True)
    new_image = image_of(json.loads((site / "output/screens/hal/manifest.json").read_text(encoding="utf-8")), "drie")
    updated = screen.wait(lambda s: s["version"] != first["version"], "a poll brings the new version", advance_ms=1000)
    assert updated["fetches"]["poll"] > polled["fetches"]["poll"] and updated["fetches"]["sse"] == 0
    screen.wait(lambda s: s["shown"] == "drie" and media_name(s["shownImage"]) == new_image, "the new slide shows",
                advance_ms=1000)


def test_a_newer_player_reloads_the_page_once(site, servers, context):
    server = servers(NarrowcastServer, site, free_port(), site.parent / "serve.log")
    page = context.new_page()
    screen = open_player(page, player_url(server.port, "hal", INSECURE_HOST))
    screen.wait(lambda s: s["shown"] == "een" and s["sseConnected"], "playing")
    page.evaluate("window.oldPage = true")
    (site / "output/player/version.json").write_text('{"version": "nieuwer"}', encoding="utf-8")

    screen.wait(lambda s: screen.evaluate("window.oldPage") is None, "the page reloads after the next fetch",
                advance_ms=10_000)
    again = screen.wait(lambda s: s["shown"] in ("een", "twee", "drie"), "plays again after the reload")
    assert again["player"] != "nieuwer"  # the published page is still the old one: it reloads once, not in a loop
    page.evaluate("window.oldPage = true")
    screen.run(60_000, step_ms=10_000)
    assert page.evaluate("window.oldPage") is True


def test_a_playing_screen_shows_a_full_slide(example_build, servers, chromium, tmp_path):
    from PIL import Image, ImageStat

    root = _copy(example_build, tmp_path / "voorbeeld")
    server = servers(NarrowcastServer, root, free_port(), tmp_path / "serve.log")
    context = chromium.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = context.new_page()
        screen = open_player(page, player_url(server.port, "werkplein-hal", INSECURE_HOST))
        screen.wait(lambda s: s["shown"] and s["shown"] == s["current"], "a slide shows")
        time.sleep(1.5)  # the cross-fade finishes
        shot = tmp_path / "player.png"
        page.screenshot(path=str(shot))
    finally:
        context.close()
    with Image.open(shot) as image:
        assert image.size == (1920, 1080)
        stats = ImageStat.Stat(image.convert("L"))
        assert stats.mean[0] > 40 and stats.stddev[0] > 20, "a slide, not a black or empty screen"
    if os.environ.get("NARROWCAST_UPDATE_DOCS") == "1":
        shutil.copy(shot, REPO / "docs/player.png")


def test_an_urgent_notice_reaches_the_screen_and_leaves_at_its_end(site, servers, context):
    server = servers(NarrowcastServer, site, free_port(), site.parent / "serve.log")
    page = context.new_page()
    screen = open_player(page, player_url(server.port, "hal", INSECURE_HOST))
    screen.wait(lambda s: s["shown"] == "een" and s["sseConnected"], "playing, push connected")
    old = server.manifest("hal")

    made = subprocess.run([sys.executable, "-m", "narrowcast", "-C", str(site), "urgent", "Het Werkplein is vanmiddag dicht.",
                           "--screens", "hal", "--at", SERVER_AT, "--until", "2026-11-23 10:01"],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    notice = made.stdout.split()[1]
    new = server.wait_version("hal", old["version"])
    assert [i["id"] for i in new["items"]][0] == notice
    taken = screen.wait(lambda s: s["shown"] == notice, "the notice takes over the screen", timeout=30, advance_ms=500)
    assert taken["liveIds"] == [notice], "while it is live, nothing else plays"

    end = datetime(2026, 11, 23, 9, 1, tzinfo=timezone.utc).timestamp() * 1000
    after = screen.wait(lambda s: s["now"] >= end and s["current"] in ("een", "twee", "drie"),
                        "the notice leaves at its end, by itself", timeout=60, advance_ms=1000)
    assert after["now"] - end < 2_000, "it left on time"
    assert notice not in after["liveIds"]


LOOP_SLIDES = "---\n".join([
    "id: een\ntitle: Welkom\nicon: hand\nduration: 5\ntranslations:\n  en: {title: Welcome}\n  ar: {title: أهلا وسهلا}\n",
    "id: twee\ntitle: Geldzaken?\nicon: geld\nduration: 5\ntranslations:\n  en: {title: Questions about money?}\n"
    "  ar: {title: أسئلة عن المال؟}\n",
    "id: drie\ntitle: Huisbezoek\nicon: huis\nduration: 5\n",
    "id: vier\ntitle: Hulp nodig?\nicon: hand\nduration: 5\n",
    "id: vaak\ntitle: Uw nummer\nicon: bel\nduration: 5\nevery: 30s\n",
])


def test_plays_the_loops_the_server_decided_one_after_another(servers, context, tmp_path):
    """Rotated languages and a repeated slide: the player walks the manifest's loops, deciding nothing itself."""
    items = "".join(f"  - slide: {s}\n" for s in ("een", "twee", "drie", "vier", "vaak"))
    root = write_files(tmp_path / "talen", {
        "narrowcast.yaml": PLAYER_SITE.split("  - id: balie")[0], "slides/dia.yaml": LOOP_SLIDES,
        "playlists/hal.yaml": f"id: hal\nname: Hal\nlanguage_mode: rotate\nitems:\n{items}"})
    build_aside(root)
    server = servers(NarrowcastServer, root, free_port(), tmp_path / "serve.log")
    manifest = server.manifest("hal")
    order = [ident for loop in manifest["loops"] for ident in loop]
    assert len(manifest["loops"]) == 2 and order.count("vaak") == 4, manifest["loops"]
    assert [i for i in order if "." in i] == ["een.en", "twee.en", "een.ar", "twee.ar"]

    page = context.new_page()
    screen = open_player(page, player_url(server.port, "hal", INSECURE_HOST))
    first = screen.wait(lambda s: s["shown"] == order[0], "the first item of the first loop shows")
    end = screen.run(5000 * len(order) + 500)

    shows = [h["id"] for h in end["history"] if h["at"] >= first["history"][-1]["at"]]
    assert shows[:len(order) + 1] == order + [order[0]], "both loops in turn, then the first again"
