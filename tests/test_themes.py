"""Themes: the lookup chain, settings merged along extends, NL Design System tokens, autoescape."""

from __future__ import annotations

from pathlib import Path

import pytest

from narrowcast.errors import NarrowcastError
from narrowcast.assets.themes import BUILTIN_THEMES, available_themes, load_theme

from .conftest import REPO, write_files


def test_example_theme_takes_its_colours_from_design_tokens():
    theme = load_theme(REPO, "stroomopwaarts")
    assert theme.folders == [REPO / "themes/stroomopwaarts", BUILTIN_THEMES / "default"]
    colors = theme.settings["colors"]
    assert colors["text"] == "#1B2A33", "utrecht.document.color -> {stroomopwaarts.color.inkt}"
    assert colors["accent"] == "#0E3B2E" and colors["news"] == "#7A3A0A"
    assert colors["accent_text"] == "#FFFFFF", "what the tokens leave out comes from the parent"
    assert theme.settings["fonts"]["body"] == ["NC Sans", "NC Sans Arabic", "sans-serif"]
    assert "--nc-color-text: #1B2A33;" in theme.css and '--nc-font-body: "NC Sans", "NC Sans Arabic", sans-serif;' in theme.css


def test_an_unknown_token_is_named(tmp_path: Path):
    write_files(tmp_path, {"themes/x/theme.yaml": "name: x\ntokens:\n  file: t.json\n  map:\n    colors.text: a.b\n",
                           "themes/x/t.json": '{"a": {"c": {"value": "#000"}}}'})
    with pytest.raises(NarrowcastError, match="design token 'a.b'"):
        load_theme(tmp_path, "x")


def test_content_folder_templates_override_the_theme(tmp_path: Path):
    write_files(tmp_path, {"templates/layouts/standard.html": '{% extends "base.html" %}{% block content %}EIGEN{% endblock %}'})
    theme = load_theme(tmp_path, "default")
    html = theme.environment.get_template("layouts/standard.html").render(
        slide={"layout": "standard", "lang": "nl", "dir": "ltr", "title": "Titel", "footer": None}, screen={"orientation": "landscape"},
        font_css="", theme_css="")
    assert "EIGEN" in html and 'id="slide"' in html, "the override extends the theme's base"


def test_a_content_theme_hides_a_builtin_one_and_cycles_are_refused(tmp_path: Path):
    write_files(tmp_path, {"themes/a/theme.yaml": "name: a\nextends: b\n", "themes/b/theme.yaml": "name: b\nextends: a\n"})
    assert set(available_themes(tmp_path)) >= {"a", "b", "default"}
    with pytest.raises(NarrowcastError, match="verwijst via extends naar zichzelf"):
        load_theme(tmp_path, "a")


def test_autoescape_is_on_for_every_template(tmp_path: Path):
    theme = load_theme(tmp_path, "default")
    template = theme.environment.from_string("{{ x }}")
    assert template.render(x="<b>") == "&lt;b&gt;"
