"""The change in words: what a proposal changes, per slide, law and screen, in Dutch lines."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from narrowcast.content.load import load_site
from narrowcast.content.translations import source_hash
from narrowcast.review.changes import Change, as_json, as_lines, changes

from .conftest import copy_example, write_files

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))

SITE = """\
site: Testlocatie
wait_minutes: 10
screens:
  - id: hal
    name: Hal
    resolution: 1920x1080
    diagonal: 55
    distance: 4
    playlist: werkplein
  - id: balie
    name: Balie
    resolution: 1366x768
    diagonal: 32
    distance: 2.5
    playlist: balie
"""
LIFT = """\
  - id: lift
    name: Lift
    resolution: 1080x1920
    diagonal: 43
    distance: 2
    playlist: werkplein
"""
WIJZIGINGEN = """\
id: wijzigingen-doorgeven
title: Verandert er iets?
text: Geef het binnen 1 week aan ons door.
icon: bell
translations:
  en:
    title: Is something changing?
    text: Let us know within 1 week.
    source: {source}
"""
STAPPEN = """\
id: zo-werkt-het
layout: steps
title: Zo geeft u iets door
steps:
  - Kijk wat er verandert.
  - Bel ons of kom langs.
"""
FEEST = """\
id: feestdagen
title: Andere tijden rond kerst
text: Kijk op onze website.
valid_from: 2027-01-01
"""
NA_DE_WET = """\
id: na-de-wet
title: Meer ruimte om bij te verdienen
valid_from: wet nieuwe-wet
"""
WET = """\
id: nieuwe-wet
name: Nieuwe regels
effective: 2027-01-01
announce_from: 2026-11-01
tags: [wetten]
before:
  title: Er komen nieuwe regels
  text: Vraag ons wat dat voor u betekent.
after:
  title: Er zijn nieuwe regels
"""
WERKPLEIN = """\
id: werkplein
name: Werkplein
items:
  - slide: wijzigingen-doorgeven
  - slide: zo-werkt-het
  - tag: wetten
  - slide: feestdagen
  - slide: na-de-wet
"""
BALIE = """\
id: balie
name: Balie
items:
  - slide: wijzigingen-doorgeven
"""


def _files() -> dict[str, str]:
    return {"narrowcast.yaml": SITE, "slides/wijzigingen.yaml": WIJZIGINGEN, "slides/stappen.yaml": STAPPEN,
            "slides/feest.yaml": FEEST, "slides/wet.yaml": NA_DE_WET, "laws/wet.yaml": WET,
            "playlists/werkplein.yaml": WERKPLEIN, "playlists/balie.yaml": BALIE}


def _load(folder: Path):
    site, findings = load_site(folder)
    assert site is not None, "\n".join(map(str, findings))
    return site


def _marked(folder: Path) -> Path:
    """The English translation marked as made from the Dutch as it is now (narrowcast translations --mark)."""
    path = folder / "slides/wijzigingen.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{source}", "00000000"), encoding="utf-8")
    current = source_hash(_load(folder).slides["wijzigingen-doorgeven"])
    path.write_text(text.replace("{source}", current), encoding="utf-8")
    return folder


@pytest.fixture
def versions(tmp_path: Path):
    """Two copies of one content folder: `old` stays, `new` is edited by the test; `compare()` loads both."""
    old = _marked(write_files(tmp_path / "oud", _files()))
    new = tmp_path / "nieuw"
    shutil.copytree(old, new)

    def edit(name: str, before: str, after: str) -> None:
        path = new / name
        text = path.read_text(encoding="utf-8")
        assert before in text, f"{before!r} not in {name}"
        path.write_text(text.replace(before, after), encoding="utf-8")

    def compare() -> list[Change]:
        return changes(_load(old), _load(new), NOW)

    return new, edit, compare


def test_nothing_changed_is_said_in_one_line(versions):
    _, _, compare = versions
    assert compare() == []
    assert as_lines([]) == ["geen inhoudelijke wijzigingen"]
    assert as_json([]) == []


def test_a_new_slide_says_where_it_comes(versions):
    new, edit, compare = versions
    write_files(new, {"slides/vraag.yaml": "id: vraag\ntitle: Heeft u een vraag?\ntext: Stel hem aan de balie.\n"})
    edit("playlists/werkplein.yaml", "  - slide: na-de-wet\n", "  - slide: na-de-wet\n  - slide: vraag\n")
    assert compare() == [Change("dia", "vraag", "nieuw: ‘Heeft u een vraag?’",
                                ("tekst: ‘Stel hem aan de balie.’", "komt op: hal"))]


def test_a_removed_slide_names_its_title(versions):
    new, edit, compare = versions
    (new / "slides/stappen.yaml").unlink()
    edit("playlists/werkplein.yaml", "  - slide: zo-werkt-het\n", "")
    assert compare() == [Change("dia", "zo-werkt-het", "verwijderd: ‘Zo geeft u iets door’")]


def test_a_changed_title_shows_before_and_after_and_outdates_the_translation(versions):
    _, edit, compare = versions
    edit("slides/wijzigingen.yaml", "title: Verandert er iets?", "title: Verandert er iets bij u?")
    found = compare()
    assert found == [Change("dia", "wijzigingen-doorgeven", "gewijzigd: ‘Verandert er iets bij u?’", (
        "titel: ‘Verandert er iets?’ → ‘Verandert er iets bij u?’",
        "vertaling en: verouderd (de Nederlandse tekst is veranderd)"))]
    assert as_lines(found) == [
        "dia wijzigingen-doorgeven — gewijzigd: ‘Verandert er iets bij u?’",
        "    titel: ‘Verandert er iets?’ → ‘Verandert er iets bij u?’",
        "    vertaling en: verouderd (de Nederlandse tekst is veranderd)"]
    assert as_json(found)[0] == {"what": "dia", "id": "wijzigingen-doorgeven",
                                 "summary": "gewijzigd: ‘Verandert er iets bij u?’",
                                 "details": list(found[0].details)}


def test_a_translation_brought_up_to_date_is_said(versions):
    new, edit, compare = versions
    edit("slides/wijzigingen.yaml", "text: Let us know within 1 week.", "text: Tell us within 1 week.")
    assert compare()[0].details == ("vertaling en: bijgewerkt",)
    edit("slides/wijzigingen.yaml", "text: Geef het binnen 1 week", "text: Geef het binnen 7 dagen")
    assert compare()[0].details == ("tekst: ‘Geef het binnen 1 week aan ons door.’ → ‘Geef het binnen 7 dagen aan ons door.’",
                                    "vertaling en: verouderd (de Nederlandse tekst is veranderd)")


def test_steps_changed_and_added_are_numbered(versions):
    _, edit, compare = versions
    edit("slides/stappen.yaml", "  - Bel ons of kom langs.\n", "  - Bel ons.\n  - Wij helpen u verder.\n")
    assert compare() == [Change("dia", "zo-werkt-het", "gewijzigd: ‘Zo geeft u iets door’", (
        "stap 2: ‘Bel ons of kom langs.’ → ‘Bel ons.’", "stap 3: nieuw ‘Wij helpen u verder.’"))]


def test_a_moved_start_date_reads_as_dates_in_dutch(versions):
    _, edit, compare = versions
    edit("slides/feest.yaml", "valid_from: 2027-01-01", "valid_from: 2027-01-15 09:00\nvalid_until: 2027-01-31")
    assert compare()[0].details == ("geldig vanaf: 1 januari 2027 → 15 januari 2027 09:00",
                                    "geldig tot en met: geen → 31 januari 2027")


def test_a_slide_moved_into_the_future_leaves_the_screens_until_then(versions):
    _, edit, compare = versions
    edit("slides/stappen.yaml", "title: Zo geeft u iets door\n", "title: Zo geeft u iets door\nvalid_from: 2027-02-01\n")
    assert compare()[0].details == ("geldig vanaf: geen → 1 februari 2027", "staat pas vanaf 1 februari 2027 op: hal")


def test_a_moved_law_date_is_one_line_about_the_law(versions):
    _, edit, compare = versions
    edit("laws/wet.yaml", "effective: 2027-01-01", "effective: 2027-02-01")
    # the phase slides and the slide tied to the law's date move with it: no lines of their own
    assert compare() == [Change("wet", "nieuwe-wet", "gewijzigd: ‘Nieuwe regels’",
                                ("gaat in: 1 januari 2027 → 1 februari 2027",))]


def test_a_law_announced_later_leaves_the_screens_until_then(versions):
    _, edit, compare = versions
    edit("laws/wet.yaml", "announce_from: 2026-11-01", "announce_from: 2026-12-01\nretire_after: 2027-03-31")
    assert compare() == [Change("wet", "nieuwe-wet", "gewijzigd: ‘Nieuwe regels’", (
        "aankondigen vanaf: 1 november 2026 → 1 december 2026", "stopt na: geen → 31 maart 2027",
        "vóór de datum, staat pas vanaf 1 december 2026 op: hal"))]


def test_a_slide_newly_on_a_screen(versions):
    _, edit, compare = versions
    edit("playlists/balie.yaml", "  - slide: wijzigingen-doorgeven\n",
         "  - slide: wijzigingen-doorgeven\n  - slide: zo-werkt-het\n  - slide: feestdagen\n")
    assert compare() == [  # slides in the order of their files: feest.yaml, stappen.yaml
        Change("dia", "feestdagen", "op andere schermen: ‘Andere tijden rond kerst’",
               ("komt vanaf 1 januari 2027 op: balie",)),
        Change("dia", "zo-werkt-het", "op andere schermen: ‘Zo geeft u iets door’", ("komt op: balie",))]


def test_a_slide_leaving_every_screen(versions):
    _, edit, compare = versions
    edit("playlists/balie.yaml", "  - slide: wijzigingen-doorgeven\n", "  - slide: zo-werkt-het\n")
    edit("playlists/werkplein.yaml", "  - slide: wijzigingen-doorgeven\n", "")
    assert compare() == [
        Change("dia", "zo-werkt-het", "op andere schermen: ‘Zo geeft u iets door’", ("komt op: balie",)),
        Change("dia", "wijzigingen-doorgeven", "op andere schermen: ‘Verandert er iets?’", ("gaat af: alle schermen",))]


def test_a_screen_added_is_told_once(versions):
    _, edit, compare = versions
    edit("narrowcast.yaml", "  - id: balie\n", LIFT + "  - id: balie\n")
    assert compare() == [Change("scherm", "lift", "nieuw: ‘Lift’", ("afspeellijst: werkplein", "dia's (nu of later): 6"))]


def test_a_screen_with_another_playlist_lists_what_it_gains_and_loses(versions):
    _, edit, compare = versions
    edit("narrowcast.yaml", "    playlist: balie\n", "    playlist: werkplein\n")
    assert compare() == [Change("scherm", "balie", "gewijzigd: ‘Balie’", (
        "afspeellijst: balie → werkplein",
        "erbij: zo-werkt-het, nieuwe-wet-voor, nieuwe-wet-na, feestdagen, na-de-wet"))]


def test_changes_come_in_order_settings_laws_slides_screens(versions):
    new, edit, compare = versions
    edit("narrowcast.yaml", "wait_minutes: 10", "wait_minutes: 15")
    edit("narrowcast.yaml", "  - id: balie\n", LIFT + "  - id: balie\n")
    edit("laws/wet.yaml", "  title: Er zijn nieuwe regels", "  title: Nu gelden nieuwe regels")
    edit("slides/feest.yaml", "title: Andere tijden rond kerst", "title: Andere tijden rond de feestdagen")
    (new / "slides/stappen.yaml").unlink()
    edit("playlists/werkplein.yaml", "  - slide: zo-werkt-het\n", "  - slide: vraag\n")
    write_files(new, {"slides/vraag.yaml": "id: vraag\ntitle: Heeft u een vraag?\n"})
    found = compare()
    assert [(c.what, c.id, c.summary.split(":")[0]) for c in found] == [
        ("instellingen", "narrowcast.yaml", "gewijzigd"), ("wet", "nieuwe-wet", "gewijzigd"),
        ("dia", "vraag", "nieuw"), ("dia", "feestdagen", "gewijzigd"), ("dia", "zo-werkt-het", "verwijderd"),
        ("scherm", "lift", "nieuw")]
    assert found[0].details == ("wachttijd (minuten): 10 → 15",)
    assert found[1].details == ("vanaf de datum, titel: ‘Er zijn nieuwe regels’ → ‘Nu gelden nieuwe regels’",)


def test_nothing_published_yet_makes_everything_new(versions):
    new, _, _ = versions
    found = changes(None, _load(new), NOW)
    assert [(c.what, c.id, c.summary) for c in found] == [
        ("instellingen", "narrowcast.yaml", "nieuw: ‘Testlocatie’"),
        ("wet", "nieuwe-wet", "nieuw: ‘Nieuwe regels’"),
        ("dia", "feestdagen", "nieuw: ‘Andere tijden rond kerst’"),
        ("dia", "zo-werkt-het", "nieuw: ‘Zo geeft u iets door’"),
        ("dia", "na-de-wet", "nieuw: ‘Meer ruimte om bij te verdienen’"),
        ("dia", "wijzigingen-doorgeven", "nieuw: ‘Verandert er iets?’"),
        ("scherm", "hal", "nieuw: ‘Hal’"), ("scherm", "balie", "nieuw: ‘Balie’")]
    assert found[1].details == ("gaat in: 1 januari 2027", "aankondigen vanaf: 1 november 2026",
                                "vóór de datum, nieuw: ‘Er komen nieuwe regels’", "vóór de datum, komt op: hal",
                                "vanaf de datum, nieuw: ‘Er zijn nieuwe regels’",
                                "vanaf de datum, komt vanaf 1 januari 2027 op: hal")
    assert found[5].details[-2:] == ("vertalingen: en", "komt op: alle schermen")


def test_a_long_text_keeps_its_changed_part_visible(versions):
    new, edit, compare = versions
    start = "Kijk op onze website voor de tijden, of bel ons tijdens kantooruren op het bekende nummer. "
    edit("slides/feest.yaml", "text: Kijk op onze website.", f"text: {start}Wij zijn dicht op 25 december.")
    assert compare()[0].details == (  # they differ early: both from the start, the longer one cut with …
        "tekst: ‘Kijk op onze website.’ → ‘Kijk op onze website voor de tijden, of bel ons tijdens kantooruren op het beke…’",)
    shutil.copy(new / "slides/feest.yaml", new.parent / "oud/slides/feest.yaml")
    edit("slides/feest.yaml", "dicht op 25 december", "dicht op 26 december")
    (line,) = compare()[0].details
    assert line == "tekst: ‘…bekende nummer. Wij zijn dicht op 25 december.’ → " \
                   "‘…bekende nummer. Wij zijn dicht op 26 december.’"


def test_the_example_content_with_one_edited_title(tmp_path: Path):
    old = copy_example(tmp_path / "oud")
    new = tmp_path / "nieuw"
    shutil.copytree(old, new)
    path = new / "slides/wijzigingen.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Verandert er iets?", "title: Verandert er iets bij u?"),
                    encoding="utf-8")
    found = changes(_load(old), _load(new), NOW)
    assert as_lines(found) == [
        "dia wijzigingen-doorgeven — gewijzigd: ‘Verandert er iets bij u?’",
        "    titel: ‘Verandert er iets?’ → ‘Verandert er iets bij u?’",
        *(f"    vertaling {lang}: verouderd (de Nederlandse tekst is veranderd)" for lang in ("en", "ar", "tr", "pl", "uk"))]
    assert changes(_load(old), _load(old), NOW) == []
