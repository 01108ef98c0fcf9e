"""The studio (/studio), as staff use it: in a real Chromium against a real `narrowcast serve`.

The story of issue 16: a redacteur logs in, makes a slide through the form, watches the live
preview change while typing, sees a finding on an officialese word and takes the plain word with
one click, puts the slide in a playlist and proposes; an eindredacteur approves; a real player at
an insecure origin shows the slide within seconds; the YAML file on disk reads as a person would
write it and still holds the comment written into it by hand.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import httpx
import pytest

from narrowcast.state.records import Records

from .conftest import INSECURE_HOST
from .serving import SERVER_AT, NarrowcastServer, free_port
from .test_build import browser
from .test_player import assert_insecure, context, open_player, player_build, player_url, servers  # noqa: F401
from .test_publishing_live import _cli_ok

pytestmark = browser
PASSWORD = "een lang wachtwoord"
HAND_COMMENT = "# Afgesproken met team Werk: elke maandag, ook in de vakantie."


def _staff(root: Path) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    records = Records(root)
    now = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
    for name, role in (("anna", "redacteur"), ("carla", "eindredacteur")):
        records.set_user(name, PASSWORD, now, role)
    records.close()


@pytest.fixture
def studio(player_build, servers, tmp_path):  # noqa: F811
    """The player content in review mode, approved once, served for real."""
    site = tmp_path / "inhoud"
    shutil.copytree(player_build, site, symlinks=True)
    with open(site / "narrowcast.yaml", "a", encoding="utf-8") as config:
        config.write("publishing: review\n")
    _staff(site)
    _cli_ok(site, "publish", "--user", "anna", "--at", SERVER_AT)
    _cli_ok(site, "approve", "1", "--user", "carla", "--at", SERVER_AT)
    return site, servers(NarrowcastServer, site, free_port(), tmp_path / "serve.log")


def _log_in(page, base: str, name: str) -> None:
    page.goto(base + "/studio")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/studio$"))


def test_a_redacteur_writes_a_slide_and_an_eindredacteur_puts_it_on_the_screens(studio, context):  # noqa: F811
    site, server = studio
    page = context.new_page()
    _log_in(page, server.base, "anna")

    # A new slide through the form.
    page.click("text=Nieuwe dia")
    page.fill("#f-title", "Spreekuur op maandag")
    page.click("button:has-text('Maken en bewerken')")
    page.wait_for_url(re.compile(r"/studio/slides/spreekuur-op-maandag$"))
    slide_file = site / "slides/spreekuur-op-maandag.yaml"
    assert slide_file.is_file()

    # Someone adds a comment by hand in a text editor; the studio opens the file as it is now.
    slide_file.write_text(slide_file.read_text(encoding="utf-8") + HAND_COMMENT + "\n", encoding="utf-8")
    page.reload()
    first = page.wait_for_selector("#pictures img", timeout=60_000).get_attribute("src")

    # The live preview follows the typing; an officialese word is marked, with the plain word to take.
    page.fill("#f-text", "Indien u vragen heeft, kom naar de balie.")
    page.wait_for_function("src => { const i = document.querySelector('#pictures img'); return i && i.src && "
                           "!i.src.endsWith(src); }", arg=first, timeout=60_000)
    page.wait_for_selector("#m-text mark", timeout=30_000)
    assert page.inner_text("#m-text mark") == "Indien"
    page.click("#m-text button:has-text('als')")
    assert page.input_value("#f-text") == "Als u vragen heeft, kom naar de balie."
    page.wait_for_function("() => !document.querySelector('#m-text mark')", timeout=30_000)

    # In the hall's playlist, and saved.
    page.check("#lijst-hal")
    page.click("button:has-text('Opslaan')")
    page.wait_for_selector(".saved")
    written = slide_file.read_text(encoding="utf-8")
    assert HAND_COMMENT in written, "a comment written by hand stays"
    assert "text: Als u vragen heeft, kom naar de balie.\n" in written
    assert written.startswith("# Nieuwe dia, gemaakt in de studio.\nid: spreekuur-op-maandag\n"), written
    assert "  - slide: spreekuur-op-maandag\n" in (site / "playlists/hal.yaml").read_text(encoding="utf-8")

    # Proposed; nothing changes on the screens yet.
    page.click("nav >> text=Voorstellen")
    page.fill("#message", "Nieuw spreekuur op maandag")
    page.click("button:has-text('Voorstellen')")
    page.wait_for_selector("text=/Voorstel \\d+ staat klaar/", timeout=120_000)
    assert "Spreekuur op maandag" in page.inner_text(".proposal")

    # A real player, at an insecure origin.
    screen = open_player(context.new_page(), player_url(server.port, "hal", INSECURE_HOST))
    assert_insecure(screen.page)
    screen.wait(lambda s: s["shown"] and s["sseConnected"], "playing, push connected")
    assert "spreekuur-op-maandag" not in screen.state()["liveIds"]

    # An eindredacteur approves.
    page.click("button:has-text('Uitloggen')")
    _log_in(page, server.base, "carla")
    page.goto(server.base + "/studio/voorstellen")
    started = time.monotonic()
    page.click("button:has-text('Goedkeuren en publiceren')")
    page.wait_for_selector("text=/is goedgekeurd en staat op de schermen/", timeout=120_000)
    screen.wait(lambda s: "spreekuur-op-maandag" in s["liveIds"], "the approved slide reaches the screen", timeout=30)
    print(f"approve click to the slide live on the player: {time.monotonic() - started:.2f} s")


def test_a_file_changed_on_disk_meanwhile_is_never_overwritten(studio, context):  # noqa: F811
    site, server = studio
    page = context.new_page()
    _log_in(page, server.base, "anna")
    page.goto(server.base + "/studio/slides/twee")
    page.fill("#f-title", "Vragen over uw geld?")
    (site / "slides/dia.yaml").write_text((site / "slides/dia.yaml").read_text(encoding="utf-8")
                                          .replace("title: Een huisbezoek", "title: Een bezoek thuis"), encoding="utf-8")
    page.click("button:has-text('Opslaan')")
    assert "intussen door iemand anders veranderd" in page.inner_text("[role=alert]")
    text = (site / "slides/dia.yaml").read_text(encoding="utf-8")
    assert "title: Een bezoek thuis" in text and "Vragen over uw geld?" not in text
    assert page.input_value("#f-title") == "Vragen over uw geld?", "what was typed is still in the form"


def test_the_studio_is_for_staff_only_and_refuses_other_sites(studio):
    site, server = studio
    assert httpx.get(server.base + "/studio").status_code == 401
    assert httpx.get(server.base + "/studio/slides/een").status_code == 401
    assert httpx.post(server.base + "/api/studio/voorbeeld", json={"slide": "een"},
                      headers={"Origin": server.base}).status_code == 401
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=60)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD, "next": "/studio"}).headers["location"] == "/studio"
    before = (site / "slides/dia.yaml").read_bytes()
    forged = client.post("/studio/slides/een", data={"title": "Gehackt", "version": "x"},
                         headers={"Origin": "http://evil.test"})
    assert forged.status_code == 403 and (site / "slides/dia.yaml").read_bytes() == before
    outside = client.post("/login", data={"name": "anna", "password": PASSWORD, "next": "//evil.test/"})
    assert outside.headers["location"] == "/dashboard", "a login never leads to another site"


def test_every_studio_page_passes_axe(studio, chromium, tmp_path):  # noqa: F811
    from .test_accessibility import AXE, assert_none, violations_at_each_width

    site, server = studio
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=120)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303
    (site / "slides/dia.yaml").write_text((site / "slides/dia.yaml").read_text(encoding="utf-8")
                                          .replace("text: Wij helpen.\nicon: geld\nduration: 7", "text: Indien u wilt, helpen wij.\nicon: geld\nduration: 10"),
                                          encoding="utf-8")
    proposed = client.post("/studio/voorstellen", data={"message": "Een zin erbij"})
    assert proposed.status_code == 200, proposed.text

    def overview(page):
        assert page.goto(server.base + "/studio").status == 200
        page.wait_for_selector(".slide")

    def filtered(page):
        assert page.goto(server.base + "/studio?zoek=geld&status=ter-beoordeling").status == 200

    def editor_with_marks(page):
        assert page.goto(server.base + "/studio/slides/twee").status == 200
        page.wait_for_selector("#m-text mark", timeout=60_000)
        assert "Iets veranderd?" not in page.inner_text("#findings"), "only this slide's findings, not its file's"
        page.wait_for_selector("#pictures img")

    def raw_yaml(page):
        assert page.goto(server.base + "/studio/slides/twee?weergave=yaml").status == 200

    def new_slide(page):
        assert page.goto(server.base + "/studio/nieuw").status == 200

    def review(page):
        assert page.goto(server.base + "/studio/voorstellen").status == 200
        assert page.locator(".proposal").count() == 1

    def login(page):
        assert page.goto(server.base + "/studio").status == 401  # the login form, for the studio

    assert_none([line for visit in (overview, filtered, editor_with_marks, raw_yaml, new_slide, review)
                 for line in violations_at_each_width(chromium, AXE, server.base, client.cookies, visit)]
                + violations_at_each_width(chromium, AXE, server.base, None, login))


def test_the_house_style_colours_the_studio_only_where_it_stays_readable():
    from narrowcast.serve.studio.housestyle import contrast, house_css

    tokens = {"background": "#FBF8F2", "text": "#1B2A33", "muted": "#34495E", "accent": "#0E3B2E", "border": "#D9CCB6"}
    assert house_css(tokens) == (":root { --ink: #1B2A33; --muted: #34495E; --bg: #FBF8F2; --line: #D9CCB6; "
                                 "--accent: #0E3B2E; }\n")
    light = house_css({"accent": "#FFD700", "text": "#777777", "background": "#000000", "border": "#eeeeee"})
    assert "--accent" not in light and "--ink" not in light and "--bg" not in light, light
    assert round(contrast("#FFFFFF", "#000000"), 1) == 21.0 and house_css({}) == ""
