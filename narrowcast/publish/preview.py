"""The preview build: the working copy as staff see it before anything is published.

It reads the working copy (also in review mode, where the live build reads the approved snapshot)
and publishes into its own folder, `.state/preview/output`, never into `output/`. It refuses
nothing that a check finds: showing the findings beside the slides is what the preview is for.

Besides what screens would get at the moment (manifests, media, the player), it renders every
slide in every look a screen gives it (size, theme, languages), also the slides not live at that
moment, and writes `preview.json` (publish/previewdata.py), which the pages read.
"""

from __future__ import annotations

import json
import time as clock
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from ..assets.themes import Theme, load_theme
from ..check.content import language_findings
from ..check.legibility import Measured, legibility_findings, static_findings
from ..content.load import load_site
from ..content.model import FAR_PAST, Playlist, PlaylistItem, Screen, Site, as_of
from ..errors import ContentError, Finding
from ..folder import STATE_DIR, process_folder, remove_gone
from ..render.browser import configured_chromium
from ..render.cache import RenderCache
from ..render.html import content_key, slide_context
from ..render.pool import RenderPool
from ..render.slides import Job, render_slides
from ..schedule.languages import LanguageChoice, language_choice
from ..schedule.looplength import loop_findings, screen_language_findings
from ..schedule.plan import Entry, Plan, build_window, plan_screen, playlist_entries
from ..state.files import active_notices, build_lock
from .build import BuildReport, plan_renders, plan_slides, write_and_publish
from .previewdata import preview_data
from .swap import check_target, new_build_dir

# In the state folder, not in the render cache's folder: the cache removes what it does not know.
PREVIEW_DIR = "preview"
DATA_FILE = "preview.json"


def preview_output(root: Path) -> Path:
    """Where this process publishes its preview of a content folder: a folder per process, so two
    previews of one folder (`preview --at` beside `serve`) never overwrite each other."""
    return process_folder(root / STATE_DIR / PREVIEW_DIR) / "output"


def remove_previews(root: Path, own: bool = False) -> None:
    """Remove the preview folders of processes that are gone (and with `own`, this process's)."""
    remove_gone(root / STATE_DIR / PREVIEW_DIR, own)


@dataclass(frozen=True)
class Look:
    """Screens that show a slide alike: the same size, theme and languages."""

    id: str
    width: int
    height: int
    theme: str
    languages: LanguageChoice
    screens: tuple[Screen, ...]


Variant = tuple[str, Look, Job]  # (slide id, look, the render of one of its variants there)


def build_preview(root: Path, now: datetime, renderer: RenderPool, out: Path | None = None) -> BuildReport:
    """Check and render the working copy at `now` and publish it as the preview; raises only when
    the content cannot be loaded at all (then the last preview stays)."""
    started = clock.monotonic()
    now, root = as_of(now), root.resolve()
    target = (out or preview_output(root)).absolute()
    check_target(target, root)
    cache = RenderCache.beside(root / "output")
    with build_lock(root):  # the live build's folders and the render cache are shared
        site, findings = load_site(root)
        if site is None:
            raise ContentError(findings)
        renderer.use(configured_chromium(root, site.config.chromium))
        findings = findings + _checks(site, now, cache)
        plans, jobs, manifests = plan_slides(site, now, active_notices(root, now))
        themes = {name: load_theme(root, name) for name in {s.theme or site.config.theme for s in site.config.screens}}
        sheets = stand_in_plans(site, now)
        sheet_jobs, sheet_manifests = plan_renders(site, sheets, themes)
        variants = every_variant(site, now, themes)
        distinct = _distinct(jobs + sheet_jobs + [job for _, _, job in variants])
        staging = new_build_dir(target, f"{now.astimezone(timezone.utc):%Y%m%dT%H%M%S}-{clock.time_ns() % 10**6:06d}")
        rendered, cached = render_slides(distinct, staging, renderer, cache)
        findings = sorted(findings + legibility_findings(site, measured(site, distinct)))
        data = preview_data(site, now, plans, plans + sheets, manifests | sheet_manifests, variants, findings)
        (staging / DATA_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        written = write_and_publish(site, plans, manifests, staging, target, now, {})
    return BuildReport(out=target, source=root, site=site, plans=plans, findings=findings, rendered=rendered, cached=cached,
                       seconds=clock.monotonic() - started, versions={s: m.version() for s, m in written.items()},
                       renders={job.png_name: job for job in distinct})


def _checks(site: Site, now: datetime, cache: RenderCache) -> list[Finding]:
    """Every check of `narrowcast check` that needs no browser."""
    return (language_findings(site, cache.checks_memo) + static_findings(site) + loop_findings(site, now)
            + screen_language_findings(site))


def _distinct(jobs: list[Job]) -> list[Job]:
    """One job per file to make; the screens of its duplicates join it (they are measured there)."""
    kept: dict[str, Job] = {}
    for job in jobs:
        first = kept.setdefault(job.key, job)
        if first is not job:
            first.screens |= job.screens
    return list(kept.values())


def measured(site: Site, jobs: list[Job]) -> list[Measured]:
    """What each render measured, once per real screen that shows it (a stand-in screen is no screen)."""
    screens = site.screens
    return [Measured(job.entry_id, screens[s], job.result.problems, job.result.min_font_px)
            for job in jobs if job.result is not None for s in sorted(job.screens) if s in screens]


# --- every slide in every look ------------------------------------------------------------------

def looks(site: Site) -> list[Look]:
    """The distinct ways the screens show slides, in the order of the screens."""
    grouped: dict[tuple, list[Screen]] = {}
    for screen in site.config.screens:
        key = (screen.width, screen.height, screen.theme or site.config.theme, language_choice(site, screen))
        grouped.setdefault(key, []).append(screen)
    return [Look(f"vorm-{n}", w, h, theme, languages, tuple(screens))
            for n, ((w, h, theme, languages), screens) in enumerate(grouped.items(), 1)]


def every_variant(site: Site, now: datetime, themes: dict[str, Theme], only: str | None = None) -> list[Variant]:
    """Every slide (law phases too; with `only`, that slide) in each of its variants (own language,
    translations, side by side) in every look, whether it is live at `now` or not."""
    out: list[Variant] = []
    for look in looks(site):
        theme, screen = themes[look.theme], look.screens[0]
        for entry in _entries(site, look.languages, now):
            if only is not None and entry.slide.id != only:
                continue
            context = slide_context(site, entry, screen)
            job = Job(content_key(theme, context, look.width, look.height), theme, context, look.width, look.height,
                      entry.item_id, {s.id for s in look.screens})
            out.append((entry.slide.id, look, job))
    return out


def _entries(site: Site, languages: LanguageChoice, now: datetime) -> list[Entry]:
    """Each slide's entries as a playlist of all slides gives them (the plan's own rules for languages
    and law phases), one per variant; a countdown outside the window is shown as on its first day."""
    tz = ZoneInfo(site.config.timezone)
    window = build_window(now, site.config.horizon_hours, tz)
    found = _first_per_variant(playlist_entries(site, _all_of(site.slides.values()), window, languages))
    for slide in site.slides.values():
        if slide.id not in {entry.slide.id for entry in found} and slide.phase is not None:
            begin, effective = slide.phase.span
            start = begin if begin > FAR_PAST else effective - timedelta(days=1)
            shown = build_window(start, site.config.horizon_hours, tz)
            found += _first_per_variant(playlist_entries(site, _all_of([slide]), shown, languages))
    order = {ident: n for n, ident in enumerate(site.slides)}
    return sorted(found, key=lambda entry: order[entry.slide.id])


def _all_of(slides) -> Playlist:
    return Playlist(id="alle-dias", name="Alle dia's", items=[PlaylistItem(slide=slide.id) for slide in slides])


def _first_per_variant(entries: list[Entry]) -> list[Entry]:
    """A countdown has an entry per day: the preview shows its first."""
    seen: set[tuple] = set()
    return [e for e in entries if not ((e.slide.id, e.lang, e.also) in seen or seen.add((e.slide.id, e.lang, e.also)))]


# --- contact sheets for playlists no screen shows --------------------------------------------------

def stand_in_plans(site: Site, now: datetime) -> list[Plan]:
    """A plan per playlist that no screen shows, on a stand-in of the first screen, so it gets a contact sheet too."""
    shown = {screen.playlist for screen in site.config.screens}
    taken = set(site.screens)
    plans = []
    for playlist in site.playlists.values():
        if playlist.id in shown:
            continue
        ident = _free_id(f"voorbeeld-{playlist.id}", taken)
        taken.add(ident)
        stand_in = site.config.screens[0].model_copy(update={"id": ident, "playlist": playlist.id, "name": playlist.name,
                                                             "languages": None, "language_mode": None})
        plans.append(plan_screen(site, stand_in, now, ()))
    return plans


def _free_id(wanted: str, taken: set[str]) -> str:
    ident, n = wanted, 1
    while ident in taken:
        n += 1
        ident = f"{wanted}-{n}"
    return ident

