"""Building the example content: real Chromium, real files, checked the way a person would look."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from PIL import Image

from narrowcast.render.browser import find_chromium
from .building import build
from narrowcast.commands.cli import cli
from narrowcast.errors import ContentError, NarrowcastError
from narrowcast.content.load import load_site

from .conftest import REPO, copy_example

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMS)
CAP_HEIGHT_EM = 0.714  # Noto Sans
MIN_CAP_HEIGHT_SHARE = 0.02  # the smallest text's cap height is at least 2 % of the screen's shorter side


def _has_chromium() -> bool:
    try:
        find_chromium()
        return True
    except NarrowcastError:
        return False


browser = pytest.mark.skipif(not _has_chromium(), reason="no Chromium on this machine (bash scripts/setup installs it)")


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The example content built once for the whole session, at a fixed moment."""
    root = copy_example(tmp_path_factory.mktemp("bouw") / "voorbeeld")
    report = build(root, NOW, jobs=2)
    return root, report


def _manifests(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "screens").glob("*/manifest.json"))}


def _tree_digest(folder: Path) -> dict[str, str]:
    folder = folder.resolve()
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@browser
def test_every_manifest_item_png_has_its_screens_size(built):
    root, report = built
    site_screens = {s["id"]: s for s in json.loads((root / "output/index.json").read_text())["screens"]}
    manifests = _manifests(root / "output")
    assert set(manifests) == set(site_screens) and len(manifests) == 5
    for screen_id, manifest in manifests.items():
        width, height = map(int, site_screens[screen_id]["resolution"].split("x"))
        folder = root / "output/screens" / screen_id
        assert manifest["items"], screen_id
        for item in manifest["items"] + [manifest["fallback"]]:
            with Image.open(folder / item["image"]) as image:
                assert image.size == (width, height), (screen_id, item["id"])
            assert (folder / item["html"]).is_file()


@browser
def test_manifest_follows_version_1(built):
    root, _ = built
    manifest = _manifests(root / "output")["werkplein-hal"]
    assert manifest["schema"] == 1 and manifest["screen"] == "werkplein-hal"
    assert manifest["server_time"] == "2026-11-23T09:00:00Z"
    assert manifest["horizon"] == "2026-11-25T23:00:00Z"  # local midnight after 48 hours
    item = next(i for i in manifest["items"] if i["id"] == "wijzigingen-doorgeven")
    assert item["image"].startswith("../../media/") and item["image"].endswith(".png")
    assert item["html"].startswith("../../media/") and item["lang"] == "nl"
    assert "intervals" not in item, "a slide without time rules is always live"
    morning = next(i for i in manifest["items"] if i["id"] == "goedemorgen")
    assert morning["intervals"][0] == ["2026-11-23T07:30:00Z", "2026-11-23T11:00:00Z"]
    assert manifest["fallback"]["id"] == "welkom"


@browser
def test_text_is_in_the_html(built):
    root, report = built
    for job in report.renders.values():
        html = (root / "output/media" / job.html_name).read_text(encoding="utf-8")
        assert 'id="slide"' in html
    manifest = _manifests(root / "output")["werkplein-hal"]
    item = next(i for i in manifest["items"] if i["id"] == "wijzigingen-doorgeven")
    html = (root / "output/screens/werkplein-hal" / item["html"]).read_text(encoding="utf-8")
    assert "Verandert er iets?" in html.replace("\u00ad", "")  # soft hyphens mark where long words may break
    assert "http" not in html.split("<body")[0].replace("http-equiv", ""), "no external URL in the head"


@browser
def test_a_slide_opened_on_its_own_says_its_language_direction_and_title(built):
    """A screen reader or a browser opening output/media/<hash>.html learns the slide's language,
    its direction and its title from the document itself."""
    root, report = built
    manifest = _manifests(root / "output")["werkplein-hal"]
    expected = {"huisbezoek-toestemming": ('lang="nl" dir="ltr"', "Wij vragen altijd toestemming"),
                "huisbezoek-toestemming.ar": ('lang="ar" dir="rtl"', "نطلب إذنكم دائمًا"),
                "huisbezoek-toestemming.en": ('lang="en" dir="ltr"', "We always ask permission")}
    for item_id, (attributes, title) in expected.items():
        item = next(i for i in manifest["items"] if i["id"] == item_id)
        html = (root / "output/screens/werkplein-hal" / item["html"]).read_text(encoding="utf-8")
        assert f"<html {attributes}>" in html, (item_id, html[:200])
        assert f"<title>{title}</title>" in html, (item_id, html.split("<style>")[0])


@browser
def test_no_rendered_slide_overflows_or_is_clipped(built):
    _, report = built
    measured = [job for job in report.renders.values() if job.result is not None]
    assert len(measured) == len(report.renders) > 100
    bad = {job.entry_id + f" {job.width}x{job.height}": job.result.problems for job in measured if job.result.problems}
    assert bad == {}


@browser
def test_smallest_text_is_big_enough(built):
    _, report = built
    for job in report.renders.values():
        cap = job.result.min_font_px * CAP_HEIGHT_EM
        assert cap >= MIN_CAP_HEIGHT_SHARE * min(job.width, job.height), (job.entry_id, job.width, job.height, cap)


@browser
def test_only_shipped_fonts_are_used(built, chromium):
    root, report = built
    wanted = [job for job in report.renders.values() if job.entry_id in
              ("wijzigingen-doorgeven", "huisbezoek-toestemming.ar", "huisbezoek-stappen", "informatie-website")]
    assert wanted
    page = chromium.new_page(viewport={"width": 1920, "height": 1080})
    cdp = page.context.new_cdp_session(page)
    for job in wanted:
        page.goto((root / "output/media" / job.html_name).as_uri())
        page.evaluate("document.fonts.ready")
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        doc = cdp.send("DOM.getDocument", {"depth": -1})
        nodes = cdp.send("DOM.querySelectorAll", {"nodeId": doc["root"]["nodeId"],
                                                   "selector": "#slide h1, #slide p, #slide li, #slide span, #slide div"})
        families = set()
        for node_id in nodes["nodeIds"]:
            for font in cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]:
                families.add((font["familyName"], font["isCustomFont"]))
        assert families, job.entry_id
        assert all(custom for _, custom in families), (job.entry_id, families)
    page.close()


@browser
def test_markup_and_template_syntax_in_slide_text_show_literally(minimal: Path, tmp_path: Path, chromium):
    (minimal / "slides/wijzigingen.yaml").write_text(
        "id: wijzigingen-doorgeven\ntitle: \"<script>window.pwned = 1</script>{{ 7 * 7 }}\"\n"
        "text: \"<img src=x onerror='window.pwned=2'> {% raw %}\"\nicon: bel\n", encoding="utf-8")
    report = build(minimal, NOW, out=tmp_path / "uit")
    job = next(j for j in report.renders.values() if j.entry_id == "wijzigingen-doorgeven")
    html = (tmp_path / "uit/media" / job.html_name).read_text(encoding="utf-8")
    assert "&lt;script&gt;" in html and "<script>window" not in html and "{{ 7 * 7 }}" in html
    page = chromium.new_page()
    page.goto((tmp_path / "uit/media" / job.html_name).as_uri())
    assert page.evaluate("window.pwned") is None
    assert "{{ 7 * 7 }}" in page.inner_text(".title").replace("\u00ad", "")
    assert "<img src=x" in page.inner_text(".text")
    page.close()


@browser
def test_a_failed_build_leaves_the_live_output_byte_identical(built, tmp_path: Path):
    root = copy_example(tmp_path / "kopie")
    build(root, NOW)
    before = _tree_digest(root / "output")
    (root / "slides/welkom.yaml").write_text("id: welkom\ntitle: [kapot\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build(root, NOW)
    assert _tree_digest(root / "output") == before
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-q"])
    assert result.exit_code == 1 and "slides/welkom.yaml:2:8: fout: een lijst die met [ begint" in result.output
    assert _tree_digest(root / "output") == before


@browser
def test_killing_a_build_midway_leaves_the_old_output_whole(tmp_path: Path):
    root = copy_example(tmp_path / "kopie")
    build(root, NOW)
    before = _tree_digest(root / "output")
    for path in (root / "slides").glob("*.yaml"):  # every slide changes, so the next build renders all
        path.write_text(path.read_text(encoding="utf-8").replace("title: ", "title: Nieuw ", 1), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "narrowcast", "-C", str(root), "build", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    builds = root / ".output.builds"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        fresh = [p for p in builds.iterdir() if p.is_dir() and p.resolve() != (root / "output").resolve()]
        if any(len(list((p / "media").glob("*.png"))) >= 5 for p in fresh if (p / "media").is_dir()):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the build never started rendering")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    assert _tree_digest(root / "output") == before
    assert CliRunner().invoke(cli, ["-C", str(root), "build", "-q"]).exit_code == 0, "the next build works"
    assert _tree_digest(root / "output") != before


@browser
def test_build_at_a_moment_goes_elsewhere_and_shows_that_moment(built, tmp_path: Path):
    root, _ = built
    live_before = _tree_digest(root / "output")
    out = tmp_path / "januari"
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "--at", "2027-01-05 10:00", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    ids = [i["id"] for i in _manifests(out)["werkplein-hal"]["items"]]
    assert "participatiewet-in-balans-fase-3-na" in ids and "bijverdienen-2026" not in ids
    assert not any(i.startswith("participatiewet-in-balans-fase-3-voor") for i in ids)
    assert _tree_digest(root / "output") == live_before
    refused = CliRunner().invoke(cli, ["-C", str(root), "build", "--at", "2027-01-05"])
    assert refused.exit_code == 1 and "--out" in refused.output


@browser
def test_second_build_renders_nothing_and_keeps_the_version(built):
    root, first = built
    again = build(root, NOW)
    assert again.rendered == 0 and again.cached == len(first.renders)
    assert again.versions == first.versions
    job = next(iter(again.renders.values()))
    assert job.result is not None and job.result.min_font_px == first.renders[job.png_name].result.min_font_px, \
        "a cached slide keeps what its page measured"


@browser
def test_media_of_recent_manifests_are_kept(tmp_path: Path):
    root = copy_example(tmp_path / "kopie")
    first = build(root, NOW)
    old = _manifests(root / "output")["werkplein-hal"]
    (root / "slides/welkom.yaml").write_text((root / "slides/welkom.yaml").read_text(encoding="utf-8")
                                             .replace("title: ", "title: Hallo en ", 1), encoding="utf-8")
    second = build(root, NOW.replace(hour=11))
    assert second.versions["werkplein-hal"] != first.versions["werkplein-hal"]
    for item in old["items"] + [old["fallback"]]:
        assert (root / "output/screens/werkplein-hal" / item["image"]).is_file(), "a cached manifest never meets a 404"


def test_missing_browser_says_what_to_do(monkeypatch, tmp_path: Path):
    import narrowcast.render.browser as b

    monkeypatch.setenv("NARROWCAST_CHROMIUM", "")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path))
    monkeypatch.setattr(b.shutil, "which", lambda name: None)
    monkeypatch.setattr(b, "SHELL_BINARIES", ())
    with pytest.raises(NarrowcastError, match="apt-get install -y chromium"):
        b.find_chromium()
    monkeypatch.setenv("NARROWCAST_CHROMIUM", str(tmp_path / "bestaat-niet"))
    with pytest.raises(NarrowcastError, match="NARROWCAST_CHROMIUM"):
        b.find_chromium()


def _executable(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return str(path)


def test_browser_search_order_prefers_the_headless_shell_for_rendering(monkeypatch, tmp_path: Path):
    """Configured path, then $NARROWCAST_CHROMIUM, then Playwright's own, then the system's; a
    headless shell before a full browser at the last two steps, unless a full browser is asked for."""
    import narrowcast.render.browser as b

    bin_dir = tmp_path / "bin"
    system = {"chromium": _executable(bin_dir / "chromium"),
              "chromium-headless-shell": _executable(bin_dir / "chromium-headless-shell")}
    monkeypatch.setattr(b.shutil, "which", lambda name: system.get(name))
    monkeypatch.setattr(b, "SHELL_BINARIES", ())
    monkeypatch.setenv("NARROWCAST_CHROMIUM", "")
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "ms-playwright"))
    assert b.find_chromium() == system["chromium-headless-shell"]
    assert b.find_chromium(shell=False) == system["chromium"]

    own_full = _executable(tmp_path / "ms-playwright/chromium-1200/chrome-linux/chrome")
    assert b.find_chromium() == own_full  # Playwright's own comes before the system's
    own_shell = _executable(tmp_path / "ms-playwright/chromium_headless_shell-1200/chrome-linux/headless_shell")
    assert b.find_chromium() == own_shell
    assert b.find_chromium(shell=False) == own_full

    from_env = _executable(tmp_path / "elders/chrome")
    monkeypatch.setenv("NARROWCAST_CHROMIUM", from_env)
    assert b.find_chromium() == from_env
    configured = _executable(tmp_path / "ingesteld/chrome")
    assert b.find_chromium(configured) == configured


def test_only_a_headless_shell_runs_in_one_process():
    from narrowcast.render.browser import launch_args

    assert "--single-process" in launch_args("/usr/lib/chromium/chromium-headless-shell")
    assert "--single-process" in launch_args("/x/chromium_headless_shell-1200/chrome-linux/headless_shell")
    assert "--single-process" not in launch_args("/usr/bin/chromium")
    assert "--single-process" not in launch_args(None)


def test_chromium_in_narrowcast_yaml_is_the_browser_a_build_uses(minimal: Path, tmp_path: Path):
    from narrowcast.render.browser import configured_chromium

    assert configured_chromium(minimal, load_site(minimal)[0].config.chromium) is None
    config = minimal / "narrowcast.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "chromium: bin/mijn-chromium\n", encoding="utf-8")
    assert load_site(minimal)[0].config.chromium == "bin/mijn-chromium"
    assert configured_chromium(minimal, "bin/mijn-chromium") == str((minimal / "bin/mijn-chromium").resolve())
    # A path that does not exist is a clear error, not a traceback, and nothing is published.
    result = CliRunner().invoke(cli, ["-C", str(minimal), "build", "-q"])
    assert result.exit_code == 1
    assert "Chromium uit narrowcast.yaml bestaat niet" in result.output
    assert not (minimal / "output").exists()


def test_init_copies_the_example_content(tmp_path: Path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "nieuw")])
    assert result.exit_code == 0, result.output
    assert CliRunner().invoke(cli, ["-C", str(tmp_path / "nieuw"), "check"]).exit_code == 0
    again = CliRunner().invoke(cli, ["init", str(tmp_path / "nieuw")])
    assert again.exit_code == 1 and "niet leeg" in again.output


def test_the_wheel_carries_the_example_content(tmp_path: Path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(REPO)],
                   check=True, capture_output=True)
    wheel = next(tmp_path.glob("narrowcast-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "narrowcast/example/narrowcast.yaml" in names
    assert any(n.startswith("narrowcast/example/slides/") for n in names)
    # Every content folder the example has, so `narrowcast init` from the wheel gives content that checks clean.
    for part in ("playlists", "laws", "themes", "images"):
        assert any(n.startswith(f"narrowcast/example/{part}/") for n in names), part
    assert "narrowcast/assets/themes/default/theme.yaml" in names and "narrowcast/assets/icons/aliases.yaml" in names


def test_a_kept_browser_has_the_document_loaded_before_the_first_saved_slide(minimal: Path, monkeypatch):
    """The server keeps Chromium between builds. After a build that rendered nothing, its pages
    load the theme's document anyway, so the first saved slide only swaps a body."""
    import time as clock

    import narrowcast.render.pool as pool_module
    from narrowcast.publish.build import BuildOptions
    from narrowcast.publish.build import build as build_with
    from narrowcast.render.slides import prepare_pages

    build(minimal, NOW)  # fills the render cache; its own browser is closed
    loads: list[bool] = []
    real_load = pool_module._Page.load

    async def load(self, *args):
        loaded = await real_load(self, *args)
        loads.append(loaded)
        return loaded

    monkeypatch.setattr(pool_module._Page, "load", load)
    with pool_module.RenderPool(2) as renderer:  # kept between builds, as the server's build worker does
        first = build_with(minimal, NOW, BuildOptions(), renderer)
        prepare_pages(renderer, list(first.renders.values()))
        assert first.rendered == 0
        deadline = clock.monotonic() + 30
        while loads.count(True) < 2 and clock.monotonic() < deadline:  # both pages, in the background
            clock.sleep(0.05)
        assert loads == [True, True]
        slide = minimal / "slides/wijzigingen.yaml"
        slide.write_text(slide.read_text(encoding="utf-8").replace("Verandert er iets?", "Is er iets veranderd?"),
                         encoding="utf-8")
        loads.clear()
        second = build_with(minimal, NOW, BuildOptions(), renderer)
        assert second.rendered == 1
        assert loads[0] is False, "the saved slide went to a page that had the document"


@browser
def test_a_page_that_swaps_in_the_next_slide_takes_its_language_direction_and_title(monkeypatch):
    """Pages keep the theme's head and swap only the body; a slide in another language (or with
    another title) still gets its own root attributes and title, as if its document were loaded."""
    import narrowcast.render.pool as pool_module

    def document(lang: str, direction: str, title: str, text: str) -> str:
        return (f'<!DOCTYPE html><html lang="{lang}" dir="{direction}"><head><title>{title}</title>'
                f'<style>body {{ margin: 0 }}</style></head><body><div id="slide"><p>{text}</p></div></body></html>')

    async def render_both(renderer):
        await renderer.render(document("nl", "ltr", "Welkom", "Hallo"), 320, 200)
        await renderer.render(document("ar", "rtl", "مرحبا &amp; أهلا", "مرحبا"), 320, 200)
        return await renderer._idle[0].page.evaluate(
            "[document.documentElement.lang, document.documentElement.dir, document.title, document.body.innerText]")

    loads: list[bool] = []
    real_load = pool_module._Page.load

    async def load(self, *args):
        loads.append(await real_load(self, *args))
        return loads[-1]

    monkeypatch.setattr(pool_module._Page, "load", load)
    pool = pool_module.RenderPool(jobs=1)
    try:
        state = pool.run(render_both)
    finally:
        pool.close()
    assert loads == [True, False], "the second slide only swapped its body"
    assert state == ["ar", "rtl", "مرحبا & أهلا", "مرحبا"]
