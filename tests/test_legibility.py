"""Legibility measured on the rendered slide: contrast, fit, clipping, letter size for the distance."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from narrowcast.check.legibility import min_cap_height_px, pixel_mm
from narrowcast.commands.cli import cli
from narrowcast.content.model import Screen

from .conftest import MINIMAL_SITE, write_files
from .test_build import browser


def findings(root: Path) -> list[dict]:
    result = CliRunner().invoke(cli, ["-C", str(root), "check", "--format", "json", "--at", "2026-11-23 10:00"])
    return json.loads(result.output)["findings"]


def theme(root: Path, text: str, background: str) -> None:
    write_files(root, {"themes/huisstijl/theme.yaml": f"name: huisstijl\nextends: default\n"
                                                     f"colors:\n  text: '{text}'\n  background: '{background}'\n"})
    config = (root / "narrowcast.yaml").read_text(encoding="utf-8")
    (root / "narrowcast.yaml").write_text("theme: huisstijl\n" + config, encoding="utf-8")


def test_pixel_size_and_needed_cap_height():
    screen = Screen(id="a", name="A", resolution="1920x1080", diagonal=55, distance=4, playlist="p")
    assert round(pixel_mm(screen), 3) == 0.634  # 55" 16:9 is 1218 mm wide
    assert round(min_cap_height_px(screen), 1) == 31.5  # 20 mm from 4 m


@browser
def test_contrast_below_aa_is_an_error_at_its_wcag_value(minimal: Path):
    theme(minimal, "#777777", "#ffffff")
    contrast = [f for f in findings(minimal) if f["code"] == "contrast" and "h1.title" in f["message"]]
    assert contrast and contrast[0]["severity"] == "error"
    assert "4.5:1 (#777777 op #ffffff" in contrast[0]["message"]  # WCAG: #777 on white is 4.48:1


@browser
def test_contrast_between_aa_and_aaa_is_a_warning(minimal: Path):
    theme(minimal, "#595959", "#ffffff")  # WCAG: 7.00:1 exactly is AAA; #5a5a5a is 6.9:1
    assert not [f for f in findings(minimal) if f["code"] == "contrast" and "h1.title" in f["message"]]
    (minimal / "themes/huisstijl/theme.yaml").write_text(
        "name: huisstijl\nextends: default\ncolors:\n  text: '#6a6a6a'\n  background: '#ffffff'\n", encoding="utf-8")
    found = [f for f in findings(minimal) if f["code"] == "contrast" and "h1.title" in f["message"]]
    assert found and found[0]["severity"] == "warning" and "5.4:1" in found[0]["message"]


@browser
def test_an_overflowing_slide_is_caught(minimal: Path):
    words = " ".join(["Geef"] + ["veranderingen"] * 60)
    (minimal / "slides/wijzigingen.yaml").write_text(
        f"id: wijzigingen-doorgeven\ntitle: Verandert er iets?\ntext: {words}.\nicon: bel\nduration: 60\n", encoding="utf-8")
    found = [f for f in findings(minimal) if f["code"] in ("text-overflow", "text-clipped")]
    assert found and found[0]["severity"] == "error" and found[0]["file"] == "slides/wijzigingen.yaml"


@browser
def test_a_clipped_element_is_caught(minimal: Path):
    write_files(minimal, {"templates/layouts/standard.html":
                          '{% extends "base.html" %}{% block content %}'
                          '<h1 class="title" style="position:absolute; left:90vw; white-space:nowrap">{{ slide.title }}</h1>'
                          '{% endblock %}'})
    found = [f for f in findings(minimal) if f["code"] == "text-clipped"]
    assert found and "valt buiten de dia" in found[0]["message"]


@browser
def test_too_small_text_for_the_distance_is_caught(minimal: Path):
    ok = [f for f in findings(minimal) if f["code"] == "cap-height"]
    assert ok == [], "the default theme reads from 4 m on a 55 inch screen"
    (minimal / "narrowcast.yaml").write_text(MINIMAL_SITE.replace("distance: 4", "distance: 5").replace("diagonal: 55", "diagonal: 24"),
                                             encoding="utf-8")
    found = [f for f in findings(minimal) if f["code"] == "cap-height"]
    assert found and found[0]["severity"] == "error" and "vanaf 5 m is 25 mm nodig" in found[0]["message"]


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, "PNG")
    return out.getvalue()


def test_picture_without_description_warns(minimal: Path):
    write_files(minimal, {"images/a.png": _png()})
    (minimal / "slides/wijzigingen.yaml").write_text(
        "id: wijzigingen-doorgeven\ntitle: Verandert er iets?\nimage: images/a.png\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(minimal), "check", "--no-render"])
    assert "slides/wijzigingen.yaml:3:8: waarschuwing: image: de afbeelding heeft geen beschrijving" in result.output
