"""The build, as named stages: load → check → plan → render → manifests → publish."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time as clock
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from .check.content import language_findings
from .errors import ContentError, Finding, has_errors
from .load import load_site
from .model import Site, as_of
from .publish import carry_media, check_target, live_dir, link_or_copy, new_build_dir, publish
from .render import RENDERER_VERSION, Renderer, SlideRender, render_html, slide_context
from .schedule import Entry, Plan, plan_screen
from .state import active_notices, record_forced
from .themes import Theme, load_theme

MANIFEST_SCHEMA = 1
Progress = Callable[[int, int], None]  # (done, total)


@dataclass
class Job:
    """One PNG to make: a slide's HTML at one screen size. Same HTML and size = same file."""

    html: str
    width: int
    height: int
    png_name: str
    html_name: str
    entry_id: str
    screens: set[str] = field(default_factory=set)
    result: SlideRender | None = None


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
          progress: Progress | None = None, force: str | None = None) -> BuildReport:
    """Build the state at `now` into `out` (default: the live output/ of the content folder).

    `force` is the reason to publish despite plain-language errors; it is recorded in the state folder.
    """
    started = clock.monotonic()
    now = as_of(now)
    root = root.resolve()
    target = (out or root / "output").absolute()
    check_target(target, root)
    site, findings = load_and_check(root, force)
    report = BuildReport(out=target, findings=findings)
    plans = plan_screens(site, now)
    themes = {name: load_theme(root, name) for name in {_theme_name(site, p) for p in plans}}
    job_list, manifests = plan_renders(site, plans, themes)
    staging = new_build_dir(target, f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%S}-{clock.time_ns() % 10**6:06d}")
    report.rendered, report.cached = render_all(job_list, target, staging, jobs, chromium, progress)
    write_outputs(site, plans, manifests, staging, now)
    horizon = timedelta(hours=site.config.horizon_hours)
    media = carry_media(target, staging, {p.name for p in (staging / "media").iterdir()}, now, horizon)
    publish(staging, target, media, now, horizon)
    report.screens = len(plans)
    report.items = sum(len(m["items"]) for m in manifests.values())
    report.versions = {screen: m["version"] for screen, m in manifests.items()}
    report.renders = {job.png_name: job for job in job_list}
    report.seconds = clock.monotonic() - started
    return report


# --- stages ----------------------------------------------------------------------------------------

def load_and_check(root: Path, force: str | None = None) -> tuple[Site, list[Finding]]:
    """The site, if publishable: broken content never is; language errors only with a reason to force."""
    site, findings = load_site(root)
    if site is None or has_errors(findings):
        raise ContentError(findings)
    findings = sorted(findings + language_findings(site))
    if has_errors(findings):
        if not force:
            raise ContentError(findings, hint="publiceren kan toch met --force --reason \"waarom\"")
        record_forced(root, force, [f for f in findings if f.is_error])
    return site, findings


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
            html = render_html(theme, slide_context(site, entry, screen))
            key = hashlib.sha256(f"{RENDERER_VERSION}\0{screen.width}x{screen.height}\0{html}".encode()).hexdigest()[:24]
            html_name = hashlib.sha256(html.encode()).hexdigest()[:24] + ".html"
            job = jobs.setdefault(key, Job(html, screen.width, screen.height, key + ".png", html_name, entry.item_id))
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
               progress: Progress | None) -> tuple[int, int]:
    """Make every PNG not already in the live output; reuse the rest. Returns (rendered, cached)."""
    media = staging / "media"
    media.mkdir(parents=True, exist_ok=True)
    live = live_dir(target)
    todo = []
    for job in jobs:
        (media / job.html_name).write_text(job.html, encoding="utf-8")
        cached = live / "media" / job.png_name if live else None
        measured = cached.with_suffix(".json") if cached else None
        if cached and cached.is_file() and measured.is_file():
            link_or_copy(cached, media / job.png_name)
            link_or_copy(measured, media / measured.name)
            job.result = SlideRender(b"", **json.loads(measured.read_text(encoding="utf-8")))
        else:
            todo.append(job)
    done = len(jobs) - len(todo)
    if progress:
        progress(done, len(jobs))
    if todo:
        asyncio.run(_render(todo, media, workers, chromium, progress, done, len(jobs)))
    return len(todo), len(jobs) - len(todo)


async def _render(todo: list[Job], media: Path, workers: int, chromium: str | None, progress, done: int, total: int):
    async with Renderer(jobs=workers, chromium=chromium) as renderer:
        counter = [done]

        async def one(job: Job):
            job.result = await renderer.render(job.html, job.width, job.height)
            (media / job.png_name).write_bytes(job.result.png)
            # What the page measured travels with the PNG, so a cached slide is still checked.
            measured = {"problems": job.result.problems, "min_font_px": job.result.min_font_px}
            (media / job.png_name).with_suffix(".json").write_text(json.dumps(measured), encoding="utf-8")
            counter[0] += 1
            if progress:
                progress(counter[0], total)

        await asyncio.gather(*(one(job) for job in todo))


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
