"""A screen never goes black: the player adopts a new manifest only when all its pictures are stored
and decode, keeps playing the last good one otherwise, says why in its heartbeat, and the dashboard
shows it. Real headless Chromium at an insecure origin against a real `narrowcast serve`; the bad
manifests are written into the published output, as a damaged or half-copied static host would serve.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from narrowcast.state.records import Heartbeat, Records
from narrowcast.serve.health import BadBody, parse_heartbeat

from .conftest import INSECURE_HOST, chromium_options
from .serving import NarrowcastServer, free_port, get_json
from .test_build import browser
from .test_player import (SERVER_START, Screen, context, media_name, open_player, player_build, player_url,  # noqa: F401
                          servers, site, stored_images)

NO_CONTENT = "Geen geldige inhoud; de beheerder is gewaarschuwd"


# --- helpers -------------------------------------------------------------------------------------------

def started(server: NarrowcastServer) -> NarrowcastServer:
    """The server once its start build is published: a manifest written earlier would be replaced."""
    deadline = time.monotonic() + 60
    while get_json(server.base + "/healthz")["builds"] < 1:
        assert time.monotonic() < deadline, server.output()
        time.sleep(0.1)
    return server


def publish(site: Path, manifest: dict, screen: str = "hal") -> None:
    """Replace a screen's published manifest in place (by rename: the server never reads half a file)."""
    path = site / "output/screens" / screen / "manifest.json"
    part = path.with_suffix(".part")
    part.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    os.replace(part, path)


def variant(good: dict, version: str, change=None) -> dict:
    """A copy of the good manifest under a new version, changed by `change(manifest)`."""
    bad = copy.deepcopy(good)
    bad["version"] = version
    if change:
        change(bad)
    return bad


def item(manifest: dict, item_id: str) -> dict:
    return next(i for i in manifest["items"] if i["id"] == item_id)


def pictures(manifest: dict) -> list[str]:
    return sorted({media_name(i["image"]) for i in manifest["items"] + [manifest["fallback"]]})


def last_beat(site: Path, screen: str = "hal") -> Heartbeat | None:
    records = Records(site)
    try:
        return records.last_heartbeats().get(screen)
    finally:
        records.close()


def wait_beat(screen: Screen, site: Path, predicate, what: str, timeout: float = 30.0) -> Heartbeat:
    """The screen's newest stored heartbeat once `predicate` holds; the page clock runs meanwhile."""
    deadline = time.monotonic() + timeout
    beat = None
    while time.monotonic() < deadline:
        beat = last_beat(site)
        if beat is not None and predicate(beat):
            return beat
        screen.advance(1_000)
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s; last heartbeat: {beat}")


def not_black(page, path: Path) -> None:
    from PIL import Image, ImageStat

    time.sleep(1.5)  # the cross-fade (a CSS transition, real time) finishes
    page.screenshot(path=str(path))
    with Image.open(path) as image:
        stats = ImageStat.Stat(image.convert("L"))
    assert stats.mean[0] > 40 and stats.stddev[0] > 10, f"a slide, not a black screen: {stats.mean}, {stats.stddev}"


def playing_good(state: dict, good: dict) -> bool:
    return (state["version"] == good["version"] and state["shown"] in ("een", "twee", "drie")
            and media_name(state["shownImage"]) in pictures(good))


def launch(playwright_driver, profile: Path):
    options = chromium_options() | {"viewport": {"width": 960, "height": 540}}
    context = playwright_driver.chromium.launch_persistent_context(profile, **options)
    page = context.pages[0] if context.pages else context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: print(f"[console.{m.type}] {m.text}"))
    return context, page, errors


# --- the screen ----------------------------------------------------------------------------------------

@browser
def test_a_new_version_whose_picture_is_missing_is_refused_and_the_screen_keeps_its_slides_after_a_restart(
        site, servers, playwright_driver, tmp_path):
    server = started(servers(NarrowcastServer, site, free_port(), tmp_path / "serve.log"))
    url = player_url(server.port, "hal", INSECURE_HOST)
    profile = tmp_path / "profiel"
    good = server.manifest("hal")

    context, page, errors = launch(playwright_driver, profile)
    try:
        screen = open_player(page, url)
        screen.wait(lambda s: s["shown"] == "een" and s["sseConnected"], "playing, push connected")
        screen.wait(lambda s: stored_images(page) == pictures(good), "every picture stored")

        publish(site, variant(good, "zonder-plaatje", lambda m: item(m, "twee").update(image="../../media/ontbreekt.png")))
        refused = screen.wait(lambda s: "zonder-plaatje" in (s["problem"] or ""), "the new version is refused",
                              advance_ms=5_000)
        assert "ontbreekt.png" in refused["problem"] and "404" in refused["problem"], refused["problem"]
        assert refused["version"] == good["version"], "the last good manifest keeps playing"

        played = screen.run(25_000)
        assert {"een", "twee", "drie"} <= {h["id"] for h in played["history"] if h["at"] > refused["now"]}
        assert playing_good(played, good), played
        assert stored_images(page) == pictures(good), "the good pictures are not deleted"
        beat = wait_beat(screen, site, lambda b: "zonder-plaatje" in (b.problem or ""), "the heartbeat says why")
        assert beat.version == good["version"] and "ontbreekt.png" in beat.problem
        assert errors == []
    finally:
        context.close()

    # The kiosk restarts while the server still serves the bad manifest: the good slides, not black.
    context, page, errors = launch(playwright_driver, profile)
    try:
        page.clock.install(time=SERVER_START + timedelta(minutes=5))
        page.goto(url)
        screen = Screen(page)
        again = screen.wait(lambda s: playing_good(s, good) and "zonder-plaatje" in (s["problem"] or ""),
                            "after the restart: the good slides, and the bad version refused again", advance_ms=500)
        assert again["failures"] >= 1
        not_black(page, tmp_path / "na-herstart.png")
        assert stored_images(page) == pictures(good)
        assert errors == []
    finally:
        context.close()


@browser
def test_a_picture_that_does_not_decode_is_refused_until_it_is_repaired_then_the_new_version_plays(
        site, servers, context, tmp_path):
    server = started(servers(NarrowcastServer, site, free_port(), tmp_path / "serve.log"))
    page = context.new_page()
    screen = open_player(page, player_url(server.port, "hal", INSECURE_HOST))
    screen.wait(lambda s: s["shown"] == "een" and s["sseConnected"], "playing, push connected")
    good = server.manifest("hal")
    broken = site / "output/media/kapot.png"
    broken.write_bytes(b"\x89PNG\r\n\x1a\n dit is geen plaatje")  # served with 200, does not decode

    new = variant(good, "kapot-plaatje", lambda m: item(m, "twee").update(image="../../media/kapot.png"))
    publish(site, new)
    refused = screen.wait(lambda s: "kapot-plaatje" in (s["problem"] or ""), "the new version is refused",
                          advance_ms=5_000)
    assert "kapot.png" in refused["problem"] and "geen leesbaar beeld" in refused["problem"], refused["problem"]
    assert playing_good(screen.run(10_000), good)
    assert stored_images(page) == pictures(good)
    assert wait_beat(screen, site, lambda b: "kapot-plaatje" in (b.problem or ""), "the heartbeat says why")

    # Repaired at the same (content-addressed) address: the next try, after the back-off, takes it.
    shutil.copyfile(site / "output/media" / media_name(item(good, "twee")["image"]), broken)
    screen.wait(lambda s: s["version"] == "kapot-plaatje" and s["problem"] is None, "the repaired version is adopted",
                timeout=60, advance_ms=5_000)
    shown = screen.wait(lambda s: s["shown"] == "twee" and media_name(s["shownImage"]) == "kapot.png",
                        "the repaired picture comes round", advance_ms=1_000)
    assert shown["layers"] <= 2 and shown["bitmaps"] <= 2
    screen.wait(lambda s: stored_images(page) == pictures(new), "only now the unused old picture goes")
    assert wait_beat(screen, site, lambda b: b.version == "kapot-plaatje" and b.problem is None,
                     "the heartbeat is clear again")


def _no_lists(m):
    m["items"] = None
    m["fallback"] = None


def _items_text(m):
    m["items"] = "een, twee, drie"


def _no_image(m):
    del item(m, "twee")["image"]


def _bad_intervals(m):
    item(m, "drie")["intervals"] = [["gisteren", "morgen"]]


def _bad_duration(m):
    item(m, "een")["duration"] = "lang"


WRONG_SHAPES = [("leeg", _no_lists, "items"), ("tekst", _items_text, "items"), ("zonder-beeld", _no_image, "twee"),
                ("tijden", _bad_intervals, "intervals"), ("duur", _bad_duration, "duration")]


@browser
def test_a_manifest_of_the_wrong_shape_is_refused_and_the_last_good_one_plays_on(site, servers, context, tmp_path):
    server = started(servers(NarrowcastServer, site, free_port(), tmp_path / "serve.log"))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    screen = open_player(page, player_url(server.port, "hal", INSECURE_HOST))
    screen.wait(lambda s: s["shown"] == "een" and s["sseConnected"], "playing, push connected")
    good = server.manifest("hal")

    for version, change, named in WRONG_SHAPES:
        publish(site, variant(good, version, change))
        refused = screen.wait(lambda s: f"versie {version} " in (s["problem"] or ""), f"{version} is refused",
                              advance_ms=5_000)
        assert named in refused["problem"], refused["problem"]
        assert refused["version"] == good["version"]

    played = screen.run(22_000)
    assert {"een", "twee", "drie"} <= {h["id"] for h in played["history"] if h["at"] > refused["now"]}
    assert playing_good(played, good) and stored_images(page) == pictures(good)
    assert errors == [], "a wrong manifest never throws in the page"


@browser
def test_a_fresh_screen_with_only_a_bad_manifest_says_so_instead_of_going_black(site, servers, context, tmp_path):
    Records(site).set_user("anne", "een-lang-wachtwoord", SERVER_START, "eindredacteur")
    token = Records(site).new_token("anne", SERVER_START)
    server = started(servers(NarrowcastServer, site, free_port(), tmp_path / "serve.log"))
    good = server.manifest("hal")
    publish(site, variant(good, "leeg", _no_lists))
    page = context.new_page()
    screen = open_player(page, player_url(server.port, "hal", INSECURE_HOST))

    empty = screen.wait(lambda s: s["notice"] is not None, "the screen explains itself", advance_ms=1_000)
    assert empty["version"] is None and empty["shown"] is None
    assert page.locator("#notice").inner_text() == NO_CONTENT and page.locator("#notice").is_visible()
    beat = wait_beat(screen, site, lambda b: b.problem is not None, "the heartbeat says so")
    assert beat.version is None and beat.problem.startswith("geen geldige inhoud") and "leeg" in beat.problem

    auth = {"Authorization": f"Bearer {token}"}
    data = httpx.get(f"{server.base}/api/dashboard", headers=auth).json()
    row = next(s for s in data["screens"] if s["id"] == "hal")
    assert row["problem"] == beat.problem
    assert any(a["screen"] == "hal" and a["detail"] == beat.problem for a in data["alerts"])
    html = httpx.get(f"{server.base}/dashboard", headers=auth).text
    assert "geen geldige inhoud" in html

    publish(site, good)
    back = screen.wait(lambda s: s["shown"] == "een" and s["notice"] is None, "the good manifest plays",
                       timeout=60, advance_ms=5_000)
    assert back["problem"] is None and not page.locator("#notice").count()


@browser
def test_a_screen_set_up_with_a_wrong_or_missing_name_says_what_to_fix_instead_of_going_black(
        site, servers, context, tmp_path):
    server = started(servers(NarrowcastServer, site, free_port(), tmp_path / "serve.log"))
    page = context.new_page()
    screen = open_player(page, player_url(server.port, "hall", INSECURE_HOST))
    typo = screen.wait(lambda s: s["notice"] is not None, "the screen explains itself", advance_ms=1_000)
    assert '"hall"' in typo["notice"] and "?screen=" in typo["notice"] and page.locator("#notice").is_visible()

    nameless = context.new_page()
    open_player(nameless, f"http://{INSECURE_HOST}:{server.port}/player/")
    nameless.wait_for_selector("#notice", timeout=10_000)
    assert "player/?screen=NAAM" in nameless.locator("#notice").inner_text()


# --- the server ----------------------------------------------------------------------------------------

def test_a_heartbeats_problem_is_kept_short_and_only_as_text():
    now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    beat = parse_heartbeat("hal", {"version": "v1", "problem": "x" * 5_000}, now)
    assert beat is not None and len(beat.problem) == 300
    assert parse_heartbeat("hal", {"version": "v1", "problem": None}, now).problem is None
    with pytest.raises(BadBody):  # text or nothing: anything else is a malformed heartbeat (400)
        parse_heartbeat("hal", {"version": "v1", "problem": {"diep": [1]}}, now)


def test_an_existing_database_gets_the_problem_column_and_keeps_its_heartbeats(tmp_path):
    state = tmp_path / ".state"
    state.mkdir()
    old = sqlite3.connect(state / "narrowcast.db")
    old.execute("CREATE TABLE heartbeats (screen TEXT NOT NULL, at REAL NOT NULL, version TEXT, item TEXT, "
                "resolution TEXT, user_agent TEXT, offset_ms INTEGER)")
    old.execute("INSERT INTO heartbeats VALUES ('hal', 1000.0, 'v1', 'een', '1920x1080', 'kiosk', 5)")
    old.commit()
    old.close()

    records = Records(tmp_path)
    kept = records.last_heartbeats()["hal"]
    assert (kept.version, kept.item, kept.offset_ms, kept.problem) == ("v1", "een", 5, None)
    now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
    records.add_heartbeat(Heartbeat("balie", now, "v1", None, None, None, None, "nieuwe versie v2 niet overgenomen"))
    records.close()
    assert Records(tmp_path).last_heartbeats()["balie"].problem == "nieuwe versie v2 niet overgenomen"
