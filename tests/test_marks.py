"""Findings at the word: an editor underlines each mark, shows its message and writes its plain alternative."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
import yaml

from narrowcast.check.content import _slide_findings, rules_from
from narrowcast.check.language import check_text, slide_level_findings
from narrowcast.check.marks import Mark, apply, marks, slide_marks
from narrowcast.check.readability import words
from narrowcast.check.tone import check_tone
from narrowcast.check.translations import translation_findings
from narrowcast.content.load import load_site

from .conftest import MINIMAL_PLAYLIST, MINIMAL_SITE, REPO, copy_example, write_files

CORPORA = [REPO / "tests" / "corpus" / name for name in ("plain_language.yaml", "tone.yaml")]


def of(found: list[Mark], rule: str) -> list[Mark]:
    return [m for m in found if m.rule == rule]


def marked(text: str, found: list[Mark]) -> list[str]:
    return [text[m.start:m.end] for m in found]


def squeezed(text: str) -> str:
    return " ".join(text.split())


def cuts_a_word(text: str, offset: int) -> bool:
    def wordish(c):
        return c.isalnum() or c == "_" or unicodedata.category(c).startswith("M")
    return 0 < offset < len(text) and wordish(text[offset - 1]) and wordish(text[offset])


# --- officialese at its characters ----------------------------------------------------------------

def test_an_officialese_word_is_marked_at_its_characters_with_its_plain_alternative():
    text = "U kunt ons bellen indien u vragen heeft."
    [mark] = of(marks(text), "officialese")
    assert (mark.start, mark.end) == (18, 24) and text[mark.start:mark.end] == "indien"
    assert mark.suggestion == "als" and mark.alternatives == ("als",)
    # The message and the advice are the check's own Dutch.
    [finding] = [f for f in check_text(text) if f.rule == "officialese"]
    assert mark.message == finding.message and mark.advice == finding.suggestion == "Schrijf: als"


def test_multi_word_phrases_and_alternatives_that_need_the_sentence_rewritten():
    text = "Wij helpen u in het kader van de wet. Bel ons teneinde een afspraak te maken."
    found = of(marks(text), "officialese")
    assert marked(text, found) == ["in het kader van", "teneinde"]
    kader, teneinde = found
    assert (kader.start, kader.end) == (13, 29)
    assert kader.alternatives == ("bij", "voor") and kader.suggestion == "bij"
    # "om ... te / zodat": the template "om ... te" is advice, only "zodat" can be written in one click.
    assert teneinde.alternatives == ("zodat",) and "om ... te" in teneinde.advice


def test_case_does_not_matter_and_a_sentence_start_gets_a_capital():
    text = "INDIEN u belt, zijn wij er. Wij bellen terug indien nodig."
    first, second = of(marks(text), "officialese")
    assert marked(text, [first, second]) == ["INDIEN", "indien"]
    assert apply(text, first) == "Als u belt, zijn wij er. Wij bellen terug indien nodig."
    assert apply(text, second) == "INDIEN u belt, zijn wij er. Wij bellen terug als nodig."
    # After a question, a quote, a line that starts with a capital: a new sentence too.
    assert apply("Vragen? Indien u wilt.", of(marks("Vragen? Indien u wilt."), "officialese")[0]) == \
        "Vragen? Als u wilt."
    quoted = 'Hij zei: "Ja." "Indien u wilt."'
    assert apply(quoted, of(marks(quoted), "officialese")[0]) == 'Hij zei: "Ja." "Als u wilt."'
    lines = "Openingstijden\nIndien u wilt, bel ons."
    assert apply(lines, of(marks(lines), "officialese")[0]) == "Openingstijden\nAls u wilt, bel ons."


def test_a_phrase_found_twice_gives_two_marks():
    text = "Indien u belt of indien u mailt, helpt het UWV u. Het UWV is er voor u."
    assert marked(text, of(marks(text), "officialese")) == ["Indien", "indien"]
    # One finding for the abbreviation (the check says it once), a mark at each place.
    assert len([f for f in check_text(text) if f.rule == "abbreviation"]) == 1
    uwv = of(marks(text), "abbreviation")
    assert marked(text, uwv) == ["UWV", "UWV"] and uwv[0].start < uwv[1].start
    assert uwv[0].suggestion == "UWV (de instantie voor WW en ziektewet)"


def test_after_apply_the_finding_is_gone_and_nothing_else_changed():
    text = "Wij sturen u reeds een brief.\nMiddels deze brief hoort u alles."
    found = of(marks(text), "officialese")
    assert marked(text, found) == ["reeds", "Middels"]
    reeds, middels = found
    once = apply(text, reeds)
    assert once == "Wij sturen u al een brief.\nMiddels deze brief hoort u alles."
    assert [f.words for f in check_text(once) if f.rule == "officialese"] == ["Middels"]
    twice = apply(once, of(marks(once), "officialese")[0], "via")  # an alternative chosen by name
    assert twice == "Wij sturen u al een brief.\nVia deze brief hoort u alles."
    assert [f for f in check_text(twice) if f.rule == "officialese"] == []
    assert apply(text, middels, 0) == "Wij sturen u reeds een brief.\nMet deze brief hoort u alles."


def test_a_line_break_or_more_spaces_inside_a_phrase():
    for text in ("Wij helpen u in het\nkader van de wet.", "Wij helpen u in  het kader\r\nvan de wet."):
        [mark] = of(marks(text), "officialese")
        assert squeezed(text[mark.start:mark.end]) == "in het kader van"
        assert text[:mark.start] == "Wij helpen u " and text[mark.end:] == " de wet."
        assert apply(text, mark) == "Wij helpen u bij de wet."


def test_diacritics_count_as_one_character_and_no_offset_cuts_a_word():
    text = "Café dicht. Wij melden de beëindiging van uw uitkering."
    [mark] = of(marks(text), "officialese")
    assert text[mark.start:mark.end] == "beëindiging" and mark.suggestion == "stoppen"
    # Decomposed accents (e + combining diaeresis): the mark takes the whole word, never half.
    decomposed = unicodedata.normalize("NFD", "CAFÉ GESLOTEN")
    found = marks(decomposed)
    assert found and not any(cuts_a_word(decomposed, m.start) or cuts_a_word(decomposed, m.end) for m in found)
    assert unicodedata.normalize("NFC", decomposed[found[0].start:found[0].end]) == "CAFÉ"


# --- whole sentences and texts ------------------------------------------------------------------

def test_a_long_sentence_is_marked_as_that_sentence_without_a_suggestion():
    first = "Heeft u vragen?"
    long = ("Wij helpen u graag met al uw vragen over uw geld en over uw nieuwe werk "
            "en uw huis en uw kinderen en uw auto.")
    text = f"{first}  {long} "
    [mark] = of(marks(text), "sentence-length")
    assert text[mark.start:mark.end] == long
    assert mark.suggestion is None and mark.alternatives == () and mark.severity == "error"
    assert "twee korte zinnen" in mark.advice
    with pytest.raises(ValueError):
        apply(text, mark)


def test_findings_about_the_whole_text_mark_the_whole_text():
    text = "  Overeenkomstig de voorwaarden ontvangt u een beschikking.\n"
    whole = [m for m in marks(text) if m.rule == "flesch-douma"]
    assert len(whole) == 1 and text[whole[0].start:whole[0].end] == text.strip()
    assert whole[0].suggestion is None
    assert [f.message for f in slide_level_findings([text])] == [m.message for m in whole]


def test_a_passive_marks_its_auxiliary_and_its_participle():
    text = "U wordt een brief gestuurd."
    assert marked(text, of(marks(text), "passive")) == ["wordt", "gestuurd"]


# --- tone -----------------------------------------------------------------------------------------

def test_threatening_words_and_forms_are_marked_too():
    text = "Fraude wordt bestraft. Bij fraude volgt een BOETE."
    tone = of(marks(text), "tone")
    assert marked(text, tone) == ["Fraude", "bestraft", "fraude", "BOETE", "BOETE"]  # the list, and shouting
    fraude = tone[0]
    assert fraude.alternatives == ("een fout", "iets wat niet klopt")
    assert apply(text, fraude, "iets wat niet klopt").startswith("Iets wat niet klopt wordt bestraft.")
    # A threatening form without a listed word, across a line break and two spaces.
    form = "Wie niet  meewerkt,\nkrijgt niets!"
    found = marks(form)
    assert marked(form, of(found, "tone")) == ["Wie niet  meewerkt,"]
    assert marked(form, of(found, "exclamation")) == [form]
    assert all(m.suggestion is None for m in found)


# --- apply and JSON -------------------------------------------------------------------------------

def test_apply_takes_an_alternative_by_position_or_by_name_and_refuses_others():
    text = "Wij helpen u in het kader van de wet."
    [mark] = of(marks(text), "officialese")
    assert apply(text, mark, 1) == apply(text, mark, "voor") == "Wij helpen u voor de wet."
    with pytest.raises(ValueError):
        apply(text, mark, "binnen")


def test_marks_are_json_ready_with_offsets_for_a_browser():
    text = "📞 Bel ons indien u vragen heeft."
    [mark] = of(marks(text), "officialese")
    data = json.loads(json.dumps(mark.to_json(text)))
    assert data["start"] == 10 and data["start_utf16"] == 11  # the emoji is two UTF-16 units
    assert text.encode("utf-16-le")[2 * data["start_utf16"]:2 * data["end_utf16"]].decode("utf-16-le") == "indien"
    assert data["alternatives"] == ["als"] and data["message"] == mark.message
    assert Mark(**{k: v for k, v in data.items() if not k.endswith("utf16")} | {"alternatives": ("als",)}) == mark


# --- the labelled corpora -------------------------------------------------------------------------

def corpus_texts() -> list[str]:
    texts = [item["text"] for path in CORPORA for item in yaml.safe_load(path.read_text("utf-8"))]
    # The same texts as staff type them into a text field: line breaks and double spaces.
    return texts + [re.sub(r" (\w+) ", r"\n\1  ", text, count=2) for text in texts]


def phrases_of(findings) -> set[tuple[str, ...]]:
    """The words and phrases of findings, as the checks' tokens ("wet- en regelgeving": wet, en, regelgeving)."""
    return {tuple(words(part)) for f in findings for part in [f.words, *f.words.split(" … ")]}


def test_every_corpus_text_is_marked_at_the_words_of_its_findings():
    texts = corpus_texts()
    assert len(texts) >= 300
    seen = Counter()
    for text in texts:
        findings = check_text(text) + check_tone(text) + slide_level_findings([text])
        found = marks(text)
        for finding in findings:  # every finding is placed, each mark has the finding's words
            mine = [m for m in found if (m.rule, m.message) == (finding.rule, finding.message)]
            assert mine, (text, finding)
        for mark in found:
            same = [f for f in findings if (f.rule, f.message) == (mark.rule, mark.message)]
            assert tuple(words(text[mark.start:mark.end])) in phrases_of(same), (text, mark)
            assert 0 <= mark.start < mark.end <= len(text)
            assert not cuts_a_word(text, mark.start) and not cuts_a_word(text, mark.end), (text, mark)
            seen[mark.rule] += 1
    assert {"officialese", "tone", "passive", "sentence-length", "abbreviation", "long-word"} <= set(seen)


def test_every_corpus_suggestion_removes_its_finding_and_nothing_else():
    applied = 0
    for text in corpus_texts():
        for mark in marks(text):
            if mark.suggestion is None:
                continue
            new = apply(text, mark)
            assert new[:mark.start] == text[:mark.start] and new.endswith(text[mark.end:])
            assert new[mark.start:len(new) - (len(text) - mark.end)].lower() == mark.suggestion.lower()
            old = squeezed(text[mark.start:mark.end]).lower()
            before = [m for m in marks(text) if m.rule == mark.rule and squeezed(text[m.start:m.end]).lower() == old]
            after = [m for m in marks(new) if m.rule == mark.rule and squeezed(new[m.start:m.end]).lower() == old]
            assert len(after) == len(before) - 1, (text, mark, new)
            applied += 1
    assert applied >= 30


# --- slides ---------------------------------------------------------------------------------------

SLIDE = """\
id: wijzigingen-doorgeven
layout: steps
title: Indien u iets wijzigt
text: "Vanaf {datum} geldt {wet}. Indien u vragen heeft, bel het werkplein. Reeds gedaan?"
highlight: "{datum}"
steps:
  - Bel ons teneinde een afspraak te maken.
  - Kom langs.
valid_from: wet testwet
translations:
  en:
    title: If something changes for you and your family and your friends and your neighbours now
    text: "From {datum} the rules change for everybody who lives here and has an income from work or a benefit."
    highlight: "{datum}"
    steps: [Call us indien you want., Come by.]
"""
LAW = """\
id: testwet
name: Wet verstrekking inzake
effective: 2027-01-01
before:
  title: Nieuwe regels
  text: "Vanaf {datum} geldt {wet}."
"""
CHECKS = """\
checks:
  allowed_words: [reeds]
  extra_officialese:
    - word: werkplein
      plain: het kantoor
"""


@pytest.fixture
def law_folder(tmp_path: Path) -> Path:
    return write_files(tmp_path / "inhoud", {
        "narrowcast.yaml": MINIMAL_SITE + CHECKS, "slides/wijzigingen.yaml": SLIDE,
        "laws/testwet.yaml": LAW, "playlists/werkplein.yaml": MINIMAL_PLAYLIST,
    })


def test_slide_marks_per_field_at_the_text_as_written(law_folder: Path):
    site, _ = load_site(law_folder)
    slide = site.slides["wijzigingen-doorgeven"]
    found = slide_marks(site, slide)
    assert list(found) == ["title", "text", "highlight", "steps.0.text", "steps.1.text", "translations.en.title",
                           "translations.en.text", "translations.en.highlight", "translations.en.steps.0.text",
                           "translations.en.steps.1.text"]
    text = slide.text
    # Offsets into the text with its placeholders: "Indien" after "{datum}" and "{wet}" as written.
    [indien, kantoor] = of(found["text"], "officialese")[-2:]
    assert text[indien.start:indien.end] == "Indien" and apply(text, indien).startswith("Vanaf {datum} geldt {wet}. Als u")
    # The folder's checks: its own officialese, its allowed words ("Reeds" is not marked).
    assert text[kantoor.start:kantoor.end] == "werkplein" and kantoor.suggestion == "het kantoor"
    assert "Reeds" not in marked(text, found["text"])
    # Words of the law's name mark their placeholder, and offer nothing to write there.
    from_law = [m for m in of(found["text"], "officialese") if text[m.start:m.end] == "{wet}"]
    assert len(from_law) == 2 and all(m.alternatives == () for m in from_law)
    assert marked(slide.steps[0].text, found["steps.0.text"]) == ["teneinde"]
    # The whole slide's findings on the whole title, as `narrowcast check` reports them there.
    assert {m.rule for m in found["title"]} >= {"officialese", "slide-words"}
    assert all((m.start, m.end) == (0, len(slide.title)) for m in of(found["title"], "slide-words"))
    # Translations: only the checks that fit any language; "indien" in English is not Dutch officialese.
    translated = [m for key, items in found.items() if key.startswith("translations.") for m in items]
    assert {m.rule for m in translated} == {"translation-sentence-length", "translation-title", "translation-words"}
    english = slide.translations["en"].text
    [long] = of(found["translations.en.text"], "translation-sentence-length")
    assert (long.start, long.end) == (0, len(english))


def slide_rules(site, slide) -> set[tuple[str, str]]:
    return {(key, m.rule) for key, items in slide_marks(site, slide).items() for m in items}


def test_slide_marks_agree_with_narrowcast_check(law_folder: Path, tmp_path: Path):
    """Every language, tone and translation finding `check` reports on a slide's texts is marked, and no other."""
    not_texts = {"reading-time", "translation-incomplete", "translation-outdated", "translation-reading-time"}
    compared = 0
    for folder in (law_folder, copy_example(tmp_path / "voorbeeld")):
        site, _ = load_site(folder)
        rules = rules_from(site.config.checks)
        for slide in site.slides.values():
            reported = Counter(f.code for f in _slide_findings(slide, rules, site.config.checks)
                               + translation_findings(slide, rules, site.config.checks)
                               if f.code not in not_texts)
            assert set(reported) == {rule for _, rule in slide_rules(site, slide)}, slide.id
            compared += sum(reported.values())
    assert compared >= 15
