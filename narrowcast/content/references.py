"""Checks across files: ids, references, icons, images, dates. Pure over the loaded model."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from ..assets import icons
from ..errors import Finding
from .model import Law, Playlist, SiteConfig, Slide, law_slide_id
from ..assets.themes import available_themes, theme_findings
from .validate import suggest

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".svg"}


def _at(obj, field: str | tuple = (), message: str = "", code: str = "invalid", severity="error") -> Finding:
    """A finding at a field of a model object, at the line where it was written."""
    field = (field,) if isinstance(field, str) else tuple(field)
    return obj.origin.finding(field, message, code=code, severity=severity)


def check_references(root: Path, config: SiteConfig, slides: list[Slide], playlists: list[Playlist], laws: list[Law],
                     unreadable_ids: set[str] = frozenset()) -> list[Finding]:
    """Every finding that needs more than one file to see.

    `slides` are the written slides and the laws' phase slides. Ids of items that failed
    validation count as known, so one mistake is reported once.
    """
    written = [s for s in slides if s.phase is None]
    findings: list[Finding] = []
    findings += _duplicates("dia", written + laws + _phases_of_distinct_laws(slides))
    findings += _duplicates("afspeellijst", playlists)
    findings += _duplicates("scherm", config.screens)
    # Both phase ids count, also of a phase the law has no text for: naming it shows nothing.
    slide_ids = {s.id for s in slides} | {law_slide_id(law, part) for law in laws for part in ("before", "after")}
    slide_ids |= unreadable_ids
    tags = {tag for s in slides for tag in s.tags} | {tag for law in laws for tag in law.tags}
    playlist_ids = {p.id for p in playlists} | unreadable_ids
    themes = available_themes(root)

    for screen in config.screens:
        if screen.playlist not in playlist_ids:
            findings.append(_unknown(screen, "playlist", screen.playlist, playlist_ids, "afspeellijst"))
        if screen.theme and screen.theme not in themes:
            findings.append(_unknown(screen, "theme", screen.theme, themes, "thema"))
    if config.theme not in themes:
        findings.append(_unknown(config, "theme", config.theme, themes, "thema"))
    used = {config.theme} | {screen.theme for screen in config.screens if screen.theme}
    # Shared parents are checked once per theme that uses them: report each place once.
    findings += dict.fromkeys(f for name in sorted(used & set(themes)) for f in theme_findings(root, name))

    for playlist in playlists:
        if playlist.fallback and playlist.fallback not in slide_ids:
            findings.append(_unknown(playlist, "fallback", playlist.fallback, slide_ids, "dia"))
        for i, item in enumerate(playlist.items):
            if (item.slide is None) == (item.tag is None):
                findings.append(_at(item, (), "noem precies één van slide: of tag:", "item-target"))
            elif item.slide and item.slide not in slide_ids:
                findings.append(_unknown(item, "slide", item.slide, slide_ids, "dia"))
            elif item.tag and item.tag not in tags:
                findings.append(_unknown(item, "tag", item.tag, tags, "tag", "geen enkele dia heeft deze tag"))
            findings += _period(item)

    for slide in written:  # a phase's icon and texts are the law's: checked there, once
        findings += _slide_checks(root, slide)
    for law in laws:
        findings += _law_checks(law, {s.id for s in written})
    return findings


def _phases_of_distinct_laws(slides: list[Slide]) -> list[Slide]:
    """The phase slides, for the id check, leaving out those of a law whose id is taken already:
    that law is reported once, at its own id, not again for each of its phases."""
    first: dict[str, Law] = {}
    for slide in slides:
        if slide.phase is not None:
            first.setdefault(slide.phase.law.id, slide.phase.law)
    return [s for s in slides if s.phase is not None and first[s.phase.law.id] is s.phase.law]


def _duplicates(kind: str, objects) -> list[Finding]:
    by_id = defaultdict(list)
    for obj in objects:
        by_id[obj.id].append(obj)
    findings = []
    for ident, same in by_id.items():
        for obj in same[1:]:
            first = same[0].origin
            where = f"{first.file}:{first.line(('id',))}"
            findings.append(_at(obj, "id", f"{kind}-id '{ident}' bestaat al in {where}; kies een andere id", "duplicate-id"))
    return findings


def _unknown(obj, field, value: str, known, kind: str, otherwise: str = "") -> Finding:
    hint = suggest(value, known)
    message = f"{kind} '{value}' bestaat niet" + (f"; bedoelde u '{hint}'?" if hint else f"; {otherwise}" if otherwise else "")
    return _at(obj, field, message, f"unknown-{field if isinstance(field, str) else field[0]}")


def _period(obj) -> list[Finding]:
    if obj.valid_from and obj.valid_until and obj.valid_until <= obj.valid_from:
        return [_at(obj, "valid_until", "valid_until ligt vóór valid_from; draai de datums om", "period-order")]
    return []


def _icon(obj, field: tuple | str, word: str | None) -> list[Finding]:
    if word is None or icons.resolve(word):
        return []
    hint = suggest(word, icons.dutch_words()) or suggest(word, icons.catalog())
    message = f"icoon '{word}' bestaat niet" + (f"; bedoelde u '{hint}'?" if hint else "; zie 'narrowcast icons' voor de lijst")
    return [_at(obj, field, message, "unknown-icon")]


def _slide_checks(root: Path, slide: Slide) -> list[Finding]:
    findings = _period(slide) + _icon(slide, "icon", slide.icon)
    for i, step in enumerate(slide.steps):
        findings += _icon(slide, ("steps", i, "icon"), step.icon)
    for lang, translation in slide.translations.items():
        for i, step in enumerate(translation.steps or []):
            findings += _icon(slide, ("translations", lang, "steps", i, "icon"), step.icon)
        if translation.steps is not None and len(translation.steps) != len(slide.steps):
            findings.append(_at(slide, ("translations", lang, "steps"), f"de vertaling heeft {len(translation.steps)} stappen, "
                                f"de dia {len(slide.steps)}; maak ze even lang", "translation-steps"))
    if slide.layout == "steps" and not 2 <= len(slide.steps) <= 6:
        findings.append(_at(slide, "steps" if slide.steps else "layout",
                            "een dia met layout 'steps' heeft 2 tot 6 stappen", "steps-count"))
    if slide.layout != "steps" and slide.steps:
        findings.append(_at(slide, "steps", "stappen worden alleen getoond met layout: steps", "steps-layout", "warning"))
    if slide.image:
        findings += _image(root, slide)
    return findings


def _image(root: Path, slide: Slide) -> list[Finding]:
    raw = slide.image
    if os.path.isabs(raw) or raw.startswith(("\\", "~")) or (len(raw) > 1 and raw[1] == ":"):
        return [_at(slide, "image", f"'{raw}' is een pad buiten de inhoudsmap; zet de afbeelding in de map images/ "
                                    "en schrijf bijvoorbeeld images/foto.png", "image-outside")]
    target = root / raw
    try:  # a NUL in the name is a ValueError, a name too long an OSError
        resolved = target.resolve(strict=False)
        is_file = resolved.is_file()
    except (OSError, RuntimeError, ValueError):
        return [_at(slide, "image", f"afbeelding '{raw}' kan niet gelezen worden", "image-missing")]
    if not resolved.is_relative_to(root):
        how = "via een snelkoppeling (symlink) " if ".." not in Path(raw).parts else ""
        return [_at(slide, "image", f"'{raw}' wijst {how}naar een plek buiten de inhoudsmap; zet de afbeelding "
                                    "in de map images/", "image-outside")]
    if not is_file:
        return [_at(slide, "image", f"afbeelding '{raw}' bestaat niet; kijk de naam en de map na", "image-missing")]
    if resolved.suffix.lower() not in IMAGE_SUFFIXES:
        return [_at(slide, "image", f"'{raw}' is geen afbeelding; gebruik png, jpg, webp of svg", "image-type")]
    if resolved.suffix.lower() != ".svg" and not _decodes(resolved):
        return [_at(slide, "image", f"'{raw}' is geen leesbare afbeelding (beschadigd of half opgeslagen); "
                                    "sla hem opnieuw op als png of jpg", "image-broken")]
    return []


def _decodes(path: Path) -> bool:
    """Whether a picture decodes completely: a broken one shows as a torn icon on every screen."""
    from PIL import Image

    try:
        with Image.open(path) as picture:
            picture.load()
        return True
    except Exception:  # noqa: BLE001 - a decoder can fail in many ways; each means: not usable
        return False


def _law_checks(law: Law, slide_ids: set[str]) -> list[Finding]:
    findings = _icon(law, "icon", law.icon)
    if law.announce_from and law.announce_from > law.effective:
        findings.append(_at(law, "announce_from", "announce_from ligt na de ingangsdatum; kondig de wet eerder aan", "period-order"))
    if law.retire_after and law.retire_after <= law.effective:
        findings.append(_at(law, "retire_after", "retire_after ligt vóór de ingangsdatum", "period-order"))
    if law.before is None and law.after is None:
        findings.append(_at(law, (), "geef minstens een tekst voor before: of after:", "law-texts"))
    for i, ident in enumerate(law.supersedes):
        if ident not in slide_ids:
            findings.append(_unknown(law, ("supersedes", i), ident, slide_ids, "dia"))
    return findings
