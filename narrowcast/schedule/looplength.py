"""Loop length: does one loop on a screen fit the time people wait, and do `every` slides come round often enough?

Looks at the coming week from `now`: per screen, each moment what is live changes, the loop as a
visitor meets it then (schedule.loop.loop_figures). The busiest moment is the one with the longest loop.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..content.fields import DAY_NAMES
from ..content.model import Screen, Site
from ..errors import Finding
from .loop import LoopFigures, longest_gap, loop_figures
from .plan import plan_screen

DAYS = 7


def busiest(site: Site, screen: Screen, now: datetime) -> tuple[datetime, LoopFigures, object]:
    """The moment in the coming week at which the screen's loop is longest, its figures, and the plan then."""
    tz = ZoneInfo(site.config.timezone)
    best = None
    day = now.astimezone(tz).date()
    for offset in range(DAYS):
        start = max(now, datetime.combine(day + timedelta(days=offset), time(0), tzinfo=tz))
        plan = plan_screen(site, screen, start)
        end = datetime.combine(day + timedelta(days=offset + 1), time(0), tzinfo=tz)
        moments = {start} | {a for entry, spans in plan.entries for a, _ in spans if start < a < end}
        for moment in sorted(moments):
            figures = loop_figures(plan, moment)
            if best is None or figures.loop_seconds > best[1].loop_seconds:
                best = (moment, figures, plan)
    return best


def _when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{DAY_NAMES[local.weekday()]} {local:%d-%m} om {local:%H:%M}"


def _span(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}:{seconds % 60:02d} min"


def loop_findings(site: Site, now: datetime) -> list[Finding]:
    """A warning per screen whose busiest loop is longer than the wait, and per `every` slide that comes too seldom."""
    tz = ZoneInfo(site.config.timezone)
    wait = site.config.wait_minutes * 60
    findings, told = [], set()
    for screen in site.config.screens:
        moment, figures, plan = busiest(site, screen, now)
        if figures.loop_seconds > wait:
            findings.append(_too_long(site, screen, plan, figures, _when(moment, tz)))
        for slide_id, every in _every_slides(plan).items():
            gap = longest_gap(plan, moment, slide_id)
            if slide_id not in told and gap and gap > every * 1.25:
                told.add(slide_id)
                findings.append(_every_origin(site, screen, slide_id).finding(
                    ("every",), f"deze dia komt op scherm {screen.id} soms pas na {_span(gap)} terug "
                    f"({_when(moment, tz)}), niet elke {_span(every)}; maak de ronde korter, geef lange dia's een "
                    "kortere duration of kies een ruimere every", severity="warning", code="every-not-met"))
    return findings


def _every_slides(plan) -> dict[str, int]:
    """Per slide that asks to come round often: its `every` in seconds."""
    return {entry.slide.id: entry.every for entry, _ in plan.entries if entry.every}


def _every_origin(site: Site, screen: Screen, slide_id: str):
    """Where `every` was written: on the slide, else on the playlist item that names the slide or its tag."""
    slide = site.slides[slide_id]
    if slide.every:
        return slide.origin
    for item in site.playlists[screen.playlist].items:
        if item.every and (item.slide == slide_id or item.tag in slide.tags):
            return item.origin
    return slide.origin


def _too_long(site: Site, screen: Screen, plan, figures: LoopFigures, when: str) -> Finding:
    translated = any(entry.slide.translations.get(entry.lang) or entry.also for entry, _ in plan.entries)
    sequential = plan.languages is None or plan.languages.mode == "sequential"
    advice = ("zet language_mode: rotate (elke ronde één andere taal) of side-by-side bij het scherm of de playlist, "
              "of haal dia's weg" if translated and sequential else "haal dia's uit de playlist, of maak teksten korter")
    wait = site.config.wait_minutes
    return screen.origin.finding(("language_mode",) if screen.language_mode else ("playlist",),
                                 f"een ronde op scherm {screen.id} duurt {_span(figures.loop_seconds)} ({when}); "
                                 f"mensen wachten meestal {wait} minuten (wait_minutes), dus veel bezoekers zien "
                                 f"niet alles; {advice}", severity="warning", code="loop-too-long")


def screen_language_findings(site: Site) -> list[Finding]:
    """Language settings that cannot do what they say: a language in `languages:` that no slide has,
    one named twice, and a translation in the folder's own language (the Dutch slide is that)."""
    own, findings = site.config.language, []
    present = {lang for slide in site.slides.values() for lang in slide.translations}
    for holder in [*site.config.screens, *site.playlists.values()]:
        seen: set[str] = set()
        for i, lang in enumerate(holder.languages or ()):
            if lang in seen:
                findings.append(holder.origin.finding(("languages", i), f"'{lang}' staat twee keer in languages; "
                                                      "haal er één weg", severity="warning", code="language-twice"))
            elif lang != own and lang not in present:
                findings.append(holder.origin.finding(("languages", i), f"geen enkele dia heeft een vertaling in "
                                                      f"'{lang}'; vertaal dia's of haal '{lang}' weg",
                                                      severity="warning", code="language-unused"))
            seen.add(lang)
    for slide in site.slides.values():
        if own in slide.translations:
            findings.append(slide.origin.finding(("translations", own), f"een vertaling in '{own}', de taal van de "
                                                 "map zelf, wordt nooit getoond: de dia is al in die taal; haal hem weg",
                                                 severity="warning", code="translation-own-language"))
    return findings

