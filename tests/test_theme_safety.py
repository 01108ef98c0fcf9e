"""A theme can never run script or reach the network: values are checked, slides carry a strict
Content-Security-Policy, and the renderer makes no requests. Each case names the place and the fix."""

from __future__ import annotations

import base64
import http.server
import json
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from .building import build
from narrowcast.commands.cli import cli
from narrowcast.render.html import SLIDE_CSP
from narrowcast.assets.themes import load_theme, theme_findings

from .conftest import MINIMAL_SITE, REPO, write_files
from .test_build import NOW, browser

THEME = "themes/huis/theme.yaml"
SITE_WITH_THEME = "theme: huis\n" + MINIMAL_SITE


@dataclass
class Case:
    name: str
    files: dict[str, str]  # theme.yaml body under name/extends, and any other files of the theme
    where: str  # file:line:column of the error
    message: str  # a part of the Dutch message that tells the fix
    field: str = ""  # the field named in the finding, if any


HEAD = "name: huis\nextends: default\n"  # lines 1-2 of every theme.yaml below
CASES = [
    Case("colour-closes-the-style-element", {THEME: HEAD + 'colors:\n  text: "red;}</style><script>alert(1)</script>"\n'},
         f"{THEME}:4:9", "is geen kleur", "colors.text"),
    Case("colour-hex-without-quotes-is-a-comment", {THEME: HEAD + "colors:\n  text: #12304D\n"},
         f"{THEME}:4:8", "tussen aanhalingstekens", "colors.text"),
    Case("colour-misspelled", {THEME: HEAD + "colors:\n  accent: bleu\n"},
         f"{THEME}:4:11", "'bleu' is geen kleur", "colors.accent"),
    Case("colour-function-with-words", {THEME: HEAD + 'colors:\n  accent: "rgb(0, 0, expression(alert(1)))"\n'},
         f"{THEME}:4:11", "is geen kleur", "colors.accent"),
    Case("colour-key-breaks-out", {THEME: HEAD + 'colors:\n  "x: red; } body { color": "#000"\n'},
         f"{THEME}:4:3", "geen goede naam", "colors.x: red; } body { color"),
    Case("size-with-a-space", {THEME: HEAD + 'sizes:\n  margin: "6 vmin"\n'},
         f"{THEME}:4:11", "'6 vmin' is geen maat", "sizes.margin"),
    Case("size-fetches-a-url", {THEME: HEAD + 'sizes:\n  margin: "url(http://127.0.0.1:9/x)"\n'},
         f"{THEME}:4:11", "is geen maat", "sizes.margin"),
    Case("size-unknown-function", {THEME: HEAD + 'sizes:\n  margin: "env(x)"\n'},
         f"{THEME}:4:11", "is geen maat", "sizes.margin"),
    Case("font-family-with-a-quote", {THEME: HEAD + "fonts:\n  body: ['NC Sans\", x']\n"},
         f"{THEME}:4:10", "is geen naam van een lettertype", "fonts.body[1]"),
    Case("font-face-file-outside-the-theme", {THEME: HEAD + "fonts:\n  faces:\n    - family: Eigen\n"
                                                             "      file: ../../narrowcast.yaml\n"},
         f"{THEME}:6:13", "buiten de themamap", "fonts.faces[1].file"),
    Case("font-face-file-missing", {THEME: HEAD + "fonts:\n  faces:\n    - family: Eigen\n      file: fonts/weg.woff2\n"},
         f"{THEME}:6:13", "bestaat niet", "fonts.faces[1].file"),
    Case("font-face-file-not-a-font", {THEME: HEAD + "fonts:\n  faces:\n    - family: Eigen\n      file: logo.png\n",
                                       "themes/huis/logo.png": "png"},
         f"{THEME}:6:13", "geen lettertype", "fonts.faces[1].file"),
    Case("font-face-weight-with-css", {THEME: HEAD + "fonts:\n  faces:\n    - family: Eigen\n"
                                                      "      weight: '400; src: url(http://127.0.0.1:9/f)'\n"
                                                      "      file: fonts/eigen.woff2\n",
                                       "themes/huis/fonts/eigen.woff2": "wOF2"},
         f"{THEME}:6:15", "is geen letterdikte", "fonts.faces[1].weight"),
    Case("design-token-closes-the-style-element", {
        THEME: HEAD + "tokens:\n  file: tokens.json\n  map:\n    colors.text: huis.kleur\n",
        "themes/huis/tokens.json": json.dumps({"huis": {"kleur": {"value": "#000;}</style><script>alert(1)</script>"}}})},
         f"{THEME}:6:18", "design token 'huis.kleur'", "tokens.map.colors.text"),
    Case("theme-css-closes-the-style-element", {THEME: HEAD, "themes/huis/theme.css": "p { color: red }\n</style><script>alert(1)</script>\n"},
         "themes/huis/theme.css:2:1", "</style"),
    Case("theme-css-outside-address", {THEME: HEAD, "themes/huis/theme.css": "body {\n  background: url(http://127.0.0.1:9/x.png);\n}\n"},
         "themes/huis/theme.css:2:15", "adres buiten de dia"),
    Case("theme-css-import", {THEME: HEAD, "themes/huis/theme.css": "@import 'https://fonts.example.org/f.css';\n"},
         "themes/huis/theme.css:1:1", "adres buiten de dia"),
    Case("template-outside-address", {THEME: HEAD, "themes/huis/templates/layouts/standard.html":
                                      '{% extends "base.html" %}\n{% block content %}\n<img src="https://example.org/logo.png">\n'
                                      '{% endblock %}\n'},
         "themes/huis/templates/layouts/standard.html:3:6", "adres buiten de dia"),
]


def _folder(root: Path, case: Case) -> Path:
    from .conftest import MINIMAL_PLAYLIST, MINIMAL_SLIDE

    return write_files(root, {"narrowcast.yaml": SITE_WITH_THEME, "slides/wijzigingen.yaml": MINIMAL_SLIDE,
                              "playlists/werkplein.yaml": MINIMAL_PLAYLIST, **case.files})


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_bad_theme_value_is_refused_at_its_line_with_the_fix(tmp_path: Path, case: Case):
    root = _folder(tmp_path / "inhoud", case)
    result = CliRunner().invoke(cli, ["-C", str(root), "check", "--no-render"])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), "a user's mistake must not raise"
    matching = [line for line in result.output.splitlines() if line.startswith(case.where + ": fout")]
    assert matching, f"no error at {case.where}:\n{result.output}"
    assert any(case.message in line for line in matching), f"expected '{case.message}' in:\n{result.output}"
    if case.field:
        assert any(f": fout: {case.field}: " in line for line in matching), result.output


def test_a_theme_value_with_markup_stops_the_build_and_publishes_nothing(tmp_path: Path):
    root = _folder(tmp_path / "inhoud", CASES[0])
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-q"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "er is niets gepubliceerd" in result.output
    assert f"{THEME}:4:9: fout: colors.text: " in result.output
    assert not (root / "output").exists(), "nothing was published"


def test_every_css_colour_and_length_form_a_theme_may_use_is_accepted(tmp_path: Path):
    colours = ["#abc", "#abcd", "#A0B1C2", "#a0b1c2d3", "rgb(18 48 77)", "rgb(18 48 77 / 50%)", "rgba(18, 48, 77, .5)",
               "hsl(210deg 62% 18%)", "hsla(210, 62%, 18%, 0.8)", "RebeccaPurple", "transparent", "currentColor"]
    sizes = ["0", "1.35", "12px", "6vmin", "2.4rem", "50%", "max(6.6vmin, 4vh)", "clamp(1rem, 2.5vw + 1px, 3rem)",
             "calc(100% - 2 * 3vmin)", "min(10vw, calc(5vh / 2))"]
    theme_yaml = HEAD + "colors:\n" + "".join(f'  c{i}: "{c}"\n' for i, c in enumerate(colours)) + \
        "sizes:\n" + "".join(f'  s{i}: "{s}"\n' for i, s in enumerate(sizes)) + \
        "fonts:\n  body: [Noto Sans, Noto Sans Arabic, sans-serif]\n  heading: Atkinson Hyperlegible\n"
    root = write_files(tmp_path, {THEME: theme_yaml})
    assert theme_findings(root, "huis") == []
    css = load_theme(root, "huis").css
    assert all(f": {value};" in css for value in colours + sizes)
    assert '--nc-font-heading: "Atkinson Hyperlegible";' in css
    assert theme_findings(REPO, "stroomopwaarts") == [] and theme_findings(REPO, "default") == []


def test_loading_a_bad_theme_directly_is_refused_too(tmp_path: Path):
    """Whoever loads a theme gets only checked values: the check is in the loader, not only in `check`."""
    from narrowcast.errors import ContentError

    root = write_files(tmp_path, {THEME: CASES[0].files[THEME]})
    with pytest.raises(ContentError, match="is geen kleur"):
        load_theme(root, "huis")


# --- the rendered slide: a strict policy, nothing blocked that a slide needs --------------------------

IMAGE = REPO / "images/formulier-pictogram.png"
RICH_SLIDE = """\
id: wijzigingen-doorgeven
title: Verandert er iets?
text: Geef het binnen 1 week aan ons door.
icon: bell
image: images/pictogram.png
image_alt: Een formulier
qr: https://www.example.nl/wijzigingen
translations:
  ar:
    title: "هل تغير شيء؟"
    text: "أخبرونا خلال أسبوع."
"""


@pytest.fixture(scope="module")
def rich_build(tmp_path_factory):
    """A slide with every kind of embedded resource (fonts, image, icon, QR, Arabic), built once."""
    from .conftest import MINIMAL_PLAYLIST

    root = write_files(tmp_path_factory.mktemp("csp") / "inhoud", {
        "narrowcast.yaml": MINIMAL_SITE, "slides/wijzigingen.yaml": RICH_SLIDE,
        "playlists/werkplein.yaml": MINIMAL_PLAYLIST, "images/pictogram.png": IMAGE.read_bytes()})
    report = build(root, NOW)
    return root, report


@browser
def test_every_slide_document_carries_the_strict_policy(rich_build):
    root, report = rich_build
    assert "script-src" not in SLIDE_CSP and "default-src 'none'" in SLIDE_CSP
    for job in report.renders.values():
        html = (root / "output/media" / job.html_name).read_text(encoding="utf-8")
        head = html.split("<style>")[0]
        assert f'<meta http-equiv="Content-Security-Policy" content="{SLIDE_CSP}">' in head, head
        assert "<script" not in html
        assert job.result.min_font_px, "measure.js still ran in the page (evaluate is not blocked by the policy)"


@browser
def test_a_slide_opened_from_a_static_host_renders_fully_under_its_policy(rich_build, chromium):
    """Opened as a file (no header: the document's own policy): fonts, image, icon and QR all load,
    nothing is reported as blocked, and the policy is in force: an outside image added later is refused."""
    root, report = rich_build
    seen = {"images": 0, "svgs": 0}
    with counting_http_server() as (outside, hits):
        for job in report.renders.values():
            page = chromium.new_page(viewport={"width": job.width, "height": job.height})
            blocked = _policy_messages(page)
            page.goto((root / "output/media" / job.html_name).as_uri())
            # Every embedded face, also those this slide's text does not use (those load lazily).
            state = page.evaluate("""async () => { await document.fonts.ready;
                await Promise.all([...document.fonts].map(f => f.load().catch(() => null)));
                return {fonts: [...document.fonts].map(f => f.status),
                        images: [...document.images].map(i => i.complete && i.naturalWidth > 0),
                        svgs: document.querySelectorAll('svg').length} }""")
            assert state["fonts"] and set(state["fonts"]) == {"loaded"}, state
            assert all(state["images"]), state
            seen["images"] += len(state["images"])
            seen["svgs"] = max(seen["svgs"], state["svgs"])
            assert blocked == [], blocked
            refused = page.evaluate(f"""() => new Promise(done => {{
                document.addEventListener('securitypolicyviolation', () => done(true), {{once: true}});
                const img = document.createElement('img'); img.src = '{outside}/x.png';
                img.onload = img.onerror = () => setTimeout(() => done(false), 500); document.body.append(img); }})""")
            page.close()
            assert refused, "the policy refused the outside image"
    assert seen["images"] >= 1 and seen["svgs"] >= 2, f"the slide's image, icon and QR code were shown: {seen}"
    assert hits == [], "the policy kept the slide from fetching the outside image"


@browser
def test_a_slide_served_with_the_policy_header_looks_the_same_as_from_a_file(rich_build, chromium):
    """`serve` adds the header (with a sandbox, which also stops tools running script in the page), so
    the check is by pixels: the served slide is exactly the slide opened as a file, nothing blocked."""
    from .test_serve import running_server

    root, report = rich_build
    with running_server(root, "2026-11-23 10:00") as (base, _, _):
        for job in report.renders.values():
            response = httpx.get(f"{base}/media/{job.html_name}")
            assert response.headers["content-security-policy"].startswith(SLIDE_CSP), response.headers
            assert "sandbox" in response.headers["content-security-policy"]
            assert "content-security-policy" not in httpx.get(f"{base}/media/{job.png_name}").headers
            shots = []
            for url in (f"{base}/media/{job.html_name}", (root / "output/media" / job.html_name).as_uri()):
                page = chromium.new_page(viewport={"width": job.width, "height": job.height})
                blocked = _policy_messages(page)
                page.goto(url, wait_until="load")
                shots.append(page.screenshot())
                page.close()
                assert blocked == [], (url, blocked)
            assert shots[0] == shots[1], job.entry_id


def _policy_messages(page) -> list[str]:
    """Console messages in which the browser reports something the policy or the sandbox refused."""
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text) if "Content Security Policy" in m.text or "sandbox" in m.text else None)
    return messages


# --- no network for the renderer ----------------------------------------------------------------------

@contextmanager
def counting_http_server():
    """A tiny HTTP server on 127.0.0.1 that records every request it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server calls
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@browser
def test_the_renderer_fetches_nothing_even_from_a_document_without_a_policy():
    """Defence in depth: a document that somehow has no policy still cannot reach the network."""
    from narrowcast.render.pool import RenderPool

    pixel = base64.b64encode(IMAGE.read_bytes()).decode()
    with counting_http_server() as (outside, hits):
        html = (f"<!DOCTYPE html><html><head><style>@import url({outside}/import.css);"
                f"body {{ margin: 0; background: url({outside}/bg.png) }}"
                f"@font-face {{ font-family: X; src: url({outside}/font.woff2) }} p {{ font-family: X }}</style>"
                f'<link rel="stylesheet" href="{outside}/link.css"></head><body>'
                f'<div id="slide"><p>hallo</p><img src="data:image/png;base64,{pixel}" width="64">'
                f'<img src="{outside}/img.png"><iframe src="{outside}/frame"></iframe>'
                f'<script src="{outside}/script.js"></script><script>fetch("{outside}/fetch")</script></div></body></html>')
        pool = RenderPool(jobs=1)
        try:
            result = pool.run(lambda renderer: renderer.render(html, 320, 200))
        finally:
            pool.close()
    assert result.png.startswith(b"\x89PNG")
    assert hits == [], f"the renderer fetched {hits}"


@browser
def test_a_build_whose_template_makes_an_outside_address_fetches_nothing(tmp_path: Path):
    """A template can build an address the static check cannot see; the build still fetches nothing."""
    from .conftest import MINIMAL_PLAYLIST, MINIMAL_SLIDE

    with counting_http_server() as (outside, hits):
        host, port = outside.removeprefix("http://").split(":")
        root = write_files(tmp_path / "inhoud", {
            "narrowcast.yaml": SITE_WITH_THEME, "slides/wijzigingen.yaml": MINIMAL_SLIDE,
            "playlists/werkplein.yaml": MINIMAL_PLAYLIST, THEME: HEAD,
            "themes/huis/templates/layouts/standard.html":
                '{% extends "base.html" %}{% block content %}<h1 class="title">{{ slide.title }}</h1>'
                f'<img src="{{{{ "ht" ~ "tp://{host}:" ~ "{port}" ~ "/logo.png" }}}}">'
                f'<div style="background: {{{{ "u" ~ "rl(ht" ~ "tp://{host}:{port}/bg.png)" }}}}">.</div>'
                "{% endblock %}"})
        report = build(root, NOW)
    assert report.rendered >= 1
    assert hits == [], f"the build fetched {hits}"


# --- a template of the content folder that is broken -------------------------------------------------

def _override_standard(root: Path, line: str) -> None:
    source = (REPO / "narrowcast/assets/themes/default/templates/layouts/standard.html").read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    at = next(i for i, text in enumerate(lines) if text.startswith("{% block content %}")) + 1
    write_files(root, {"templates/layouts/standard.html": "".join(lines[:at] + [line + "\n"] + lines[at:])})


def test_a_template_with_a_syntax_error_is_named_at_its_line_by_check(minimal: Path):
    _override_standard(minimal, "{% if %}")
    result = CliRunner().invoke(cli, ["-C", str(minimal), "check", "--no-render"])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "templates/layouts/standard.html:5:1: fout: deze template klopt niet" in result.output, result.output


@browser
def test_a_template_that_fails_while_rendering_names_its_line_and_publishes_nothing(minimal: Path):
    _override_standard(minimal, "{{ slide.title // 0 }}")
    result = CliRunner().invoke(cli, ["-C", str(minimal), "build", "-q"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    assert "Fout: de template" in result.output and "templates/layouts/standard.html:5" in result.output, result.output
    assert "wijzigingen-doorgeven" in result.output
    assert not (minimal / "output").exists()
