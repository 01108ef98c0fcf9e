"""Five broken saves in a row with `narrowcast serve` running and a real screen connected.

Each fault is saved, the server names it in `/healthz`, the screen keeps its last good version;
then the fault is undone. After all five, one good change: the screen ends on it, the log holds
no traceback, and after SIGTERM no process of the server is left.
"""

from __future__ import annotations

import io
import signal
from pathlib import Path

import httpx
from PIL import Image

from narrowcast.render.cache import CACHE_DIR

from .conftest import INSECURE_HOST, write_files
from .serving import NarrowcastServer, descendants, free_port, wait_gone, wait_health, write_player_site
from .test_build import browser
from .test_player import context, media_name, open_player, player_url  # noqa: F401 (context is a fixture)

pytestmark = browser

THEME = "name: huis\nextends: default\n"
THEME_WITH_MISSING_FONT = THEME + """\
fonts:
  faces:
    - family: "Huis Sans"
      weight: 400
      style: normal
      file: fonts/HuisSans-Regular.woff2
"""
IMAGE_SLIDE = """\
id: beeld
title: Hulp bij formulieren
text: Neem uw brieven mee.
image: images/pictogram.png
image_alt: Een formulier met een pen
duration: 10
"""


def _png(size=(400, 300), colour="teal") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def _content(root: Path) -> Path:
    write_player_site(root)
    site = root / "narrowcast.yaml"
    site.write_text("theme: huis\n" + site.read_text(encoding="utf-8"), encoding="utf-8")
    playlist = root / "playlists/hal.yaml"
    write_files(root, {"themes/huis/theme.yaml": THEME, "images/pictogram.png": _png(), "slides/beeld.yaml": IMAGE_SLIDE,
                       "playlists/hal.yaml": playlist.read_text(encoding="utf-8") + "  - slide: beeld\n"})
    return root


def _decodes(data: bytes) -> bool:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
        return True
    except Exception:
        return False


def test_five_broken_saves_then_a_good_one_the_screen_ends_on_the_good_change(tmp_path, context):  # noqa: F811
    root = _content(tmp_path / "inhoud")
    server = NarrowcastServer(root, free_port(), tmp_path / "serve.log")
    try:
        page = context.new_page()
        screen = open_player(page, player_url(server.port, "hal", INSECURE_HOST))
        good = screen.wait(lambda s: s["shown"] == "een" and s["sseConnected"], "playing, push connected")
        version = server.manifest("hal")["version"]
        assert good["version"] == version

        def fault(name: str, make, undo, named: str) -> str:
            make()
            health = wait_health(server.base, lambda h: h["last_error"])
            error = health["last_error"] or ""
            assert named in error, f"{name}: /healthz does not name {named!r}: {error}\n{server.output()}"
            assert server.manifest("hal")["version"] == version, f"{name}: the live manifest changed"
            undo()
            wait_health(server.base, lambda h: h["last_error"] is None and h["builds"] > health["builds"])
            assert server.manifest("hal")["version"] == version
            return error

        deep = root / "slides/diep.yaml"
        state = root / ".state"
        state.mkdir(exist_ok=True)
        image = root / "images/pictogram.png"
        named = [
            fault("deep nesting", lambda: deep.write_text("id: diep\ntitle: " + "[" * 1500 + "\n", encoding="utf-8"),
                  deep.unlink, "diep.yaml"),
            fault("missing font file",
                  lambda: (root / "themes/huis/theme.yaml").write_text(THEME_WITH_MISSING_FONT, encoding="utf-8"),
                  lambda: (root / "themes/huis/theme.yaml").write_text(THEME, encoding="utf-8"), "HuisSans-Regular.woff2"),
            fault("truncated urgent.json",
                  lambda: (state / "urgent.json").write_text('[{"id": "20261123-1000", "text": "Het Werk', encoding="utf-8"),
                  (state / "urgent.json").unlink, "urgent.json"),
            fault("deleted image", image.unlink, lambda: image.write_bytes(_png()), "pictogram.png"),
        ]
        assert all("Traceback" not in error for error in named)

        # A cached PNG of a slide that stays the same, damaged on disk: no error, but the next
        # build must render it again rather than publish it.
        unchanged = next(i for i in server.manifest("hal")["items"] if i["id"] == "twee")
        cached = root / CACHE_DIR / media_name(unchanged["image"])
        assert cached.is_file()
        cached.write_bytes(cached.read_bytes()[:1000])

        slides = root / "slides/dia.yaml"
        slides.write_text(slides.read_text(encoding="utf-8").replace("title: Iets veranderd?", "title: Iets nieuws?"),
                          encoding="utf-8")
        after = screen.wait(lambda s: s["version"] != version, "the good change reaches the screen", timeout=60)
        manifest = server.manifest("hal")
        assert after["version"] == manifest["version"]
        assert [i["title"] for i in manifest["items"]][0] == "Iets nieuws?"
        assert wait_health(server.base, lambda h: h["last_error"] is None)["last_error"] is None
        for item in manifest["items"] + [manifest["fallback"]]:
            data = httpx.get(f"{server.base}/media/{media_name(item['image'])}", timeout=10).content
            assert _decodes(data), f"{item['id']}: the published image does not decode"
        assert _decodes(cached.read_bytes()), "the damaged cache entry was rendered again"
        screen.wait(lambda s: s["shown"] == "een" and media_name(s["shownImage"]) == media_name(manifest["items"][0]["image"]),
                    "the changed slide shows", advance_ms=1000)

        everything = descendants(server.proc.pid)
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(timeout=60)
        assert wait_gone(everything) == [], "after SIGTERM no process of the server is left"
        log = server.output()
        assert "Traceback" not in log, log
    finally:
        server.stop(quiet=True)
