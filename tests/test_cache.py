"""The render cache: an unchanged slide is never rendered again, and the cache stays whole and bounded."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from .building import build
from narrowcast.render.cache import CACHE_DIR, STALE_TEMP_SECONDS, RenderCache
from narrowcast.commands.cli import cli

from .conftest import MINIMAL_PLAYLIST, MINIMAL_SITE, write_files
from .test_build import browser

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
TITLES = ["Uw afspraak", "Post van ons", "Hulp bij geld", "Werk zoeken", "Een brief invullen", "Hulp thuis"]


def _content(root: Path, count: int = 4) -> Path:
    slides = {f"slides/dia-{i}.yaml": f"id: dia-{i}\ntitle: {TITLES[i % len(TITLES)]}\n"
                                       f"text: Wij helpen u graag. Vraag het aan de balie.\nicon: bel\ntags: [alles]\n"
              for i in range(count)}
    playlist = MINIMAL_PLAYLIST.replace("- slide: wijzigingen-doorgeven", "- tag: alles") + "fallback: dia-0\n"
    return write_files(root, {"narrowcast.yaml": MINIMAL_SITE, "playlists/werkplein.yaml": playlist, **slides})


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _entry(cache: RenderCache, key: str, size: int = 10, stamp: str = "s1", used: float | None = None) -> None:
    cache.put(key, b"p" * size, "<html></html>", {"stamp": stamp, "measured": {"problems": [], "min_font_px": 40}})
    if used is not None:
        os.utime(cache.path(key, ".json"), (used, used))


# --- the cache itself, without a browser --------------------------------------------------------------

def test_an_entry_is_found_only_whole_and_from_the_same_renderer(tmp_path: Path):
    cache = RenderCache(tmp_path / CACHE_DIR)
    assert cache.get("a", "s1") is None
    _entry(cache, "a")
    assert cache.get("a", "s1")["measured"]["min_font_px"] == 40
    assert cache.get("a", "s2") is None, "a new renderer or measuring script makes it again"
    cache.path("a", ".html").unlink()
    assert cache.get("a", "s1") is None, "a record without its files is no entry"
    assert RenderCache(tmp_path / CACHE_DIR, enabled=False).get("a", "s1") is None


def test_prune_drops_the_least_recently_used_first_and_never_what_this_build_uses(tmp_path: Path):
    cache = RenderCache(tmp_path / CACHE_DIR, max_entries=2)
    for i, key in enumerate(["old", "older", "new", "used"]):
        _entry(cache, key, used=1_000_000 + (10 - i if key != "new" else 100))
    cache.get("used", "s1")  # a hit counts as a use: now the most recent of all
    assert cache.prune(keep={"older"}) == 2
    assert sorted(e.key for e in cache.entries()) == ["older", "used"]
    assert not any(cache.folder.glob("old.*")) and not any(cache.folder.glob("new.*"))


def test_prune_keeps_the_cache_under_its_size(tmp_path: Path):
    cache = RenderCache(tmp_path / CACHE_DIR, max_bytes=3_000)
    for i in range(5):
        _entry(cache, f"k{i}", size=1_000, used=1_000_000 + i)
    cache.prune()
    kept = cache.entries()
    assert [e.key for e in kept] == ["k3", "k4"] and sum(e.size for e in kept) <= 3_000


def test_prune_removes_what_an_interrupted_build_left_once_it_is_old(tmp_path: Path):
    cache = RenderCache(tmp_path / CACHE_DIR)
    _entry(cache, "whole")
    half = cache.path("half", ".png")
    half.write_bytes(b"png without record")
    temp = cache.folder / "x.png.tmp-1-2"
    temp.write_bytes(b"")
    cache.prune()
    assert half.exists() and temp.exists(), "a build may still be writing them"
    old = time.time() - STALE_TEMP_SECONDS - 60
    for path in (half, temp):
        os.utime(path, (old, old))
    cache.prune()
    assert not half.exists() and not temp.exists()
    assert [e.key for e in cache.entries()] == ["whole"]


def test_limits_come_from_the_environment(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("NARROWCAST_CACHE_MAX_ENTRIES", "7")
    monkeypatch.setenv("NARROWCAST_CACHE_MAX_MB", "1.5")
    cache = RenderCache.beside(tmp_path / "output")
    assert cache.folder == tmp_path / CACHE_DIR
    assert (cache.max_entries, cache.max_bytes) == (7, int(1.5 * 2**20))


def test_new_content_folders_ignore_the_cache_in_git(tmp_path: Path):
    assert CliRunner().invoke(cli, ["init", str(tmp_path / "nieuw")]).exit_code == 0
    assert ".narrowcast-cache/" in (tmp_path / "nieuw/.gitignore").read_text(encoding="utf-8").splitlines()


# --- builds ------------------------------------------------------------------------------------------

@browser
def test_the_cache_outlives_the_output_and_keeps_the_measurements(tmp_path: Path):
    root = _content(tmp_path / "inhoud")
    first = build(root, NOW)
    assert first.rendered == len(first.renders) == 4 and first.cached == 0
    (root / "output").unlink()  # the published symlink
    shutil.rmtree(root / ".output.builds")
    again = build(root, NOW)
    assert again.rendered == 0 and again.cached == 4 and again.versions == first.versions
    for name, job in again.renders.items():
        assert job.result.min_font_px == first.renders[name].result.min_font_px
        assert (root / "output/media" / name).read_bytes() == (root / CACHE_DIR / name).read_bytes()
        assert (root / "output/media" / job.html_name).is_file()


@browser
def test_one_changed_slide_is_the_only_one_rendered(tmp_path: Path):
    root = _content(tmp_path / "inhoud")
    first = build(root, NOW)
    slide = root / "slides/dia-2.yaml"
    slide.write_text(slide.read_text(encoding="utf-8").replace("title: ", "title: Nieuw ", 1), encoding="utf-8")
    second = build(root, NOW)
    assert (second.rendered, second.cached) == (1, 3)
    assert set(first.renders) - set(second.renders) == {next(n for n, j in first.renders.items() if j.entry_id == "dia-2")}


@browser
def test_a_theme_change_renders_every_slide_again(tmp_path: Path):
    root = _content(tmp_path / "inhoud")
    build(root, NOW)
    override = root / "templates/layouts"
    override.mkdir(parents=True)
    from narrowcast.assets.themes import BUILTIN_THEMES

    standard = (BUILTIN_THEMES / "default/templates/layouts/standard.html").read_text(encoding="utf-8")
    (override / "standard.html").write_text(standard + "\n{# anders #}\n", encoding="utf-8")
    assert build(root, NOW).rendered == 4


@browser
def test_no_cache_renders_everything_and_leaves_the_cache_alone(tmp_path: Path):
    root = _content(tmp_path / "inhoud", count=2)
    build(root, NOW)
    before = _digest(root / CACHE_DIR)
    result = CliRunner().invoke(cli, ["-C", str(root), "build", "-q", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert "2 dia's gemaakt, 0 uit de cache" in result.output
    assert _digest(root / CACHE_DIR) == before


@browser
def test_a_killed_build_leaves_only_whole_entries(tmp_path: Path):
    root = _content(tmp_path / "inhoud", count=40)
    proc = subprocess.Popen([sys.executable, "-m", "narrowcast", "-C", str(root), "build", "-q"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    cache = root / CACHE_DIR
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if cache.is_dir() and len(list(cache.glob("*.json"))) >= 5:
            break
        time.sleep(0.02)
    else:
        pytest.fail("the build never started rendering")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    records = list(cache.glob("*.json"))
    for record in records:
        assert json.loads(record.read_text(encoding="utf-8"))["measured"]
        assert record.with_suffix(".png").is_file() and record.with_suffix(".html").is_file()
    report = build(root, NOW)
    assert report.cached >= len(records) and report.rendered + report.cached == 40


# --- a damaged cache is never published ------------------------------------------------------------------

def _png(width: int = 8, height: int = 4) -> bytes:
    import io

    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(data, "PNG")
    return data.getvalue()


def test_an_entry_whose_files_were_damaged_is_a_miss(tmp_path: Path):
    cache = RenderCache(tmp_path / CACHE_DIR)
    for damage in ("truncated", "altered", "grown", "html truncated"):
        key = damage.replace(" ", "-")
        cache.put(key, _png(), "<html><body>hallo</body></html>", {"stamp": "s1", "measured": {}})
        assert cache.get(key, "s1") is not None
        path = cache.path(key, ".html" if damage.startswith("html") else ".png")
        data = path.read_bytes()
        if damage == "altered":  # same size, one byte different
            path.write_bytes(data[:20] + bytes([data[20] ^ 0xFF]) + data[21:])
        elif damage == "grown":
            path.write_bytes(data + b"\0")
        else:
            os.truncate(path, len(data) // 2)
        assert cache.get(key, "s1") is None, damage


def test_a_record_of_the_wrong_shape_is_a_miss_never_an_exception(tmp_path: Path):
    cache = RenderCache(tmp_path / CACHE_DIR)
    cache.put("k", _png(), "<html></html>", {"stamp": "s1", "measured": {}})
    whole = json.loads(cache.path("k", ".json").read_text(encoding="utf-8"))
    shapes = ["[]", "null", "42", '"tekst"', "{", "\xff\xfe", '{"stamp": "s1"}', '{"stamp": "s1", "files": 3}',
              json.dumps({**whole, "files": {"png": "x", "html": None}}),
              json.dumps({**whole, "files": {"png": {"size": "groot", "sha256": 1}, "html": {}}}),
              json.dumps({**whole, "files": [1, 2]})]
    for shape in shapes:
        cache.path("k", ".json").write_bytes(shape.encode("utf-8", "surrogateescape") if shape != "\xff\xfe"
                                             else b"\xff\xfe")
        assert cache.get("k", "s1") is None, shape
    cache.path("k", ".json").write_text(json.dumps(whole), encoding="utf-8")
    assert cache.get("k", "s1") is not None, "the whole record still works"


def test_png_problem_tells_a_whole_png_from_a_damaged_one():
    from narrowcast.render.cache import png_problem

    good = _png(8, 4)
    assert png_problem(good, 8, 4) is None
    assert png_problem(good, 1920, 1080), "the wrong size"
    assert png_problem(good[: len(good) // 2], 8, 4), "truncated"
    assert png_problem(good[:-12], 8, 4), "no end"
    assert png_problem(good + b"rommel", 8, 4), "something after the end"
    assert png_problem(b"", 8, 4) and png_problem(b"GIF89a" + good[6:], 8, 4)
    crc_broken = bytearray(good)
    crc_broken[40] ^= 0xFF  # inside the image data: its checksum no longer matches
    assert png_problem(bytes(crc_broken), 8, 4)


def _published_png(out: Path) -> Path:
    manifest = json.loads((out / "screens/hal/manifest.json").read_text(encoding="utf-8"))
    return out / "screens/hal" / manifest["items"][0]["image"]


def _decodes_at_full_size(path: Path) -> bool:
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        return image.size == (1920, 1080)


@browser
def test_a_truncated_cached_png_is_rendered_again_and_never_published(tmp_path: Path):
    root = _content(tmp_path / "inhoud", count=1)
    build(root, NOW)
    assert build(root, NOW).cached == 1, "a whole entry is used (and checked in this process)"
    cached = next((root / CACHE_DIR).glob("*.png"))
    size = cached.stat().st_size
    os.truncate(cached, size // 2)
    report = build(root, NOW, out=tmp_path / "vers")
    assert (report.rendered, report.cached) == (1, 0)
    assert _decodes_at_full_size(_published_png(tmp_path / "vers"))
    assert cached.stat().st_size == size and _decodes_at_full_size(cached), "the bad entry is replaced"
    assert build(root, NOW, out=tmp_path / "weer").cached == 1


@browser
def test_a_cache_record_of_the_wrong_shape_renders_the_slide_again(tmp_path: Path):
    root = _content(tmp_path / "inhoud", count=1)
    build(root, NOW)
    record_path = next((root / CACHE_DIR).glob("*.json"))
    whole = json.loads(record_path.read_text(encoding="utf-8"))
    measured = whole["measured"]
    for bad in ([], {**whole, "measured": []}, {**whole, "measured": {**measured, "problems": "veel"}},
                {**whole, "measured": {**measured, "problems": [{"kind": "contrast"}]}},
                {**whole, "measured": {**measured, "min_font_px": "groot"}},
                {**whole, "measured": {**measured, "extra": 1}}):
        record_path.write_text(json.dumps(bad), encoding="utf-8")
        report = build(root, NOW, out=tmp_path / "uit")
        assert (report.rendered, report.cached) == (1, 0), bad
        assert _decodes_at_full_size(_published_png(tmp_path / "uit"))


@browser
def test_a_render_that_is_no_whole_png_is_never_published(monkeypatch, tmp_path: Path):
    from narrowcast.errors import NarrowcastError
    from narrowcast.render.pool import Renderer

    root = _content(tmp_path / "inhoud", count=1)
    render = Renderer.render

    async def truncated(self, html, width, height):
        result = await render(self, html, width, height)
        result.png = result.png[: len(result.png) // 2]
        return result

    monkeypatch.setattr(Renderer, "render", truncated)
    with pytest.raises(NarrowcastError) as failure:
        build(root, NOW)
    assert "dia-0" in str(failure.value)
    assert not (root / "output").exists(), "nothing is published"
    assert not list((root / CACHE_DIR).glob("*.json")), "nor kept in the cache"
