"""The schedule core: what is live when, checked through live_items and through the manifest intervals."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from narrowcast.content.load import load_site
from narrowcast.schedule.plan import live_items, next_change_after, plan_screen
from narrowcast.state.files import Notice

from .conftest import MINIMAL_SITE, write_files

AMS = ZoneInfo("Europe/Amsterdam")
UTC = timezone.utc


def site_with(tmp_path: Path, slides: str, playlist_items: str = "  - tag: t\n", extra: dict | None = None):
    root = write_files(tmp_path / "inhoud", {
        "narrowcast.yaml": MINIMAL_SITE,
        "slides/s.yaml": slides,
        "playlists/werkplein.yaml": f"id: werkplein\nname: Werkplein\nfallback: welkom\nitems:\n{playlist_items}",
        "slides/welkom.yaml": "id: welkom\ntitle: Welkom\n",
        **(extra or {}),
    })
    site, findings = load_site(root)
    assert site is not None, "\n".join(map(str, findings))
    return site


def live(site, at: datetime) -> list[str]:
    return [e.item_id for e in live_items(site, site.config.screens[0], at)]


def intervals(site, item_id: str, now: datetime) -> list[tuple[datetime, datetime]]:
    plan = plan_screen(site, site.config.screens[0], now)
    return next(spans for entry, spans in plan.entries if entry.item_id == item_id)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=AMS)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_weekday_mornings(tmp_path):
    site = site_with(tmp_path, "id: ochtend\ntitle: Goedemorgen\ntags: [t]\ndays: werkdagen\nhours: '8:30-12:00'\n")
    assert live(site, at("2026-11-23 08:29")) == ["welkom"]  # Monday, before opening: the fallback
    assert live(site, at("2026-11-23 08:30")) == ["ochtend"]
    assert live(site, at("2026-11-23 11:59")) == ["ochtend"]
    assert live(site, at("2026-11-23 12:00")) == ["welkom"]
    assert live(site, at("2026-11-28 10:00")) == ["welkom"]  # Saturday
    spans = intervals(site, "ochtend", at("2026-11-27 10:00"))  # Friday: window runs into the weekend
    assert spans == [(utc("2026-11-27 07:30"), utc("2026-11-27 11:00"))]


def test_overnight_window_wraps_past_midnight(tmp_path):
    site = site_with(tmp_path, "id: nacht\ntitle: Nacht\ntags: [t]\ndays: [vr]\nhours: '22:00-6:00'\n")
    assert live(site, at("2026-11-27 21:59")) == ["welkom"]
    assert live(site, at("2026-11-27 23:30")) == ["nacht"]
    assert live(site, at("2026-11-28 05:59")) == ["nacht"], "the window belongs to the day it starts"
    assert live(site, at("2026-11-28 06:00")) == ["welkom"]
    assert live(site, at("2026-11-28 23:00")) == ["welkom"], "Saturday evening is not a Friday window"
    assert intervals(site, "nacht", at("2026-11-27 12:00")) == [(utc("2026-11-27 21:00"), utc("2026-11-28 05:00"))]


def test_midnight_and_date_only_end_includes_the_day(tmp_path):
    site = site_with(tmp_path, "id: dag\ntitle: Dag\ntags: [t]\nvalid_from: 2026-12-01\nvalid_until: 2026-12-01\n")
    assert live(site, at("2026-11-30 23:59:59")) == ["welkom"]
    assert live(site, at("2026-12-01 00:00")) == ["dag"]
    assert live(site, at("2026-12-01 23:59:59")) == ["dag"]
    assert live(site, at("2026-12-02 00:00")) == ["welkom"]
    assert intervals(site, "dag", at("2026-12-01 12:00")) == [(utc("2026-11-30 23:00"), utc("2026-12-01 23:00"))]


def test_leap_day(tmp_path):
    site = site_with(tmp_path, "id: schrikkel\ntitle: Schrikkeldag\ntags: [t]\nvalid_from: 2028-02-29\n"
                               "valid_until: 2028-02-29\nhours: '9:00-10:00'\n")
    assert live(site, at("2028-02-29 09:30")) == ["schrikkel"]
    assert live(site, at("2028-03-01 09:30")) == ["welkom"]
    assert intervals(site, "schrikkel", at("2028-02-28 12:00")) == [(utc("2028-02-29 08:00"), utc("2028-02-29 09:00"))]


@pytest.mark.parametrize("day,offset_before,offset_after", [
    ("2026-03-29", 1, 2),  # last Sunday of March: 02:00 CET becomes 03:00 CEST
    ("2026-10-25", 2, 1),  # last Sunday of October: 03:00 CEST becomes 02:00 CET
])
def test_daylight_saving_switches(tmp_path, day, offset_before, offset_after):
    site = site_with(tmp_path, "id: vroeg\ntitle: Vroeg\ntags: [t]\nhours: '1:00-4:00'\n---\n"
                               "id: ochtend\ntitle: Ochtend\ntags: [t]\nhours: '8:00-9:00'\n")
    spans = intervals(site, "vroeg", at(f"{day} 00:30"))
    first = spans[0]
    # 01:00 local lies before the switch, 04:00 after it: the window is 2 or 4 real hours long.
    assert first[0] == utc(f"{day} 01:00") - timedelta(hours=offset_before)
    assert first[1] == utc(f"{day} 04:00") - timedelta(hours=offset_after)
    assert (first[1] - first[0]) == timedelta(hours=3 - (offset_after - offset_before))
    morning = intervals(site, "ochtend", at(f"{day} 00:30"))[0]
    assert morning == (utc(f"{day} 08:00") - timedelta(hours=offset_after), utc(f"{day} 09:00") - timedelta(hours=offset_after))
    assert live(site, at(f"{day} 08:30")) == ["ochtend"]
    assert live(site, at(f"{day} 03:30")) == ["vroeg"]


def test_priority_pushes_lower_items_aside(tmp_path):
    site = site_with(tmp_path, "id: gewoon\ntitle: Gewoon\ntags: [t]\n---\n"
                               "id: belangrijk\ntitle: Belangrijk\ntags: [t]\npriority: 5\nhours: '10:00-11:00'\n")
    assert live(site, at("2026-11-23 09:59")) == ["gewoon"]
    assert live(site, at("2026-11-23 10:30")) == ["belangrijk"]
    spans = intervals(site, "gewoon", at("2026-11-23 09:00"))
    assert (utc("2026-11-23 09:00"), utc("2026-11-23 10:00")) not in spans
    assert spans[0][1] == utc("2026-11-23 09:00") and spans[1][0] == utc("2026-11-23 10:00")


def test_interrupt_takes_over_even_higher_priority(tmp_path):
    site = site_with(tmp_path, "id: gewoon\ntitle: Gewoon\ntags: [t]\npriority: 50\n---\n"
                               "id: storing\ntitle: Storing\ntags: [t]\ninterrupt: ja\n"
                               "valid_from: 2026-11-23 14:00\nvalid_until: 2026-11-23 15:00\n")
    assert live(site, at("2026-11-23 14:30")) == ["storing"]
    assert live(site, at("2026-11-23 15:00")) == ["gewoon"]
    assert intervals(site, "storing", at("2026-11-23 09:00")) == [(utc("2026-11-23 13:00"), utc("2026-11-23 14:00"))]


def test_playlist_item_timing_narrows_the_slide(tmp_path):
    site = site_with(tmp_path, "id: a\ntitle: A\ntags: [t]\ndays: werkdagen\n",
                     "  - slide: a\n    hours: '13:00-14:00'\n    duration: 20\n")
    assert live(site, at("2026-11-23 13:30")) == ["a"]
    assert live(site, at("2026-11-23 12:30")) == ["welkom"]
    assert live_items(site, site.config.screens[0], at("2026-11-23 13:30"))[0].duration == 20


def test_fallback_when_nothing_is_live_and_never_blank(tmp_path):
    site = site_with(tmp_path, "id: oud\ntitle: Oud\ntags: [t]\nvalid_until: 2020-01-01\n")
    assert live(site, at("2026-11-23 10:00")) == ["welkom"]
    plan = plan_screen(site, site.config.screens[0], at("2026-11-23 10:00"))
    assert plan.entries == [], "nothing in the playlist is live in the whole window"
    assert plan.fallback.item_id == "welkom"


def test_next_change_after(tmp_path):
    site = site_with(tmp_path, "id: ochtend\ntitle: Ochtend\ntags: [t]\ndays: werkdagen\nhours: '8:30-12:00'\n")
    screen = site.config.screens[0]
    assert next_change_after(site, screen, at("2026-11-27 13:00")) == at("2026-11-30 08:30")  # Friday -> Monday
    assert next_change_after(site, screen, at("2026-11-30 08:30")) == at("2026-11-30 12:00")


LAW = """\
id: nieuwe-regels
name: Nieuwe regels
effective: 2027-01-01
announce_from: 2026-12-01
retire_after: 2027-01-31
countdown: ja
before: {title: Nieuwe regels, text: Vanaf 1 januari 2027 gelden nieuwe regels., highlight: 1 januari 2027}
after: {title: Nieuwe regels, text: Sinds 1 januari 2027 gelden nieuwe regels., highlight: 1 januari 2027}
supersedes: [oude-regels]
tags: [t]
"""


def test_law_change_announces_switches_and_retires(tmp_path):
    site = site_with(tmp_path, "id: oude-regels\ntitle: De regels van nu\ntags: [t]\n", extra={"laws/nieuw.yaml": LAW})
    screen = site.config.screens[0]

    def shown(moment):
        return [(e.item_id, e.countdown) for e in live_items(site, screen, moment)]

    assert shown(at("2026-11-30 12:00")) == [("oude-regels", None)]
    assert shown(at("2026-12-20 12:00")) == [("oude-regels", None), ("nieuwe-regels-voor@20261220", "Nog 12 dagen")]
    assert shown(at("2026-12-31 23:59")) == [("oude-regels", None), ("nieuwe-regels-voor@20261231", "Nog 1 dag")]
    assert shown(at("2027-01-01 00:00")) == [("nieuwe-regels-na", None)]
    assert shown(at("2027-01-31 23:59")) == [("nieuwe-regels-na", None)]
    assert shown(at("2027-02-01 00:00")) == [("welkom", None)]
    # the same through the manifest intervals: the old slide ends exactly at the effective moment
    assert intervals(site, "oude-regels", at("2026-12-31 12:00"))[-1][1] == utc("2026-12-31 23:00")
    assert intervals(site, "nieuwe-regels-na", at("2026-12-31 12:00"))[0][0] == utc("2026-12-31 23:00")


def test_moving_a_laws_date_moves_everything_tied_to_it(tmp_path):
    site = site_with(tmp_path, "id: oude-regels\ntitle: De regels van nu\ntags: [t]\n",
                     extra={"laws/nieuw.yaml": LAW.replace("effective: 2027-01-01", "effective: 2027-02-01").replace("2027-01-31", "2027-02-28")})
    screen = site.config.screens[0]
    ids = [e.item_id for e in live_items(site, screen, at("2027-01-15 12:00"))]
    assert ids == ["oude-regels", "nieuwe-regels-voor@20270115"]
    assert live_items(site, screen, at("2027-01-15 12:00"))[1].countdown == "Nog 17 dagen"


def test_urgent_notice_interrupts_targeted_screens_until_it_ends(tmp_path):
    site = site_with(tmp_path, "id: a\ntitle: A\ntags: [t]\n")
    notice = Notice(id="melding-1", text="Het Werkplein is vanmiddag gesloten.", start=at("2026-11-23 10:00"),
                    until=at("2026-11-24 00:00"), screens=("hal",))
    screen = site.config.screens[0]
    assert [e.item_id for e in live_items(site, screen, at("2026-11-23 12:00"), [notice])] == ["melding-1"]
    assert [e.item_id for e in live_items(site, screen, at("2026-11-24 00:00"), [notice])] == ["a"]
    other = Notice(**{**notice.__dict__, "screens": ("elders",)})
    assert [e.item_id for e in live_items(site, screen, at("2026-11-23 12:00"), [other])] == ["a"]


def test_translations_play_as_items_in_their_language(tmp_path):
    site = site_with(tmp_path, "id: a\ntitle: Welkom\ntags: [t]\ntranslations:\n  en: {title: Welcome}\n  ar: {title: أهلا}\n")
    entries = live_items(site, site.config.screens[0], at("2026-11-23 12:00"))
    assert [(e.item_id, e.lang) for e in entries] == [("a", "nl"), ("a.en", "en"), ("a.ar", "ar")]
