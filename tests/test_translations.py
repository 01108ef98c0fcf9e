"""Translation status: which Dutch text a translation was made from, half translations, checks that fit the language."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from narrowcast.check.content import language_findings
from narrowcast.check.translations import translation_sentences, translation_words
from narrowcast.commands.cli import cli
from narrowcast.content.load import load_site
from narrowcast.content.translations import source_hash
from narrowcast.schedule.plan import live_items

from .conftest import MINIMAL_PLAYLIST, MINIMAL_SITE, write_files

AMS = ZoneInfo("Europe/Amsterdam")
SLIDE_FILE = "slides/wijzigingen.yaml"
# Comments, quotes, a folded text, a flow-style translation and a step list: --mark must keep all of it.
SLIDE = """\
# Wijzigingen doorgeven: de dia die elke klant moet zien.
id: wijzigingen-doorgeven
title: Verandert er iets?
text: Geef het binnen 1 week aan ons door.
icon: bell
translations:
  # Engels: door het team vertalingen nagekeken.
  en:
    title: Is something changing?   # kort houden
    text: >
      Please tell us
      within 1 week.

  ar:
    title: "هل تغيّر شيء ما؟"
    text: 'أخبرونا خلال أسبوع.'
  tr: {title: Bir şey mi değişiyor?, text: 1 hafta içinde bize bildirin.}  # satır içi
---
id: zo-werkt-het
layout: steps
title: Zo werkt het
steps:
  - Vul het formulier in.
  - Stuur het naar ons.
translations:
  en:
    title: How it works
    steps:
      - Fill in the form.
      - Send it to us.
"""
PLAYLIST = MINIMAL_PLAYLIST + "  - slide: zo-werkt-het\n"


def folder(tmp_path: Path, slide: str = SLIDE, extra: dict[str, str] | None = None) -> Path:
    playlist = PLAYLIST if "id: zo-werkt-het" in slide else MINIMAL_PLAYLIST
    return write_files(tmp_path / "inhoud", {"narrowcast.yaml": MINIMAL_SITE, SLIDE_FILE: slide,
                                            "playlists/werkplein.yaml": playlist, **(extra or {})})


def loaded(root: Path):
    site, findings = load_site(root)
    assert site is not None, "\n".join(map(str, findings))
    return site


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, ["-C", str(root), "translations", *args])


def outdated(root: Path, memo: Path | None = None) -> list[tuple[str, int, str]]:
    return [(f.file, f.line, f.field) for f in language_findings(loaded(root), memo) if f.code == "translation-outdated"]


def source_lines(text: str) -> list[int]:
    return [i + 1 for i, line in enumerate(text.splitlines()) if line.strip().startswith("source:") or ", source:" in line]


# --- which Dutch text a translation was made from ------------------------------------------------

def test_a_changed_dutch_text_outdates_each_translation_until_it_is_marked_again(tmp_path: Path):
    root = folder(tmp_path)
    assert outdated(root) == [], "never marked: unknown, not out of date"
    assert run(root, "--mark", "wijzigingen-doorgeven").exit_code == 0
    assert outdated(root) == []
    path = root / SLIDE_FILE
    path.write_text(path.read_text("utf-8").replace("binnen 1 week", "binnen 2 weken"), "utf-8")
    memo = tmp_path / "memo.json"
    lines = source_lines(path.read_text("utf-8"))
    expected = [(SLIDE_FILE, lines[0], "translations.en.source"), (SLIDE_FILE, lines[1], "translations.ar.source"),
                (SLIDE_FILE, lines[2], "translations.tr.source")]
    assert outdated(root) == expected
    assert outdated(root, memo) == expected and outdated(root, memo) == expected, "the same from the memo"
    message = next(f.message for f in language_findings(loaded(root)) if f.code == "translation-outdated")
    assert message.startswith("vertaling verouderd: de Nederlandse tekst is veranderd sinds deze vertaling (en)")
    assert message.endswith("narrowcast translations --mark wijzigingen-doorgeven en")
    assert run(root, "--mark", "wijzigingen-doorgeven", "en").exit_code == 0
    assert [field for _, _, field in outdated(root, memo)] == ["translations.ar.source", "translations.tr.source"]
    assert run(root, "--mark-all").exit_code == 0
    assert outdated(root) == [] and outdated(root, memo) == []


def test_the_hash_is_of_the_written_dutch_whitespace_aside_and_not_of_icons():
    from narrowcast.content.model import Slide

    one = Slide(id="a", title="Verandert er  iets?", text="Geef het\ndoor.", icon="bell")
    assert source_hash(one) == source_hash(Slide(id="a", title="Verandert er iets?", text="Geef het door.", icon="huis"))
    assert source_hash(one) != source_hash(Slide(id="a", title="Verandert er iets?", text="Geef het snel door."))
    assert source_hash(one) != source_hash(Slide(id="a", title="Geef het door.", text="Verandert er iets?"))
    assert len(source_hash(one)) == 8 and int(source_hash(one), 16) >= 0


# --- --mark edits the file in place ------------------------------------------------------------------

def test_mark_adds_only_source_lines_and_keeps_every_other_byte(tmp_path: Path):
    root = folder(tmp_path)
    path = root / SLIDE_FILE
    before = path.read_bytes()
    result = run(root, "--mark-all")
    assert result.exit_code == 0, result.output
    after = path.read_text("utf-8")
    site = loaded(root)
    dutch = source_hash(site.slides["wijzigingen-doorgeven"])
    steps = source_hash(site.slides["zo-werkt-het"])
    old_lines, new_lines = before.decode("utf-8").splitlines(keepends=True), after.splitlines(keepends=True)
    added = [line for line in new_lines if line not in old_lines]
    # Block style: a line of its own after the block's last line (after a folded text, before its blank line).
    assert added == [f"    source: {dutch}\n", f"    source: {dutch}\n",
                     f"  tr: {{title: Bir şey mi değişiyor?, text: 1 hafta içinde bize bildirin., source: {dutch}}}  # satır içi\n",
                     f"    source: {steps}\n"], added
    assert new_lines[new_lines.index("      within 1 week.\n") + 1] == f"    source: {dutch}\n"
    assert new_lines[new_lines.index("      - Send it to us.\n") + 1] == f"    source: {steps}\n"
    # Every other line is byte for byte what it was.
    kept = "".join(line for line in new_lines if line not in added)
    assert kept.encode("utf-8") == before.replace("  tr: {title: Bir şey mi değişiyor?, text: 1 hafta içinde bize bildirin.}  "
                                                  "# satır içi\n".encode("utf-8"), b"")
    assert run(root, "--mark-all").output.endswith("alles stond al op bijgewerkt\n"), "nothing to do the second time"
    assert path.read_text("utf-8") == after


def test_mark_replaces_an_old_source_in_place_and_keeps_crlf_and_a_bom(tmp_path: Path):
    slide = ("\ufeff# Windows-bestand\r\nid: wijzigingen-doorgeven\r\ntitle: Verandert er iets?\r\ntranslations:\r\n"
             "  en:\r\n    title: Is something changing?\r\n    source: \"00000000\"  # oud\r\n"
             "  pl:\r\n    title: Czy coś się zmienia?")  # the last line without a line break
    root = folder(tmp_path, slide)
    assert run(root, "--mark", "wijzigingen-doorgeven").exit_code == 0
    dutch = source_hash(loaded(root).slides["wijzigingen-doorgeven"])
    assert (root / SLIDE_FILE).read_bytes().decode("utf-8") == slide.replace('"00000000"', dutch) + f"\r\n    source: {dutch}"


def test_a_law_phases_translations_are_marked_in_their_before_and_after_blocks(tmp_path: Path):
    law = """\
id: nieuwe-regels
name: Nieuwe regels
effective: 2027-01-01
announce_from: 2026-12-01
before:
  title: Nieuwe regels
  text: Vanaf {datum} gelden nieuwe regels.
  translations:
    en: {title: New rules, text: "New rules from {datum}."}
after:
  title: Nieuwe regels gelden nu
  translations:
    en:
      title: New rules apply now
tags: [wet]
"""
    root = folder(tmp_path, extra={"laws/wet.yaml": law})
    result = run(root, "--mark", "nieuwe-regels")
    assert result.exit_code == 0, result.output
    assert "bijgewerkt: nieuwe-regels-voor (en)" in result.output and "bijgewerkt: nieuwe-regels-na (en)" in result.output
    written = (root / "laws/wet.yaml").read_text("utf-8")
    site = loaded(root)
    before, after = (source_hash(site.slides[f"nieuwe-regels-{p}"]) for p in ("voor", "na"))
    assert written == law.replace('{datum}."}', f'{{datum}}.", source: {before}}}').replace(
        "      title: New rules apply now\n", f"      title: New rules apply now\n      source: {after}\n")
    # A law's date is written once: moving it changes no Dutch text as written, so no translation is outdated.
    (root / "laws/wet.yaml").write_text(written.replace("2027-01-01", "2027-02-01"), "utf-8")
    assert outdated(root) == []
    (root / "laws/wet.yaml").write_text(written.replace("Vanaf {datum}", "Per {datum}"), "utf-8")
    assert [(line, field) for _, line, field in outdated(root)] == [(9, "before.translations.en.source")]


def test_mark_refuses_what_it_cannot_write_safely_and_leaves_the_file_alone(tmp_path: Path):
    slide = ("id: wijzigingen-doorgeven\ntitle: Verandert er iets?\ntranslations:\n"
             "  en: &zelfde\n    title: Is something changing?\n  ar: *zelfde\n")
    root = folder(tmp_path, slide)
    result = run(root, "--mark", "wijzigingen-doorgeven")
    assert result.exit_code == 1 and result.output.startswith("Fout: ") and "Traceback" not in result.output
    assert (root / SLIDE_FILE).read_text("utf-8") == slide


# --- half translations -------------------------------------------------------------------------------

def test_a_half_translation_is_a_warning_at_its_line_and_is_not_shown(tmp_path: Path):
    slide = SLIDE.replace("  tr: {", "  fr:\n    title: Quelque chose change ?\n  tr: {")
    root = folder(tmp_path, slide)
    site = loaded(root)
    half = [f for f in language_findings(site) if f.code == "translation-incomplete"]
    fr_line = slide.splitlines().index("    title: Quelque chose change ?") + 1
    assert [(f.file, f.line, f.field, f.severity) for f in half] == [(SLIDE_FILE, fr_line, "translations.fr", "warning")]
    assert half[0].message.startswith("vertaling (fr) mist 'text'; zolang die ontbreekt, komt deze taal niet op het scherm")
    shown = [e.item_id for e in live_items(site, site.config.screens[0], datetime(2026, 11, 23, 10, tzinfo=AMS))]
    assert "wijzigingen-doorgeven.en" in shown and "wijzigingen-doorgeven.fr" not in shown
    status = json.loads(run(root, "--format", "json").output)
    fr = next(row for row in status["translations"] if row["lang"] == "fr")
    assert (fr["status"], fr["missing"], fr["line"]) == ("half", ["text"], fr_line)


# --- checks that fit the language -------------------------------------------------------------------

OFFICIALESE_EN = ("In accordance with the applicable regulations, recipients are hereby obliged to notify the "
                  "competent authority forthwith of any alteration in their circumstances which may affect their "
                  "entitlement to social benefits.")


def test_a_33_word_officialese_english_translation_gets_a_words_per_slide_finding(tmp_path: Path):
    slide = ("id: wijzigingen-doorgeven\ntitle: Verandert er iets?\ntext: Geef het binnen 1 week aan ons door.\n"
             f"translations:\n  en:\n    title: Notification of changes\n    text: {OFFICIALESE_EN}\n")
    assert len(translation_words("Notification of changes " + OFFICIALESE_EN)) == 33
    root = folder(tmp_path, slide)
    findings = [f for f in language_findings(loaded(root)) if f.field.startswith("translations.en")]
    words = [f for f in findings if f.code == "translation-words"]
    assert [(f.line, f.field, f.severity) for f in words] == [(6, "translations.en.title", "warning")]
    assert "de vertaling (en) heeft 33 woorden; meer dan 30 is te veel voor één scherm" in words[0].message
    long = [f for f in findings if f.code == "translation-sentence-length"]
    assert [(f.line, f.field) for f in long] == [(7, "translations.en.text")] and "30 woorden" in long[0].message
    assert not [f for f in findings if f.code in ("officialese", "flesch-douma")], "the Dutch word lists stay Dutch"


def test_reading_time_and_title_length_of_a_translation(tmp_path: Path):
    slide = ("id: wijzigingen-doorgeven\ntitle: Verandert er iets?\ntext: Geef het aan ons door.\nduration: 6\n"
             "translations:\n  en:\n    title: Is something in your life changing, for example your income or address?\n"
             "    text: Please tell us about it as soon as you can.\n"
             "  zh:\n    title: 有什么变化吗？\n    text: 请尽快告诉我们。\n")
    root = folder(tmp_path, slide)
    findings = {(f.code, f.field): f for f in language_findings(loaded(root))}
    reading = findings[("translation-reading-time", "duration")]
    assert reading.line == 4 and reading.severity == "warning" and "de vertaling (en)" in reading.message
    assert "voor 22 woorden 18 seconden nodig; zet duration op 18 of meer" in reading.message  # 3 s + 22 at 90 a minute
    title = findings[("translation-title", "translations.en.title")]
    assert "(71 tegen 18 tekens)" in title.message
    assert not [key for key in findings if key[1].startswith("translations.zh")], "no word counts without spaces"


def test_words_and_sentences_in_any_spaced_script():
    assert translation_words("مرحبًا بكم في Stroomopwaarts") == ["مرحبًا", "بكم", "في", "Stroomopwaarts"]
    assert len(translation_words("नमस्ते दुनिया")) == 2, "vowel signs stay inside the word"
    assert translation_words("Bring your letters, e.g. bills — and your ID.") == [
        "Bring", "your", "letters", "e.g", "bills", "and", "your", "ID"]
    assert translation_sentences("Bring e.g. bills. Then we help.") == ["Bring e.g. bills.", "Then we help."]
    assert translation_sentences("هل تغيّر شيء ما؟ أخبرونا بسرعة.") == ["هل تغيّر شيء ما؟", "أخبرونا بسرعة."]
    assert translation_sentences("Ви тут? Ми допоможемо.") == ["Ви тут?", "Ми допоможемо."]


# --- the command -------------------------------------------------------------------------------------

def test_the_translations_command_lists_status_as_text_and_json_and_exits_1_on_mistakes(tmp_path: Path):
    root = folder(tmp_path)
    listed = run(root, "--format", "json")
    assert listed.exit_code == 0, listed.output
    status = json.loads(listed.output)
    assert status["counts"] == {"bijgewerkt": 0, "verouderd": 0, "onbekend": 4, "half": 0}
    assert [(r["slide"], r["lang"], r["status"], r["file"], r["line"]) for r in status["translations"]] == [
        ("wijzigingen-doorgeven", "en", "onbekend", SLIDE_FILE, 9), ("wijzigingen-doorgeven", "ar", "onbekend", SLIDE_FILE, 15),
        ("wijzigingen-doorgeven", "tr", "onbekend", SLIDE_FILE, 17), ("zo-werkt-het", "en", "onbekend", SLIDE_FILE, 27)]
    assert run(root, "--mark", "wijzigingen-doorgeven", "ar").exit_code == 0
    path = root / SLIDE_FILE
    path.write_text(path.read_text("utf-8").replace("Verandert er iets?", "Is er iets veranderd?"), "utf-8")
    rows = {(r["slide"], r["lang"]): r for r in json.loads(run(root, "--format", "json").output)["translations"]}
    ar = rows[("wijzigingen-doorgeven", "ar")]
    assert ar["status"] == "verouderd" and ar["outdated"] and ar["source"] != ar["current"]
    text = run(root)
    assert text.exit_code == 0 and "0 bijgewerkt, 1 verouderd, 3 onbekend, 0 half." in text.output
    assert "narrowcast translations --mark DIA TAAL" in text.output
    for args, says in [(("--mark", "wijzigingen"), "onbekende dia 'wijzigingen'; bedoelt u wijzigingen-doorgeven?"),
                       (("--mark", "zo-werkt-het", "ar"), "zo-werkt-het heeft geen vertaling 'ar'; wel: en"),
                       (("en",), "talen (en) horen bij --mark DIA of --mark-all"),
                       (("--mark", "zo-werkt-het", "--mark-all"), "kies --mark DIA of --mark-all, niet allebei")]:
        result = run(root, *args)
        assert (result.exit_code, result.output.strip()) == (1, f"Fout: {says}"), args
    (root / SLIDE_FILE).write_text("id: kapot\n", "utf-8")  # no title: the content does not load
    broken = run(root)
    assert broken.exit_code == 1 and broken.output.startswith("Fout: ") and "Traceback" not in broken.output


def test_a_damaged_source_is_out_of_date_not_an_error_and_mark_mends_it(tmp_path: Path):
    root = folder(tmp_path)
    assert run(root, "--mark", "wijzigingen-doorgeven").exit_code == 0
    path = root / SLIDE_FILE
    text = path.read_text("utf-8")
    good = source_hash(loaded(root).slides["wijzigingen-doorgeven"])
    path.write_text(text.replace(f"source: {good}", "source: 756C628A", 1), "utf-8")  # an editor, a merge, a typo
    assert [field for _, _, field in outdated(root)] == ["translations.en.source"]
    assert run(root, "--mark", "wijzigingen-doorgeven", "en").exit_code == 0
    assert outdated(root) == [] and path.read_text("utf-8") == text
