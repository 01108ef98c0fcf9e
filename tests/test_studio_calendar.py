"""The studio's calendar (/studio/kalender): what plays when in the coming week, per group of screens.

First the page's data without a browser (`week_calendar` over a small folder: hours, days, a law
with a countdown, urgent notices), then the page as staff meet it in a real Chromium: the live
content and the working copy, a law's moment and an urgent notice on their day, another week, axe.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from narrowcast.content.load import load_site
from narrowcast.serve.studio.calendar import week_calendar
from narrowcast.state.files import Notice
from narrowcast.state.records import Records

from .conftest import REPO, copy_example, write_files
from .serving import NarrowcastServer, free_port
from .test_build import browser
from .test_player import player_build, servers  # noqa: F401  (fixtures)
from .test_publishing_live import _cli_ok
from .test_studio import PASSWORD, _log_in, studio  # noqa: F401  (fixture)

AMS = ZoneInfo("Europe/Amsterdam")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)

SITE = """\
site: Testlocatie
screens:
  - id: hal
    name: Hal
    resolution: 1920x1080
    diagonal: 55
    distance: 4
    playlist: werkplein
  - id: balie
    name: Balie
    resolution: 1920x1080
    diagonal: 55
    distance: 4
    playlist: werkplein
"""
SLIDES = """\
id: spreekuur
title: Spreekuur
text: Loop binnen zonder afspraak.
days: ma, wo
hours: '9:00-12:00'
duration: 20
---
id: altijd
title: Vragen over geld?
text: Wij helpen.
duration: 10
---
id: tijdelijk
title: Nieuwe folder
text: Pak er een bij de balie.
valid_until: 2026-11-24
duration: 15
---
id: later
title: Nieuw spreekuur
text: Vanaf woensdag ook 's middags.
valid_from: 2026-11-25 14:00
duration: 10
---
id: welkom
title: Welkom
"""
LAW = """\
id: regels
name: Wet op de regels
effective: 2026-11-26
announce_from: 2026-11-01
retire_after: 2026-11-28
countdown: true
before:
  title: Nieuwe regels
  text: Vanaf {datum} gelden nieuwe regels.
after:
  title: Nieuwe regels
  text: Sinds {datum} gelden nieuwe regels.
tags: [wetten]
"""
ELSEWHERE = """\
id: elders
name: Wet van een ander loket
effective: 2026-11-25
after:
  title: Ander loket
  text: Dit loket heeft nieuwe regels.
"""
PLAYLIST = ("id: werkplein\nname: Werkplein\nfallback: welkom\nitems:\n"
            "  - slide: spreekuur\n  - slide: altijd\n  - slide: tijdelijk\n  - slide: later\n  - tag: wetten\n")


@pytest.fixture
def small_site(tmp_path: Path):
    root = write_files(tmp_path / "inhoud", {"narrowcast.yaml": SITE, "slides/dia.yaml": SLIDES,
                                             "laws/regels.yaml": LAW, "laws/elders.yaml": ELSEWHERE,
                                             "playlists/werkplein.yaml": PLAYLIST})
    site, findings = load_site(root)
    assert site is not None, "\n".join(map(str, findings))
    return site


def _day(group, day: date):
    return next(d for d in group.days if d.day == day)


def _hours(group, day: date) -> dict[str, tuple[str, ...]]:
    return {row.slide: row.hours for row in _day(group, day).slides}


def _moments(group, day: date) -> list[tuple[str, str, str]]:
    return [(h.clock, h.kind, h.text) for h in _day(group, day).happenings]


def test_each_day_shows_the_slides_that_start_or_stop_with_their_hours(small_site):
    calendar = week_calendar(small_site, list(small_site.screens.values()), [], MONDAY)
    [group] = calendar.groups  # two screens on one playlist, no notice: they play the same
    assert [s.id for s in group.screens] == ["hal", "balie"] and group.names == "Hal en Balie"
    assert [d.day for d in group.days] == [date(2026, 11, d) for d in range(23, 30)]
    assert [d.name for d in group.days[:2]] == ["maandag 23 november", "dinsdag 24 november"]
    assert group.days[0].today and not group.days[1].today

    assert _hours(group, date(2026, 11, 23)) == {"spreekuur": ("tot 12:00",)}  # the week starts at 10:00
    assert _hours(group, date(2026, 11, 24)) == {"tijdelijk": ("tot 24:00",)}  # valid_until a date: all that day
    assert _hours(group, date(2026, 11, 25)) == {"spreekuur": ("09:00–12:00",), "later": ("vanaf 14:00",),
                                                 "regels-voor": ("tot 24:00",)}
    assert "spreekuur" not in _hours(group, date(2026, 11, 26)), "not on a Thursday"
    assert "altijd" not in {r.slide for d in group.days for r in d.slides}, "what plays all week changes nowhere"
    assert "Vragen over geld?" in group.playing and "Spreekuur" in group.playing
    # The loop at the start: spreekuur 20 + altijd 10 + tijdelijk 15 + the law's announcement (its own reading time).
    [hal, balie] = group.screens
    assert hal.loop_seconds == balie.loop_seconds > 45 and hal.loops == 1 and not hal.too_long


def test_a_laws_moments_and_its_countdown_are_on_their_days(small_site):
    calendar = week_calendar(small_site, list(small_site.screens.values()), [], MONDAY)
    [group] = calendar.groups
    assert _moments(group, date(2026, 11, 26)) == [("00:00", "wet", "Wet op de regels")]
    assert _hours(group, date(2026, 11, 26)) == {"regels-na": ("vanaf 00:00",)}
    # retire_after a date: the law's slide plays all of that day, so its end closes Saturday
    assert _moments(group, date(2026, 11, 28)) == [("24:00", "wet-weg", "Wet op de regels")]
    assert _hours(group, date(2026, 11, 28)) == {"regels-na": ("tot 24:00",)}
    assert [d.countdowns for d in group.days[:4]] == [(("Wet op de regels", 3),), (("Wet op de regels", 2),),
                                                      (("Wet op de regels", 1),), ()]
    assert "regels-voor" not in _hours(group, date(2026, 11, 24)), "a countdown's new day is no change"
    assert all(h.text != "Wet van een ander loket" for d in group.days for h in d.happenings), \
        "a law that no playlist of these screens shows is not on their calendar"

    ahead = week_calendar(small_site, list(small_site.screens.values()), [], datetime(2026, 10, 26, 0, 0, tzinfo=AMS),
                          today=date(2026, 10, 20))
    [early] = ahead.groups
    assert _moments(early, date(2026, 11, 1)) == [("00:00", "aankondiging", "Wet op de regels")]
    assert _hours(early, date(2026, 11, 1)) == {"regels-voor": ("vanaf 00:00",)}
    assert not any(d.today for d in early.days), "a week ahead has no today"


def test_urgent_notices_run_and_end_on_their_screens(small_site):
    running = Notice("m1", "De hal is dicht.", datetime(2026, 11, 23, 9, 0, tzinfo=AMS),
                     datetime(2026, 11, 24, 17, 0, tzinfo=AMS), ("hal",))
    coming = Notice("m2", "Vandaag geen spreekuur.", datetime(2026, 11, 25, 8, 0, tzinfo=AMS),
                    datetime(2026, 11, 26, 0, 0, tzinfo=AMS))
    ended = Notice("m0", "Al voorbij.", datetime(2026, 11, 20, 9, 0, tzinfo=AMS), datetime(2026, 11, 20, 17, 0, tzinfo=AMS))
    calendar = week_calendar(small_site, list(small_site.screens.values()), [running, coming, ended], MONDAY)
    hal, balie = calendar.groups  # the notice on the hall alone sets it apart, as `schedule --week` does
    assert [s.id for s in hal.screens] == ["hal"] and [s.id for s in balie.screens] == ["balie"]
    assert [(n.text, n.until) for n in hal.notices] == [("De hal is dicht.", "di 24-11 17:00")]
    assert balie.notices == ()
    assert _moments(hal, date(2026, 11, 24)) == [("17:00", "melding-stopt", "De hal is dicht.")]
    assert _moments(balie, date(2026, 11, 24)) == []
    for group in (hal, balie):  # for every screen: starts Wednesday 08:00, ends at midnight (24:00 of Wednesday)
        assert _moments(group, date(2026, 11, 25)) == [("08:00", "melding-begint", "Vandaag geen spreekuur."),
                                                        ("24:00", "melding-stopt", "Vandaag geen spreekuur.")]
    assert all(h.text != "Al voorbij." for g in calendar.groups for d in g.days for h in d.happenings)
    # The slides' own hours stay as they are: a notice sets them aside, it does not start or stop them.
    assert _hours(hal, date(2026, 11, 23)) == {"spreekuur": ("tot 12:00",)}
    assert hal.screens[0].loop_seconds == balie.screens[0].loop_seconds, "the loop at the start is the slides' own"


# --- the page, in a real Chromium ---------------------------------------------------------------------

PAGE_LAW = """\
id: nieuwe-regels
name: Wet nieuwe regels
effective: 2026-11-26 13:00
announce_from: 2026-11-20
countdown: true
before:
  title: Nieuwe regels
  text: Vanaf {datum} gelden nieuwe regels.
tags: [wetten]
"""
HALL_NOTICE = "De hal is dicht door een storing. Ga naar de balie."


def _week_of(page, group: str, day: str) -> str:
    """The text of one day ("24 november") in one group's week."""
    return page.locator(".cal-group", has=page.locator(f"h2:text-is('{group}')")).locator(
        ".cal-day", has=page.locator(f".cal-date:has-text('{day}')")).inner_text()


@browser
def test_staff_see_a_laws_moment_and_an_urgent_notice_on_the_calendar(studio, chromium):  # noqa: F811
    from .test_accessibility import AXE, assert_none, violations_at_each_width

    site, server = studio
    write_files(site, {"laws/nieuwe-regels.yaml": PAGE_LAW})  # in the working copy only: not approved
    with open(site / "playlists/hal.yaml", "a", encoding="utf-8") as playlist:
        playlist.write("  - tag: wetten\n")
    _cli_ok(site, "urgent", HALL_NOTICE, "--screens", "hal", "--until", "2026-11-24 17:00", "--at", "2026-11-23 10:00")
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=120)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303

    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        _log_in(page, server.base, "anna")
        page.click("nav >> text=Kalender")
        page.wait_for_url(re.compile(r"/studio/kalender$"))
        assert "U ziet wat nu op de schermen staat" in page.inner_text(".cal-source")
        assert page.locator("h2:text-is('Hal')").count() == 1, "the notice on the hall sets it apart from the desk"
        assert HALL_NOTICE in page.inner_text(".cal-running")
        tuesday = _week_of(page, "Hal", "24 november")
        assert "Urgente melding stopt" in tuesday and "17:00" in tuesday and HALL_NOTICE in tuesday
        assert "Wet nieuwe regels" not in page.inner_text("main"), "what is live knows nothing of the new law"

        page.click("text=Bekijk de werkmap")
        page.wait_for_url(re.compile(r"bron=werkmap"))
        assert "U ziet de werkmap" in page.inner_text(".cal-source")
        thursday = _week_of(page, "Hal", "26 november")
        assert "Wet gaat in" in thursday and "13:00" in thursday and "Wet nieuwe regels" in thursday
        assert "Nog 3 dagen tot Wet nieuwe regels" in _week_of(page, "Hal", "23 november")
        assert "Wet nieuwe regels" not in page.inner_text(".cal-group:has(h2:text-is('Balie'))"), "not in the desk's playlist"

        page.click("text=Week erna")
        page.wait_for_url(re.compile(r"week=2026-11-30"))
        assert "30 november" in page.inner_text(".cal-day:first-child .cal-date") and "Wet gaat in" not in page.inner_text("main")
        assert "bron=werkmap" in page.url, "the next week stays with the working copy"
    finally:
        page.close()

    def working_copy(page):
        assert page.goto(server.base + "/studio/kalender?bron=werkmap").status == 200
        page.wait_for_selector(".cal-law")

    def another_week(page):
        assert page.goto(server.base + "/studio/kalender?week=2026-11-30").status == 200

    assert_none([line for visit in (working_copy, another_week)
                 for line in violations_at_each_width(chromium, AXE, server.base, client.cookies, visit)])


@browser
def test_a_week_the_page_cannot_show_is_said_and_this_week_shown(studio):  # noqa: F811
    _, server = studio
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=120)
    assert client.get("/studio/kalender").status_code == 401, "for staff only"
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303
    for asked in ("9999-12-31", "30-11-2026"):  # too far away; not written as a date is
        response = client.get("/studio/kalender", params={"week": asked})
        assert response.status_code == 200 and f"Met de datum “{asked}” kan ik niets" in response.text
    assert re.search(r'23 november</span></h3>\s*<p class="cal-from">vanaf 10:\d\d<', response.text), "this week, from now"
    assert "style-src 'self'" in response.headers["content-security-policy"]
    assert "<style" not in response.text and "style=" not in response.text and "<script" not in response.text


@browser
def test_a_screenshot_of_the_calendar_with_the_example_content(chromium, servers, tmp_path):  # noqa: F811
    """docs/studio-calendar.png: the example in the week the law takes effect, with an urgent notice on the hall."""
    root = copy_example(tmp_path / "voorbeeld")
    records = Records(root)
    records.set_user("anna", PASSWORD, datetime(2026, 12, 28, 10, 0, tzinfo=AMS), "redacteur")
    records.close()
    _cli_ok(root, "urgent", "De hal is dicht door een storing. Ga naar de balie.", "--screens", "werkplein-hal",
            "--until", "2026-12-29 17:00", "--at", "2026-12-28 09:30")
    server = servers(NarrowcastServer, root, free_port(), tmp_path / "serve.log", at="2026-12-28 10:00")
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        _log_in(page, server.base, "anna")
        assert page.goto(server.base + "/studio/kalender").status == 200
        friday = _week_of(page, "Werkplein, hal", "1 januari")
        assert "Wet gaat in" in friday and "Participatiewet in balans, fase 3" in friday
        assert "Urgente melding stopt" in _week_of(page, "Werkplein, hal", "29 december")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1280
        if os.environ.get("NARROWCAST_UPDATE_DOCS") or not (REPO / "docs/studio-calendar.png").exists():
            page.screenshot(path=str(REPO / "docs/studio-calendar.png"), full_page=True)
    finally:
        page.close()
