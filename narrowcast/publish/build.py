"""The build, as named stages: load → check → plan → render → manifests → publish."""

from __future__ import annotations

import hashlib
import json
import shutil
import time as clock
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Mapping

from ..assets.themes import Theme, load_theme
from ..check.content import language_findings
from ..check.legibility import Measured, legibility_findings, static_findings
from ..content.load import load_site
from ..content.model import Site, as_of
from ..errors import ContentError, Finding
from ..render.browser import configured_chromium
from ..render.cache import RenderCache
from ..render.html import content_key, slide_context
from ..render.pool import RenderPool
from ..render.slides import Job, Progress, render_slides
from ..schedule.plan import Entry, Plan, plan_screen
from ..state.files import Notice, active_notices, build_lock
from .manifest import Fallback, Index, IndexScreen, Item, Manifest, manifest_path, media_url, stamp
from .policy import refuse_or_record
from .source import live_source
from .swap import cannot_write, carry_media, check_target, new_build_dir, publish

ScreenItems = tuple[tuple[Item, ...], Fallback]  # a screen's manifest items in order, and its fallback


@dataclass(frozen=True)
class BuildOptions:
    """How to build; the defaults publish the live output/ of the content folder."""

    out: Path | None = None  # another folder to build into (the live output/ when None)
    force: str | None = None  # the reason to publish despite plain-language or legibility errors (recorded)
    cache: bool = True  # False: render and check every slide again; the caches are left as they are
    progress: Progress | None = None  # called with (done, total) while slides are made
    source: Path | None = None  # the content folder to read (None: what is live, see publish/source.py)
    earlier: Mapping[str, bytes] = field(default_factory=dict)  # version -> manifest file to publish again as it was
    user: str | None = None  # who publishes: the forced log names them (None: the account running the build)


@dataclass
class BuildReport:
    out: Path
    source: Path  # the content folder it read: the working copy, or an approved snapshot's tree
    site: Site  # what was published: the server keeps it to show what is live
    plans: list[Plan]
    findings: list[Finding]
    rendered: int = 0
    cached: int = 0
    seconds: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)
    renders: dict[str, Job] = field(default_factory=dict)  # png name -> job (with measurements)

    @property
    def screens(self) -> int:
        return len(self.plans)

    @property
    def items(self) -> int:
        return sum(len(plan.entries) for plan in self.plans)


def build(root: Path, now: datetime, options: BuildOptions, renderer: RenderPool) -> BuildReport:
    """Build the state at `now` and publish it atomically; on any error nothing is published.

    The renderer is the caller's (`with RenderPool(...) as renderer`): used, never closed here.
    """
    started = clock.monotonic()
    now, root = as_of(now), root.resolve()
    target = (options.out or root / "output").absolute()
    check_target(target, root)
    cache = RenderCache.beside(root / "output", enabled=options.cache)
    with build_lock(root):  # one build at a time per folder: they removed each other's build folders
        source = options.source or live_source(root).folder_or_raise()
        site, findings = load_content(source)
        renderer.use(configured_chromium(root, site.config.chromium))  # launches while the texts are checked
        findings = check_content(site, findings, options.force, root, cache.checks_memo, options.user)
        plans, jobs, manifests = plan_slides(site, now, active_notices(root, now))
        staging = new_build_dir(target, f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%S}-{clock.time_ns() % 10**6:06d}")
        rendered, cached = render_slides(jobs, staging, renderer, cache, options.progress)
        legibility = legibility_findings(site, measurements(site, jobs))
        findings = sorted(findings + legibility)
        refuse_or_record(root, options.force, findings, legibility, options.user)
        written = write_and_publish(site, plans, manifests, staging, target, now, options.earlier)
    return BuildReport(out=target, source=source, site=site, plans=plans, findings=findings, rendered=rendered,
                       cached=cached, seconds=clock.monotonic() - started,
                       versions={s: m.version() for s, m in written.items()}, renders={job.png_name: job for job in jobs})


# --- stages ----------------------------------------------------------------------------------------

def load_content(root: Path) -> tuple[Site, list[Finding]]:
    """The validated site and its findings; broken content (schema, references) is never published."""
    site, findings = load_site(root)
    if site is None:
        raise ContentError(findings)
    return site, findings


def check_content(site: Site, findings: list[Finding], force: str | None, root: Path,
                  memo: Path | None = None, user: str | None = None) -> list[Finding]:
    """Language, tone, reading time and the checks that need no browser; errors only with a reason to force
    (recorded in `root`'s state folder).

    `memo`: where unchanged slides' language findings are remembered between runs.
    """
    checked = language_findings(site, memo) + static_findings(site)
    findings = sorted(findings + checked)
    refuse_or_record(root, force, findings, checked, user)
    return findings


def load_and_check(root: Path, force: str | None = None, source: Path | None = None,
                   user: str | None = None) -> tuple[Site, list[Finding]]:
    """The site, if publishable (load_content, then check_content): read from `source` (default: what is live)."""
    site, findings = load_content(source or live_source(root).folder_or_raise())
    return site, check_content(site, findings, force, root, user=user)


def write_and_publish(site: Site, plans: list[Plan], manifests: dict[str, ScreenItems], staging: Path, target: Path,
                      now: datetime, earlier: Mapping[str, bytes]) -> dict[str, Manifest]:
    """Manifests and index into the build folder, then the atomic swap; a folder that cannot be
    written (full, read-only) is a message naming it, and the live output stays as it was."""
    horizon = timedelta(hours=site.config.horizon_hours)
    try:
        written = write_outputs(site, plans, manifests, staging, now, earlier)
        media = carry_media(target, staging, {p.name for p in (staging / "media").iterdir()}, now, horizon)
        publish(staging, target, media, now, horizon)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    return written


def measurements(site: Site, jobs: list[Job]) -> list[Measured]:
    """Each rendered slide's measurements, once for every screen that shows it."""
    screens = site.screens
    return [Measured(job.entry_id, screens[screen], job.result.problems, job.result.min_font_px)
            for job in jobs if job.result is not None for screen in sorted(job.screens)]


def measure(site: Site, now: datetime, renderer: RenderPool, cache: RenderCache) -> list[Finding]:
    """Legibility of the site as it was loaded: every slide rendered (cached) into a scratch
    folder and measured; publishes nothing. `narrowcast check` uses it on the site it checked."""
    root = Path(site.root)
    renderer.use(configured_chromium(root, site.config.chromium))
    with build_lock(root):  # its scratch folder sits beside the builds, which a build would prune
        _, jobs, _ = plan_slides(site, now, active_notices(root, now))
        staging = new_build_dir(root / "output", f"check-{clock.time_ns() % 10**9:09d}")
        try:
            render_slides(jobs, staging, renderer, cache)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return legibility_findings(site, measurements(site, jobs))


def plan_slides(site: Site, now: datetime, notices: list[Notice]) -> tuple[list[Plan], list[Job], dict[str, ScreenItems]]:
    """Every screen's plan at `now`, the distinct renders they need, and per screen its manifest items."""
    plans = [plan_screen(site, screen, now, notices) for screen in site.config.screens]
    themes = {name: load_theme(Path(site.root), name) for name in {_theme_name(site, p) for p in plans}}
    jobs, manifests = plan_renders(site, plans, themes)
    return plans, jobs, manifests


def _theme_name(site: Site, plan: Plan) -> str:
    return plan.screen.theme or site.config.theme


def plan_renders(site: Site, plans: list[Plan], themes: dict[str, Theme]) -> tuple[list[Job], dict[str, ScreenItems]]:
    """Every distinct PNG to make, and per screen the manifest items that name them."""
    jobs: dict[str, Job] = {}
    manifests: dict[str, ScreenItems] = {}
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
            always = entry.unconditional and spans == [plan.window]  # no intervals: live all through the horizon
            items.append(Item(id=entry.item_id, title=entry.title, lang=entry.lang, image=media_url(job.png_name),
                              html=media_url(job.html_name), duration=entry.duration, priority=entry.priority,
                              interrupt=entry.interrupt,
                              intervals=None if always else tuple((stamp(a), stamp(b)) for a, b in spans)))
        fallback_job = job_for(plan.fallback)
        manifests[screen.id] = (tuple(items), Fallback(
            id=plan.fallback.item_id, image=media_url(fallback_job.png_name), html=media_url(fallback_job.html_name),
            duration=plan.fallback.duration))
    return list(jobs.values()), manifests


def write_outputs(site: Site, plans: list[Plan], manifests: dict[str, ScreenItems], staging: Path,
                  now: datetime, earlier: Mapping[str, bytes]) -> dict[str, Manifest]:
    """The manifest of every screen and the index, as docs/manifest.md describes; returns the manifests.

    A manifest whose version is in `earlier` is written as those very bytes (a rollback puts the
    files back as they were; they differ only in `server_time`, which the version leaves out)."""
    written: dict[str, Manifest] = {}
    for plan in plans:
        items, fallback = manifests[plan.screen.id]
        manifest = Manifest(screen=plan.screen.id, server_time=stamp(now), horizon=stamp(plan.window[1]),
                            poll_seconds=site.config.poll_seconds, items=items, fallback=fallback,
                            loops=tuple(tuple(loop) for loop in plan.loops) if items else None)
        path = staging / manifest_path(plan.screen.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        same = earlier.get(manifest.version())
        path.write_bytes(same if same is not None else manifest.to_json().encode("utf-8"))
        written[plan.screen.id] = manifest
    index = Index(site=site.config.site, generated=stamp(now), screens=tuple(
        IndexScreen(id=s.id, name=s.name, location=s.location, resolution=f"{s.width}x{s.height}",
                    playlist=s.playlist, version=written[s.id].version(), manifest=manifest_path(s.id))
        for s in (plan.screen for plan in plans)))
    (staging / "index.json").write_text(index.to_json(), encoding="utf-8")
    write_player(staging / "player")
    return written


PLAYER_DIR = Path(__file__).parent.parent / "player"
# in the order index.html loads them (core first, sync last: it starts the player)
PLAYER_ASSETS = ("core.js", "manifest.js", "store.js", "playback.js", "sync.js", "player.css")


def write_player(folder: Path) -> str:
    """The player into the output, its scripts and styles under content-hashed (immutable) names.

    index.html names the hashed files, so a browser may keep the page itself for a long time and
    still never runs an old script with a new page. Every asset is published as
    `player.<hash>.<ext>`, the name the nginx example in docs/screens.md (and the server) serve as
    immutable, so a restarted kiosk finds them all in its cache. version.json lets a running player
    see that a newer player was published: its version hashes every asset's hash.
    """
    folder.mkdir(parents=True, exist_ok=True)
    page = (PLAYER_DIR / "index.html").read_text(encoding="utf-8")
    digest = hashlib.sha256()
    for name in PLAYER_ASSETS:
        data = (PLAYER_DIR / name).read_bytes()
        short = hashlib.sha256(data).hexdigest()[:12]
        hashed = f"player.{short}.{name.rsplit('.', 1)[1]}"
        if f'"{name}"' not in page:
            raise ValueError(f"player/index.html names no {name}")
        (folder / hashed).write_bytes(data)
        page = page.replace(f'"{name}"', f'"{hashed}"')
        digest.update(short.encode())
    version = digest.hexdigest()[:12]
    page = page.replace("__PLAYER_VERSION__", version)
    (folder / "index.html").write_text(page, encoding="utf-8")
    for extra in sorted(PLAYER_DIR.glob("*")):
        if extra.name not in PLAYER_ASSETS + ("index.html",) and extra.is_file():
            (folder / extra.name).write_bytes(extra.read_bytes())
    (folder / "version.json").write_text(json.dumps({"version": version}), encoding="utf-8")
    return version
