"""Slides to PNGs: each distinct render once (a job), from the cache when it holds it, else by Chromium."""

from __future__ import annotations

import asyncio
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from ..assets.themes import Theme
from ..errors import NarrowcastError
from .cache import LAST_BUILD, RenderCache, link_or_copy, png_problem
from .html import render_html
from .pool import MEASURE_STAMP, Renderer, RenderPool, SlideRender

Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class Job:
    """One PNG to make: a slide at one screen size in one theme. Same key = same file.

    The HTML is made only when needed: for a slide the cache holds, the key is all it takes.
    Neither the HTML (180 kB with its fonts) nor the PNG stays in memory once written.
    """

    key: str
    theme: Theme
    context: dict
    width: int
    height: int
    entry_id: str
    screens: set[str] = field(default_factory=set)
    result: SlideRender | None = None

    @property
    def png_name(self) -> str:
        return self.key + ".png"

    @property
    def html_name(self) -> str:
        return self.key + ".html"

    def html(self) -> str:
        return render_html(self.theme, self.context)

    @property
    def page_group(self) -> tuple:
        """Slides with the same size and head: a page renders them by swapping only the body."""
        return (self.width, self.height, self.theme.name, self.context["slide"]["dir"])


def render_slides(jobs: list[Job], staging: Path, renderer: RenderPool, cache: RenderCache,
                  progress: Progress | None = None) -> tuple[int, int]:
    """Make every PNG the render cache does not hold into `staging/media`; link the rest.

    Returns (rendered, cached). The renderer is the caller's: it is used, never closed here.
    """
    media = staging / "media"
    media.mkdir(parents=True, exist_ok=True)
    todo = [job for job in jobs if not _from_cache(cache, job, media)]
    done = len(jobs) - len(todo)
    if progress:
        progress(done, len(jobs))
    if todo:
        # Slides that share a size and a head follow each other, so pages seldom load a document.
        todo.sort(key=lambda job: job.page_group)
        renderer.run(lambda pages: _render(pages, todo, media, cache, progress, done, len(jobs)))
    if cache.enabled:
        cache.prune(keep={job.key for job in jobs})
        cache.path(LAST_BUILD, "").touch()
    return len(todo), done


def prepare_pages(renderer: RenderPool, jobs: list[Job]) -> None:
    """A kept browser's pages load the document most slides share, in the background (after
    publishing): the next saved slide then costs a body swap (~70 ms), not a document load (~170 ms)."""
    groups: dict[tuple, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.page_group, []).append(job)
    if not groups:
        return
    job = max(groups.values(), key=len)[0]
    html = job.html()
    renderer.start(lambda pages: pages.prepare(html, job.width, job.height))


def _from_cache(cache: RenderCache, job: Job, media: Path) -> bool:
    """Link the cached PNG and HTML into the build and take the measurements; False on a miss.

    The cache checks the files against their recorded hashes; the measurements are checked here.
    """
    record = cache.get(job.key, MEASURE_STAMP)
    measured = _measured(record) if record is not None else None
    if measured is None:
        return False
    try:
        for suffix in (".png", ".html"):
            link_or_copy(cache.path(job.key, suffix), media / f"{job.key}{suffix}")
    except OSError:  # pruned by another build in between: make it again
        for suffix in (".png", ".html"):
            (media / f"{job.key}{suffix}").unlink(missing_ok=True)
        return False
    job.result = measured
    return True


def _measured(record: dict) -> SlideRender | None:
    """The measurements in a cache record, if they have the shape the legibility checks read."""
    measured = record.get("measured")
    if not isinstance(measured, dict) or set(measured) != {"problems", "min_font_px"}:
        return None
    problems, smallest = measured["problems"], measured["min_font_px"]
    if not isinstance(problems, list) or not all(map(_is_problem, problems)):
        return None
    if smallest is not None and (isinstance(smallest, bool) or not isinstance(smallest, (int, float))):
        return None
    return SlideRender(b"", problems, smallest)


def _is_problem(problem) -> bool:
    if not isinstance(problem, dict) or not isinstance(problem.get("kind"), str):
        return False
    if not isinstance(problem.get("element", ""), str):
        return False
    if problem["kind"] == "contrast":
        return isinstance(problem.get("ratio"), (int, float)) and all(
            isinstance(problem.get(k), str) for k in ("color", "background"))
    return True


async def _render(renderer: Renderer, todo: list[Job], media: Path, cache: RenderCache,
                  progress: Progress | None, done: int, total: int) -> None:
    """Two workers per page take the slides in order: a page always has its next slide ready
    while the previous one is written, and only a few slides' HTML is in memory at a time."""
    counter = [done]
    pending = iter(todo)  # shared: each slide goes to one worker

    async def worker():
        for job in pending:
            html = job.html()
            job.result = await renderer.render(html, job.width, job.height)
            # Writing 270 kB (PNG, HTML with its fonts) takes ~4 ms: off the loop.
            await asyncio.to_thread(_keep, cache, job, html, media)
            job.result.png = b""  # written: the build keeps only the measurements
            counter[0] += 1
            if progress:
                progress(counter[0], total)

    await asyncio.gather(*(worker() for _ in range(2 * renderer.jobs)))


def _keep(cache: RenderCache, job: Job, html: str, media: Path) -> None:
    """The new PNG and HTML into the cache (with what the page measured) and into the build.

    Only a whole PNG of the right size: a damaged screenshot stops the build, nothing is published.
    """
    problem = png_problem(job.result.png, job.width, job.height)
    if problem:
        raise NarrowcastError(f"Chromium gaf voor dia {job.entry_id} ({job.width}x{job.height}) geen goede afbeelding "
                              f"terug: {problem}. Er is niets gepubliceerd; bouw opnieuw.")
    if not cache.enabled:
        (media / job.png_name).write_bytes(job.result.png)
        (media / job.html_name).write_text(html, encoding="utf-8")
        return
    measured = {name: value for name, value in asdict(job.result).items() if name != "png"}
    cache.put(job.key, job.result.png, html, {"stamp": MEASURE_STAMP, "entry": job.entry_id, "measured": measured})
    for suffix in (".png", ".html"):
        link_or_copy(cache.path(job.key, suffix), media / f"{job.key}{suffix}")


