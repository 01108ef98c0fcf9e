"""From an entry to HTML (Jinja2, always escaped) and from HTML to PNG (one long-lived Chromium).

Speed: a few pages render in parallel; each page keeps its document (fonts, CSS) loaded and only
the slide's body is swapped in, and screenshots go through CDP with `optimizeForSpeed`.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
import base64
import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import segno
from markupsafe import Markup

from . import icons
from .browser import find_chromium, launch_args
from .errors import NarrowcastError
from .model import Screen, Site, text_direction
from .schedule import Entry
from .themes import Theme, markup

# Bump when the way slide data becomes HTML or HTML becomes pixels changes (Python code, not
# templates: those are part of the theme's fingerprint): every PNG is made again.
RENDERER_VERSION = "2"
_FONTS_HERE = "/*narrowcast:fonts*/"
_BODY_RE = re.compile(r"<body[^>]*>(.*)</body>", re.S)

# Measured inside the page after each render: overflow and clipping, contrast, the smallest text.
_MEASURE_JS = (Path(__file__).parent / "check" / "measure.js").read_text(encoding="utf-8")
MEASURE_STAMP = RENDERER_VERSION + "-" + hashlib.sha256(_MEASURE_JS.encode()).hexdigest()[:12]
_SWAP_AND_MEASURE_JS = ("async (body) => {\n  if (body !== null) document.body.innerHTML = body;\n"
                        "  await document.fonts.ready;\n  return (" + _MEASURE_JS + "\n  )();\n}")


@dataclass
class SlideRender:
    """One rendered slide: the PNG bytes and what the page measured."""

    png: bytes
    problems: list[dict]
    min_font_px: float | None


# --- HTML ----------------------------------------------------------------------------------------

def slide_context(site: Site, entry: Entry, screen: Screen | None) -> dict:
    """What a template sees: the slide in the entry's language, icons and QR as trusted SVG."""
    slide, lang = entry.slide, entry.lang
    tr = slide.translations.get(lang) if lang != site.config.language else None
    steps = tr.steps if tr and tr.steps is not None else slide.steps
    step_icons = [step.icon for step in slide.steps]
    soft = _hyphenator(lang)
    view = {
        "id": slide.id, "layout": slide.layout, "lang": lang, "dir": text_direction(lang),
        "title": soft(tr.title if tr else slide.title),
        "text": soft(tr.text if tr and tr.text else slide.text),
        "highlight": (tr.highlight if tr and tr.highlight else slide.highlight),
        "icon": _icon(slide.icon),
        "steps": [{"text": soft(step.text), "icon": _icon(step.icon or (step_icons[i] if i < len(step_icons) else None))}
                  for i, step in enumerate(steps)],
        "countdown": entry.countdown,
        "qr": markup(_qr_svg(slide.qr)) if slide.qr else None,
        "qr_label": _short_url(slide.qr) if slide.qr else None,
        "image": _data_uri(Path(site.root) / slide.image) if slide.image else None,
        "image_alt": (tr.image_alt if tr and tr.image_alt else slide.image_alt),
        "footer": site.config.site,
    }
    return {"slide": view, "screen": _screen_view(screen)}


_SOFT_HYPHEN = "\u00ad"
_LONG_WORD = re.compile(r"\w{9,}")


@lru_cache(maxsize=16)
def _hyphenator(lang: str):
    """Soft hyphens in long words, from the language's hyphenation dictionary.

    Chromium's own `hyphens: auto` needs dictionaries it downloads at run time, which our
    offline renderer never does; without this, narrow columns break words at any letter.
    """
    import pyphen

    code = {"nl": "nl_NL", "en": "en_GB", "de": "de_DE", "fr": "fr_FR", "pl": "pl_PL", "tr": "tr_TR",
            "uk": "uk_UA", "es": "es", "pt": "pt_PT"}.get(lang.split("-")[0])
    if not code or code not in pyphen.LANGUAGES:
        return lambda text: text
    dic = pyphen.Pyphen(lang=code, left=3, right=3)

    def soft(text: str | None) -> str | None:
        return _LONG_WORD.sub(lambda m: dic.inserted(m.group(0), hyphen=_SOFT_HYPHEN), text) if text else text

    return soft


def _screen_view(screen: Screen | None) -> dict:
    if screen is None:  # the self-contained HTML file: sized by the browser window
        return {"width": None, "height": None, "orientation": "landscape"}
    return {"width": screen.width, "height": screen.height, "orientation": screen.orientation}


def render_html(theme: Theme, context: dict) -> str:
    """The complete, self-contained HTML document of one slide."""
    scripts = {"latin"} | ({"arabic"} if context["slide"]["dir"] == "rtl" else set())
    template = theme.environment.get_template(f"layouts/{context['slide']['layout']}.html")
    # The embedded fonts go in last: through Jinja's Markup joins, their 180 kB were copied many times.
    html = template.render(**context, font_css=Markup(_FONTS_HERE), theme_css=Markup(theme.css))
    return html.replace(_FONTS_HERE, theme.font_css(scripts))


def content_key(theme: Theme, context: dict, width: int, height: int) -> str:
    """The name of the rendered file: everything its pixels depend on, hashed.

    The slide's view (text, icons, QR, image data, language), the theme's files (templates, CSS,
    fonts), the screen's size and the renderer's version. Known before any HTML is made, so an
    unchanged slide costs one hash.
    """
    view = json.dumps(context, sort_keys=True, ensure_ascii=False, default=str)
    text = f"{RENDERER_VERSION}\0{width}x{height}\0{theme.name}\0{theme.fingerprint}\0{view}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def split_document(html: str) -> tuple[str, str]:
    """(everything up to the body's content, body inner HTML): pages keep the first, swap the second."""
    match = _BODY_RE.search(html)
    if not match:
        raise NarrowcastError("een thema-sjabloon mist <body>…</body>")
    return html[: match.start(1)], match.group(1)


def _icon(word: str | None) -> Markup | None:
    if not word:
        return None
    try:
        return markup(icons.svg(word))
    except KeyError:
        return None


@lru_cache(maxsize=256)
def _qr_svg(url: str) -> str:
    qr = segno.make(url, error="m")
    return qr.svg_inline(scale=10, border=2, dark="#000000", light="#ffffff", omitsize=True)


def _short_url(url: str) -> str:
    """The address as people read it: no scheme, no 'www.', no trailing slash."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    return (host + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")) or url


def _data_uri(path: Path) -> str:
    info = path.stat()
    return _encoded_file(str(path), info.st_mtime_ns, info.st_size)


@lru_cache(maxsize=32)  # a picture on several screens and in several languages is encoded once
def _encoded_file(path: str, _mtime_ns: int, _size: int) -> str:
    mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(Path(path).read_bytes()).decode('ascii')}"


# --- PNG -----------------------------------------------------------------------------------------

class Renderer:
    """A pool of Chromium pages that turn slide HTML into PNGs at a given size."""

    def __init__(self, jobs: int = 2, chromium: str | None = None):
        self.jobs = max(1, jobs)
        self.chromium = chromium
        self._playwright = None
        self._browser = None
        self._pages: asyncio.Queue | None = None

    async def __aenter__(self) -> "Renderer":
        from playwright.async_api import async_playwright

        executable = find_chromium(self.chromium)
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(executable_path=executable, args=launch_args())
        except Exception as exc:
            await self._playwright.stop()
            raise NarrowcastError(f"Chromium ({executable}) start niet: {str(exc).splitlines()[0]}") from None
        # One context for all pages: a context per page costs a renderer process (~180 MB RSS) each.
        self._context = await self._browser.new_context(viewport={"width": 1920, "height": 1080})
        self._pages = asyncio.Queue()
        for page in await asyncio.gather(*(self._new_page() for _ in range(self.jobs))):
            self._pages.put_nowait(page)
        return self

    async def _new_page(self) -> "_Page":
        page = await self._context.new_page()
        return _Page(page, await self._context.new_cdp_session(page))

    async def __aexit__(self, *exc) -> None:
        if self._browser:
            await self._browser.close()
        if self._playwright:
            await self._playwright.stop()

    async def render(self, html: str, width: int, height: int) -> SlideRender:
        page = await self._pages.get()
        try:
            return await page.render(html, width, height)
        finally:
            self._pages.put_nowait(page)


class RenderPool:
    """A Renderer on a thread and event loop of its own.

    Chromium can then start while Python is still checking the content (a second of launch hidden
    behind the checks), and a server can keep it open between builds: a rebuild after one saved
    slide then costs that slide's render, not a browser launch.
    """

    _shared: dict[tuple, "RenderPool"] = {}
    _lock = threading.Lock()

    def __init__(self, jobs: int = 2, chromium: str | None = None):
        self.key = (max(1, jobs), chromium)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="narrowcast-render", daemon=True)
        self._thread.start()
        self._renderer = Renderer(jobs, chromium)
        self._ready = asyncio.run_coroutine_threadsafe(self._renderer.__aenter__(), self._loop)
        self.closed = False
        _OPEN_POOLS.add(self)

    @classmethod
    def shared(cls, jobs: int = 2, chromium: str | None = None) -> "RenderPool":
        """The process's long-lived pool for these settings, launched when first asked for."""
        with cls._lock:
            pool = cls._shared.get((max(1, jobs), chromium))
            if pool is None or pool.closed:
                pool = cls._shared[(max(1, jobs), chromium)] = cls(jobs, chromium)
            return pool

    def run(self, work):
        """Run `await work(renderer)` on the pool's loop; blocks until it is done."""
        self._ready.result()  # a failed launch raises here
        return asyncio.run_coroutine_threadsafe(work(self._renderer), self._loop).result()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        _OPEN_POOLS.discard(self)
        try:
            self._ready.result(timeout=60)
            asyncio.run_coroutine_threadsafe(self._renderer.__aexit__(None, None, None), self._loop).result(timeout=30)
        except Exception:  # noqa: BLE001 - a browser that never started or already died: nothing to close
            pass
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()


_OPEN_POOLS: set[RenderPool] = set()


@atexit.register
def _close_pools() -> None:
    for pool in list(_OPEN_POOLS):
        pool.close()


class _Page:
    """One browser page that keeps its document and only swaps the slide's body.

    Per slide two round trips to Chromium: one script that swaps the body, waits for the fonts
    and measures (layout is forced by the measuring, no animation frame is needed), and one CDP
    screenshot. The document is loaded again only when the head (theme, embedded fonts) differs.
    """

    def __init__(self, page, cdp):
        self.page, self.cdp = page, cdp
        self.head: str | None = None
        self.size: tuple[int, int] | None = None

    async def render(self, html: str, width: int, height: int) -> SlideRender:
        head, body = split_document(html)
        if self.size != (width, height):
            await self.page.set_viewport_size({"width": width, "height": height})
            self.size = (width, height)
        if head != self.head:
            self.head = None  # if loading fails midway, the next slide loads the document again
            await self.page.set_content(html, wait_until="load")
            self.head = head
            body = None
        measured = await self.page.evaluate(_SWAP_AND_MEASURE_JS, body)
        shot = await self.cdp.send("Page.captureScreenshot", {
            "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": False,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        return SlideRender(base64.b64decode(shot["data"]), measured["problems"], measured["minFontPx"])
