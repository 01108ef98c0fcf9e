"""A law's date lives in one place: placeholders in its texts, slides tied to it, and a check for dates typed by hand."""

from __future__ import annotations

import json
import pickle
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from narrowcast.check.content import language_findings, slide_fields
from narrowcast.content.ids import ItemId
from narrowcast.content.lawfacts import countdown_text, filled, format_date
from narrowcast.content.load import load_site
from narrowcast.render.html import slide_context
from narrowcast.schedule.plan import live_items

from .conftest import MINIMAL_PLAYLIST, MINIMAL_SITE, MINIMAL_SLIDE, copy_example, write_files
from .test_build import browser

AMS = ZoneInfo("Europe/Amsterdam")
LAW_ID = "participatiewet-in-balans-fase-3"
LAW_FILE = f"laws/{LAW_ID}.yaml"

LAW = """\
id: nieuwe-regels
name: Wet nieuwe regels
effective: 2027-01-08
announce_from: 2026-12-01
retire_after: 2027-02-28
countdown: ja
before:
  title: Nieuwe regels
  text: "Vanaf {datum} gelden nieuwe regels. Nog {dagen}."
  highlight: {datum}
  translations:
    en: {title: New rules, text: "New rules from {datum}. {dagen} to go.", highlight: "{datum}"}
    ar: {title: "قواعد جديدة", text: "قواعد جديدة اعتبارًا من {datum}.", highlight: "{datum}"}
    tr: {title: Yeni kurallar, text: "{datum} tarihinden itibaren yeni kurallar.", highlight: "{datum}"}
    pl: {title: Nowe zasady, text: "Nowe zasady od {datum}.", highlight: "{datum}"}
    uk: {title: Нові правила, text: "Нові правила з {datum}.", highlight: "{datum}"}
after:
  title: Nieuwe regels
  text: "Sinds {datum} gelden de regels van de {wet}."
  highlight: "{datum}"
tags: [wet]
"""
TIED = """\
id: meer-ruimte
layout: law-change
title: Meer ruimte
text: Er is nu meer ruimte om bij te verdienen.
highlight: "{datum}"
valid_from: wet nieuwe-regels
tags: [wet]
"""
DATES = {"nl": "8 januari 2027", "en": "8 January 2027", "ar": "8 يناير 2027", "tr": "8 Ocak 2027",
         "pl": "8 stycznia 2027", "uk": "8 січня 2027\u202fр."}  # Babel: a narrow no-break space before р. (року)


def folder(tmp_path: Path, law: str = LAW, tied: str = TIED, extra: dict | None = None) -> Path:
    return write_files(tmp_path / "inhoud", {
        "narrowcast.yaml": MINIMAL_SITE, "slides/wijzigingen.yaml": MINIMAL_SLIDE,
        "playlists/werkplein.yaml": MINIMAL_PLAYLIST + "  - tag: wet\n",
        "laws/wet.yaml": law, "slides/tied.yaml": tied, **(extra or {})})


def loaded(tmp_path: Path, **kw):
    site, findings = load_site(folder(tmp_path, **kw))
    assert site is not None, "\n".join(map(str, findings))
    return site


def errors(tmp_path: Path, **kw) -> list:
    site, findings = load_site(folder(tmp_path, **kw))
    assert site is None, "expected errors"
    return [f for f in findings if f.is_error]


# --- placeholders, per language ---------------------------------------------------------------------

def test_each_language_writes_the_laws_date_its_own_way_and_counts_down_in_its_own_words(tmp_path):
    site = loaded(tmp_path)
    screen = site.config.screens[0]
    entries = {e.item_id: e for e in live_items(site, screen, datetime(2026, 12, 27, 10, tzinfo=AMS))}
    # 27 December: 12 days to 8 January. The highlight was written unquoted: `highlight: {datum}`.
    expected_text = {"nl": "Vanaf 8 januari 2027 gelden nieuwe regels. Nog 12 dagen.",
                     "en": "New rules from 8 January 2027. 12 days to go.",
                     "ar": "قواعد جديدة اعتبارًا من 8 يناير 2027.", "tr": "8 Ocak 2027 tarihinden itibaren yeni kurallar.",
                     "pl": "Nowe zasady od 8 stycznia 2027.", "uk": "Нові правила з 8 січня 2027\u202fр."}  # one full stop
    badges = {"nl": "Nog 12 dagen", "en": "12 days to go", "ar": "بقي 12 يومًا", "tr": "12 gün kaldı",
              "pl": "Jeszcze 12 dni", "uk": "Ще 12 днів"}
    for lang, text in expected_text.items():
        entry = entries[str(ItemId("nieuwe-regels-voor", datetime(2026, 12, 27).date(), None if lang == "nl" else lang))]
        view = slide_context(site, entry, screen)["slide"]
        assert (view["text"].replace("\u00ad", ""), view["highlight"], view["countdown"]) == (text, DATES[lang], badges[lang])
    assert countdown_text(1, "nl") == "Nog 1 dag" and countdown_text(2, "uk") == "Ще 2 дні" and countdown_text(5, "fr") == "Nog 5 dagen"
    assert countdown_text(None, "nl") is None and countdown_text(0, "en") is None


def test_after_the_date_the_law_names_itself_and_the_tied_slide_says_its_date(tmp_path):
    site = loaded(tmp_path)
    screen = site.config.screens[0]
    entries = {e.item_id: e for e in live_items(site, screen, datetime(2027, 1, 9, 10, tzinfo=AMS))}
    after = slide_context(site, entries["nieuwe-regels-na"], screen)["slide"]
    assert after["text"] == "Sinds 8 januari 2027 gelden de regels van de Wet nieuwe regels." and after["countdown"] is None
    assert slide_context(site, entries["meer-ruimte"], screen)["slide"]["highlight"] == "8 januari 2027"


def test_the_language_checks_read_the_filled_in_text(tmp_path):
    site = loaded(tmp_path)
    texts = dict(slide_fields(site.slides["nieuwe-regels-voor"]))
    assert texts[("text",)] == "Vanaf 8 januari 2027 gelden nieuwe regels. Nog 12 dagen."
    assert dict(slide_fields(site.slides["meer-ruimte"]))[("highlight",)] == "8 januari 2027"
    assert not any("{" in f.message for f in language_findings(site))


def test_an_unknown_placeholder_is_an_error_at_its_line_with_a_suggestion(tmp_path):
    found = errors(tmp_path, tied=TIED.replace('highlight: "{datum}"', 'highlight: "{dautm}"'))
    assert [(f.file, f.line, f.field) for f in found] == [("slides/tied.yaml", 5, "highlight")], found
    assert "{dautm} is geen invulplek; bedoelde u {datum}?" in found[0].message


def test_a_laws_facts_on_a_slide_of_no_law_or_days_without_a_countdown_are_errors(tmp_path):
    untied = TIED.replace("valid_from: wet nieuwe-regels\n", "")
    found = errors(tmp_path, tied=untied)
    assert [(f.file, f.line) for f in found] == [("slides/tied.yaml", 5)] and "valid_from: wet <id>" in found[0].message
    found = errors(tmp_path / "b", law=LAW.replace("Sinds {datum} gelden", "Al {dagen} gelden"))
    assert [(f.line, f.field) for f in found] == [(19, "after.text")] and "countdown: ja" in found[0].message, found


def test_a_text_that_starts_with_a_placeholder_unquoted_says_to_quote_it(tmp_path):
    site, findings = load_site(folder(tmp_path, tied=TIED.replace("text: Er is nu meer ruimte om bij te verdienen.",
                                                                  "text: {datum} is de dag")))
    assert site is None
    assert [(f.file, f.line) for f in findings if f.is_error] == [("slides/tied.yaml", 4)], findings
    assert 'aanhalingstekens staan; schrijf text: "{datum} is de dag"' in findings[0].message


# --- ties --------------------------------------------------------------------------------------------

def test_a_tied_slide_starts_at_the_laws_moment_with_its_offset_and_survives_pickling(tmp_path):
    site = loaded(tmp_path, tied=TIED.replace("wet nieuwe-regels", "wet nieuwe-regels + 1 week"),
                  extra={"playlists/werkplein.yaml": MINIMAL_PLAYLIST + "  - tag: wet\n    valid_until: wet nieuwe-regels - 2 dagen\n"})
    assert site.slides["meer-ruimte"].valid_from == datetime(2027, 1, 15, tzinfo=AMS)
    assert site.playlists["werkplein"].items[1].valid_until == datetime(2027, 1, 6, tzinfo=AMS)
    again = pickle.loads(pickle.dumps(site))  # a build in the server's worker comes back pickled
    assert filled(again.slides["meer-ruimte"], "en", None, "{datum}") == "8 January 2027"


def test_an_unknown_law_in_a_tie_is_an_error_at_its_line_with_a_suggestion(tmp_path):
    found = errors(tmp_path, tied=TIED.replace("wet nieuwe-regels", "wet nieuwe-regel"))
    assert [(f.file, f.line, f.field, f.code) for f in found] == [("slides/tied.yaml", 6, "valid_from", "unknown-law")], found
    assert "wet 'nieuwe-regel' bestaat niet; bedoelde u 'wet nieuwe-regels'?" == found[0].message
    found = errors(tmp_path / "b", tied=TIED.replace("wet nieuwe-regels", "wet nieuwe regels"))
    assert found[0].line == 6 and "kan ik niet lezen" in found[0].message


@pytest.mark.parametrize("timing, field", [
    ("valid_from: wet nieuwe-regels - 7 dagen\n", "valid_from"),  # new rules shown a week early, and after
    ("valid_until: wet nieuwe-regels + 7 dagen\n", "valid_until"),  # old words a week after the date
])
def test_a_tied_slide_that_stands_on_both_sides_of_the_laws_date_is_an_error(tmp_path, timing, field):
    found = errors(tmp_path, tied=TIED.replace("valid_from: wet nieuwe-regels\n", timing))
    assert [(f.line, f.field, f.code) for f in found] == [(6, field, "tie-across")], found
    assert "zowel vóór als na 8 januari 2027" in found[0].message


def test_an_announcement_wholly_before_the_date_is_fine_and_a_superseded_tied_slide_is_an_error(tmp_path):
    before = TIED.replace("valid_from: wet nieuwe-regels\n",
                          "valid_from: wet nieuwe-regels - 14 dagen\nvalid_until: wet nieuwe-regels\n")
    site = loaded(tmp_path, tied=before)
    assert site.slides["meer-ruimte"].valid_until == datetime(2027, 1, 8, tzinfo=AMS)
    found = errors(tmp_path / "b", law=LAW.replace("tags: [wet]", "supersedes: [meer-ruimte]\ntags: [wet]"))
    assert [(f.file, f.line, f.code) for f in found] == [("slides/tied.yaml", 6, "tie-superseded")], found


# --- dates typed by hand ---------------------------------------------------------------------------

def test_check_warns_at_a_law_linked_text_that_types_a_date(tmp_path):
    tied = TIED.replace("text: Er is nu meer ruimte om bij te verdienen.",
                        "text: Vanaf 1 januari 2027 is er meer ruimte. Of 1-1-2027.") + (
        "translations:\n  en: {title: More room, text: 'From January 1, 2027 on.', highlight: 2027-01-08}\n")
    site = loaded(tmp_path, tied=tied)
    dates = [f for f in language_findings(site) if f.code == "law-date"]
    assert [(f.file, f.line, f.field, f.severity) for f in dates] == [
        ("slides/tied.yaml", 4, "text", "warning"), ("slides/tied.yaml", 4, "text", "warning"),
        ("slides/tied.yaml", 9, "translations.en.text", "warning"), ("slides/tied.yaml", 9, "translations.en.highlight", "warning")]
    assert dates[0].message.startswith(
        "deze tekst noemt 1 januari 2027, maar de wet gaat in op 8 januari 2027; schrijf {datum}")
    assert "1-1-2027" in dates[1].message and "January 1, 2027" in dates[2].message
    assert dates[3].message.startswith("deze tekst noemt de datum van de wet zelf (2027-01-08)")
    assert not [f for f in language_findings(loaded(tmp_path / "b")) if f.code == "law-date"]


# --- the example, built: moving `effective` moves everything ----------------------------------------

def moved_example(tmp_path: Path) -> Path:
    """The example with the law a week later (its texts in five languages say {datum}, never a date)."""
    root = copy_example(tmp_path / "voorbeeld")
    law = root / LAW_FILE
    text = law.read_text(encoding="utf-8")
    assert "effective: 2027-01-01\n" in text and "1 januari" not in text and "\n    ar:\n" in text
    law.write_text(text.replace("effective: 2027-01-01\n", "effective: 2027-01-08\n"), encoding="utf-8")
    return root


def _law_pages(out: Path) -> dict[tuple[str, ItemId], str]:
    """(screen, item id) -> HTML of every law slide (the law's phases, the tied slide) in every manifest."""
    pages = {}
    for manifest in (out / "screens").glob("*/manifest.json"):
        for item in json.loads(manifest.read_text(encoding="utf-8"))["items"]:
            ident = ItemId.parse(item["id"])
            if ident.slide.startswith(LAW_ID) or ident.slide == "bijverdienen-2027":
                pages[manifest.parent.name, ident] = (manifest.parent / item["html"]).resolve().read_text(encoding="utf-8")
    return pages


@browser
def test_moving_effective_a_week_moves_every_date_count_and_tied_slide(tmp_path):
    from .building import build

    root = moved_example(tmp_path)
    build(root, datetime(2026, 12, 20, 10, tzinfo=AMS), out=tmp_path / "voor")
    pages = _law_pages(tmp_path / "voor")
    assert any(item.lang == "ar" for _, item in pages) and any(item.also == "ar" for _, item in pages), sorted(pages)
    old, new = datetime(2027, 1, 1, tzinfo=AMS), datetime(2027, 1, 8, tzinfo=AMS)
    for (screen, item), html in pages.items():
        ident = (screen, str(item))
        assert item.slide == f"{LAW_ID}-voor", ident
        days = (new.date() - item.day).days
        assert item.day and 16 <= days <= 19, ident
        for lang in [item.lang or "nl"] + ([item.also] if item.also else []):  # side by side: both languages
            assert format_date(new, lang) in html and countdown_text(days, lang) in html, (ident, lang)
            assert format_date(old, lang) not in html, (ident, lang)
        assert not re.search(r"\b1 (januari|يناير|January)", html) and "{datum}" not in html, ident

    build(root, datetime(2027, 1, 8, 10, tzinfo=AMS), out=tmp_path / "na")
    pages = _law_pages(tmp_path / "na")
    assert {item.slide for _, item in pages} == {f"{LAW_ID}-na", "bijverdienen-2027"}, sorted(pages)
    assert any(item.lang == "tr" for _, item in pages), sorted(pages)
    for (screen, item), html in pages.items():
        for lang in [item.lang or "nl"] + ([item.also] if item.also else []):
            assert format_date(new, lang) in html and format_date(old, lang) not in html, (screen, str(item), lang)


def test_the_tied_example_slide_starts_at_the_moved_moment(tmp_path):
    root = moved_example(tmp_path)
    site, _ = load_site(root)
    screen = site.screens["werkplein-hal"]

    def live(moment):
        return {ItemId.parse(e.item_id).slide for e in live_items(site, screen, moment)}
    assert "bijverdienen-2027" not in live(datetime(2027, 1, 7, 12, tzinfo=AMS))
    assert "bijverdienen-2026" in live(datetime(2027, 1, 7, 23, 59, tzinfo=AMS))
    assert {"bijverdienen-2027", f"{LAW_ID}-na"} <= live(datetime(2027, 1, 8, 0, 0, tzinfo=AMS))
    assert "bijverdienen-2026" not in live(datetime(2027, 1, 8, 0, 0, tzinfo=AMS))


def test_check_warns_when_a_slide_still_says_the_old_date_in_words(tmp_path):
    from narrowcast.commands.check import run_checks

    root = moved_example(tmp_path)
    slides = root / "slides/werk.yaml"
    text = slides.read_text(encoding="utf-8")
    old = "text: Er is nu meer ruimte om bij te verdienen."
    assert old in text
    slides.write_text(text.replace(old, "text: Vanaf 1 januari 2027 is er meer ruimte om bij te verdienen."), encoding="utf-8")
    line = 1 + next(i for i, written in enumerate(slides.read_text(encoding="utf-8").split("\n"))
                    if written.startswith("text: Vanaf 1 januari 2027"))
    site, findings = run_checks(root, datetime(2026, 12, 20, 10, tzinfo=AMS), render=False)
    dates = [f for f in findings if f.code == "law-date"]
    assert [(f.file, f.line, f.field) for f in dates] == [("slides/werk.yaml", line, "text")], dates
    assert "noemt 1 januari 2027, maar de wet gaat in op 8 januari 2027; schrijf {datum}" in dates[0].message
    assert format_date(site.laws[LAW_ID].effective, "nl") == "8 januari 2027"
