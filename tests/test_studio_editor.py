"""The slide editor's fields beyond title and text: steps (each with its icon and its own marks),
the icon picker searched by Dutch words, a picture uploaded with its description, and the other
languages in the live preview. The form's logic is tested as code; the editor itself in a real
Chromium against a real `narrowcast serve`.
"""

from __future__ import annotations

import html
import io
import re
import shutil
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from PIL import Image

from narrowcast.content.roundtrip import edited_text
from narrowcast.errors import NarrowcastError
from narrowcast.serve.studio import forms
from narrowcast.serve.studio.drafts import preview_pictures
from narrowcast.serve.studio.uploads import MAX_BYTES, checked_picture, store_picture
from narrowcast.yamlsource import load_plain

from .serving import NarrowcastServer, free_port
from .test_build import browser
from .test_player import context, example_build, player_build, servers  # noqa: F401
from .test_studio import PASSWORD, _log_in, _staff, studio  # noqa: F401

STEPS = """\
id: stappen
layout: steps
title: Zo werkt het
steps:
  # de volgorde is afgesproken met de balie
  - text: Neem uw brief mee.
    icon: brief
  - Wacht tot u wordt geroepen.
  - text: Wij helpen u.
    icon: hulp
translations:
  en:
    title: How it works
    steps:
      - Bring your letter.
      - Wait until you are called.
      - We help you.
"""


def _steps_typed(rows: list[tuple[str, str]]) -> dict[str, str]:
    typed = {}
    for n, (text, icon) in enumerate(rows + [("", "")] * (forms.MAX_STEPS - len(rows))):
        typed[f"steps.{n}.text"], typed[f"steps.{n}.icon"] = text, icon
    return typed


def _saved(typed: dict[str, str]) -> tuple[str, dict]:
    data = load_plain(STEPS)
    text = edited_text(STEPS, forms.changes(data, typed, ["en"]), 0, "slides/stappen.yaml")
    return text, load_plain(text)


# --- the steps as a form ---------------------------------------------------------------------------

def test_steps_show_as_rows_with_their_icons_and_spare_rows_after():
    rows = forms.step_rows(load_plain(STEPS))
    assert rows[:3] == [("Neem uw brief mee.", "brief", False), ("Wacht tot u wordt geroepen.", "", False),
                        ("Wij helpen u.", "hulp", False)]
    assert [spare for _, _, spare in rows[3:]] == [False, True, True], "one empty row shows, the others wait"
    assert forms.shown(forms.TRANSLATED[2], load_plain(STEPS)["translations"]["en"]) == (
        "Bring your letter.\nWait until you are called.\nWe help you.")


def test_an_unchanged_form_changes_nothing_in_the_steps():
    typed = _steps_typed([("Neem uw brief mee.", "brief"), ("Wacht tot u wordt geroepen.", ""), ("Wij helpen u.", "hulp")])
    typed["t.en.steps"] = "Bring your letter.\nWait until you are called.\nWe help you."
    assert forms.changes(load_plain(STEPS), typed, ["en"]) == {}


def test_a_step_edited_keeps_its_icon_the_comment_and_the_plain_steps_plain():
    text, data = _saved(_steps_typed([("Neem uw brief en uw pas mee.", "brief"), ("Wacht tot u wordt geroepen.", ""),
                                      ("Wij helpen u.", "hulp")]))
    assert data["steps"] == [{"text": "Neem uw brief en uw pas mee.", "icon": "brief"}, "Wacht tot u wordt geroepen.",
                             {"text": "Wij helpen u.", "icon": "hulp"}]
    assert "# de volgorde is afgesproken met de balie" in text
    assert "  - Wacht tot u wordt geroepen.\n" in text, "a plain step is still written plainly"


def test_an_icon_removed_added_and_a_step_added_and_removed():
    _, data = _saved(_steps_typed([("Neem uw brief mee.", ""), ("Wacht tot u wordt geroepen.", "klok"),
                                   ("", ""), ("Kom terug als het niet lukt.", ""), ("Bel ons gerust.", "")]))
    assert data["steps"] == [{"text": "Neem uw brief mee."}, {"text": "Wacht tot u wordt geroepen.", "icon": "klok"},
                             {"text": "Kom terug als het niet lukt."}, "Bel ons gerust."], \
        "the third block loses its icon and takes the next text; a new step is plain"


def test_a_translations_steps_are_lines_and_keep_the_icons_they_have():
    typed = {"t.en.steps": "Bring your letter.\n\nWait to be called.\nWe help you.\n"}
    text, data = _saved(typed)
    assert data["translations"]["en"]["steps"] == ["Bring your letter.", "Wait to be called.", "We help you."]
    assert data["steps"][0] == {"text": "Neem uw brief mee.", "icon": "brief"}, "the Dutch steps are untouched"


def test_a_finding_s_field_is_named_as_the_form_names_it():
    from narrowcast.serve.studio.forms import form_label

    assert [form_label(f) for f in ("steps[2].icon", "steps[3]", "translations.en.title", "translations.ar.steps[2]",
                                    "valid_from", "qr", "translations.en.onbekend")] == [
        "Stap 2, icoon", "Stap 3", "Titel (Engels)", "Stap 2 (Arabisch)", "Vanaf", "QR-code naar", "translations.en.onbekend"]


# --- pictures ----------------------------------------------------------------------------------------

def _png(size=(40, 30), kind="PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, kind)
    return out.getvalue()


def test_only_whole_png_jpeg_and_webp_pictures_are_taken():
    assert checked_picture(_png(), "kaart.png") == ".png"
    assert checked_picture(_png(kind="JPEG"), "foto.jpeg") == ".jpg"
    assert checked_picture(_png(kind="WEBP"), "x.webp") == ".webp"
    refused = {"leeg.png": b"", "tekst.png": b"dit is geen plaatje", "half.png": _png((400, 400))[:300],
               "bewegend.gif": _png(kind="GIF"), "groot.png": b"\x89PNG" + b"0" * MAX_BYTES}
    for name, data in refused.items():
        with pytest.raises(NarrowcastError) as raised:
            checked_picture(data, name)
        assert name in str(raised.value), f"{name}: the message names the file"


def test_a_picture_that_would_unpack_to_too_many_pixels_is_refused_before_decoding():
    out = io.BytesIO()
    Image.new("1", (6000, 6000)).save(out, "PNG")  # a few kB on disk, 36 million pixels
    assert len(out.getvalue()) < 100_000
    with pytest.raises(NarrowcastError, match="6000 × 6000 pixels"):
        checked_picture(out.getvalue(), "bom.png")
    # 20000 × 20000: Pillow refuses it at opening already; the message still says what is wrong
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    huge = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20000, 20000, 1, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 100)) + chunk(b"IEND", b""))
    with pytest.raises(NarrowcastError, match="meer dan 178 miljoen pixels") as raised:
        checked_picture(huge, "reus.png")
    assert "25 miljoen" in str(raised.value) and "geen leesbare" not in str(raised.value)


def test_an_uploaded_picture_gets_a_safe_name_and_never_replaces_another(tmp_path):
    assert store_picture(tmp_path, _png(), "Kaart Werkplein.PNG") == ("images/kaart-werkplein.png", True)
    assert store_picture(tmp_path, _png(), "kaart werkplein.png") == ("images/kaart-werkplein.png", False), "same picture"
    assert store_picture(tmp_path, _png((50, 50)), "kaart-werkplein.png") == ("images/kaart-werkplein-2.png", True)
    assert store_picture(tmp_path, _png(), "../../etc/€€.png") == ("images/afbeelding.png", True)
    assert sorted(p.name for p in (tmp_path / "images").iterdir()) == ["afbeelding.png", "kaart-werkplein-2.png",
                                                                         "kaart-werkplein.png"]


def test_the_preview_shows_each_screen_size_then_the_other_languages_of_one_look():
    class Look:
        def __init__(self, ident):
            self.id = ident

    hal, zuil = Look("hal"), Look("zuil")
    variants = [("s", hal, "hal-nl"), ("s", hal, "hal-en"), ("s", zuil, "zuil-nl"), ("s", zuil, "zuil-ar"),
                ("s", hal, "hal-ar")]
    screens, languages = preview_pictures(variants)
    assert screens == [(hal, "hal-nl"), (zuil, "zuil-nl")]
    assert languages == [(hal, "hal-en"), (hal, "hal-ar")]
    assert preview_pictures([("s", hal, "hal-nl")]) == ([(hal, "hal-nl")], [])


# --- in the browser ------------------------------------------------------------------------------------

@browser
def test_steps_icons_and_a_picture_in_the_editor(studio, context, tmp_path):  # noqa: F811
    site, server = studio
    (site / "slides/stappen.yaml").write_text(STEPS, encoding="utf-8")
    page = context.new_page()
    _log_in(page, server.base, "anna")
    page.goto(server.base + "/studio/slides/stappen")

    # A step gets its own marks, at the word, and the plain word one click away.
    second = page.locator("[id='f-steps.1.text']")
    second.fill("Wacht indien mogelijk tot u wordt geroepen.")
    marked = "[...document.querySelectorAll(\"[id='m-steps.1.text'] mark\")].map(m => m.textContent)"
    page.wait_for_function(f"() => {marked}.includes('indien')", timeout=60_000)
    assert not page.locator("[id='m-steps.0.text'] mark").count(), "the other steps are not marked"
    page.click("[id='m-steps.1.text'] li:has-text('‘indien’') button.take")
    assert second.input_value() == "Wacht als mogelijk tot u wordt geroepen."
    page.wait_for_function(f"() => !{marked}.includes('indien') && !{marked}.includes('als')", timeout=60_000)

    # One spare row shows; the button brings the next.
    assert page.locator("[id='f-steps.3.text']").is_visible()
    assert not page.locator("[id='f-steps.4.text']").is_visible()
    page.click("button:has-text('Nog een stap')")
    assert page.locator("[id='f-steps.4.text']").is_visible()
    page.fill("[id='f-steps.3.text']", "Vraag gerust wat u niet snapt.")
    page.fill("[id='f-t.en.steps']", "Bring your letter.\nWait until you are called.\nWe help you.\nAsk what is unclear.")

    # The icon picker, searched in Dutch.
    page.click("#veld-icon summary")
    page.fill("#icoon-zoek", "geld")
    page.wait_for_function("() => document.querySelectorAll('.icon-grid li:not([hidden])').length === 1")
    assert "1 icoon gevonden" in page.inner_text("#icoon-aantal")
    page.click(".icon-grid li:not([hidden]) button")
    assert page.input_value("#f-icon") == "geld"
    assert page.locator(".icon-now").is_visible()
    assert httpx.get(server.base + "/studio/iconen/geld.svg").headers["content-type"].startswith("image/svg+xml")
    assert httpx.get(server.base + "/studio/iconen/bestaat-niet.svg").status_code == 404

    # A picture without a description is refused, and nothing is left in images/.
    picture = tmp_path / "Plattegrond Hal.png"
    picture.write_bytes(_png((320, 200)))
    page.set_input_files("#f-image-file", str(picture))
    page.click("button:has-text('Opslaan')")
    page.wait_for_selector("[role=alert]")
    assert "Wat staat er op de afbeelding?" in page.inner_text("[role=alert]")
    assert not (site / "images/plattegrond-hal.png").exists()
    assert "Wacht tot u wordt geroepen." in (site / "slides/stappen.yaml").read_text(encoding="utf-8"), "nothing saved"

    # A body larger than a picture may be is refused before it is read.
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=60)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303
    huge = client.post("/studio/slides/stappen", files={"image_file": ("groot.png", b"0" * (6 * 2**20), "image/png")},
                       data={"image_alt": "Groot"})
    assert huge.status_code == 413 and "te groot" in huge.text
    assert not (site / "images/groot.png").exists()

    # With a description it is saved: the picture in images/, the slide pointing at it.
    page.fill("#f-image_alt", "Een kaart van de hal met de balie links.")
    page.set_input_files("#f-image-file", str(picture))
    page.click("button:has-text('Opslaan')")
    page.wait_for_selector("p.saved, .problem")
    assert not page.locator(".problem").count(), page.inner_text(".problem")
    written = (site / "slides/stappen.yaml").read_text(encoding="utf-8")
    data = load_plain(written)
    assert (site / "images/plattegrond-hal.png").read_bytes() == picture.read_bytes()
    assert (data["image"], data["image_alt"], data["icon"]) == ("images/plattegrond-hal.png",
                                                               "Een kaart van de hal met de balie links.", "geld")
    assert data["steps"][0] == {"text": "Neem uw brief mee.", "icon": "brief"}
    assert data["steps"][1:] == ["Wacht als mogelijk tot u wordt geroepen.", {"text": "Wij helpen u.", "icon": "hulp"},
                                 "Vraag gerust wat u niet snapt."]
    assert data["translations"]["en"]["steps"][3] == "Ask what is unclear."
    assert "# de volgorde is afgesproken met de balie" in written
    page.wait_for_selector("#pictures img", timeout=120_000)


@pytest.fixture
def example_studio(example_build, servers, tmp_path):  # noqa: F811
    site = tmp_path / "voorbeeld"
    shutil.copytree(example_build, site, symlinks=True)
    _staff(site)
    return site, servers(NarrowcastServer, site, free_port(), tmp_path / "serve.log")


@browser
def test_the_preview_shows_the_other_languages_and_marks_in_a_translation(example_studio, context):  # noqa: F811
    site, server = example_studio
    page = context.new_page()
    _log_in(page, server.base, "anna")
    page.goto(server.base + "/studio/slides/formulierenbrigade-hulp")
    page.wait_for_function("() => [...document.querySelectorAll('#pictures figcaption')]"
                           ".some(c => / uk, /.test(c.textContent))", timeout=120_000)
    captions = page.eval_on_selector_all("#pictures figcaption", "els => els.map(e => e.textContent)")
    assert re.search(r", nl, 1920 × 1080$", captions[0]), captions
    assert {lang for lang in ("en", "ar", "tr", "pl", "uk") if any(f", {lang}, " in c for c in captions)} == {
        "en", "ar", "tr", "pl", "uk"}, captions
    assert not page.locator("#veld-steps").is_visible(), "no steps on a standard slide"
    page.select_option("#f-layout", "steps")
    assert page.locator("#veld-steps").is_visible(), "the shape Stappen shows them"
    page.select_option("#f-layout", "standard")
    page.fill("[id='f-t.en.text']", "Our form helpers help you for free. Bring every letter and every form that you "
                                    "got from the municipality or from the tax office this year.")
    page.wait_for_selector("[id='m-t.en.text'] mark", timeout=60_000)
    assert page.inner_text("[id='m-t.en.text'] mark").startswith("Bring every letter")
    assert "19 woorden" in page.inner_text("[id='m-t.en.text']")


@browser
def test_the_editor_with_steps_and_the_icon_picker_open_passes_axe(studio, chromium):  # noqa: F811
    from .test_accessibility import AXE, assert_none, violations_at_each_width

    site, server = studio
    (site / "slides/stappen.yaml").write_text(STEPS.replace("Wij helpen u.", "Indien u wilt, helpen wij u."),
                                              encoding="utf-8")
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=120)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303

    def editor(page):
        assert page.goto(server.base + "/studio/slides/stappen").status == 200
        page.wait_for_selector("[id='m-steps.2.text'] mark", timeout=60_000)
        page.click("#veld-icon summary")
        page.fill("#icoon-zoek", "bel")
        page.click("details.translation summary")

    assert_none(violations_at_each_width(chromium, AXE, server.base, client.cookies, editor))


@browser
def test_stale_playlist_ticks_an_emptied_yaml_and_a_long_id_change_nothing(studio):  # noqa: F811
    site, server = studio
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=120)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303
    shown = client.get("/studio/slides/twee").text
    version = re.search(r'name="version" value="([^"]+)"', shown).group(1)
    assert 'name="afspeellijst_was" value="hal"' in shown
    hal = site / "playlists/hal.yaml"
    hal.write_text(hal.read_text(encoding="utf-8").replace("  - slide: twee\n", ""), encoding="utf-8")  # a colleague
    saved = client.post("/studio/slides/twee", data={"version": version, "title": "Vragen over uw geld?",
                                                     "afspeellijsten": "1", "afspeellijst": "hal", "afspeellijst_was": "hal"})
    assert saved.status_code == 303
    assert "slide: twee" not in hal.read_text(encoding="utf-8"), "a box left as it was undoes nobody's change"

    before = (site / "slides/dia.yaml").read_bytes()
    version = re.search(r'name="version" value="([^"]+)"', client.get("/studio/slides/twee?weergave=yaml").text).group(1)
    emptied = client.post("/studio/slides/twee", data={"version": version, "yaml": "  \n"})
    assert emptied.status_code == 409 and "niet meer" in emptied.text
    assert (site / "slides/dia.yaml").read_bytes() == before

    long_id = client.post("/studio/nieuw", data={"title": "Test", "id": "z" * 251, "layout": "standard"})
    assert long_id.status_code == 422 and "hooguit 80" in long_id.text

    # A refused form save names the form's fields, not the YAML's lines and keys.
    version = re.search(r'name="version" value="([^"]+)"', client.get("/studio/slides/twee").text).group(1)
    def problem(typed: dict) -> str:
        refused = client.post("/studio/slides/twee", data={"version": version, **typed})
        assert refused.status_code == 409
        said = html.unescape(re.search(r'<div class="problem" role="alert">(.*?)</div>', refused.text, re.S).group(1))
        assert "regel" not in said and "steps[" not in said, said
        return said
    assert "Stap 2, icoon: icoon 'bestaat-niet' bestaat niet" in problem(
        {"steps.0.text": "Neem uw brief mee.", "steps.1.text": "Wacht even.", "steps.1.icon": "bestaat-niet"})
    assert "QR-code naar: 'ftp://x' is geen webadres" in problem({"qr": "ftp://x"})
    assert (site / "slides/dia.yaml").read_bytes() == before


@browser
def test_a_draft_with_an_endless_word_is_refused_before_it_reaches_the_build_worker(studio):  # noqa: F811
    site, server = studio
    client = httpx.Client(base_url=server.base, headers={"Origin": server.base}, timeout=60)
    assert client.post("/login", data={"name": "anna", "password": PASSWORD}).status_code == 303
    started = __import__("time").monotonic()
    refused = client.post("/api/studio/voorbeeld", json={"slide": "twee", "fields": {"title": "x" * 60_000}})
    assert refused.status_code == 400 and "meer dan 80 tekens" in refused.json()["error"]
    assert __import__("time").monotonic() - started < 10
    fine = client.post("/api/studio/voorbeeld", json={"slide": "twee", "fields": {"title": "Vragen over uw geld?"}})
    assert fine.status_code == 200 and fine.json()["ok"]
