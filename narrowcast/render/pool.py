"""Chromium for rendering: a pool of pages that turn slide HTML into PNGs, and its early start.

Light on purpose (no model, no Jinja): `narrowcast build` imports it first and starts the browser
while the rest of narrowcast loads and the content is checked.

Speed: a few pages render in parallel; each page keeps its document (fonts, CSS) loaded and only
the slide's body is swapped in, and screenshots go through CDP with `optimizeForSpeed`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import re
import threading
from dataclasses import dataclass
from html import unescape
from pathlib import Path

from .browser import find_chromium, launch_args
from .cache import LAST_BUILD, RenderCache
from ..errors import NarrowcastError
from ..folder import CONFIG_FILE, CONTENT_DIRS, NOTICES, STATE_DIR, user_cache

# Bump when the way slide data becomes HTML or HTML becomes pixels changes (Python code, not
# templates: those are part of the theme's fingerprint): every PNG is made again.
RENDERER_VERSION = "3"
_BODY_RE = re.compile(r"<body[^>]*>(.*)</body>", re.S)
# What belongs to one slide outside its body: the root's language and direction, and the title.
# Left out of the head a page keeps (slides of one theme still only swap their body) and set on the
# page with the body, so the page is always exactly the slide's document.
_PER_SLIDE_RE = re.compile(r"<html\b[^>]*>|<title>.*?</title>", re.S | re.I)
_ROOT_RE = re.compile(r"<html\b[^>]*>", re.I)
_ROOT_ATTRIBUTE_RE = re.compile(r"""\s(lang|dir)=["']?([^"'\s>]*)""", re.I)
_TITLE_RE = re.compile(r"<title>(.*?)</title>", re.S | re.I)

# Measured inside the page after each render: overflow and clipping, contrast, the smallest text.
_MEASURE_JS = (Path(__file__).parent.parent / "check" / "measure.js").read_text(encoding="utf-8")
MEASURE_STAMP = RENDERER_VERSION + "-" + hashlib.sha256(_MEASURE_JS.encode()).hexdigest()[:12]
_SWAP_AND_MEASURE_JS = ("async ([body, root]) => {\n  if (body !== null) {\n    document.body.innerHTML = body;\n"
                        "    document.documentElement.lang = root.lang; document.documentElement.dir = root.dir;\n"
                        "    document.title = root.title;\n  }\n"
                        "  await document.fonts.ready;\n  return (" + _MEASURE_JS + "\n  )();\n}")


@dataclass
class SlideRender:
    """One rendered slide: the PNG bytes and what the page measured."""

    png: bytes
    problems: list[dict]
    min_font_px: float | None


def split_document(html: str) -> tuple[str, str, dict]:
    """(the head pages keep, body inner HTML, the slide's root attributes and title): pages keep the
    first and swap the others."""
    match = _BODY_RE.search(html)
    if not match:
        raise NarrowcastError("een thema-sjabloon mist <body>…</body>")
    head = html[: match.start(1)]
    root = _ROOT_RE.search(head)
    attributes = dict((k.lower(), v) for k, v in _ROOT_ATTRIBUTE_RE.findall(root.group())) if root else {}
    title = _TITLE_RE.search(head)
    per_slide = {"lang": attributes.get("lang", ""), "dir": attributes.get("dir", ""),
                 "title": unescape(title.group(1)) if title else ""}
    return _PER_SLIDE_RE.sub("", head), match.group(1), per_slide


# --- the pool ------------------------------------------------------------------------------------

class Renderer:
    """A pool of Chromium pages that turn slide HTML into PNGs at a given size."""

    def __init__(self, jobs: int = 2):
        self.jobs = max(1, jobs)
        self.chromium: str | None = None  # as asked for; None: the usual search (browser.find_chromium)
        self._playwright = None
        self._browser = None
        self._idle: list[_Page] = []  # pages not rendering now
        self._idle_changed: asyncio.Condition | None = None
        self._starting: asyncio.Lock | None = None
        self._launching: asyncio.Lock | None = None

    async def start_driver(self) -> None:
        """Playwright's Node driver (0.4-0.5 s of a launch): startable before the browser is known.

        Once: an early start and a launch may both ask for it, and a second driver would outlive close().
        """
        self._starting = self._starting or asyncio.Lock()  # made on the pool's loop, where all of this runs
        async with self._starting:
            if self._playwright is None:
                from playwright.async_api import async_playwright

                _tune_driver_environment()
                self._playwright = await async_playwright().start()

    async def launch(self, chromium: str | None) -> None:
        """The browser and its pages; a browser of another path than asked for is replaced."""
        self._launching = self._launching or asyncio.Lock()
        async with self._launching:
            await self._launch(chromium)

    async def _launch(self, chromium: str | None) -> None:
        if self._browser is not None and chromium == self.chromium:
            return
        await self._close_browser()
        executable = find_chromium(chromium)
        await self.start_driver()
        try:
            self._browser = await self._playwright.chromium.launch(executable_path=executable, args=launch_args(executable))
        except Exception as exc:
            raise NarrowcastError(f"Chromium ({executable}) start niet: {str(exc).splitlines()[0]}") from None
        self.chromium = chromium
        # One context for all pages: a context per page costs a renderer process (~180 MB RSS) each.
        self._context = await self._browser.new_context(viewport={"width": 1920, "height": 1080})
        # No network: a slide is self-contained (data: URIs), so any request is a theme or template
        # reaching out (a tracker, an internal address). Beside the slide's own policy, refuse them all.
        await self._context.route("**/*", _refuse_request)
        self._idle_changed = asyncio.Condition()
        self._idle = list(await asyncio.gather(*(self._new_page() for _ in range(self.jobs))))

    async def _new_page(self) -> "_Page":
        page = await self._context.new_page()
        return _Page(page, await self._context.new_cdp_session(page))

    async def _close_browser(self) -> None:
        browser, self._browser, self._idle = self._browser, None, []
        if browser is not None:
            await browser.close()

    async def close(self) -> None:
        try:
            await self._close_browser()
        finally:
            if self._playwright:
                await self._playwright.stop()
                self._playwright = None

    async def render(self, html: str, width: int, height: int) -> SlideRender:
        """The slide on an idle page, preferably one that has its document loaded already.

        In the server, pages live between builds: one saved slide then goes to a page that only
        swaps its body (~70 ms) instead of loading the 330 kB document again (~170 ms).
        """
        head, body, per_slide = split_document(html)  # once per slide: the document is 330 kB
        async with self._idle_changed:
            await self._idle_changed.wait_for(lambda: self._idle)
            page = next((p for p in self._idle if p.head == head and p.size == (width, height)), self._idle[0])
            self._idle.remove(page)
        try:
            return await page.render(html, head, body, per_slide, width, height)
        finally:
            async with self._idle_changed:
                self._idle.append(page)
                self._idle_changed.notify()

    async def prepare(self, html: str, width: int, height: int) -> None:
        """Load this slide's document into every idle page that has another one (no capture).

        For a browser kept between builds: after a build that rendered nothing, the first saved
        slide then swaps a body instead of loading the document.
        """
        head = split_document(html)[0]
        async with self._idle_changed:
            pages = [p for p in self._idle if p.head != head or p.size != (width, height)]
            for page in pages:
                self._idle.remove(page)
        try:
            await asyncio.gather(*(page.load(html, head, width, height) for page in pages))
        finally:
            async with self._idle_changed:
                self._idle.extend(pages)
                self._idle_changed.notify_all()


class RenderPool:
    """A Renderer on a thread and event loop of its own, owned by whoever makes it:

        with RenderPool(jobs) as renderer:
            build(root, now, options, renderer)

    Playwright's driver can start at once (`start=True`), while Python is still checking the
    content; the browser launches when the path is known (`use`, from the validated narrowcast.yaml)
    or at the first render. A server's build worker keeps one open between builds: a rebuild after
    one saved slide then costs that slide's render, not a launch.
    """

    def __init__(self, jobs: int = 2, start: bool = True):
        if start:
            # Imported here, before the thread starts: the launch then begins at once instead of
            # importing Playwright in turns with whatever the calling thread imports next. A pool
            # that may never render (everything cached) does not pay for the import (~0.1-0.3 s).
            import playwright.async_api  # noqa: F401

        self.jobs = max(1, jobs)
        self.chromium: str | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="narrowcast-render", daemon=True)
        self._thread.start()
        self._renderer = Renderer(jobs)
        self._driver = self._submit(self._renderer.start_driver()) if start else None
        self._ready = None  # the browser's launch, once asked for
        self._background: set = set()  # work started with start(), cancelled on close
        self.closed = False

    def __enter__(self) -> "RenderPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _submit(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def use(self, chromium: str | None) -> None:
        """Render with this browser (None: the usual search). With the driver started early, the
        browser launches now, while the caller goes on; otherwise at the first render."""
        if chromium != self.chromium or self._ready is None:
            self.chromium = chromium
            self._ready = self._submit(self._renderer.launch(chromium)) if self._driver else None

    def _launched(self):
        if self._ready is None:
            self._ready = self._submit(self._renderer.launch(self.chromium))
        return self._ready

    def run(self, work):
        """Run `await work(renderer)` on the pool's loop; blocks until it is done."""
        self._launched().result()  # a failed launch raises here
        return self._submit(work(self._renderer)).result()

    def start(self, work) -> None:
        """Start `await work(renderer)` on the pool's loop once the browser is up; return at once."""
        ready = self._launched()

        async def when_ready():
            await asyncio.wrap_future(ready)  # a failed launch: nothing to do
            await work(self._renderer)

        future = self._submit(when_ready())
        self._background.add(future)
        future.add_done_callback(self._background.discard)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for work in list(self._background):
            work.cancel()  # pages being prepared for a build that will not come
        try:
            for started in (self._driver, self._ready):
                if started is not None:
                    started.result(timeout=60)
        except Exception:  # noqa: BLE001 - a browser that never started: still stop the driver below
            pass
        try:
            self._submit(self._renderer.close()).result(timeout=30)
        except Exception:  # noqa: BLE001 - a browser that already died: nothing to close
            pass
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()


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

    async def load(self, html: str, head: str, width: int, height: int) -> bool:
        """Size the page and load the document unless it has this head already; True if loaded."""
        if self.size != (width, height):
            await self.page.set_viewport_size({"width": width, "height": height})
            self.size = (width, height)
        if head == self.head:
            return False
        self.head = None  # if loading fails midway, the next slide loads the document again
        await self.page.set_content(html, wait_until="load")
        self.head = head
        return True

    async def render(self, html: str, head: str, body: str, per_slide: dict, width: int, height: int) -> SlideRender:
        loaded = await self.load(html, head, width, height)
        measured = await self.page.evaluate(_SWAP_AND_MEASURE_JS, [None if loaded else body, per_slide])
        shot = await self.cdp.send("Page.captureScreenshot", {
            "format": "png", "optimizeForSpeed": True, "captureBeyondViewport": False,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})
        return SlideRender(base64.b64decode(shot["data"]), measured["problems"], measured["minFontPx"])


async def _refuse_request(route) -> None:
    await route.abort("blockedbyclient")


def _tune_driver_environment() -> None:
    """Settings for Playwright's driver (Node), which inherits this process's environment.

    Node's compile cache: the driver loads a 10 MB bundle at every launch, 0.5 -> 0.4 s with the
    cache (silently skipped where the folder cannot be written). A young generation of 2 MB
    instead of Node's default: the driver only passes messages on; 141 -> 121 MB RSS on a
    200-slide build, same speed (both measured, see bench/README.md). A user's own settings win.
    """
    os.environ.setdefault("NODE_COMPILE_CACHE", str(user_cache() / "node-compile-cache"))
    options = os.environ.get("NODE_OPTIONS", "")
    if "semi-space" not in options:
        os.environ["NODE_OPTIONS"] = (options + " --max-semi-space-size=2").strip()


# --- the early start -------------------------------------------------------------------------------

def likely_to_render(root: Path, cache: RenderCache) -> bool:
    """Whether a build will probably render, so Chromium is worth starting before the checks.

    Probably: a content file changed since the last build rendered, or there is no cache to use.
    A guess only: a wrong one costs a launch or a second, never a wrong result.
    """
    marker = cache.path(LAST_BUILD, "")
    return not (cache.enabled and marker.is_file() and not _changed_since(root, marker.stat().st_mtime))


def _changed_since(root: Path, moment: float) -> bool:
    pending = [root / CONFIG_FILE, root / STATE_DIR / NOTICES, *(root / part for part in CONTENT_DIRS)]
    while pending:
        path = pending.pop()
        try:
            info = path.stat()
        except OSError:
            continue
        if info.st_mtime >= moment:
            return True
        if path.is_dir():
            pending.extend(path.iterdir())
    return False
