"""The studio's urgent notice page (/studio/melding), as staff use it: in a real Chromium against a real server.

An eindredacteur places a notice on one screen through the form and it is in that screen's
manifest, not in the other's; one click stops it and the manifest drops it. A notice the checks
refuse says why at the field it is about and saves nothing; a reason places it anyway, and the
reason is kept with her name. A redacteur reads why the form is not for her, and is refused.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import httpx

from narrowcast.publish.manifest import Manifest
from narrowcast.state.files import FORCED, load_notices, state_dir

from .test_build import browser
from .test_player import context, player_build, servers  # noqa: F401
from .test_studio import PASSWORD, _log_in, studio  # noqa: F401

pytestmark = browser
CLOSED = "De balie is vandaag vanaf 15:00 dicht."
# one sentence of 21 words (more than 15 is an error) that also opens with officialese (a warning)
TOO_LONG = "Indien u vandaag een afspraak heeft bij de balie dan kunt u ook naar de hal op de eerste verdieping gaan."


def _items(site: Path, screen: str) -> list[str]:
    manifest = Manifest.from_json((site / "output/screens" / screen / "manifest.json").read_bytes())
    return [item.id for item in manifest.items]


def _staff_client(server, name: str) -> httpx.Client:
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=180)
    assert client.post("/login", data={"name": name, "password": PASSWORD, "next": "/studio"}).status_code == 303
    return client


def test_an_eindredacteur_places_a_notice_on_one_screen_and_stops_it_with_one_click(studio, context):  # noqa: F811
    site, server = studio
    page = context.new_page()
    _log_in(page, server.base, "carla")
    page.click("nav >> text=Urgente melding")
    assert "Er loopt nu geen urgente melding." in page.inner_text("main")
    assert page.is_checked("#screen-hal") and page.is_checked("#screen-balie"), "every screen, unless unticked"

    page.fill("#text", CLOSED)
    page.uncheck("#screen-balie")
    page.fill("#until", "17:00")
    page.click("button:has-text('Melding plaatsen')")
    page.wait_for_selector("[role=status]", timeout=120_000)
    assert page.inner_text("[role=status]") == "De melding staat op de schermen, tot 17:00."
    [notice] = load_notices(site)
    assert (notice.text, notice.screens) == (CLOSED, ("hal",))
    assert notice.id in _items(site, "hal"), "the chosen screen's manifest has the notice"
    assert notice.id not in _items(site, "balie"), "the screen left unticked does not"
    running = page.locator("li.notice")
    assert running.count() == 1 and CLOSED in running.inner_text() and "tot 17:00 · Hal" in running.inner_text()

    running.locator("button:has-text('Stoppen')").click()
    page.wait_for_selector("text=De melding is gestopt", timeout=120_000)
    assert notice.id not in _items(site, "hal"), "stopped: the manifest dropped it"
    assert page.locator("li.notice").count() == 0
    assert "Er loopt nu geen urgente melding." in page.inner_text("main")


def test_a_refused_notice_says_why_at_its_field_saves_nothing_and_a_reason_places_it(studio, context):  # noqa: F811
    site, server = studio
    before = _items(site, "hal")
    page = context.new_page()
    _log_in(page, server.base, "carla")
    page.goto(server.base + "/studio/melding")

    # An end time that has passed.
    page.fill("#text", CLOSED)
    page.fill("#until", "9:00")
    page.click("button:has-text('Melding plaatsen')")
    page.wait_for_selector("#e-until", timeout=60_000)
    assert "09:00 is vandaag al voorbij" in page.inner_text("#e-until")
    assert page.get_attribute("#until", "aria-describedby") == "h-until e-until"
    assert page.get_attribute("#until", "aria-invalid") == "true"
    assert page.get_attribute("#text", "aria-invalid") is None, "only the field it is about"
    assert page.input_value("#text") == CLOSED, "what was typed stays"
    assert "De melding staat niet op de schermen." in page.inner_text("[role=alert]")
    assert page.locator("#reason").count() == 0, "a wrong time cannot be forced"
    assert load_notices(site) == [] and _items(site, "hal") == before

    # A sentence too long to read on a screen: at the text, with the officialese word as a warning.
    page.fill("#text", TOO_LONG)
    page.fill("#until", "2u")
    page.click("button:has-text('Melding plaatsen')")
    page.wait_for_selector("#e-text", timeout=60_000)
    at_text = page.inner_text("#e-text")
    assert "21 woorden" in at_text and "Indien" in at_text, at_text
    assert "e-text" in page.get_attribute("#text", "aria-describedby").split()
    assert page.locator("#e-until").count() == 0
    assert load_notices(site) == [] and _items(site, "hal") == before

    # The eindredacteur gives a reason: placed, and the reason is kept with her name.
    page.fill("#reason", "De brandweer vraagt dit letterlijk zo.")
    page.click("button:has-text('Melding plaatsen')")
    page.wait_for_selector("[role=status]", timeout=120_000)
    [notice] = load_notices(site)
    assert notice.text == TOO_LONG and notice.id in _items(site, "hal") and notice.id in _items(site, "balie")
    [forced] = [json.loads(line) for line in (state_dir(site) / FORCED).read_text(encoding="utf-8").splitlines()]
    assert (forced["user"], forced["reason"]) == ("carla", "De brandweer vraagt dit letterlijk zo.")


def test_a_redacteur_reads_why_and_cannot_place_or_stop_a_notice(studio):  # noqa: F811
    site, server = studio
    carla = _staff_client(server, "carla")
    made = carla.post("/studio/melding", data={"text": CLOSED, "screens": ["hal", "balie"], "until": "17:00"})
    assert made.status_code == 303, made.text
    [notice] = load_notices(site)

    anna = _staff_client(server, "anna")
    shown = anna.get("/studio/melding")
    assert shown.status_code == 200
    assert "Alleen een eindredacteur of beheerder mag een urgente melding maken of stoppen." in shown.text
    assert 'id="text"' not in shown.text and "/stoppen" not in shown.text, "no form and no stop button for her"
    assert CLOSED in shown.text, "she does see what is running"

    refused = anna.post("/studio/melding", data={"text": "Nog een melding.", "screens": ["hal"]})
    assert refused.status_code == 403 and "mag alleen een eindredacteur of beheerder" in refused.text
    stop = anna.post(f"/studio/melding/{notice.id}/stoppen")
    assert stop.status_code == 403
    assert load_notices(site) == [notice], "nothing made, nothing stopped"
    assert notice.id in _items(site, "hal")

    gone = carla.post("/studio/melding/melding-bestaat-niet/stoppen")
    assert gone.status_code == 409 and "geen lopende melding 'melding-bestaat-niet'" in html.unescape(gone.text)


def test_the_notice_page_passes_axe(studio, chromium):  # noqa: F811
    from .test_accessibility import AXE, assert_none, violations_at_each_width

    site, server = studio
    carla, anna = _staff_client(server, "carla"), _staff_client(server, "anna")
    assert carla.post("/studio/melding", data={"text": CLOSED, "screens": ["hal"], "until": "17:00"}).status_code == 303

    def running(page):
        assert page.goto(server.base + "/studio/melding").status == 200
        assert page.locator("li.notice").count() == 1

    def refused(page):
        page.goto(server.base + "/studio/melding")
        page.fill("#text", TOO_LONG)
        page.fill("#until", "9:00")
        page.uncheck("#screen-hal")
        page.uncheck("#screen-balie")
        page.click("button:has-text('Melding plaatsen')")
        page.wait_for_selector("#e-screens", timeout=60_000)

    def refused_with_reason_field(page):
        page.goto(server.base + "/studio/melding")
        page.fill("#text", TOO_LONG)
        page.click("button:has-text('Melding plaatsen')")
        page.wait_for_selector("#reason", timeout=60_000)

    def as_redacteur(page):
        assert page.goto(server.base + "/studio/melding").status == 200

    assert_none([line for visit in (running, refused, refused_with_reason_field)
                 for line in violations_at_each_width(chromium, AXE, server.base, carla.cookies, visit)]
                + violations_at_each_width(chromium, AXE, server.base, anna.cookies, as_redacteur))
