"""The studio's live preview: a slide as it is being typed, through the same pipeline a screen gets.

The editor sends the slide's file as it would be saved; the server's build worker (its warm
Chromium) loads the folder with that draft in place of the file, renders the slide in every look
its screens give it (publish/preview.py's looks: size, theme, languages) and runs the checks, so
what the editor shows is the PNG a screen would get and the findings `check` would give. Nothing
is written into the content folder or output/: the pictures go to this process's own folder.
"""

from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ...errors import Finding
from ...folder import STATE_DIR, process_folder

SCREENS, LANGUAGES = "schermen", "talen"  # the two parts of a draft's preview: the second follows the first
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
    more: int = 0  # pictures in the other part (LANGUAGES) still to ask for
    error: str = ""
    detail: str = ""  # a traceback for the log (a bug)


def draft_failed(error: str, detail: str = "") -> Draft:
    return Draft(ok=False, error=error, detail=detail)


def studio_dir(root: Path) -> Path:
    return process_folder(root / STATE_DIR / STUDIO_DIR)


def draft_in_worker(root: Path, rel: str, text: bytes, document: int, now: datetime, jobs: int, out: Path,
                    part: str = SCREENS) -> Draft:
    """Runs in the build worker: load the folder with the draft, render and check the slide in
    document `document` of file `rel`: its picture at each screen size (`part` SCREENS, with every
    finding and the marks), or its other languages (LANGUAGES, with their legibility findings)."""
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
                         findings, now, jobs, out, part)
    except Exception as exc:  # noqa: BLE001 - reported beside the editor; the server goes on
        from ..builder import retire_renderer

        retire_renderer()
        return draft_failed(unexpected(exc), traceback.format_exc())


def _ordered(findings: list[Finding]) -> list[Finding]:
    return sorted(set(findings), key=lambda f: (not f.is_error, f.line, f.message))


def _rendered(root: Path, site, slide, own, findings: list[Finding], now: datetime, jobs: int, out: Path,
              part: str) -> Draft:
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
    screens, languages = preview_pictures(every_variant(site, now, themes, only=slide.id))
    picked = screens if part == SCREENS else languages
    render_slides([job for _, job in picked], out, renderer, RenderCache.beside(root / "output"))
    _forget_old_pictures(out / "media", {job.png_name for _, job in screens + languages})
    legible = legibility_findings(site, measured(site, [job for _, job in picked]))
    if part == SCREENS:
        everything = own(findings + language_findings(site, out / "checks.memo") + static_findings(site) + legible)
        marks = form_marks(slide, slide_marks(site, slide))
    else:
        everything, marks = own(legible), {}
    images = tuple(DraftImage(look.id, _label(look, job), f"{job.width} × {job.height}", job.png_name, job.width, job.height)
                   for look, job in picked)
    return Draft(ok=True, slide=slide.id, images=images, findings=tuple(_ordered(everything)), marks=marks,
                 more=len(languages) if part == SCREENS else 0)


def preview_pictures(variants: list) -> tuple[list, list]:
    """The (look, job) pairs the editor shows: each look's first picture (its own language), and
    the other variants (translations, side by side) of the first look that has them, so the
    preview shows every language without one picture per language per screen size."""
    by_look: dict[str, list[tuple]] = {}
    for _, look, job in variants:
        by_look.setdefault(look.id, []).append((look, job))
    others = next((pairs[1:] for pairs in by_look.values() if len(pairs) > 1), [])
    return [pairs[0] for pairs in by_look.values()], others


def _label(look, job) -> str:
    screens = ", ".join(s.name for s in look.screens)
    view = job.context.get("slide") or {}
    lang, beside = view.get("lang"), (view.get("beside") or {}).get("lang")
    return f"{screens}, {lang}" + (f" met {beside}" if beside else "") if lang else screens


def form_marks(slide, marks: dict) -> dict[str, list[dict]]:
    """The marks by the editor's field names: `steps.0.text` as it is, a translation's
    `translations.en.title` as `t.en.title`, and its steps (one text area, a step a line) as
    `t.en.steps` with the step's `line` (0-based, counting lines with text)."""
    out: dict[str, list[dict]] = {}
    for path, found in marks.items():
        parts = path.split(".")
        text = _written(slide, parts)
        if parts[0] == "translations" and len(parts) == 5 and parts[2] == "steps":
            out.setdefault(f"t.{parts[1]}.steps", []).extend(dict(m.to_json(text), line=int(parts[3])) for m in found)
            continue
        name = f"t.{'.'.join(parts[1:])}" if parts[0] == "translations" else path
        out[name] = [m.to_json(text) for m in found]
    return out


def _written(slide, parts: list[str]) -> str | None:
    """A field's text as written (the marks' offsets point into it), by its path."""
    node = slide
    for part in parts:
        if isinstance(node, list):
            node = node[int(part)] if part.isdigit() and int(part) < len(node) else None
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            node = getattr(node, part, None)
        if node is None:
            return None
    return node if isinstance(node, str) else None


def _forget_old_pictures(media: Path, keep: set[str]) -> None:
    try:
        pictures = sorted((p for p in media.iterdir() if p.name not in keep), key=lambda p: p.stat().st_mtime)
    except OSError:
        return
    for picture in pictures[:max(0, len(pictures) - KEEP_PICTURES)]:
        picture.unlink(missing_ok=True)
