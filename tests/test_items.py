"""Laws become slides once, at load time, and item ids are one small value: made once, read back the same."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from narrowcast.check.content import language_findings
from narrowcast.check.legibility import Measured, legibility_findings
from narrowcast.commands.check import slide_rows
from narrowcast.content.ids import ItemId
from narrowcast.content.load import load_site
from narrowcast.schedule.plan import live_items

from .conftest import MINIMAL_PLAYLIST, MINIMAL_SITE, MINIMAL_SLIDE, write_files

AMS = ZoneInfo("Europe/Amsterdam")
LAW_FILE = "laws/wet.yaml"
LAW = """\
# Een wetswijziging met aftellen.
id: nieuwe-regels
name: Nieuwe regels
effective: 2027-01-01
announce_from: 2026-12-01
retire_after: 2027-01-31
countdown: ja
duration: 3
before:
  title: Nieuwe regels
  text: Vanaf 1 januari 2027 gelden nieuwe regels.
  translations:
    en: {title: New rules, text: New rules from 1 January 2027.}
after:
  title: Nieuwe regels gelden nu
tags: [wet]
"""
# Lines in LAW, counted from 1.
ID_LINE, DURATION_LINE, BEFORE_TITLE_LINE, AFTER_TITLE_LINE = 2, 8, 10, 15


def folder(tmp_path: Path, extra: dict[str, str] | None = None) -> Path:
    return write_files(tmp_path / "inhoud", {
        "narrowcast.yaml": MINIMAL_SITE,
        "slides/wijzigingen.yaml": MINIMAL_SLIDE,
        "playlists/werkplein.yaml": MINIMAL_PLAYLIST + "  - tag: wet\n",
        LAW_FILE: LAW,
        **(extra or {}),
    })


def loaded(tmp_path: Path, extra: dict[str, str] | None = None):
    site, findings = load_site(folder(tmp_path, extra))
    assert site is not None, "\n".join(map(str, findings))
    return site


# --- the item id -----------------------------------------------------------------------------------

slugs = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,6}){0,3}", fullmatch=True)
langs = st.from_regex(r"[a-z]{2,3}(-[A-Z]{2})?", fullmatch=True)
item_ids = st.builds(ItemId, slugs, st.none() | st.dates(), st.none() | langs)


@given(item_ids)
def test_an_item_id_reads_back_as_itself(item: ItemId):
    assert ItemId.parse(str(item)) == item
    assert str(ItemId.parse(str(item))) == str(item)


def test_an_item_id_is_written_as_the_manifest_has_it():
    assert str(ItemId("welkom")) == "welkom"
    assert str(ItemId("welkom", lang="pt-BR")) == "welkom.pt-BR"
    assert str(ItemId("wet-voor", date(2026, 12, 20), "ar")) == "wet-voor@20261220.ar"
    assert str(ItemId("oud", date(999, 1, 2))) == "oud@09990102"  # four digits, also for early years
    assert ItemId.parse("wet-voor@20261220") == ItemId("wet-voor", date(2026, 12, 20))


@pytest.mark.parametrize("text", ["", "Welkom", "welkom.", "welkom.EN", "welkom@2026122", "welkom@20261399",
                                  "-welkom", "wel--kom", "welkom.en.ar", "welkom.en@20261220",
                                  "welkom@20261220@20261221", "welkom/../x", "welkom.english"])
def test_a_text_that_is_not_an_item_id_is_refused(text: str):
    with pytest.raises(ValueError):
        ItemId.parse(text)


def test_an_item_id_cannot_be_made_from_parts_that_would_not_read_back():
    for parts in (("Welkom",), ("welkom", None, "EN"), ("welkom", datetime(2026, 12, 20))):
        with pytest.raises(ValueError):
            ItemId(*parts)


# --- laws as slides ---------------------------------------------------------------------------------

def test_a_law_is_its_phase_slides_in_the_site(tmp_path: Path):
    site = loaded(tmp_path)
    before, after = site.slides["nieuwe-regels-voor"], site.slides["nieuwe-regels-na"]
    assert site.slides["wijzigingen-doorgeven"].phase is None and set(site.laws) == {"nieuwe-regels"}
    assert (before.phase.part, after.phase.part) == ("before", "after")
    assert before.phase.law is after.phase.law is site.laws["nieuwe-regels"]
    law = site.laws["nieuwe-regels"]
    assert before.phase.span == (law.announce_from, law.effective)
    assert after.phase.span == (law.effective, law.retire_after)
    assert (before.layout, before.tags, before.duration, before.title) == ("law-change", ["wet"], 3, "Nieuwe regels")
    assert before.translations["en"].title == "New rules" and after.title == "Nieuwe regels gelden nu"


def test_a_phase_points_at_its_own_text_and_at_the_law_for_the_rest(tmp_path: Path):
    """Texts are under before:/after:; a finding about the phase's id, icon or duration lands on the law's line."""
    before = loaded(tmp_path).slides["nieuwe-regels-voor"]
    assert before.origin.line(("title",)) == BEFORE_TITLE_LINE
    assert before.origin.finding(("title",), "x").field == "before.title"
    assert before.origin.line(("id",)) == ID_LINE
    assert before.origin.finding(("duration",), "x").line == DURATION_LINE
    assert before.translations["en"].origin.line() == BEFORE_TITLE_LINE + 3


def test_a_slide_with_the_id_of_a_law_phase_is_a_duplicate_at_the_laws_id(tmp_path: Path):
    """Before, a written slide `nieuwe-regels-voor` was silently hidden behind the law's phase."""
    _, findings = load_site(folder(tmp_path, {"slides/dubbel.yaml": "id: nieuwe-regels-voor\ntitle: Dubbel\n"}))
    duplicates = [f for f in findings if f.code == "duplicate-id"]
    assert [(f.file, f.line, f.field) for f in duplicates] == [(LAW_FILE, ID_LINE, "id")], duplicates
    assert "dia-id 'nieuwe-regels-voor' bestaat al in slides/dubbel.yaml:1" in duplicates[0].message


def test_a_slide_with_the_id_of_a_law_and_two_laws_with_one_id_are_still_duplicates(tmp_path: Path):
    _, findings = load_site(folder(tmp_path, {"slides/dubbel.yaml": "id: nieuwe-regels\ntitle: Dubbel\n"}))
    assert [(f.file, f.line) for f in findings if f.code == "duplicate-id"] == [(LAW_FILE, ID_LINE)]
    _, findings = load_site(folder(tmp_path / "twee", {"laws/nog-een.yaml": LAW}))
    duplicates = [f for f in findings if f.code == "duplicate-id"]
    assert len(duplicates) == 1 and "dia-id 'nieuwe-regels' bestaat al" in duplicates[0].message, duplicates


def test_a_law_phase_plays_with_an_item_id_per_countdown_day(tmp_path: Path):
    site = loaded(tmp_path)
    screen = site.config.screens[0]
    shown = {e.id: e for e in live_items(site, screen, datetime(2026, 12, 20, 12, tzinfo=AMS))}
    assert ItemId("nieuwe-regels-voor", date(2026, 12, 20), "en") in shown
    entry = shown[ItemId("nieuwe-regels-voor", date(2026, 12, 20))]
    assert entry.item_id == "nieuwe-regels-voor@20261220" and entry.countdown == "Nog 12 dagen"
    after = [e.item_id for e in live_items(site, screen, datetime(2027, 1, 2, 12, tzinfo=AMS))]
    assert after == ["wijzigingen-doorgeven", "nieuwe-regels-na"]


# --- checks on the phases -----------------------------------------------------------------------------

def test_a_law_phases_legibility_finding_lands_on_its_own_title(tmp_path: Path):
    """Before, it landed on the law's first line, for both phases alike."""
    site = loaded(tmp_path)
    screen = site.config.screens[0]
    clipped = [{"kind": "clipped", "element": "h1"}]
    found = legibility_findings(site, [Measured("nieuwe-regels-voor@20261220.en", screen, clipped, None),
                                       Measured("nieuwe-regels-na", screen, clipped, None),
                                       Measured("wijzigingen-doorgeven", screen, clipped, None),
                                       Measured("welkom", screen, clipped, None)])
    assert [(f.file, f.line, f.message.split(" op ")[0]) for f in found] == [
        (LAW_FILE, BEFORE_TITLE_LINE, "wetswijziging nieuwe-regels-voor@20261220.en"),
        (LAW_FILE, AFTER_TITLE_LINE, "wetswijziging nieuwe-regels-na"),
        ("slides/wijzigingen.yaml", 2, "dia wijzigingen-doorgeven"),
    ]


def test_a_law_phases_language_findings_land_in_its_block_and_its_duration_on_the_law(tmp_path: Path):
    """A title, text or duration finding of a phase: at before.title/after.*, the duration at the law's own line
    (before, at the before: block, as 'before.duration', a field nobody wrote)."""
    findings = [f for f in language_findings(loaded(tmp_path)) if f.file == LAW_FILE]
    durations = [f for f in findings if f.code in ("reading-time", "translation-reading-time")]  # its translation too
    assert durations and all((f.line, f.field) == (DURATION_LINE, "duration") for f in durations), durations
    # One duration serves both texts: each finding names the text it is about, so none is a duplicate.
    assert len({f.message for f in durations}) == len(durations), durations
    assert all(f.message.startswith(("de tekst onder before:", "de tekst onder after:")) for f in durations), durations
    assert all(f.field.startswith(("before.", "after.")) for f in findings if f not in durations)


def test_the_check_table_has_a_row_per_law_phase(tmp_path: Path):
    site = loaded(tmp_path)
    findings = language_findings(site)
    rows = {row["id"]: row for row in slide_rows(site, findings)}
    assert {"wijzigingen-doorgeven", "nieuwe-regels-voor", "nieuwe-regels-na"} == set(rows)
    before = rows["nieuwe-regels-voor"]
    assert (before["file"], before["line"], before["duration"]) == (LAW_FILE, BEFORE_TITLE_LINE, 3)
    in_before = [f for f in findings if f.file == LAW_FILE and BEFORE_TITLE_LINE <= f.line < AFTER_TITLE_LINE - 1]
    assert before["warnings"] + before["errors"] == len(in_before)
