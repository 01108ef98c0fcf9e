"""The studio's screens page (/studio/schermen), as staff use it: in a real Chromium against a real server.

Each screen is listed with the dashboard's figures and a picture of what it shows now: the item
live in the published plan, its picture from the screen's manifest. Once a screen reports in, the
page believes the screen: the item it says it shows, marked "gemeld door het scherm".
"""

from __future__ import annotations

import posixpath
from pathlib import Path

import httpx

from narrowcast.publish.manifest import Manifest
from narrowcast.state.records import Records

from .test_build import browser
from .test_player import context, player_build, servers  # noqa: F401
from .test_studio import PASSWORD, _log_in, studio  # noqa: F401

pytestmark = browser


def _manifest(site: Path, screen: str) -> Manifest:
    return Manifest.from_json((site / "output/screens" / screen / "manifest.json").read_bytes())


def _image_of(site: Path, screen: str, item: str) -> str:
    """The picture of an item as the server serves it: /media/<hash>.png."""
    manifest = _manifest(site, screen)
    [image] = [i.image for i in manifest.items if i.id == item] or [manifest.fallback.image]
    return posixpath.normpath(posixpath.join(f"/screens/{screen}", image))


def _report_in(site: Path, server, screen: str, item: str) -> None:
    records = Records(site)
    key = records.new_screen_key(screen)
    records.close()
    beat = httpx.post(f"{server.base}/api/screens/{screen}/heartbeat", headers={"X-Screen-Key": key},
                      json={"version": _manifest(site, screen).version(), "item": item})
    assert beat.status_code == 204, beat.text


# The picture's width once it has loaded (0 when the browser refused or failed it); waits for a slow load.
_LOADED = """img => img.complete ? img.naturalWidth : new Promise(done => {
    img.addEventListener("load", () => done(img.naturalWidth));
    img.addEventListener("error", () => done(0));
})"""


def _card(page, screen: str):
    return page.locator(f"#scherm-{screen}")


def test_each_screen_shows_a_picture_of_what_it_plays_now_and_what_it_reported(studio, context):  # noqa: F811
    site, server = studio
    page = context.new_page()
    _log_in(page, server.base, "anna")
    page.click("nav >> text=Schermen")
    page.wait_for_selector("ul.screens")
    assert page.locator("li.screen").count() == 2

    # Nothing reported yet: the published plan says what is on, with its picture from the manifest.
    hal = _card(page, "hal")
    assert "Hal" in hal.locator("h2").inner_text() and "Uit" in hal.locator(".state").inner_text()
    assert hal.locator("img").get_attribute("src") == _image_of(site, "hal", "een")
    assert hal.locator("img").get_attribute("alt") == "Iets veranderd?"
    caption = hal.locator("figcaption").inner_text()
    assert "Nu: Iets veranderd?" in caption and "volgens het schema" in caption and "nog 2 dia's" in caption
    balie = _card(page, "balie")
    assert balie.locator("img").get_attribute("alt") in ("Alleen vanochtend", "Welkom")  # the slide ends at 10:02
    for card in (hal, balie):
        src = card.locator("img").get_attribute("src")
        assert (site / "output" / src.lstrip("/")).is_file(), src
        loaded = card.locator("img").evaluate(_LOADED)
        assert loaded == 1920, "it loads, under the CSP"
    assert "Ronde" in hal.inner_text() and "21 s; mensen wachten meestal 10 min" in hal.inner_text()

    # The hall reports in: the page shows what the screen says it shows.
    _report_in(site, server, "hal", "drie")
    page.reload()
    hal = _card(page, "hal")
    assert "Aan" in hal.locator(".state").inner_text()
    assert hal.locator("img").get_attribute("src") == _image_of(site, "hal", "drie")
    assert hal.locator("img").get_attribute("alt") == "Een huisbezoek"
    assert "gemeld door het scherm" in hal.locator("figcaption").inner_text()
    assert "volgens het schema" in _card(page, "balie").locator("figcaption").inner_text(), "the other did not report"


def test_the_screens_page_passes_axe(studio, chromium):  # noqa: F811
    from .test_accessibility import AXE, assert_none, violations_at_each_width

    site, server = studio
    _report_in(site, server, "hal", "twee")
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=60)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303

    def screens(page):
        assert page.goto(server.base + "/studio/schermen").status == 200
        assert page.locator("li.screen img").count() == 2

    assert_none(violations_at_each_width(chromium, AXE, server.base, client.cookies, screens))
