"""The studio saves a slide the way a person writes it, and never over someone else's edit."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from narrowcast.content import roundtrip
from narrowcast.content.load import load_site
from narrowcast.content.roundtrip import EditConflict, file_version, new_slide, save_fields, save_text
from narrowcast.errors import NarrowcastError
from narrowcast.folder import is_content
from narrowcast.yamlsource import read_documents

from .conftest import MINIMAL_PLAYLIST, MINIMAL_SITE, MINIMAL_SLIDE, REPO, write_files

NAME = Path("slides/dia.yaml")
COMMENTED = """\
# Wijzigingen doorgeven: de dia die elke klant moet zien.
id: wijzigingen-stappen
layout: steps
title: "Verandert er iets?"  # kort houden
# De tekst leest het team taal na.
text: 'Geef het binnen 1 week aan ons door.'
icon: bel

# Zo doet u het:
steps:
  - Ga naar onze website.  # de eerste stap
  - Vul het formulier in.
# Labels voor de afspeellijst.
tags: [plichten]
"""


def folder(tmp_path: Path, slide: str | bytes = COMMENTED) -> Path:
    return write_files(tmp_path / "inhoud", {"narrowcast.yaml": MINIMAL_SITE, "playlists/werkplein.yaml": MINIMAL_PLAYLIST,
                                             str(NAME): slide})


def save(root: Path, changes: dict) -> str:
    return save_fields(root, NAME, changes, file_version(root / NAME))


def read(root: Path, name: Path = NAME) -> dict:
    documents, problems = read_documents(root / name, root)
    assert not problems and len(documents) == 1, problems
    return documents[0].data


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]


# --- what a person wrote stays -----------------------------------------------------------------

def test_comments_blank_lines_and_quotes_survive_a_change_of_title_text_and_steps(tmp_path: Path):
    root = folder(tmp_path)
    version = save(root, {"title": "Is er iets veranderd?", "text": "Geef het snel aan ons door.",
                          "steps": ["Ga naar de website.", "Vul het formulier in.", "Stuur het op."]})
    after = (root / NAME).read_text("utf-8")
    assert after == COMMENTED.replace('"Verandert er iets?"', '"Is er iets veranderd?"').replace(
        "'Geef het binnen 1 week aan ons door.'", "'Geef het snel aan ons door.'").replace(
        "  - Ga naar onze website.  # de eerste stap\n  - Vul het formulier in.\n",
        "  - Ga naar de website.  # de eerste stap\n  - Vul het formulier in.\n  - Stuur het op.\n"), after
    assert version == file_version(root / NAME)
    assert read(root)["steps"] == ["Ga naar de website.", "Vul het formulier in.", "Stuur het op."]


def test_values_yaml_would_read_otherwise_come_back_as_the_text_that_was_typed(tmp_path: Path):
    root = folder(tmp_path, MINIMAL_SLIDE)
    values = {"text": "no", "icon": "ja", "hours": "8:30", "valid_from": "2027-01-01", "qr": "12345678",
              "highlight": "{datum}", "image_alt": "true", "every": "", "duration": 12,
              "translations.en.title": "Note: this", "translations.en.text": "Line one\nline two"}
    save(root, values)
    data = read(root)
    got = {key: data["translations"]["en"][key.rsplit(".", 1)[1]] if "." in key else data[key] for key in values}
    assert got == {key: str(value) for key, value in values.items()}
    written = (root / NAME).read_text("utf-8").splitlines()
    # plain where narrowcast reads the same text back; quoted where an editor would see a number, true or null
    for line in ("text: no", "icon: ja", "hours: 8:30", "valid_from: 2027-01-01", "duration: 12", 'qr: "12345678"',
                 'highlight: "{datum}"', 'image_alt: "true"', 'every: ""', '    title: "Note: this"', "    text: |-"):
        assert line in written, (line, written)


def test_double_and_single_quotes_stay_and_a_new_value_takes_the_files_quotes(tmp_path: Path):
    slide = "id: dia\ntitle: 'Verandert er iets?'\ntext: 'Geef het door.'\nhighlight: '1 januari'\n"
    root = folder(tmp_path, slide)
    save(root, {"title": "Wat verandert er?", "qr": "12345678"})
    assert (root / NAME).read_text("utf-8") == slide.replace("'Verandert er iets?'", "'Wat verandert er?'").replace(
        "highlight: '1 januari'\n", "highlight: '1 januari'\nqr: '12345678'\n")


def test_translations_are_changed_and_added_in_their_block(tmp_path: Path):
    slide = COMMENTED + "translations:\n  en:\n    title: Is something changing?\n  tr: {title: Bir şey mi?}  # kort\n"
    root = folder(tmp_path, slide)
    save(root, {"translations.en.title": "Has something changed?", "translations.en.text": "Tell us.",
                "translations.tr.text": "Bize bildirin.", "translations.fr.title": "Quelque chose change?"})
    assert (root / NAME).read_text("utf-8") == COMMENTED + (
        "translations:\n  en:\n    title: Has something changed?\n    text: Tell us.\n"
        "  tr: {title: Bir şey mi?, text: Bize bildirin.}  # kort\n  fr:\n    title: Quelque chose change?\n")


def test_a_slide_without_translations_gets_its_block_at_the_end_and_new_keys_at_their_usual_place(tmp_path: Path):
    root = folder(tmp_path, MINIMAL_SLIDE)
    save(root, {"translations.en.title": "Is something changing?", "layout": "question", "tags": ["plichten"],
                "duration": 15})
    assert (root / NAME).read_text("utf-8") == (
        "id: wijzigingen-doorgeven\nlayout: question\ntitle: Verandert er iets?\n"
        "text: Geef het binnen 1 week aan ons door.\nicon: bell\nduration: 15\ntags:\n  - plichten\n"
        "translations:\n  en:\n    title: Is something changing?\n")
    # with translations there, a new field goes above them, not after them
    save(root, {"valid_until": "2027-03-31"})
    assert (root / NAME).read_text("utf-8").endswith("valid_until: 2027-03-31\ntranslations:\n  en:\n    title: Is something changing?\n")


def test_removing_keys_keeps_the_comments_that_stood_before_the_next_key(tmp_path: Path):
    root = folder(tmp_path)
    save(root, {"text": None, "icon": None, "steps": None})
    assert (root / NAME).read_text("utf-8") == (
        "# Wijzigingen doorgeven: de dia die elke klant moet zien.\nid: wijzigingen-stappen\nlayout: steps\n"
        'title: "Verandert er iets?"  # kort houden\n# De tekst leest het team taal na.\n\n# Zo doet u het:\n'
        "# Labels voor de afspeellijst.\ntags: [plichten]\n")
    assert "text" not in read(root)


def test_removing_a_translations_last_field_removes_its_block(tmp_path: Path):
    root = folder(tmp_path, MINIMAL_SLIDE + "translations:\n  en:\n    title: Hello\n  tr:\n    title: Merhaba\n")
    save(root, {"translations.en.title": None, "translations.tr.nothing": None})
    assert (root / NAME).read_text("utf-8") == MINIMAL_SLIDE + "translations:\n  tr:\n    title: Merhaba\n"
    save(root, {"translations.tr.title": None})
    assert (root / NAME).read_text("utf-8") == MINIMAL_SLIDE


def test_a_step_written_with_an_icon_keeps_it_when_its_text_changes(tmp_path: Path):
    slide = "id: stappen\nlayout: steps\ntitle: Zo werkt het\nsteps:\n- text: Vul het in.\n  icon: pen\n- Stuur het op.\n"
    root = folder(tmp_path, slide)
    save(root, {"steps": ["Vul het formulier in.", "Stuur het naar ons."]})
    assert (root / NAME).read_text("utf-8") == slide.replace("Vul het in.", "Vul het formulier in.").replace(
        "Stuur het op.", "Stuur het naar ons.")


@pytest.mark.parametrize("dash", ["", "  "], ids=["column-0", "column-2"])
def test_the_files_indentation_of_lists_is_kept_also_for_a_new_list(tmp_path: Path, dash: str):
    slide = f"id: stappen\nlayout: steps\ntitle: Zo werkt het\nsteps:\n{dash}- Vul het in.\n{dash}- Stuur het op.\n"
    root = folder(tmp_path, slide)
    save(root, {"steps": ["Vul het in.", "Stuur het op.", "Klaar."], "days": ["ma", "di"]})
    assert (root / NAME).read_text("utf-8") == slide + f"{dash}- Klaar.\ndays:\n{dash}- ma\n{dash}- di\n"


def test_crlf_a_bom_and_a_missing_last_line_break_are_kept(tmp_path: Path):
    slide = "\ufeff# Windows\r\nid: dia\r\ntitle: Verandert er iets?\r\ntranslations:\r\n  en:\r\n    title: Hello"
    root = folder(tmp_path, slide.encode("utf-8"))
    save(root, {"title": "Wat verandert er?", "translations.en.text": "Tell us."})
    assert (root / NAME).read_bytes() == (slide.replace("Verandert er iets?", "Wat verandert er?")
                                          + "\r\n    text: Tell us.").encode("utf-8")


def test_a_realistic_edit_of_an_example_slide_changes_only_the_intended_lines(tmp_path: Path):
    root = folder(tmp_path, (REPO / "slides" / "welkom.yaml").read_text("utf-8"))
    before = (root / NAME).read_text("utf-8")
    save(root, {"text": "Fijn dat u er bent. Wij helpen u graag verder.", "duration": 12,
                "translations.en.text": "Good to see you. We are happy to help you further.",
                "translations.pl.source": None, "hours": "8:30-16:30"})
    after = (root / NAME).read_text("utf-8")
    assert changed_lines(before, after) == [
        "- text: Fijn dat u er bent. Wij helpen u graag.",
        "+ text: Fijn dat u er bent. Wij helpen u graag verder.",
        "+ duration: 12",
        "+ hours: 8:30-16:30",
        "-     text: Good to see you. We are happy to help you.",
        "+     text: Good to see you. We are happy to help you further.",
        "-     source: e10015c5",
    ], changed_lines(before, after)
    assert after.index("duration: 12") < after.index("tags:") < after.index("hours:") < after.index("translations:")


# --- never over someone else's edit, never half a file ---------------------------------------------

def test_a_file_changed_on_disk_after_loading_is_refused_and_left_as_it_is(tmp_path: Path):
    root = folder(tmp_path)
    loaded = file_version(root / NAME)
    theirs = COMMENTED.replace("icon: bel", "icon: huis")
    (root / NAME).write_text(theirs, "utf-8")
    for attempt in (lambda: save_fields(root, NAME, {"title": "Mijn titel"}, loaded),
                    lambda: save_text(root, NAME, "id: dia\ntitle: Mijn titel\n", loaded)):
        with pytest.raises(EditConflict, match="intussen door iemand anders veranderd") as refused:
            attempt()
        assert isinstance(refused.value, NarrowcastError)
        assert (root / NAME).read_text("utf-8") == theirs
    (root / NAME).unlink()
    with pytest.raises(EditConflict, match="verwijderd"):
        save_fields(root, NAME, {"title": "Mijn titel"}, loaded)
    assert sorted(p.name for p in (root / "slides").iterdir()) == []


def test_a_change_on_disk_while_saving_is_refused_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = folder(tmp_path)
    theirs = COMMENTED.replace("icon: bel", "icon: huis")
    reader = roundtrip.read_documents

    def meanwhile(path: Path, root_: Path, *raw):  # someone saves just as the studio checks its temporary file
        if path.name.endswith(".tmp"):
            assert not is_content(path.relative_to(root.resolve())), "the watcher and the loader skip the temporary file"
            (root / NAME).write_text(theirs, "utf-8")
        return reader(path, root_, *raw)

    monkeypatch.setattr(roundtrip, "read_documents", meanwhile)
    with pytest.raises(EditConflict):
        save(root, {"title": "Mijn titel"})
    assert (root / NAME).read_text("utf-8") == theirs
    assert [p.name for p in (root / "slides").iterdir()] == ["dia.yaml"], "no temporary file left behind"


def test_a_file_that_would_read_back_differently_is_not_written(tmp_path: Path):
    root = folder(tmp_path)
    # Kept in the author's single quotes, a NEL character is a line break to narrowcast's reader (YAML 1.1)
    # but not to ruamel (YAML 1.2): the text read back would differ from what was typed.
    with pytest.raises(NarrowcastError, match="niet zo opslaan dat narrowcast precies leest wat u invulde"):
        save(root, {"text": "Geef het\x85door."})
    assert (root / NAME).read_text("utf-8") == COMMENTED
    assert [p.name for p in (root / "slides").iterdir()] == ["dia.yaml"], "no temporary file left behind"


def test_save_text_writes_exactly_the_text_of_the_yaml_tab(tmp_path: Path):
    root = folder(tmp_path)
    text = "id: dia   # mijn eigen opmaak\r\ntitle:    Zo   \r\n"
    version = save_text(root, NAME, text, file_version(root / NAME))
    assert (root / NAME).read_bytes() == text.encode("utf-8") and version == file_version(root / NAME)


@pytest.mark.parametrize("slide, change, says", [
    ("- id: een\n  title: Een\n", {"title": "Nieuw"}, "geen dia"),
    ("id: dia\ntitle: [Verandert er iets?\n", {"title": "Nieuw"}, "eerst hersteld"),
    ("id: dia\ntitle: Titel\ntranslations:\n  en: &zelfde\n    title: Hello\n  ar: *zelfde\n",
     {"translations.ar.title": "مرحبا"}, "anker"),
    ("id: dia\ntitle: &t Titel\ntext: *t\n", {"title": "Nieuw"}, "anker"),
    ("id: dia\ntitle: Titel\ntext: tekst\ntranslations: Engels\n", {"translations.en.title": "Hello"}, "geen blok met velden"),
], ids=["a-list", "broken", "alias-block", "alias-scalar", "not-a-block"])
def test_what_the_studio_cannot_save_safely_is_a_dutch_message_and_nothing_is_written(tmp_path: Path, slide, change, says):
    root = folder(tmp_path, slide)
    with pytest.raises(NarrowcastError, match=says) as refused:
        save(root, change)
    assert "YAML-weergave" in str(refused.value) or "hersteld" in str(refused.value)
    assert (root / NAME).read_text("utf-8") == slide
    assert len(list((root / "slides").iterdir())) == 1


def test_a_path_outside_the_content_folder_is_refused(tmp_path: Path):
    root = folder(tmp_path)
    (tmp_path / "elders.yaml").write_text(MINIMAL_SLIDE, "utf-8")
    with pytest.raises(NarrowcastError, match="buiten de inhoudsmap"):
        save_fields(root, Path("../elders.yaml"), {"title": "x"}, file_version(tmp_path / "elders.yaml"))
    assert (tmp_path / "elders.yaml").read_text("utf-8") == MINIMAL_SLIDE


# --- a new slide ----------------------------------------------------------------------------------

def test_a_new_slide_is_a_file_of_its_own_that_the_loader_accepts(tmp_path: Path):
    root = write_files(tmp_path / "inhoud", {"narrowcast.yaml": MINIMAL_SITE, "slides/wijzigingen.yaml": MINIMAL_SLIDE,
                                             "playlists/werkplein.yaml": MINIMAL_PLAYLIST + "  - slide: open\n"})
    path = new_slide(root, {"translations": {"en": {"text": "We are open.", "title": "Open"}}, "hours": "8:30-12:00",
                            "title": "Wij zijn open", "id": "open", "text": "Van 8.30 tot 12.00 uur.", "icon": None,
                            "days": ["ma", "di"], "duration": 12})
    assert path == root / "slides" / "open.yaml"
    assert path.read_text("utf-8") == (
        "# Nieuwe dia, gemaakt in de studio.\nid: open\ntitle: Wij zijn open\ntext: Van 8.30 tot 12.00 uur.\n"
        "duration: 12\ndays:\n  - ma\n  - di\nhours: 8:30-12:00\n"
        "translations:\n  en:\n    title: Open\n    text: We are open.\n")
    site, findings = load_site(root)
    assert site is not None, "\n".join(map(str, findings))
    assert site.slides["open"].title == "Wij zijn open" and site.slides["open"].translations["en"].title == "Open"


def test_a_new_slide_never_takes_an_id_or_file_that_exists(tmp_path: Path):
    root = write_files(tmp_path / "inhoud", {"narrowcast.yaml": MINIMAL_SITE, "slides/wijzigingen.yaml": MINIMAL_SLIDE,
                                             "slides/oud.yaml": "id: iets-anders\ntitle: Oud\n",
                                             "laws/wet.yaml": "id: nieuwe-regels\nname: Wet\n"})
    for ident, says in [("wijzigingen-doorgeven", "er is al een dia met id"), ("nieuwe-regels-voor", "er is al een dia met id"),
                        ("oud", "slides/oud.yaml bestaat al"), ("../oud", "kleine letters"), ("Open", "kleine letters")]:
        with pytest.raises(NarrowcastError, match=says):
            new_slide(root, {"id": ident, "title": "Nieuw"})
    assert (root / "slides/oud.yaml").read_text("utf-8") == "id: iets-anders\ntitle: Oud\n"
    assert sorted(p.name for p in (root / "slides").iterdir()) == ["oud.yaml", "wijzigingen.yaml"]


def test_the_example_slides_are_unchanged_by_a_save_that_changes_nothing(tmp_path: Path):
    root = folder(tmp_path, (REPO / "slides" / "welkom.yaml").read_text("utf-8"))
    version = file_version(root / NAME)
    assert save_fields(root, NAME, {"title": "Welkom bij Stroomopwaarts", "duration": None}, version) == version
    assert (root / NAME).read_bytes() == (REPO / "slides" / "welkom.yaml").read_bytes()
    shutil.rmtree(root)


MULTI = """\
# Twee dia's over geld.
id: eerste   # de eerste
title: "Eerste titel"
text: Tekst een.
---
# De tweede, met een vraag.
id: tweede
layout: question
title: Tweede titel
text: Tekst twee.
---
id: derde
title: Derde titel
"""


def test_a_slide_among_others_in_one_file_is_changed_and_the_others_keep_every_byte(tmp_path: Path):
    root = folder(tmp_path, MULTI)
    version = roundtrip.file_version(root / NAME)
    roundtrip.save_fields(root, Path(NAME), {"title": "Nieuwe tweede", "text": None, "icon": "geld"}, version, document=1)
    written = (root / NAME).read_text("utf-8")
    assert written == MULTI.replace("title: Tweede titel\ntext: Tekst twee.\n", "title: Nieuwe tweede\nicon: geld\n")
    version = roundtrip.file_version(root / NAME)
    roundtrip.save_fields(root, Path(NAME), {"text": "Tekst drie."}, version, document=2)
    assert (root / NAME).read_text("utf-8").endswith("id: derde\ntitle: Derde titel\ntext: Tekst drie.\n")
    roundtrip.save_fields(root, Path(NAME), {"title": "Eerste, anders"}, roundtrip.file_version(root / NAME))
    assert (root / NAME).read_text("utf-8").startswith('# Twee dia\'s over geld.\nid: eerste   # de eerste\n'
                                                       'title: "Eerste, anders"\ntext: Tekst een.\n---\n')
    with pytest.raises(NarrowcastError, match="hier staat geen dia"):
        roundtrip.save_fields(root, Path(NAME), {"title": "x"}, roundtrip.file_version(root / NAME), document=3)


PLAYLIST = """\
# De hal: wat iedereen ziet die binnenkomt.
id: hal
name: Hal
fallback: welkom
items:
  - slide: een   # altijd eerst
  - slide: twee
  # met de hand: de derde pas na overleg
  - slide: drie
"""


def test_a_slide_joins_and_leaves_a_playlist_and_the_authors_comments_stay(tmp_path: Path):
    root = folder(tmp_path)
    (root / "playlists/hal.yaml").write_text(PLAYLIST, encoding="utf-8")
    assert roundtrip.set_playlist_member(root, Path("playlists/hal.yaml"), "hal", "nieuw", True)
    assert (root / "playlists/hal.yaml").read_text("utf-8") == PLAYLIST + "  - slide: nieuw\n"
    assert not roundtrip.set_playlist_member(root, Path("playlists/hal.yaml"), "hal", "nieuw", True), "already in"
    assert roundtrip.set_playlist_member(root, Path("playlists/hal.yaml"), "hal", "twee", False)
    assert (root / "playlists/hal.yaml").read_text("utf-8") == PLAYLIST.replace("  - slide: twee\n", "") \
        + "  - slide: nieuw\n"
    with pytest.raises(NarrowcastError, match="afspeellijst balie staat er niet"):
        roundtrip.set_playlist_member(root, Path("playlists/hal.yaml"), "balie", "nieuw", True)


def test_a_playlists_items_are_put_in_a_new_order_and_each_keeps_its_own_comments(tmp_path: Path):
    root = folder(tmp_path)
    path = root / "playlists/hal.yaml"
    path.write_text(PLAYLIST, encoding="utf-8")
    version = roundtrip.set_playlist_items(root, Path("playlists/hal.yaml"), "hal", [2, 0, 1], file_version(path))
    assert path.read_text("utf-8") == (
        "# De hal: wat iedereen ziet die binnenkomt.\nid: hal\nname: Hal\nfallback: welkom\nitems:\n"
        "  # met de hand: de derde pas na overleg\n  - slide: drie\n  - slide: een   # altijd eerst\n  - slide: twee\n")
    assert version == file_version(path)
    back = roundtrip.set_playlist_items(root, Path("playlists/hal.yaml"), "hal", [1, 2, 0], version)
    assert path.read_text("utf-8") == PLAYLIST, "moved back, the file is as it was written"
    assert back == file_version(path)


def test_a_removed_item_goes_and_the_comment_lines_above_it_stay(tmp_path: Path):
    root = folder(tmp_path)
    path = root / "playlists/hal.yaml"
    path.write_text(PLAYLIST.replace("  - slide: drie\n", "  - slide: drie\n    duration: 12  # langer\n  - tag: geld\n"),
                    encoding="utf-8")
    roundtrip.set_playlist_items(root, Path("playlists/hal.yaml"), "hal", [0, 1, 3], file_version(path))
    assert path.read_text("utf-8") == PLAYLIST.replace("  - slide: drie\n", "  - tag: geld\n")
    assert read(root, Path("playlists/hal.yaml"))["items"] == [{"slide": "een"}, {"slide": "twee"}, {"tag": "geld"}]


def test_a_playlist_changed_on_disk_after_loading_is_neither_reordered_nor_added_to(tmp_path: Path):
    root = folder(tmp_path)
    path = root / "playlists/hal.yaml"
    path.write_text(PLAYLIST, encoding="utf-8")
    loaded = file_version(path)
    by_hand = PLAYLIST.replace("  - slide: twee\n", "  - slide: twee  # door een collega\n")
    path.write_text(by_hand, encoding="utf-8")
    with pytest.raises(EditConflict, match="intussen door iemand anders veranderd"):
        roundtrip.set_playlist_items(root, Path("playlists/hal.yaml"), "hal", [1, 0, 2], loaded)
    with pytest.raises(EditConflict):
        roundtrip.add_playlist_slide(root, Path("playlists/hal.yaml"), "hal", "nieuw", loaded)
    assert path.read_text("utf-8") == by_hand
    roundtrip.add_playlist_slide(root, Path("playlists/hal.yaml"), "hal", "nieuw", file_version(path))
    assert path.read_text("utf-8") == by_hand + "  - slide: nieuw\n"


@pytest.mark.parametrize("order", [[0, 0, 1], [0, 1, 3], [-1, 0, 1], [0, 1, 2.0]])
def test_an_order_that_does_not_fit_the_list_is_refused_and_nothing_is_written(tmp_path: Path, order):
    root = folder(tmp_path)
    path = root / "playlists/hal.yaml"
    path.write_text(PLAYLIST, encoding="utf-8")
    with pytest.raises(NarrowcastError, match="die volgorde past niet"):
        roundtrip.set_playlist_items(root, Path("playlists/hal.yaml"), "hal", order, file_version(path))
    assert path.read_text("utf-8") == PLAYLIST
