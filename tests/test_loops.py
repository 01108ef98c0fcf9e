"""Languages per screen and the loop: decided by the schedule core, carried by the manifest, short enough to see."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from narrowcast.schedule.looplength import loop_findings
from narrowcast.commands.cli import cli
from narrowcast.content.ids import ItemId
from narrowcast.content.load import load_site
from narrowcast.publish.manifest import Fallback, Item, Manifest
from narrowcast.schedule.loop import loop_figures
from narrowcast.schedule.plan import live_items, plan_screen

from .conftest import write_files

AMS = ZoneInfo("Europe/Amsterdam")
WEEKDAY_10 = datetime(2026, 12, 2, 10, 0, tzinfo=AMS)  # a Wednesday, inside the law's countdown
AFTER_LAW_10 = datetime(2027, 1, 13, 10, 0, tzinfo=AMS)  # a Wednesday after the law's date

SITE = """\
site: Testlocatie
screens:
  - id: hal
    name: Hal
    resolution: 1920x1080
    diagonal: 55
    distance: 4
    playlist: hal
  - id: lift
    name: Lift
    resolution: 1080x1920
    diagonal: 43
    distance: 2
    playlist: hal
    languages: [nl, ar]
    language_mode: side-by-side
"""
SLIDES = """\
id: een
title: Welkom in de hal
duration: 10
translations:
  en: {title: Welcome to the hall}
  ar: {title: مرحبا بكم في القاعة}
  tr: {title: Salona hoş geldiniz}
---
id: twee
title: Vragen? Kom naar de balie.
duration: 10
translations:
  en: {title: Questions? Come to the desk.}
  tr: {title: Sorular? Danışmaya gelin.}
---
id: drie
title: Let op uw nummer
duration: 10
"""


def site_with(tmp_path: Path, playlist_extra: str = "", items: str = "  - slide: een\n  - slide: twee\n  - slide: drie\n"):
    root = write_files(tmp_path / "inhoud", {
        "narrowcast.yaml": SITE, "slides/dia.yaml": SLIDES,
        "playlists/hal.yaml": f"id: hal\nname: Hal\n{playlist_extra}items:\n{items}"})
    site, findings = load_site(root)
    assert site is not None and not [f for f in findings if f.is_error], findings
    return site


def loops_of(site, screen="hal", at=WEEKDAY_10):
    return plan_screen(site, site.screens[screen], at).loops


# --- modes ---------------------------------------------------------------------------------------------

def test_sequential_is_one_loop_with_every_translation_after_its_slide(tmp_path):
    site = site_with(tmp_path)
    assert loops_of(site) == [["een", "een.en", "een.ar", "een.tr", "twee", "twee.en", "twee.tr", "drie"]]


def test_rotate_shows_dutch_and_one_language_per_loop_so_each_comes_round_over_n_loops(tmp_path):
    site = site_with(tmp_path, "language_mode: rotate\n")
    loops = loops_of(site)
    assert loops == [["een", "een.en", "twee", "twee.en", "drie"],
                     ["een", "een.ar", "twee", "drie"],
                     ["een", "een.tr", "twee", "twee.tr", "drie"]]
    shown = [ItemId.parse(i).lang for loop in loops for i in loop if ItemId.parse(i).lang]
    assert sorted(shown) == ["ar", "en", "en", "tr", "tr"], "every translation once over the N loops"
    for loop in loops:
        assert [i for i in loop if "." not in i] == ["een", "twee", "drie"], "every Dutch item in every loop"
    figures = loop_figures(plan_screen(site, site.screens["hal"], WEEKDAY_10), WEEKDAY_10)
    assert figures.loops == 3 and figures.loop_seconds == 50  # the longest loop: three Dutch + two English
    assert figures.plays_per_hour["een"] == pytest.approx(3 * 3600 / 140, abs=0.1)
    assert figures.plays_per_hour["een.ar"] == pytest.approx(3600 / 140, abs=0.1)


def test_the_screen_languages_and_order_win_over_the_playlist(tmp_path):
    site = site_with(tmp_path, "language_mode: rotate\nlanguages: [nl, tr, en]\n")
    assert [loop[1] for loop in loops_of(site)] == ["een.tr", "een.en"], "the playlist's order, no Arabic"
    lift = loops_of(site, "lift")  # the screen says [nl, ar] side by side
    assert lift == [["een+ar", "twee", "drie"]], "side by side in Arabic; a slide without Arabic stays Dutch only"
    entry = next(e for e in live_items(site, site.screens["lift"], WEEKDAY_10) if e.item_id == "een+ar")
    assert (entry.lang, entry.also) == ("nl", "ar")


def test_side_by_side_takes_the_loop_language_or_the_next_one_the_slide_has(tmp_path):
    site = site_with(tmp_path, "language_mode: side-by-side\n")
    assert loops_of(site) == [["een+en", "twee+en", "drie"], ["een+ar", "twee+tr", "drie"], ["een+tr", "twee+tr", "drie"]]
    ids = [e.item_id for e in live_items(site, site.screens["hal"], WEEKDAY_10)]
    assert "een" not in ids and "een.ar" not in ids, "side by side, a translated slide has no Dutch-only item"


def test_a_half_translation_is_not_shown_in_any_mode(tmp_path):
    slides = SLIDES.replace("title: Let op uw nummer\n", "title: Let op uw nummer\ntext: Het staat op het scherm.\n"
                            "translations:\n  fr: {title: Attention}\n")
    root = write_files(tmp_path / "half", {"narrowcast.yaml": SITE, "slides/dia.yaml": slides,
                                            "playlists/hal.yaml": "id: hal\nname: Hal\nitems:\n  - slide: drie\n"})
    site, _ = load_site(root)
    assert loops_of(site) == [["drie"]]


# --- coming round more often ----------------------------------------------------------------------------

def test_every_repeats_a_slide_within_the_loop_spread_evenly(tmp_path):
    items = "".join(f"  - slide: s{i}\n" for i in range(10)) + "  - slide: vaak\n    every: 30s\n"
    slides = "---\n".join(f"id: s{i}\ntitle: Dia nummer {i}\nduration: 10\n" for i in range(10))
    slides += "---\nid: vaak\ntitle: Let op uw nummer\nduration: 10\n"
    root = write_files(tmp_path / "vaak", {"narrowcast.yaml": SITE, "slides/dia.yaml": slides,
                                            "playlists/hal.yaml": f"id: hal\nname: Hal\nitems:\n{items}"})
    site, findings = load_site(root)
    (loop,) = loops_of(site)
    places = [i for i, ident in enumerate(loop) if ident == "vaak"]
    # 110 s asks for 4 turns; those make the loop 140 s, which asks for 5; 5 make it 150 s: 30 s apart.
    assert len(places) == 5, loop
    gaps = [(b - a) * 10 for a, b in zip(places, places[1:] + [places[0] + len(loop)])]
    assert gaps == [30] * 5, (loop, gaps)
    assert [i for i in loop if i != "vaak"] == [f"s{i}" for i in range(10)], "the rest keeps its order"
    assert loop_findings(site, WEEKDAY_10) == []


def test_every_that_cannot_be_met_is_a_warning_at_its_line(tmp_path):
    items = "".join(f"  - slide: s{i}\n" for i in range(30)) + "  - slide: vaak\n    every: 30s\n"
    slides = "---\n".join(f"id: s{i}\ntitle: Dia nummer {i}\nduration: 20\n" for i in range(30))
    slides += "---\nid: vaak\ntitle: Let op uw nummer\nduration: 10\n"
    root = write_files(tmp_path / "te-vaak", {"narrowcast.yaml": SITE, "slides/dia.yaml": slides,
                                               "playlists/hal.yaml": f"id: hal\nname: Hal\nitems:\n{items}"})
    site, _ = load_site(root)
    found = {f.code: f for f in loop_findings(site, WEEKDAY_10)}
    assert found["every-not-met"].file == "playlists/hal.yaml" and found["every-not-met"].line == 35
    assert "niet elke 0:30 min" in found["every-not-met"].message
    assert found["loop-too-long"].file == "narrowcast.yaml" and "wait_minutes" in found["loop-too-long"].message


@pytest.mark.parametrize("text, message", [("5", None), ("90s", None), ("2 minuten", None), ("10s", "tussen 30 seconden"),
                                           ("vaak", "geen tijdsduur")])
def test_every_is_read_as_people_write_it(tmp_path, text, message):
    root = write_files(tmp_path / "e", {"narrowcast.yaml": SITE, "slides/dia.yaml": f"id: een\ntitle: Hallo\nevery: {text}\n",
                                         "playlists/hal.yaml": "id: hal\nname: Hal\nitems:\n  - slide: een\n"})
    site, findings = load_site(root)
    errors = [f for f in findings if f.is_error]
    if message is None:
        assert not errors and site.slides["een"].every in (300, 90, 120)
    else:
        assert errors and message in errors[0].message and errors[0].line == 3, errors


# --- the example content --------------------------------------------------------------------------------

@pytest.mark.parametrize("at", [WEEKDAY_10, AFTER_LAW_10], ids=["countdown", "after-law"])
def test_every_example_screen_loops_within_the_wait_and_shows_every_dutch_item_each_loop(example, at):
    site, _ = load_site(example)
    for screen in site.config.screens:
        plan = plan_screen(site, screen, at)
        figures = loop_figures(plan, at)
        assert figures.loop_seconds <= 600, (screen.id, figures.loop_seconds)
        live = {e.item_id for e in live_items(site, screen, at)}
        dutch = {i for i in live if ItemId.parse(i).lang is None}
        for loop in plan.loops:
            shown = {ItemId.parse(i).slide for i in loop if i in live}
            assert {ItemId.parse(i).slide for i in dutch} <= shown, (screen.id, dutch - shown)
    assert [f for f in loop_findings(site, at) if f.code == "loop-too-long"] == []


def test_the_example_played_one_language_after_another_would_be_too_long(example):
    playlist = example / "playlists/werkplein.yaml"
    playlist.write_text(playlist.read_text(encoding="utf-8").replace("language_mode: rotate\n", ""), encoding="utf-8")
    site, _ = load_site(example)
    long = [f for f in loop_findings(site, WEEKDAY_10) if f.code == "loop-too-long"]
    # the hall and the waiting room; the lift shows its languages side by side, by its own setting
    lines = (example / "narrowcast.yaml").read_text(encoding="utf-8").splitlines()
    werkplein = [n for n, line in enumerate(lines, 1) if line.strip() == "playlist: werkplein"]
    assert [f.line for f in long] == werkplein[:2] and "language_mode: rotate" in long[0].message, long


# --- the manifest and the schedule command -----------------------------------------------------------------

def _item(ident: str) -> Item:
    return Item(id=ident, title="T", lang="nl", image="../../media/" + "a" * 24 + ".png", html="../../media/" + "a" * 24 + ".html",
                duration=10, priority=0, interrupt=False)


def test_the_manifest_refuses_loops_that_name_unknown_items_or_leave_items_out():
    fallback = Fallback(id="welkom", image="../../media/" + "b" * 24 + ".png", html="../../media/" + "b" * 24 + ".html", duration=10)
    common = dict(screen="hal", server_time="2026-12-02T09:00:00Z", horizon="2026-12-04T23:00:00Z", poll_seconds=30,
                  items=(_item("een"), _item("twee")), fallback=fallback)
    good = Manifest(**common, loops=(("een", "twee", "een"),))
    assert Manifest.from_json(good.to_json()) == good
    assert json.loads(good.to_json())["loops"] == [["een", "twee", "een"]]
    assert good.version() != Manifest(**common, loops=(("twee", "een"),)).version(), "the order is content"
    for loops in ((("een", "drie", "twee"),), (("een",),), ((),)):
        raw = json.loads(good.to_json())
        raw["loops"] = [list(loop) for loop in loops]
        with pytest.raises(ValueError):
            Manifest.from_json(json.dumps(raw))


def test_schedule_json_reports_the_loop_and_plays_per_hour(example):
    result = CliRunner().invoke(cli, ["--dir", str(example), "schedule", "--at", "2026-12-02 10:00", "--format", "json"])
    assert result.exit_code == 0, result.output
    hal = json.loads(result.output)["screens"]["werkplein-hal"]
    assert hal["language_mode"] == "rotate" and hal["loops"] == 5 and 300 < hal["loop_seconds"] <= 600
    per_hour = {row["id"]: row["plays_per_hour"] for row in hal["items"]}
    assert per_hour["wijzigingen-doorgeven"] >= 12, "every: 5m makes it come round at least 12 times an hour"
    assert per_hour["welkom"] < per_hour["wijzigingen-doorgeven"]
    assert 0 < per_hour["welkom.ar"] < per_hour["welkom"]


def test_schedule_week_shows_titles_per_group_of_screens_without_countdown_midnights(example):
    result = CliRunner().invoke(cli, ["--dir", str(example), "schedule", "--at", "2026-12-02 10:00", "--week"],
                                env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "werkplein-hal, werkplein-wachtruimte, werkplein-lift: wijzigingen" in result.output
    assert result.output.count("wijzigingen vanaf") == 2, "five screens, two groups"
    assert "Goedemorgen" in result.output and "goedemorgen" not in result.output, "titles, not ids"
    assert "00:00" not in result.output, "a countdown's new number is no change"


# --- from the hostile review ------------------------------------------------------------------------------

def _folder(tmp_path: Path, slides: str, items: str, site: str = SITE):
    root = write_files(tmp_path / "r", {"narrowcast.yaml": site, "slides/dia.yaml": slides,
                                         "playlists/hal.yaml": f"id: hal\nname: Hal\nitems:\n{items}"})
    site, findings = load_site(root)
    assert site is not None, findings
    return site


def test_copies_never_pile_up_behind_a_long_slide_and_check_measures_the_longest_gap(tmp_path):
    site = _folder(tmp_path, "id: kort\ntitle: Welkom\nduration: 10\n---\nid: lang\ntitle: Onze folder\nduration: 300\n",
                   "  - slide: kort\n    every: 2m\n  - slide: lang\n")
    (loop,) = loops_of(site)
    assert loop == ["kort", "lang"], "no place for a copy that is not next to itself"
    found = [f for f in loop_findings(site, WEEKDAY_10) if f.code == "every-not-met"]
    assert len(found) == 1 and "soms pas na 5:10 min terug" in found[0].message, found


def test_a_slide_that_plays_only_in_the_afternoon_is_counted_against_the_afternoon_loop(tmp_path):
    slides = "---\n".join(f"id: s{i}\ntitle: Dia nummer {i}\nduration: 20\n" for i in range(12))
    slides += "---\nid: vaak\ntitle: Let op uw nummer\nduration: 10\nhours: '13:00-17:00'\nevery: 2m\n"
    site = _folder(tmp_path, slides, "".join(f"  - slide: s{i}\n" for i in range(12)) + "  - slide: vaak\n")
    (loop,) = loops_of(site, at=datetime(2026, 12, 2, 8, 0, tzinfo=AMS))  # built in the morning, for the whole day
    assert loop.count("vaak") >= 3, loop
    assert [f for f in loop_findings(site, datetime(2026, 12, 2, 8, 0, tzinfo=AMS)) if f.code == "every-not-met"] == []


def test_a_translation_in_the_folders_own_language_is_no_rotation_language(tmp_path):
    slides = SLIDES.replace("translations:\n  en: {title: Welcome to the hall}\n",
                            "translations:\n  nl: {title: Welkom}\n  en: {title: Welcome to the hall}\n", 1)
    root = write_files(tmp_path / "nl", {"narrowcast.yaml": SITE, "slides/dia.yaml": slides,
                                          "playlists/hal.yaml": "id: hal\nname: Hal\nlanguage_mode: rotate\nitems:\n"
                                                                "  - slide: een\n  - slide: twee\n"})
    site, _ = load_site(root)
    loops = loops_of(site)
    assert len(loops) == 3 and all(loop[0] == "een" for loop in loops), loops
    from narrowcast.schedule.looplength import screen_language_findings
    found = {f.code: f for f in screen_language_findings(site)}
    assert found["translation-own-language"].line == 5, found


def test_an_empty_language_list_shows_dutch_only_and_unused_or_double_languages_are_warned(tmp_path):
    site = site_with(tmp_path, "languages: []\n")
    assert loops_of(site) == [["een", "twee", "drie"]]
    from narrowcast.schedule.looplength import screen_language_findings
    odd = site_with(tmp_path / "b", "languages: [nl, fr, en, en]\n")
    assert sorted(f.code for f in screen_language_findings(odd)) == ["language-twice", "language-unused"]
