"""The studio's live preview: a slide as it is being typed, through the same pipeline a screen gets.

The editor sends the slide's file as it would be saved; the server's build worker (its warm
Chromium) loads the folder with that draft in place of the file, renders the slide in every look
its screens give it (publish/preview.py's looks: size, theme, languages) and runs the checks, so
what the editor shows is the PNG a screen would get and the findings `check` would give. Nothing
is written into the content folder or output/: the pictures go to this process's own folder.
"""

from __future__ import annotations

import os
import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ...errors import Finding
from ...folder import STATE_DIR

STUDIO_DIR = "studio"  # in the state folder: one folder per server process
KEEP_PICTURES = 400  # draft pictures kept per process; older ones are removed


@dataclass(frozen=True)
class DraftImage:
    look: str
    label: str  # the screens that show it this way, and the language
    size: str
    image: str  # png name under /studio/media/
    width: int
    height: int


@dataclass(frozen=True)
class Draft:
    """What a draft comes to, as data that crosses from the worker."""

    ok: bool
    slide: str = ""  # the slide's id in the draft
    images: tuple[DraftImage, ...] = ()
    findings: tuple[Finding, ...] = ()  # this file's, errors first (file:line: the draft's lines)
    marks: dict[str, list[dict]] = field(default_factory=dict)  # field -> marks at the words (check/marks.py)
    error: str = ""
    detail: str = ""  # a traceback for the log (a bug)


def draft_failed(error: str, detail: str = "") -> Draft:
    return Draft(ok=False, error=error, detail=detail)


def studio_dir(root: Path) -> Path:
    return root / STATE_DIR / STUDIO_DIR / str(os.getpid())


def draft_in_worker(root: Path, rel: str, text: bytes, document: int, now: datetime, jobs: int, out: Path) -> Draft:
    """Runs in the build worker: load the folder with the draft, render and check the slide in
    document `document` of file `rel`."""
    from ...check.owners import owner, slide_spans
    from ...content.load import load_site
    from ..builder import unexpected

    try:
        site, findings = load_site(root, {rel: text})
        if site is None:  # which slide a finding is about cannot be told: this file's findings
            problems = [f for f in findings if f.file == rel] or [f for f in findings if f.is_error]
            return Draft(ok=False, findings=tuple(_ordered(problems)), error="de dia kan zo niet gelezen worden")
        slide = next((s for s in site.slides.values()
                      if s.origin.file == rel and s.origin.doc.index == document and s.phase is None), None)
        if slide is None:
            return Draft(ok=False, findings=tuple(_ordered([f for f in findings if f.file == rel])),
                         error=f"in {rel} staat hier geen dia")
        spans = slide_spans(site)
        return _rendered(root, site, slide, lambda found: [f for f in found if owner(spans, f) == slide.id],
                         findings, now, jobs, out)
    except Exception as exc:  # noqa: BLE001 - reported beside the editor; the server goes on
        from ..builder import retire_renderer

        retire_renderer()
        return draft_failed(unexpected(exc), traceback.format_exc())


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(set(findings), key=lambda f: (not f.is_error, f.line, f.message))


def _rendered(root: Path, site, slide, own, findings: list[Finding], now: datetime, jobs: int, out: Path) -> Draft:
    """`own(findings)`: those about this slide."""
    from ...assets.themes import load_theme
    from ...check.content import language_findings
    from ...check.legibility import legibility_findings, static_findings
    from ...check.marks import slide_marks
    from ...publish.preview import every_variant, measured
    from ...render.cache import RenderCache
    from ...render.slides import render_slides
    from ..builder import worker_renderer

    renderer = worker_renderer(jobs)
    themes = {name: load_theme(root, name) for name in {s.theme or site.config.theme for s in site.config.screens}}
    firsts = {}
    for _, look, job in every_variant(site, now, themes, only=slide.id):
        firsts.setdefault(look.id, (look, job))  # each look's own-language picture
    picked = list(firsts.values())
    render_slides([job for _, job in picked], out, renderer, RenderCache.beside(root / "output"))
    _forget_old_pictures(out / "media", {job.png_name for _, job in picked})
    checked = language_findings(site, out / "checks.memo") + static_findings(site)
    legible = legibility_findings(site, measured(site, [job for _, job in picked]))
    everything = _ordered(own(findings + checked + legible))
    images = tuple(DraftImage(look.id, ", ".join(s.name for s in look.screens), f"{job.width} × {job.height}",
                              job.png_name, job.width, job.height) for look, job in picked)
    return Draft(ok=True, slide=slide.id, images=images, findings=tuple(everything),
                 marks={name: [m.to_json(_written(slide, name)) for m in marks]
                        for name, marks in slide_marks(site, slide).items()})


def _written(slide, name: str) -> str | None:
    """A top-level field's text as written (the marks' offsets point into it); None for the others."""
    value = getattr(slide, name, None) if "." not in name else None
    return value if isinstance(value, str) else None


def _forget_old_pictures(media: Path, keep: set[str]) -> None:
    try:
        pictures = sorted((p for p in media.iterdir() if p.name not in keep), key=lambda p: p.stat().st_mtime)
    except OSError:
        return
    for picture in pictures[:max(0, len(pictures) - KEEP_PICTURES)]:
        picture.unlink(missing_ok=True)
