"""The one place schedule logic lives: what plays on a screen, when, as plain UTC intervals.

Everything here is a pure function of the content and a timezone-aware moment. The player only
compares timestamps with the intervals computed here; it never interprets days or hours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from ..content.ids import ItemId
from ..content.lawfacts import CHECK_DAYS, filled
from ..content.model import FAR_PAST, Playlist, Screen, Site, Slide, Timing, Translation, as_of
from ..check.readingtime import reading_seconds
from ..state.files import Notice
from .languages import SIDE_BY_SIDE, LanguageChoice, language_choice
from .loop import build_loops

UTC = timezone.utc
Interval = tuple[datetime, datetime]  # [start, end) in UTC


@dataclass(frozen=True)
class Entry:
    """One playable thing on a screen: a slide in one language, with its duration and rank."""

    id: ItemId
    slide: Slide
    lang: str
    duration: int
    priority: int = 0
    interrupt: bool = False
    timings: tuple[Timing, ...] = ()  # all must allow a moment for the entry to be live
    extra: tuple[Interval, ...] | None = None  # a fixed window (law phases, countdown days)
    days_left: int | None = None  # on a law's announcement with a countdown: one entry per day
    also: str | None = None  # side by side: this language smaller beside the slide's own
    every: int | None = None  # seconds: the entry comes round at least this often within a loop

    @property
    def countdown(self) -> str | None:
        """The countdown in Dutch, "Nog 12 dagen" (the slide itself says it in its own language)."""
        if not self.days_left or self.days_left < 1:
            return None
        return "Nog 1 dag" if self.days_left == 1 else f"Nog {self.days_left} dagen"

    @property
    def item_id(self) -> str:
        """The id as the manifest, the player and the render jobs write it."""
        return str(self.id)

    @property
    def title(self) -> str:
        """The title in the entry's own language."""
        translation = self.slide.translations.get(self.lang)
        return filled(self.slide, self.lang, self.days_left, translation.title if translation else self.slide.title)

    @property
    def rank(self) -> tuple[bool, int]:
        return (self.interrupt, self.priority)

    @property
    def unconditional(self) -> bool:
        return self.extra is None and not any(_constrains(t) for t in self.timings)


@dataclass
class Plan:
    """What a screen plays within a window: each entry with the intervals it is really live."""

    screen: Screen
    window: Interval
    entries: list[tuple[Entry, list[Interval]]] = field(default_factory=list)
    fallback: Entry | None = None
    languages: LanguageChoice | None = None
    loops: list[list[str]] = field(default_factory=list)  # item ids in play order, one list per loop


# --- windows -----------------------------------------------------------------------------------

def build_window(now: datetime, horizon_hours: int, tz: ZoneInfo) -> Interval:
    """From local midnight today to local midnight after the horizon: stable for a whole day."""
    now = as_of(now).astimezone(tz)
    start = datetime.combine(now.date(), time(0), tzinfo=tz)
    end_day = (now + timedelta(hours=horizon_hours)).date() + timedelta(days=1)
    return start.astimezone(UTC), datetime.combine(end_day, time(0), tzinfo=tz).astimezone(UTC)


# --- what a playlist holds -------------------------------------------------------------------------

Showing = tuple[Interval | None, int | None]  # a fixed window (None: always), and the days left of a countdown


def _showings(slide: Slide, superseded: dict[str, datetime], window: Interval, tz: ZoneInfo) -> list[Showing]:
    """When a slide shows beyond its own timing: a law phase in its span, a superseded slide until its law."""
    phase = slide.phase
    if phase is None:
        until = superseded.get(slide.id)
        return [((FAR_PAST, until) if until else None, None)]
    if phase.part == "before" and phase.law.countdown:
        return _countdown_days(phase.span, window, tz)
    return [(phase.span, None)]


def _countdown_days(span: Interval, window: Interval, tz) -> list[Showing]:
    """One showing per local day inside the window, each saying how many days are left."""
    start, effective = span
    out = []
    day = max(start, window[0]).astimezone(tz).date()
    last = min(effective, window[1])
    effective_day = effective.astimezone(tz).date()
    while (begin := datetime.combine(day, time(0), tzinfo=tz)) < last:
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
        left = (effective_day - day).days
        out.append(((max(begin, start).astimezone(UTC), min(end, effective).astimezone(UTC)), left if left > 0 else None))
        day += timedelta(days=1)
    return out


def playlist_entries(site: Site, playlist: Playlist, window: Interval, languages: LanguageChoice | None = None) -> list[Entry]:
    """The entries of a playlist in order: tags expanded, law phases in their window, translations added."""
    languages = languages or language_choice(site, None)
    tz = ZoneInfo(site.config.timezone)
    superseded: dict[str, datetime] = {}
    for law in site.laws.values():
        for ident in law.supersedes:
            superseded[ident] = min(superseded.get(ident, law.effective), law.effective)
    by_tag: dict[str, list[str]] = {}
    for slide in site.slides.values():
        for tag in slide.tags:
            by_tag.setdefault(tag, []).append(slide.id)

    entries: list[Entry] = []
    seen: set[str] = set()
    for item in playlist.items:
        for ident in ([item.slide] if item.slide else by_tag.get(item.tag, [])):
            if ident in seen:
                continue  # a slide named twice plays once, at its first place
            seen.add(ident)
            slide = site.slides.get(ident)  # None: the phase of a law that has no text for it
            for span, days_left in _showings(slide, superseded, window, tz) if slide else ():
                entries += _language_entries(site, slide, item, span, days_left, languages)
    return entries


def auto_duration(site: Site, slide: Slide, lang: str) -> int:
    """Seconds for a slide without a duration: its reading time for a slow reader, at least the default."""
    checks = site.config.checks
    translation = slide.translations.get(lang)
    texts = [translation.title, translation.text, translation.highlight] if translation else [slide.title, slide.text, slide.highlight]
    steps = translation.steps if translation and translation.steps is not None else slide.steps
    texts = [filled(slide, lang, CHECK_DAYS, t) for t in texts + [s.text for s in steps] if t]  # "{datum}" reads as 3 words
    needed = reading_seconds(texts, checks.words_per_minute, checks.find_seconds)
    return max(site.config.default_duration, math.ceil(needed))


def _language_entries(site: Site, slide: Slide, item, span: Interval | None, days_left: int | None,
                      languages: LanguageChoice) -> list[Entry]:
    """The slide in the languages the screen shows: after each other, or each translation beside the Dutch."""
    fixed = item.duration or slide.duration
    every = min((e for e in (slide.every, item.every) if e), default=None)
    common = dict(priority=max(slide.priority, item.priority),
                  interrupt=slide.interrupt or item.interrupt, timings=(slide, item),
                  extra=(span,) if span else None, days_left=days_left, every=every)
    # A countdown day is its own item: each day's slide says a different number.
    day = span[0].astimezone(ZoneInfo(site.config.timezone)).date() if span and days_left else None
    return _entries_in_languages(site, slide, fixed, languages, day, common)


def _entries_in_languages(site: Site, slide: Slide, fixed: int | None, languages: LanguageChoice, day, common) -> list[Entry]:
    own = languages.own
    translated = languages.translations(slide)
    if languages.mode == SIDE_BY_SIDE and translated:
        return [Entry(ItemId(slide.id, day, also=lang), slide, own,
                      fixed or max(auto_duration(site, slide, own), auto_duration(site, slide, lang)), also=lang, **common)
                for lang in translated]
    entries = [Entry(ItemId(slide.id, day), slide, own, fixed or auto_duration(site, slide, own), **common)]
    for lang in translated:
        entries.append(Entry(ItemId(slide.id, day, lang), slide, lang, fixed or auto_duration(site, slide, lang), **common))
    return entries


def fallback_entry(site: Site, playlist: Playlist) -> Entry:
    """What a screen shows when nothing else is live: the playlist's fallback, or a welcome."""
    slide = site.slides.get(playlist.fallback) if playlist.fallback else None
    if slide is None or slide.phase is not None:  # a law phase has its own window; it never stands in
        slide = Slide(id="welkom", title=f"Welkom bij {site.config.site}", icon="welkom")
    return Entry(ItemId(slide.id), slide, site.config.language, slide.duration or site.config.default_duration)


# --- intervals -----------------------------------------------------------------------------------

def _constrains(timing: Timing) -> bool:
    return any((timing.valid_from, timing.valid_until, timing.days, timing.hours))


def timing_intervals(timing: Timing, window: Interval, tz: ZoneInfo) -> list[Interval]:
    """Where one set of time rules allows playing, inside the window, in UTC."""
    lo, hi = window
    if timing.valid_from:
        lo = max(lo, timing.valid_from.astimezone(UTC))
    if timing.valid_until:
        hi = min(hi, timing.valid_until.astimezone(UTC))
    if lo >= hi:
        return []
    if not timing.days and not timing.hours:
        return [(lo, hi)]
    spans = []
    day = lo.astimezone(tz).date() - timedelta(days=1)  # an overnight window from yesterday may reach in
    while datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC) < hi:
        if timing.days is None or day.weekday() in timing.days:
            for start, end in timing.hours or ((time(0), time(0)),):
                spans.append(_local_span(day, start, end, tz))
        day += timedelta(days=1)
    return _clip(_merge(spans), lo, hi)


def _local_span(day: date, start: time, end: time, tz: ZoneInfo) -> Interval:
    """A window on a local day; an end at or before the start lies on the next day."""
    end_day = day + timedelta(days=1) if end <= start else day
    begin = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
    finish = datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)
    return begin, finish


def entry_intervals(entry: Entry, window: Interval, tz: ZoneInfo) -> list[Interval]:
    spans = [window]
    for timing in entry.timings:
        spans = _intersect(spans, timing_intervals(timing, window, tz))
    if entry.extra is not None:
        spans = _intersect(spans, _clip(list(entry.extra), *window))
    return spans


def notice_entry(site: Site, notice: Notice) -> Entry:
    """An urgent notice as an interrupting entry, live from its start until it ends.

    Its highlight says until when: in Dutch words on the Dutch slide ("tot 17:00"), in digits on
    each translation ("10:00 – 17:00"), which every language reads and which makes it whole."""
    tz = ZoneInfo(site.config.timezone)
    slide = Slide(id=notice.id, layout="urgent", title=notice.text, icon=notice.icon, interrupt=True,
                  highlight=notice.end_words(tz),
                  translations={lang: Translation(title=text, highlight=notice.end_digits(tz))
                                for lang, text in notice.translations})
    return Entry(ItemId(notice.id), slide, site.config.language, site.config.default_duration, priority=100,
                 interrupt=True, extra=((notice.start.astimezone(UTC), notice.until.astimezone(UTC)),))


def notice_entries(site: Site, notice: Notice, languages: LanguageChoice) -> list[Entry]:
    """An urgent notice in the languages the screen shows, each interrupting while the notice lasts."""
    entry = notice_entry(site, notice)
    common = dict(priority=entry.priority, interrupt=True, extra=entry.extra)
    return _entries_in_languages(site, entry.slide, site.config.default_duration, languages, None, common)


def plan_screen(site: Site, screen: Screen, now: datetime, notices: Sequence[Notice] = ()) -> Plan:
    """Every entry of a screen with the intervals it really plays: higher rank pushes lower aside."""
    tz = ZoneInfo(site.config.timezone)
    window = build_window(now, site.config.horizon_hours, tz)
    playlist = site.playlists[screen.playlist]
    languages = language_choice(site, screen)
    entries = [e for n in notices if n.targets(screen.id) for e in notice_entries(site, n, languages)]
    entries += playlist_entries(site, playlist, window, languages)
    named: set[str] = set()  # a slide with a notice's id (or a hand-edited notice with a slide's): the first wins
    entries = [e for e in entries if not (e.item_id in named or named.add(e.item_id))]
    raw = [(entry, entry_intervals(entry, window, tz)) for entry in entries]
    plan = Plan(screen, window, fallback=fallback_entry(site, playlist), languages=languages)
    ranks = sorted({entry.rank for entry, _ in raw})  # few: computed once per rank, not per entry
    stronger = {rank: _merge([s for other, o_spans in raw if other.rank > rank for s in o_spans]) for rank in ranks}
    for entry, spans in raw:
        effective = _subtract(spans, stronger[entry.rank])
        if effective and effective[-1][1] > now:  # an item whose time has passed today is left out
            plan.entries.append((entry, effective))
    plan.loops = build_loops(plan, now)
    return plan


def live_items(site: Site, screen: Screen, at: datetime, notices: Sequence[Notice] = ()) -> list[Entry]:
    """What plays on a screen at a moment, in playlist order; the fallback when nothing else does."""
    at = as_of(at).astimezone(UTC)
    return live_in(plan_screen(site, screen, at, notices), at)


def live_in(plan: Plan, at: datetime) -> list[Entry]:
    """What a plan plays at a moment inside its window, in playlist order; the fallback when nothing else does."""
    at = as_of(at).astimezone(UTC)
    live = [entry for entry, spans in plan.entries if any(a <= at < b for a, b in spans)]
    return live or [plan.fallback]


def next_change_after(site: Site, screen: Screen, at: datetime, notices: Sequence[Notice] = ()) -> datetime | None:
    """The first moment after `at` when what plays on the screen changes, looking up to a year ahead."""
    at = as_of(at).astimezone(UTC)
    step = timedelta(hours=max(site.config.horizon_hours, 24))
    moment, limit = at, at + timedelta(days=366)
    while moment < limit:
        plan = plan_screen(site, screen, moment, notices)
        edges = sorted({edge for _, spans in plan.entries for span in spans for edge in span
                        if at < edge < plan.window[1]})
        if edges:
            return edges[0]
        moment = max(moment + step, plan.window[1])
    return None


# --- interval arithmetic ---------------------------------------------------------------------------

def _merge(spans: list[Interval]) -> list[Interval]:
    out: list[Interval] = []
    for start, end in sorted(s for s in spans if s[0] < s[1]):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _clip(spans: list[Interval], lo: datetime, hi: datetime) -> list[Interval]:
    return [(max(a, lo), min(b, hi)) for a, b in _merge(spans) if min(b, hi) > max(a, lo)]


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out = []
    for a0, a1 in _merge(a):
        for b0, b1 in _merge(b):
            lo, hi = max(a0, b0), min(a1, b1)
            if lo < hi:
                out.append((lo, hi))
    return _merge(out)


def _subtract(spans: list[Interval], holes: list[Interval]) -> list[Interval]:
    out = []
    for start, end in _merge(spans):
        pieces = [(start, end)]
        for h0, h1 in holes:
            pieces = [p for a, b in pieces for p in ((a, min(b, h0)), (max(a, h1), b)) if p[0] < p[1]]
        out += pieces
    return _merge(out)
