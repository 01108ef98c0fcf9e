"""The look of side by side (a translation smaller on the Dutch slide) and of urgent notices,
rendered by the real Chromium and measured the way the legibility check measures."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from narrowcast.assets.themes import load_theme
from narrowcast.content.ids import ItemId
from narrowcast.content.load import load_site
from narrowcast.content.model import Screen, Slide, Translation
from narrowcast.render.html import render_html, slide_context
from narrowcast.render.pool import RenderPool
from narrowcast.schedule.plan import Entry

from .building import build
from .conftest import copy_example, write_files
from .test_build import browser

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=AMS)

SITE = """\
site: Testlocatie
screens:
  - {id: breed, name: Breed, resolution: 1920x1080, diagonal: 50, distance: 3.5, playlist: balie}
  - {id: klein, name: Klein, resolution: 1366x768, diagonal: 32, distance: 2.5, playlist: balie}
  - {id: staand, name: Staand, resolution: 1080x1920, diagonal: 43, distance: 2, playlist: balie}
"""
SLIDES = """\
id: welkom
title: Welkom bij de balie
text: Fijn dat u er bent. Wij helpen u graag.
icon: welkom
translations:
  ar:
    title: "مرحبًا بكم عند مكتب الاستقبال"
    text: "يسعدنا وجودكم هنا. نحن سعداء بمساعدتكم."
  en:
    title: Welcome to the desk
    text: Good to see you. We are happy to help you.
---
id: stappen
layout: steps
title: Zo helpen wij u
steps:
  - text: Neem uw brieven mee.
    icon: brief
  - text: Wij lezen de brief samen.
    icon: samen
  - text: Wij vullen het formulier in.
    icon: formulier
translations:
  ar:
    title: "هكذا نساعدكم"
    steps:
      - "أحضروا رسائلكم معكم."
      - "نقرأ الرسالة معًا."
      - "نملأ الاستمارة معًا."
"""
PLAYLIST = """\
id: balie
name: Balie
language_mode: side-by-side
items:
  - slide: welkom
  - slide: stappen
"""
# What the page says about the slide's own text and its translation beside it.
SIZES_JS = """() => {
  const px = (sel) => { const el = document.querySelector(sel); return el ? parseFloat(getComputedStyle(el).fontSize) : null; };
  const beside = document.querySelector('.beside');
  const arabic = [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'NC Sans Arabic');
  return {title: px('.title'), besideTitle: px('.beside-title'), text: px('.text'), besideText: px('.beside-text'),
          direction: beside && getComputedStyle(beside).direction,
          family: beside && getComputedStyle(beside).fontFamily,
          arabicLoaded: arabic.some((f) => f.status === 'loaded')};
}"""
MEASURED_PROBLEMS = ("text-overflow", "text-clipped", "cap-height", "contrast")


@pytest.fixture(scope="module")
def side_by_side(tmp_path_factory):
    root = write_files(tmp_path_factory.mktemp("naast") / "inhoud", {
        "narrowcast.yaml": SITE, "slides/welkom.yaml": SLIDES, "playlists/balie.yaml": PLAYLIST})
    return root, build(root, NOW)


def _item_html(root: Path, screen: str, item_id: str) -> Path:
    manifest = json.loads((root / "output/screens" / screen / "manifest.json").read_text(encoding="utf-8"))
    item = next(i for i in manifest["items"] if i["id"] == item_id)
    return (root / "output/screens" / screen / item["html"]).resolve()


@pytest.mark.browser
@browser
@pytest.mark.parametrize("screen", ["breed", "klein", "staand"])
def test_arabic_beside_the_dutch_is_right_to_left_in_its_own_font_and_smaller(side_by_side, chromium, screen):
    root, _ = side_by_side
    html_file = _item_html(root, screen, "welkom+ar")
    html = html_file.read_text(encoding="utf-8")
    head, body = html.split("<body", 1)
    assert '<section class="beside" lang="ar" dir="rtl">' in body
    assert 'font-family: "NC Sans Arabic"' in head, "the Arabic face is embedded for the translation"
    assert "Welkom bij de balie" in body.replace("\u00ad", "") and "مرحبًا بكم عند مكتب الاستقبال" in body
    width, height = map(int, {"breed": (1920, 1080), "klein": (1366, 768), "staand": (1080, 1920)}[screen])
    page = chromium.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(html_file.as_uri())
        page.evaluate("document.fonts.ready")
        sizes = page.evaluate(SIZES_JS)
    finally:
        page.close()
    assert sizes["direction"] == "rtl" and sizes["family"].startswith('"NC Sans Arabic"')
    assert sizes["arabicLoaded"], "the translation is set in the embedded Arabic face"
    assert sizes["title"] > sizes["besideTitle"] * 1.15, sizes
    assert sizes["text"] >= sizes["besideText"], sizes


@pytest.mark.browser
@browser
def test_a_latin_translation_beside_embeds_no_arabic_face(side_by_side):
    root, _ = side_by_side
    html = _item_html(root, "breed", "welkom+en").read_text(encoding="utf-8")
    assert '<section class="beside" lang="en" dir="ltr">' in html
    assert "NC Sans Arabic\"; font-weight" not in html.split("<body")[0]


@pytest.mark.browser
@browser
def test_steps_carry_their_translation_under_each_step(side_by_side):
    root, _ = side_by_side
    html = _item_html(root, "staand", "stappen+ar").read_text(encoding="utf-8")
    assert html.count('<span class="step-beside" lang="ar" dir="rtl">') == 3
    assert "نقرأ الرسالة معًا." in html


@pytest.mark.browser
@browser
def test_no_side_by_side_slide_overflows_or_reads_too_small(side_by_side):
    _, report = side_by_side
    jobs = [job for job in report.renders.values() if "+" in job.entry_id]
    assert {(job.entry_id, job.width) for job in jobs} >= {("welkom+ar", 1920), ("welkom+ar", 1366), ("welkom+ar", 1080),
                                                          ("stappen+ar", 1920), ("stappen+ar", 1080)}
    assert {f"{job.entry_id} {job.width}x{job.height}": job.result.problems for job in jobs if job.result.problems} == {}
    assert [f.message for f in report.findings if f.code in MEASURED_PROBLEMS] == []


# --- urgent ------------------------------------------------------------------------------------

def _contrast(a: str, b: str) -> float:
    def luminance(colour: str) -> float:
        channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_urgent_colours_have_7_to_1_contrast_in_the_default_and_the_example_theme(tmp_path):
    root = copy_example(tmp_path / "voorbeeld")
    for name in ("default", "stroomopwaarts"):
        colors = load_theme(root, name).settings["colors"]
        pairs = {"text on urgent": (colors["urgent_text"], colors["urgent"]),
                 "end time and translation on urgent_soft": (colors["urgent"], colors["urgent_soft"])}
        for what, (fg, bg) in pairs.items():
            assert _contrast(fg, bg) >= 7, (name, what, fg, bg, round(_contrast(fg, bg), 2))


def _notice(also: str | None = None) -> Entry:
    slide = Slide(id="melding-20261202-1000", layout="urgent", title="Vandaag is de balie dicht", highlight="tot 17:00",
                  translations={"ar": Translation(title="المكتب مغلق اليوم", highlight="10:00 – 17:00")})
    return Entry(ItemId(slide.id, also=also), slide, "nl", 10, priority=100, interrupt=True, also=also)


@pytest.mark.browser
@browser
def test_an_urgent_notice_shows_its_end_time_in_its_own_colour_and_fits(tmp_path):
    root = copy_example(tmp_path / "voorbeeld")
    site, _ = load_site(root)
    theme = load_theme(root, site.config.theme)
    screens = [Screen(id="s", name="S", resolution=size, diagonal=50, distance=3.5, playlist="werkplein")
               for size in ("1920x1080", "1366x768", "1080x1920")]
    with RenderPool(1) as pool:
        for also in (None, "ar"):
            for screen in screens:
                html = render_html(theme, slide_context(site, _notice(also), screen))
                assert 'class="slide layout-urgent' in html and '<p class="highlight until">tot 17:00</p>' in html
                assert "<svg" in html.split('class="icon icon-main icon-urgent"', 1)[1][:200], "the warning sign"
                assert ('<section class="beside beside-urgent" lang="ar" dir="rtl">' in html) == (also == "ar")
                measured = pool.run(lambda renderer, html=html, s=screen: renderer.render(html, s.width, s.height))
                # measure.js also measures contrast against the real background: below 7:1 is a problem
                assert measured.problems == [], (also, screen.resolution, measured.problems)


@pytest.mark.browser
@browser
def test_a_translation_too_long_for_its_panel_is_reported_and_never_pushes_the_dutch_off(tmp_path):
    root = copy_example(tmp_path / "voorbeeld")
    site, _ = load_site(root)
    theme = load_theme(root, site.config.theme)
    arabic = " ".join(["يسعدنا وجودكم هنا. نحن سعداء بمساعدتكم في كل ما تحتاجونه اليوم."] * 8)
    slide = Slide(id="lang", title="Een regeling die bij u past", icon="geld",
                  text="Heeft u geld terug te betalen? Wij maken samen een regeling. Die past bij wat u kunt betalen.",
                  translations={"ar": Translation(title="خطة دفع تناسبكم", text=arabic)})
    entry = Entry(ItemId("lang", also="ar"), slide, "nl", 10, also="ar")
    with RenderPool(1) as pool:
        for size in ("1920x1080", "1080x1920"):
            screen = Screen(id="s", name="S", resolution=size, diagonal=50, distance=3.5, playlist="werkplein")
            html = render_html(theme, slide_context(site, entry, screen))
            measured = pool.run(lambda renderer, html=html, s=screen: renderer.render(html, s.width, s.height))
            elements = {p["element"] for p in measured.problems}
            assert "section.beside" in elements, (size, measured.problems)  # the check names it: "maak de tekst korter"
            assert not elements & {"h1.title", "div.text", "main.main", "div.body"}, (size, measured.problems)
