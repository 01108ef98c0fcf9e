"""What the preview pages show, as plain data (`preview.json`), made by the preview build.

Every slide with its renders in every look and its findings (file:line, Dutch message), whether it
is live at the moment and when it comes next; per playlist, per screen that shows it, its loops in
play order as a contact sheet with durations and the loop length. The pages only lay this out.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from ..check.owners import owner, slide_spans
from ..content.fields import DAY_NAMES
from ..content.lawfacts import filled
from ..content.model import Site, Slide
from ..errors import Finding
from ..schedule.languages import ROTATE, SIDE_BY_SIDE, LanguageChoice
from ..schedule.loop import loop_figures
from ..schedule.plan import Plan, live_in

if TYPE_CHECKING:
    from .build import ScreenItems
    from .preview import Look, Variant

LANGUAGES = {"nl": "Nederlands", "en": "Engels", "ar": "Arabisch", "tr": "Turks", "uk": "Oekraïens", "pl": "Pools",
             "de": "Duits", "fr": "Frans", "es": "Spaans", "pt": "Portugees", "fa": "Perzisch", "so": "Somalisch",
             "ti": "Tigrinya", "ro": "Roemeens", "bg": "Bulgaars", "zh": "Chinees", "ru": "Russisch"}


def language_name(code: str) -> str:
    return LANGUAGES.get(code.split("-")[0], code)


def preview_data(site: Site, now: datetime, plans: list[Plan], sheets: list[Plan], manifests: dict[str, "ScreenItems"],
                 variants: list["Variant"], findings: list[Finding]) -> dict:
    """The page data: `plans` are the real screens' at `now`, `sheets` those and the stand-ins' (contact sheets)."""
    tz = ZoneInfo(site.config.timezone)
    spans, by_slide, other = slide_spans(site), {}, []
    for finding in findings:
        whose = owner(spans, finding)
        (by_slide.setdefault(whose, []) if whose else other).append(_finding(finding))
    seen_looks: dict[str, "Look"] = {look.id: look for _, look, _ in variants}
    return {
        "site": site.config.site, "moment": _moment(now, tz), "review": site.config.review,
        "errors": sum(f.is_error for f in findings), "warnings": sum(not f.is_error for f in findings),
        "looks": [_look(look) for look in seen_looks.values()],
        "screens": [{"id": s.id, "name": s.name, "size": _size(s.width, s.height), "playlist": s.playlist}
                    for s in site.config.screens],
        "slides": _slides(site, now, plans, variants, by_slide, tz),
        "other": other,
        "playlists": [_playlist(site, playlist.id, now, sheets, manifests, tz) for playlist in site.playlists.values()],
    }


def _finding(finding: Finding) -> dict:
    place = f"{finding.file}:{finding.line}" if finding.line else finding.file
    text = f"{finding.field}: {finding.message}" if finding.field else finding.message
    return {"error": finding.is_error, "severity": "fout" if finding.is_error else "waarschuwing", "place": place,
            "text": text}


def _look(look: "Look") -> dict:
    return {"id": look.id, "size": _size(look.width, look.height), "theme": look.theme,
            "languages": _languages(look.languages), "screens": [s.name for s in look.screens]}


def _size(width: int, height: int) -> str:
    return f"{width} × {height}"


def _languages(choice: LanguageChoice | None) -> str:
    """How a screen shows translations, in words."""
    if choice is None:
        return ""
    if choice.shown == ():
        return "alleen " + language_name(choice.own)
    shown = ", ".join(language_name(lang) for lang in choice.shown) if choice.shown is not None else "alle talen"
    how = {ROTATE: "elke ronde één andere taal", SIDE_BY_SIDE: "vertaling klein naast het Nederlands"}
    return f"{shown}: {how.get(choice.mode, 'vertalingen na elke dia')}"


# --- slides ------------------------------------------------------------------------------------------

def _slides(site: Site, now: datetime, plans: list[Plan], variants: list["Variant"], by_slide: dict[str, list[dict]],
            tz: ZoneInfo) -> list[dict]:
    renders: dict[str, list[dict]] = {}
    for slide_id, look, job in variants:
        slide = job.context["slide"]
        shown = renders.setdefault(slide_id, [])
        shown.append({
            "look": look.id, "label": _variant_label(slide["lang"], (slide.get("beside") or {}).get("lang")),
            "first": not any(v["look"] == look.id for v in shown),  # the look's first: the own language, or beside
            "image": job.png_name, "width": job.width, "height": job.height, "size": _size(job.width, job.height)})
    live, coming = _when_live(plans, now)
    out = []
    for slide in site.slides.values():
        found = by_slide.get(slide.id, [])
        line = slide.origin.line(() if slide.phase else ("id",))
        out.append({"id": slide.id, "title": filled(slide, site.config.language, None, slide.title),
                    "kind": _kind(slide), "place": f"{slide.origin.file}:{line}",
                    "live": bool(live.get(slide.id)),
                    "status": _status(site, slide, live.get(slide.id, []), coming.get(slide.id), now, tz),
                    "variants": renders.get(slide.id, []), "findings": found,
                    "errors": sum(f["error"] for f in found), "warnings": sum(not f["error"] for f in found)})
    return out


def _variant_label(lang: str, beside: str | None) -> str:
    return f"{language_name(lang)} met {language_name(beside)} ernaast" if beside else language_name(lang)


def _kind(slide: Slide) -> str:
    if slide.phase is None:
        return "dia"
    return "wetswijziging, " + ("vóór de ingangsdatum" if slide.phase.part == "before" else "vanaf de ingangsdatum")


def _when_live(plans: list[Plan], now: datetime) -> tuple[dict[str, list[str]], dict[str, tuple[datetime, str]]]:
    """Per slide: the screens it is live on at `now`, and the first later moment it starts on one (and where)."""
    live: dict[str, list[str]] = {}
    coming: dict[str, tuple[datetime, str]] = {}
    for plan in plans:
        if not any(any(a <= now < b for a, b in spans) for _, spans in plan.entries) and plan.fallback:
            live.setdefault(plan.fallback.slide.id, []).append(plan.screen.name)  # nothing else: the fallback shows
        for entry, spans in plan.entries:
            ident, name = entry.slide.id, plan.screen.name
            if any(a <= now < b for a, b in spans) and name not in live.setdefault(ident, []):
                live[ident].append(name)
            later = [a for a, _ in spans if a > now]
            if later and (ident not in coming or min(later) < coming[ident][0]):
                coming[ident] = (min(later), name)
    return live, coming


def _status(site: Site, slide: Slide, live: list[str], coming: tuple[datetime, str] | None, now: datetime,
            tz: ZoneInfo) -> str:
    standing_in = [p.name for p in site.playlists.values() if p.fallback == slide.id]
    spare = (f" Reservedia van {_and(standing_in)}: staat op het scherm als er niets anders te zien is."
             if standing_in else "")
    if live:
        return "Nu te zien op " + _and(live) + "." + spare
    if coming:
        return f"Nu op geen scherm. Komt {_moment_short(coming[0], now, tz)} op {coming[1]}." + spare
    if spare:
        return spare.strip()
    if not _in_a_playlist(site, slide):
        return "Staat in geen afspeellijst."
    return f"Nu op geen scherm, en niet in de komende {site.config.horizon_hours} uur."


def _in_a_playlist(site: Site, slide: Slide) -> bool:
    return any(item.slide == slide.id or (item.tag and item.tag in slide.tags)
               for playlist in site.playlists.values() for item in playlist.items)


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def _moment(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{DAY_NAMES[local.weekday()]} {local:%d-%m-%Y %H:%M}"


def _moment_short(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    local, today = moment.astimezone(tz), now.astimezone(tz).date()
    if local.date() == today:
        return f"vandaag om {local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return f"morgen om {local:%H:%M}"
    return f"op {DAY_NAMES[local.weekday()]} {local:%d-%m} om {local:%H:%M}"


# --- contact sheets ----------------------------------------------------------------------------------

def _playlist(site: Site, playlist_id: str, now: datetime, sheets: list[Plan], manifests: dict[str, "ScreenItems"],
              tz: ZoneInfo) -> dict:
    playlist = site.playlists[playlist_id]
    return {"id": playlist.id, "name": playlist.name, "place": playlist.origin.file,
            "screens": [_sheet(site, plan, manifests[plan.screen.id], now)
                        for plan in sheets if plan.screen.playlist == playlist.id]}


def _sheet(site: Site, plan: Plan, items: "ScreenItems", now: datetime) -> dict:
    """One screen's loops at `now`, in play order, each item with its picture and seconds."""
    by_id = {item.id: item for item in items[0]}
    figures = loop_figures(plan, now)
    live = {entry.item_id for entry in live_in(plan, now)}
    loops = [[{"id": ident, "title": by_id[ident].title, "language": language_name(by_id[ident].lang),
               "duration": by_id[ident].duration, "image": _media(by_id[ident].image), "live": ident in live}
              for ident in loop] for loop in plan.loops]
    fallback = items[1]
    screen = plan.screen
    return {"id": screen.id, "name": screen.name, "stand_in": screen.id not in site.screens,
            "size": _size(screen.width, screen.height), "width": screen.width, "height": screen.height,
            "languages": _languages(plan.languages),
            "loop_seconds": figures.loop_seconds, "loop_text": _duration(figures.loop_seconds), "rounds": figures.loops,
            "wait_minutes": site.config.wait_minutes, "too_long": figures.loop_seconds > site.config.wait_minutes * 60,
            "loops": loops, "nothing_live": not any(i["live"] for loop in loops for i in loop),
            "fallback": {"title": plan.fallback.title, "image": _media(fallback.image), "duration": fallback.duration}}


def _media(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def _duration(seconds: int) -> str:
    minutes, rest = divmod(int(seconds), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
