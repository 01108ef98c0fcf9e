"""The studio's playlists page (/studio/afspeellijsten), as staff use it: in a real Chromium against a real server.

A redacteur opens the hall's playlist, moves slides with the keyboard and by dragging, adds one and
takes one out; the YAML file keeps the comment a colleague wrote into it by hand. A file changed on
disk meanwhile is never overwritten.
"""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from narrowcast.yamlsource import read_documents

from .test_build import browser
from .test_player import context, player_build, servers  # noqa: F401
from .test_studio import PASSWORD, _log_in, studio  # noqa: F401

pytestmark = browser
HALL = "playlists/hal.yaml"
HAND_COMMENT = "# Met de hand: de huisbezoeken pas na overleg met team Wonen."
HALL_BY_HAND = f"""\
id: hal
name: Hal
fallback: welkom
items:
  - slide: een   # altijd eerst
  - slide: twee
  {HAND_COMMENT}
  - slide: drie
  - tag: geld
"""


def _hall(site: Path) -> None:
    """The hall's playlist as a person wrote it, with a comment and an item naming a tag."""
    slides = site / "slides/dia.yaml"
    slides.write_text(slides.read_text(encoding="utf-8").replace("icon: geld\n", "icon: geld\ntags: [geld]\n"),
                      encoding="utf-8")
    (site / HALL).write_text(HALL_BY_HAND, encoding="utf-8")


def _items(site: Path) -> list[str]:
    documents, problems = read_documents(site / HALL, site)
    assert not problems
    return [item.get("slide") or f"tag:{item['tag']}" for item in documents[0].data["items"]]


def _titles(page) -> list[str]:
    return [t.strip() for t in page.locator("ol.items li.item h3").all_inner_texts()]


def _open_hall(page, server) -> None:
    _log_in(page, server.base, "anna")
    page.goto(server.base + "/studio/afspeellijsten")
    page.click("h2 >> text=Hal")
    page.wait_for_url(re.compile(r"/studio/afspeellijsten/hal$"))


def test_a_redacteur_moves_slides_with_the_keyboard_and_the_hand_written_comment_stays(studio, context):  # noqa: F811
    site, server = studio
    _hall(site)
    page = context.new_page()
    _open_hall(page, server)
    assert _titles(page) == ["Iets veranderd?", "Vragen over geld?", "Een huisbezoek", "alle dia's met het label geld"]
    assert "Een ronde duurt 21 s; de meeste mensen wachten 10 min." in page.inner_text("p.loop")

    # By keyboard only: to the button, Enter; the page comes back with the button in focus.
    page.focus("button:has-text('Omlaag: Iets veranderd?')")
    page.keyboard.press("Enter")
    page.wait_for_selector("[role=status]")
    assert page.inner_text("[role=status]").startswith("Iets veranderd? staat nu op plek 2 van 4.")
    assert _items(site) == ["twee", "een", "drie", "tag:geld"]
    assert page.evaluate("document.activeElement.textContent") == "Omlaag: Iets veranderd?"
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Iets veranderd? staat nu op plek 3 van 4.")
    assert _items(site) == ["twee", "drie", "een", "tag:geld"]

    # The item naming a tag moves too, with Tab and Enter from where the focus is.
    page.focus("button:has-text('Omhoog: alle dia')")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=staat nu op plek 3 van 4.")
    assert _items(site) == ["twee", "drie", "tag:geld", "een"]
    assert _titles(page) == ["Vragen over geld?", "Een huisbezoek", "alle dia's met het label geld", "Iets veranderd?"]

    written = (site / HALL).read_text(encoding="utf-8")
    assert f"  {HAND_COMMENT}\n  - slide: drie\n" in written, "the comment written by hand stays above its slide"
    assert "  - slide: een   # altijd eerst\n" in written, "and the comment at the end of a line stays on it"


def test_dragging_a_slide_onto_another_puts_it_in_that_place(studio, context):  # noqa: F811
    site, server = studio
    _hall(site)
    page = context.new_page()
    page.set_viewport_size({"width": 1280, "height": 1200})  # source and target in view: a drag does not scroll
    _open_hall(page, server)
    assert page.is_visible("#drag-hint"), "the script tells that dragging works"
    items = page.locator("ol.items li.item")
    items.nth(0).drag_to(items.nth(2))
    page.wait_for_selector("text=De nieuwe volgorde is opgeslagen.")
    assert _items(site) == ["twee", "drie", "een", "tag:geld"]
    assert _titles(page)[:3] == ["Vragen over geld?", "Een huisbezoek", "Iets veranderd?"]
    items.nth(3).drag_to(items.nth(0))
    page.wait_for_selector("text=De nieuwe volgorde is opgeslagen.")
    assert _items(site) == ["tag:geld", "twee", "drie", "een"]
    assert HAND_COMMENT in (site / HALL).read_text(encoding="utf-8")


def test_a_slide_is_added_at_the_end_and_another_taken_out(studio, context):  # noqa: F811
    site, server = studio
    _hall(site)
    page = context.new_page()
    _open_hall(page, server)
    offered = page.locator("#toevoegen option").all_inner_texts()
    assert offered == ["Alleen vanochtend", "Welkom"], "only the slides not in the list yet"

    page.select_option("#toevoegen", label="Welkom")
    page.click("button:has-text('Toevoegen')")
    page.wait_for_selector("text=Welkom staat nu onderaan de lijst.")
    assert _items(site) == ["een", "twee", "drie", "tag:geld", "welkom"]
    assert _titles(page)[-1] == "Welkom"
    assert page.locator("#toevoegen option").all_inner_texts() == ["Alleen vanochtend"]

    page.click("button:has-text('Verwijderen: Vragen over geld?')")
    page.wait_for_selector("text=Vragen over geld? is uit de lijst gehaald.")
    assert _items(site) == ["een", "drie", "tag:geld", "welkom"]
    assert "Vragen over geld?" in page.locator("#toevoegen option").all_inner_texts(), "and it can be added again"
    page.click("button:has-text('Verwijderen: alle dia')")
    page.wait_for_selector("text=alle dia's met het label geld is uit de lijst gehaald.")
    assert _items(site) == ["een", "drie", "welkom"]
    assert f"  {HAND_COMMENT}\n  - slide: drie\n" in (site / HALL).read_text(encoding="utf-8")


def test_a_playlist_changed_on_disk_meanwhile_is_never_overwritten(studio, context):  # noqa: F811
    site, server = studio
    _hall(site)
    page = context.new_page()
    _open_hall(page, server)
    by_colleague = HALL_BY_HAND.replace("  - tag: geld\n", "  - tag: geld\n  - slide: welkom\n")
    (site / HALL).write_text(by_colleague, encoding="utf-8")

    page.click("button:has-text('Omlaag: Iets veranderd?')")
    alert = page.wait_for_selector("[role=alert]")
    assert "intussen door iemand anders veranderd" in alert.inner_text()
    assert (site / HALL).read_text(encoding="utf-8") == by_colleague
    assert _titles(page)[-1] == "Welkom", "the page shows the file as it is now"

    # From the page as it is now, while the colleague goes on: adding is refused too.
    again = by_colleague + "  - slide: tijdelijk\n"
    (site / HALL).write_text(again, encoding="utf-8")
    page.select_option("#toevoegen", label="Alleen vanochtend")
    page.click("button:has-text('Toevoegen')")
    page.wait_for_selector("[role=alert] >> text=intussen door iemand anders veranderd")
    assert (site / HALL).read_text(encoding="utf-8") == again
    assert page.locator("#toevoegen option").all_inner_texts() == [], "nothing left to add: the select is gone"


def test_the_list_shows_each_playlist_with_its_screens_and_a_loop_too_long_for_the_wait(studio):  # noqa: F811
    site, server = studio
    slides = site / "slides/dia.yaml"
    slides.write_text(slides.read_text(encoding="utf-8").replace("duration: 9\n", "duration: 590\n"), encoding="utf-8")
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=60)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303
    html = client.get("/studio/afspeellijsten").text
    cards = html.split('<li class="card playlist')[1:]
    assert len(cards) == 2
    hall, = [card for card in cards if ">Hal</a>" in card]
    desk, = [card for card in cards if ">Balie</a>" in card]
    assert "3 dia&#39;s" in hall and "op scherm Hal" in hall
    assert "Te lang." in hall and "Een ronde duurt 10 min 2 s; de meeste mensen wachten 10 min." in hall
    assert "Te lang." not in desk and "1 dia ·" in desk and "op scherm Balie" in desk
    assert client.get("/studio/afspeellijsten/niet-er").status_code == 404
    assert client.post("/studio/afspeellijsten/hal", data={"volgorde": ["1", "0", "2"], "version": "x"},
                       headers={"Origin": "http://evil.test"}).status_code == 403


def test_the_playlists_pages_pass_axe(studio, chromium):  # noqa: F811
    from .test_accessibility import AXE, assert_none, violations_at_each_width

    site, server = studio
    _hall(site)
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=60)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303

    def overview(page):
        assert page.goto(server.base + "/studio/afspeellijsten").status == 200
        assert page.locator("ul.playlists > li").count() == 2

    def one_after_a_move(page):
        assert page.goto(server.base + "/studio/afspeellijsten/hal").status == 200
        page.click("button:has-text('Omlaag: Iets veranderd?')")
        page.wait_for_selector("[role=status]")

    def refused(page):
        assert page.goto(server.base + "/studio/afspeellijsten/balie").status == 200
        (site / "playlists/balie.yaml").write_text((site / "playlists/balie.yaml").read_text(encoding="utf-8") + "# erbij\n",
                                                   encoding="utf-8")
        page.click("button:has-text('Toevoegen')")
        page.wait_for_selector("[role=alert]")

    assert_none([line for visit in (overview, one_after_a_move, refused)
                 for line in violations_at_each_width(chromium, AXE, server.base, client.cookies, visit)])
