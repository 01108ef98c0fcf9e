"""The build, as named stages: load → check → plan → render → manifests → publish."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time as clock
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from .check.content import language_findings
from .check.legibility import Measured, legibility_findings, static_findings
from .errors import ContentError, Finding, NarrowcastError, has_errors
from .load import load_site
from .model import Site, as_of
from .publish import cannot_write, carry_media, check_target, link_or_copy, new_build_dir, publish
from .cache import LAST_BUILD, RenderCache, png_problem
from .pool import MEASURE_STAMP, Renderer, RenderPool, SlideRender, configured_chromium, early_browser
from .render import content_key, render_html, slide_context
from .schedule import Entry, Plan, plan_screen
from .state import active_notices, build_lock, record_forced
from .themes import Theme, load_theme

MANIFEST_SCHEMA = 1
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


@dataclass
class BuildReport:
    out: Path
    screens: int = 0
    items: int = 0
    rendered: int = 0
    cached: int = 0
    seconds: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    renders: dict[str, Job] = field(default_factory=dict)  # png name -> job (with measurements)


def build(root: Path, now: datetime, out: Path | None = None, jobs: int = 2, chromium: str | None = None,
          progress: Progress | None = None, force: str | None = None, cache: bool = True,
          keep_browser: bool = False, pool: RenderPool | None = None) -> BuildReport:
    """Build the state at `now` into `out` (default: the live output/ of the content folder).

    `force` is the reason to publish despite plain-language errors; it is recorded in the state folder.
    `cache=False` renders and checks every slide again and leaves the caches as they are. `keep_browser`
    keeps Chromium open for the next build in this process (the server). `pool`: a browser the
    caller started early (`pool.early_browser`); this build closes it. `chromium`: the browser to
    use, default `chromium:` in narrowcast.yaml, then the usual search (browser.find_chromium).
    """
    started = clock.monotonic()
    now = as_of(now)
    root = root.resolve()
    target = (out or root / "output").absolute()
    check_target(target, root)
    render_cache = RenderCache.beside(root / "output", enabled=cache)
    chromium = chromium or configured_chromium(root)
    pool = pool or early_browser(root, render_cache, jobs, chromium, keep_browser)
    try:
        with build_lock(root):  # one build at a time per folder: they removed each other's build folders
            site, findings = load_and_check(root, force, render_cache.checks_memo)
            report = BuildReport(out=target, findings=findings)
            plans = plan_screens(site, now)
            themes = {name: load_theme(root, name) for name in {_theme_name(site, p) for p in plans}}
            job_list, manifests = plan_renders(site, plans, themes)
            staging = new_build_dir(target, f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%S}-{clock.time_ns() % 10**6:06d}")
            report.rendered, report.cached, pool = render_all(job_list, target, staging, jobs, chromium, progress,
                                                              render_cache, pool)
            report.findings = refuse_illegible(root, site, job_list, report.findings, force)
            write_and_publish(site, plans, manifests, staging, target, now)
        if pool and pool.is_shared and job_list:
            _prepare_pages(pool, job_list)
    finally:
        # After publishing: screens see the new version without waiting for Chromium to shut down.
        if pool and not pool.is_shared:
            pool.close()
    report.screens = len(plans)
    report.items = sum(len(m["items"]) for m in manifests.values())
    report.versions = {screen: m["version"] for screen, m in manifests.items()}
    report.renders = {job.png_name: job for job in job_list}
    report.seconds = clock.monotonic() - started
    return report


# --- stages ----------------------------------------------------------------------------------------

def load_and_check(root: Path, force: str | None = None, memo: Path | None = None) -> tuple[Site, list[Finding]]:
    """The site, if publishable: broken content never is; language errors only with a reason to force.

    `memo`: where unchanged slides' language findings are remembered between runs.
    """
    site, findings = load_site(root)
    if site is None or has_errors(findings):
        raise ContentError(findings)
    findings = sorted(findings + language_findings(site, memo) + static_findings(site))
    if has_errors(findings):
        if not force:
            raise ContentError(findings, hint="publiceren kan toch met --force --reason \"waarom\"")
        record_forced(root, force, [f for f in findings if f.is_error])
    return site, findings


def write_and_publish(site: Site, plans: list[Plan], manifests: dict[str, dict], staging: Path, target: Path,
                      now: datetime) -> None:
    """Manifests and index into the build folder, then the atomic swap; a folder that cannot be
    written (full, read-only) is a message naming it, and the live output stays as it was."""
    horizon = timedelta(hours=site.config.horizon_hours)
    try:
        write_outputs(site, plans, manifests, staging, now)
        media = carry_media(target, staging, {p.name for p in (staging / "media").iterdir()}, now, horizon)
        publish(staging, target, media, now, horizon)
    except OSError as exc:
        raise cannot_write(target, exc) from None


def measurements(site: Site, jobs: list[Job]) -> list[Measured]:
    """Each rendered slide's measurements, once for every screen that shows it."""
    screens = site.screens
    return [Measured(job.entry_id, screens[screen], job.result.problems, job.result.min_font_px)
            for job in jobs if job.result is not None for screen in sorted(job.screens)]


def refuse_illegible(root: Path, site: Site, jobs: list[Job], findings: list[Finding], force: str | None) -> list[Finding]:
    """Legibility findings join the others; errors stop the build as language errors do."""
    legibility = legibility_findings(site, measurements(site, jobs))
    findings = sorted(findings + legibility)
    errors = [f for f in legibility if f.is_error]
    if errors:
        if not force:
            raise ContentError(findings, hint="publiceren kan toch met --force --reason \"waarom\"")
        record_forced(root, force, errors)
    return findings


def measure(root: Path, now: datetime, jobs: int = 2, chromium: str | None = None) -> list[Finding]:
    """Render everything (cached) into a scratch folder, only to check legibility; publishes nothing."""
    import shutil

    root = root.resolve()
    with build_lock(root):  # its scratch folder sits beside the builds, which a build would prune
        site, _ = load_site(root)
        if site is None:
            return []
        plans = plan_screens(site, now)
        themes = {name: load_theme(root, name) for name in {_theme_name(site, p) for p in plans}}
        job_list, _ = plan_renders(site, plans, themes)
        target = root / "output"
        staging = new_build_dir(target, f"check-{clock.time_ns() % 10**9:09d}")
        pool = None
        try:
            _, _, pool = render_all(job_list, target, staging, jobs, chromium or configured_chromium(root), None)
        finally:
            if pool and not pool.is_shared:
                pool.close()
            shutil.rmtree(staging, ignore_errors=True)
    return legibility_findings(site, measurements(site, job_list))


def plan_screens(site: Site, now: datetime) -> list[Plan]:
    notices = active_notices(Path(site.root), now)
    return [plan_screen(site, screen, now, notices) for screen in site.config.screens]


def _theme_name(site: Site, plan: Plan) -> str:
    return plan.screen.theme or site.config.theme


def plan_renders(site: Site, plans: list[Plan], themes: dict[str, Theme]) -> tuple[list[Job], dict[str, dict]]:
    """Every distinct PNG to make, and per screen the manifest items that name them."""
    jobs: dict[str, Job] = {}
    manifests: dict[str, dict] = {}
    for plan in plans:
        theme = themes[_theme_name(site, plan)]
        screen = plan.screen

        def job_for(entry: Entry) -> Job:
            context = slide_context(site, entry, screen)
            key = content_key(theme, context, screen.width, screen.height)
            job = jobs.get(key) or jobs.setdefault(key, Job(key, theme, context, screen.width, screen.height, entry.item_id))
            job.screens.add(screen.id)
            return job

        items = []
        for entry, spans in plan.entries:
            job = job_for(entry)
            item = {"id": entry.item_id, "title": entry.title, "lang": entry.lang,
                    "image": f"../../media/{job.png_name}", "html": f"../../media/{job.html_name}",
                    "duration": entry.duration, "priority": entry.priority, "interrupt": entry.interrupt}
            if not (entry.unconditional and spans == [plan.window]):
                item["intervals"] = [[_iso(a), _iso(b)] for a, b in spans]
            items.append(item)
        fallback_job = job_for(plan.fallback)
        manifests[screen.id] = {"items": items, "fallback": {
            "id": plan.fallback.item_id, "image": f"../../media/{fallback_job.png_name}",
            "html": f"../../media/{fallback_job.html_name}", "duration": plan.fallback.duration}}
    return list(jobs.values()), manifests


def render_all(jobs: list[Job], target: Path, staging: Path, workers: int, chromium: str | None,
               progress: Progress | None, cache: RenderCache | None = None, pool: RenderPool | None = None
               ) -> tuple[int, int, RenderPool | None]:
    """Make every PNG the render cache does not hold; link the rest. Returns (rendered, cached, pool).

    Without a cache given, the one beside `target` is used; without a pool, one is started if
    needed. The pool is returned for the caller to close (unless it is the process's shared one);
    one that failed is closed here, and a shared one is then started afresh by the next build.
    """
    cache = cache or RenderCache.beside(target)
    media = staging / "media"
    media.mkdir(parents=True, exist_ok=True)
    todo = [job for job in jobs if not _from_cache(cache, job, media)]
    done = len(jobs) - len(todo)
    if progress:
        progress(done, len(jobs))
    if todo:
        # Slides that share a size and a head follow each other, so pages seldom load a document.
        todo.sort(key=lambda job: job.page_group)
        pool = pool or RenderPool(workers, chromium)
        try:
            pool.run(lambda renderer: _render(renderer, todo, media, cache, progress, done, len(jobs)))
        except BaseException:
            pool.close()
            raise
    if cache.enabled:
        cache.prune(keep={job.key for job in jobs})
        cache.path(LAST_BUILD, "").touch()
    return len(todo), done, pool


def _prepare_pages(pool: RenderPool, jobs: list[Job]) -> None:
    """Pages of a kept browser load the document most slides share, after publishing: the next
    saved slide then costs a body swap (~70 ms) instead of a document load (~170 ms)."""
    groups: dict[tuple, list[Job]] = {}
    for job in jobs:
        groups.setdefault(job.page_group, []).append(job)
    job = max(groups.values(), key=len)[0]
    html = job.html()
    pool.start(lambda renderer: renderer.prepare(html, job.width, job.height))


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


def write_outputs(site: Site, plans: list[Plan], manifests: dict[str, dict], staging: Path, now: datetime) -> None:
    """The manifest of every screen and the index, exactly as manifest version 1 describes."""
    index = {"schema": MANIFEST_SCHEMA, "site": site.config.site, "generated": _iso(now), "screens": []}
    for plan in plans:
        body = manifests[plan.screen.id]
        content = {"schema": MANIFEST_SCHEMA, "screen": plan.screen.id, "poll_seconds": site.config.poll_seconds,
                   "items": body["items"], "fallback": body["fallback"]}
        version = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]
        manifest = {"schema": MANIFEST_SCHEMA, "screen": plan.screen.id, "version": version,
                    "server_time": _iso(now), "horizon": _iso(plan.window[1]),
                    "poll_seconds": site.config.poll_seconds, "items": body["items"], "fallback": body["fallback"]}
        body["version"] = version
        folder = staging / "screens" / plan.screen.id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        index["screens"].append({"id": plan.screen.id, "name": plan.screen.name, "location": plan.screen.location,
                                 "resolution": f"{plan.screen.width}x{plan.screen.height}",
                                 "playlist": plan.screen.playlist, "version": version,
                                 "manifest": f"screens/{plan.screen.id}/manifest.json"})
    (staging / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1), encoding="utf-8")
    write_player(staging / "player")


PLAYER_DIR = Path(__file__).parent / "player"
PLAYER_ASSETS = ("player.js", "player.css")


def write_player(folder: Path) -> str:
    """The player into the output, its scripts and styles under content-hashed (immutable) names.

    index.html names the hashed files, so a browser may keep the page itself for a long time and
    still never runs an old script with a new page. version.json lets a running player see that a
    newer player was published.
    """
    folder.mkdir(parents=True, exist_ok=True)
    page = (PLAYER_DIR / "index.html").read_text(encoding="utf-8")
    digest = hashlib.sha256()
    for name in PLAYER_ASSETS:
        data = (PLAYER_DIR / name).read_bytes()
        short = hashlib.sha256(data).hexdigest()[:12]
        stem, ext = name.rsplit(".", 1)
        (folder / f"{stem}.{short}.{ext}").write_bytes(data)
        page = page.replace(f'"{name}"', f'"{stem}.{short}.{ext}"')
        digest.update(data)
    version = digest.hexdigest()[:12]
    page = page.replace("__PLAYER_VERSION__", version)
    (folder / "index.html").write_text(page, encoding="utf-8")
    for extra in sorted(PLAYER_DIR.glob("*")):
        if extra.name not in PLAYER_ASSETS + ("index.html",) and extra.is_file():
            (folder / extra.name).write_bytes(extra.read_bytes())
    (folder / "version.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    return version


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
